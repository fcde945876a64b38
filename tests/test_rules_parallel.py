"""EP2xx (parallel layout): the rule samples, and the layout arithmetic on small configs.

Sample convention, shared with tests/test_rules_expert.py: every rule has two samples.
`samples/rules/<CODE>-<name>.bad.json` must give exactly that code among the EP2xx and EP3xx
findings, while other families may report too. `<CODE>-<name>.good.json` must give no EP2xx
or EP3xx finding at warning or error level. A sample that needs more
command-line arguments (a rank table, --nodes) has them in a sibling file named after the
sample plus `.args`, one argument per line, paths relative to the repository root. The
samples are full config.json files for DeepSeek-R1 W8A8 on one node with worldSize 8 unless
the rule needs more nodes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import REALWORLD, SAMPLES
from rule_samples import (
    assert_bad_sample,
    codes,
    config,
    lint_families,
    only,
    rule_samples,
    sample_findings,
)

from mindie_epcheck.findings import Finding
from mindie_epcheck.model.context import Settings

ENTRY = "/BackendConfig/ModelDeployConfig/ModelConfig/0"
FAMILIES = ("EP2", "EP3")

# What each bad sample must report: severity, JSON pointer and line of its finding.
EXPECTED: dict[str, tuple[str, str, int]] = {
    "EP201": ("error", ENTRY + "/worldSize", 99),
    "EP202": ("error", ENTRY + "/dp", 104),
    "EP203": ("error", ENTRY + "/cp", 106),
    "EP204": ("error", ENTRY + "/sp", 104),
    "EP205": ("error", ENTRY + "/pp", 105),
    "EP206": ("error", ENTRY + "/tp", 104),
    "EP207": ("error", ENTRY + "/moe_tp", 106),
    "EP208": ("error", ENTRY + "/moe_ep", 104),
    "EP209": ("error", ENTRY + "/dp", 104),
    "EP210": ("info", "/BackendConfig/multiNodesInferEnabled", 74),
}


def family_findings(sample: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Lint a sample through the CLI and return its EP2xx and EP3xx findings as JSON records."""
    return sample_findings(sample, monkeypatch, FAMILIES)


def test_every_parallel_rule_has_samples() -> None:
    for code in EXPECTED:
        assert rule_samples(code, "bad"), f"no bad sample for {code}"
        assert rule_samples(code, "good"), f"no good sample for {code}"


@pytest.mark.parametrize("sample", rule_samples("EP2", "bad"), ids=lambda path: path.name)
def test_bad_sample_reports_its_rule(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_bad_sample(sample, monkeypatch, EXPECTED, FAMILIES)


@pytest.mark.parametrize("sample", rule_samples("EP2", "good"), ids=lambda path: path.name)
def test_good_sample_is_clean(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    findings = family_findings(sample, monkeypatch)
    assert [finding for finding in findings if finding["severity"] != "info"] == []


# ---------------------------------------------------------------- small configs


def r1_entry(**extras: Any) -> dict[str, Any]:
    return {
        "modelName": "DeepSeek-R1_w8a8",
        "modelWeightPath": "/data/weights/DeepSeek-R1_w8a8",
        "worldSize": 8,
        **extras,
    }


def lint(
    data: bytes,
    settings: Settings | None = None,
    ranktable: Path | None = None,
) -> list[Finding]:
    return lint_families(data, FAMILIES, settings, ranktable)


def layout_codes(findings: list[Finding]) -> list[str]:
    return [code for code in codes(findings) if code.startswith("EP2")]


def errors(findings: list[Finding]) -> list[str]:
    return [finding.code for finding in findings if finding.severity.value == "error"]


RANKTABLE_2X8 = SAMPLES / "rules" / "ranktable-2x8.json"


def test_ep208_expert_parallel_page_example() -> None:
    entry = r1_entry(moe_ep=8, models={"deepseekv2": {"ep_level": 1}})
    finding = only(lint(config(entry)), "EP208")

    assert finding.pointer == ENTRY + "/moe_ep"
    assert "moe_tp 8" in finding.message.en
    assert "defaults to tp, which defaults to the world size" in finding.message.en
    assert "= 64" in finding.message.en
    assert "64 != 8" in finding.message.en
    assert '"moe_tp": 1' in finding.hint.en
    assert '"moe_tp": 1' in finding.hint.zh
    assert "64" in finding.message.zh
    assert ENTRY + "/worldSize" in finding.related


def test_ep208_points_at_explicit_moe_tp() -> None:
    finding = only(lint(config(r1_entry(moe_ep=4, moe_tp=4))), "EP208")

    assert finding.pointer == ENTRY + "/moe_tp"
    assert "4 x moe_tp 4 = 16" in finding.message.en
    assert '"moe_tp": 2' in finding.hint.en


def test_ep208_moe_ep_not_dividing_world() -> None:
    finding = only(lint(config(r1_entry(moe_ep=3, moe_tp=1))), "EP208")

    assert finding.pointer == ENTRY + "/moe_ep"
    assert "does not divide" in finding.hint.en
    assert '"moe_tp"' not in finding.hint.en


def test_ep208_without_expert_parallelism() -> None:
    finding = only(lint(config(r1_entry(tp=4, dp=2))), "EP208")

    assert finding.pointer == ENTRY + "/tp"
    assert "defaults to tp" in finding.message.en
    assert '"moe_tp": 8' in finding.hint.en
    assert '"moe_ep": 2' in finding.hint.en


def test_ep208_mentions_inferred_node_count() -> None:
    entry = r1_entry(tp=8, dp=2, moe_ep=4)
    finding = only(lint(config(entry, multi=True)), "EP208")

    assert "W = 2 nodes x worldSize 8 = 16" in finding.message.en
    assert "inferred" in finding.message.en
    assert '"moe_tp": 4' in finding.hint.en


def test_dual_node_dp2_ep4_is_valid() -> None:
    entry = r1_entry(dp=2, tp=8, moe_ep=4, moe_tp=4, models={"deepseekv2": {"ep_level": 1}})
    data = config(entry, multi=True)

    assert errors(lint(data)) == []
    assert errors(lint(data, ranktable=RANKTABLE_2X8)) == []
    assert errors(lint(data, Settings(nodes=2))) == []
    inferred = only(lint(data), "EP210")
    assert inferred.severity.value == "info"
    assert "inferred" in inferred.message.en


def test_single_node_16_devices_level_2_is_valid() -> None:
    entry = r1_entry(moe_ep=16, moe_tp=1, models={"deepseekv2": {"ep_level": 2}})
    entry["worldSize"] = 16
    assert lint(config(entry)) == []


def test_dp16_on_two_nodes_uses_global_world() -> None:
    entry = r1_entry(dp=16, tp=1, moe_ep=16, moe_tp=1, models={"deepseekv2": {"ep_level": 2}})
    assert errors(lint(config(entry, multi=True), ranktable=RANKTABLE_2X8)) == []


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="shared test data not checked out")
@pytest.mark.parametrize(
    "name",
    [
        "a2-dual-node-r1-dp2-ep4.fieldnotes.json",
        "a2-dual-node-r1-dp2-ep4-mtp.fieldnotes.json",
        "a2-dual-node-r1-long-seq-cp2.fieldnotes.json",
    ],
)
def test_field_notes_layouts_valid_with_inferred_nodes(name: str) -> None:
    findings = lint((REALWORLD / name).read_bytes())

    assert [f for f in findings if f.code.startswith("EP2") and f.severity.value != "info"] == []
    assert errors(findings) == []
    assert only(findings, "EP210").severity.value == "info"


def test_ep202_proposes_tp() -> None:
    finding = only(lint(config(r1_entry(dp=2))), "EP202")

    assert finding.pointer == ENTRY + "/dp"
    assert "x dp 2 x cp 1 = 16" in finding.message.en
    assert '"tp": 4' in finding.hint.en


def test_ep202_pipeline_product() -> None:
    finding = only(lint(config(r1_entry(tp=2, pp=2))), "EP202")

    assert finding.pointer == ENTRY + "/pp"
    assert "pp 2 = 4" in finding.message.en


def test_ep203_and_ep204() -> None:
    entry = r1_entry(tp=2, dp=2, cp=2, sp=4, moe_ep=4, moe_tp=2)
    findings = lint(config(entry))

    assert only(findings, "EP203").pointer == ENTRY + "/cp"
    assert only(findings, "EP204").pointer == ENTRY + "/sp"
    assert '"sp": 2' in only(findings, "EP204").hint.en


def test_ep205_severity_by_model_and_dp() -> None:
    qwen = {"modelName": "qwen3-0.6b", "modelWeightPath": "/data/Qwen3-0.6B", "worldSize": 2}
    plain = only(lint(config({**qwen, "tp": 1, "pp": 2})), "EP205")
    with_dp = only(lint(config({**qwen, "tp": 1, "pp": 2, "dp": 2})), "EP205")
    deepseek = only(lint(config(r1_entry(tp=4, pp=2))), "EP205")

    assert plain.severity.value == "warning"
    assert "pipeline parallelism" in plain.message.en
    assert "not data parallelism" in plain.message.en
    assert "MASTER_IP and MASTER_PORT" in plain.message.en
    assert "MASTER_IP 和 MASTER_PORT" in plain.message.zh
    assert " and " not in plain.message.zh
    assert with_dp.severity.value == "error"
    assert "dp 2" in with_dp.message.en
    assert deepseek.severity.value == "error"
    assert "DeepSeek" in deepseek.message.en


def test_ep205_reads_master_variables_from_settings() -> None:
    qwen = {"modelName": "qwen3-0.6b", "modelWeightPath": "/data/Qwen3-0.6B", "worldSize": 2}
    settings = Settings(env={"MASTER_IP": "127.0.0.1", "MASTER_PORT": "29500"})
    finding = only(lint(config({**qwen, "tp": 1, "pp": 2}), settings), "EP205")

    assert "MASTER_IP" not in finding.message.en


def test_ep206_and_ep207_bounds() -> None:
    settings = Settings(nodes=3)
    inside = r1_entry(tp=8, dp=3, moe_ep=8, moe_tp=3)
    whole = r1_entry(tp=24, moe_ep=1, moe_tp=24)
    spanning = r1_entry(tp=12, dp=2, moe_ep=2, moe_tp=12)

    assert layout_codes(lint(config(inside, multi=True), settings)) == []
    assert layout_codes(lint(config(whole, multi=True), settings)) == []
    spanning_codes = codes(lint(config(spanning, multi=True), settings))
    assert "EP206" in spanning_codes
    assert "EP207" in spanning_codes


@pytest.mark.parametrize("key", ["tp", "dp", "sp", "cp", "pp", "moe_tp", "moe_ep"])
@pytest.mark.parametrize("value", [-1, 0])
def test_ep209_reports_sizes_below_one(key: str, value: int) -> None:
    findings = lint(config(r1_entry(**{key: value})))

    assert codes(findings) == ["EP209"]
    assert findings[0].pointer == f"{ENTRY}/{key}"
    assert "omit" in findings[0].hint.en.lower()


def test_ep210_names_skipped_checks() -> None:
    finding = only(lint(config(r1_entry(), multi=True)), "EP210")

    assert finding.severity.value == "info"
    for code in ("EP202", "EP206", "EP207", "EP208"):
        assert code in finding.message.en
    assert "--ranktable" in finding.hint.en
    assert "--nodes" in finding.hint.en


def test_ep201_ranktable_device_total() -> None:
    uneven = SAMPLES / "rules" / "EP201-world-not-divisible-by-nodes.ranktable-8+7.json"
    finding = only(lint(config(r1_entry(), multi=True), ranktable=uneven), "EP201")

    assert finding.pointer == ENTRY + "/worldSize"
    assert "15 devices" in finding.message.en
    assert "node count 2" in finding.message.en


def test_ep201_ms_pods() -> None:
    prefill = {
        "BackendConfig": {
            "multiNodesInferEnabled": True,
            "ModelDeployConfig": {"ModelConfig": [r1_entry(tp=12)]},
        }
    }
    document = {
        "deploy_config": {"single_p_instance_pod_num": 3, "p_pod_npu_num": 4},
        "mindie_server_prefill_config": prefill,
    }
    finding = only(lint(json.dumps(document).encode()), "EP201")

    assert "12 devices" in finding.message.en
    assert "/deploy_config/p_pod_npu_num" in finding.related
