"""EP3xx (expert-parallel options): the rule samples, and the option arithmetic.

The samples follow the convention described in tests/test_rules_parallel.py: a `.bad.json`
gives exactly its code among EP2xx and EP3xx, a `.good.json` none at warning or error, and
extra command-line arguments sit in `<sample file name>.args`, one per line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import REALWORLD
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
from mindie_epcheck.model.build import build
from mindie_epcheck.model.compiled import MODEL_ENTRY
from mindie_epcheck.model.context import Settings
from mindie_epcheck.model.view import EntryView
from mindie_epcheck.rules.expert_common import names_other_family
from mindie_epcheck.rules.expert_level import Truncation, whole_factors

ENTRY = "/BackendConfig/ModelDeployConfig/ModelConfig/0"
BLOCK = ENTRY + "/models/deepseekv2"
FACTORS = BLOCK + "/alltoall_ep_buffer_scale_factors"
FAMILIES = ("EP2", "EP3")

# What each bad sample must report: severity, JSON pointer and line of its finding.
EXPECTED: dict[str, tuple[str, str, int]] = {
    "EP301": ("error", BLOCK + "/ep_level", 108),
    "EP302": ("info", BLOCK, 107),
    "EP303": ("warning", BLOCK + "/ep_level", 106),
    "EP304": ("warning", BLOCK + "/enable_init_routing_cutoff", 109),
    "EP305": ("error", BLOCK + "/topk_scaling_factor", 110),
    "EP306": ("warning", BLOCK + "/topk_scaling_factor", 109),
    "EP307": ("warning", BLOCK + "/topk_scaling_factor", 110),
    "EP308": ("error", FACTORS + "/1", 114),
    "EP309": ("error", FACTORS + "/1", 114),
    "EP310": ("warning", FACTORS + "/1", 114),
    "EP311": ("error", FACTORS + "/0/1", 112),
    "EP312": ("warning", FACTORS + "/0", 110),
    "EP313": ("warning", FACTORS, 109),
    "EP314": ("error", ENTRY + "/moe_ep", 104),
    "EP315": ("error", ENTRY + "/moe_tp", 105),
    "EP316": ("info", ENTRY + "/moe_ep", 112),
    "EP317": ("warning", BLOCK, 107),
    "EP318": ("warning", BLOCK + "/parallel_options/hccl_moe_ep_buffer", 110),
    "EP319": ("warning", BLOCK, 107),
}


def family_findings(sample: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Lint a sample through the CLI and return its EP2xx and EP3xx findings as JSON records."""
    return sample_findings(sample, monkeypatch, FAMILIES)


def test_every_expert_rule_has_samples() -> None:
    for code in EXPECTED:
        assert rule_samples(code, "bad"), f"no bad sample for {code}"
        assert rule_samples(code, "good"), f"no good sample for {code}"


@pytest.mark.parametrize("sample", rule_samples("EP3", "bad"), ids=lambda path: path.name)
def test_bad_sample_reports_its_rule(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_bad_sample(sample, monkeypatch, EXPECTED, FAMILIES)


@pytest.mark.parametrize("sample", rule_samples("EP3", "good"), ids=lambda path: path.name)
def test_good_sample_is_clean(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    findings = family_findings(sample, monkeypatch)
    assert [finding for finding in findings if finding["severity"] != "info"] == []


# ---------------------------------------------------------------- small configs


def ep_entry(model: str = "DeepSeek-R1_w8a8", **options: Any) -> dict[str, Any]:
    """A single-node worldSize 8 entry with moe_ep 8, moe_tp 1 and the given EP options."""
    return {
        "modelName": model,
        "modelWeightPath": f"/data/weights/{model}",
        "worldSize": 8,
        "moe_ep": 8,
        "moe_tp": 1,
        "models": {"deepseekv2": options},
    }


def lint(data: bytes, settings: Settings | None = None) -> list[Finding]:
    return lint_families(data, FAMILIES, settings)


# ---------------------------------------------------------------- the routing cutoff


@pytest.mark.parametrize(
    ("topk", "factor", "scaled", "limit"),
    [
        (8, 0.25, 2, 16384),
        (8, 0.3, 2, 16384),
        (8, 0.5, 4, 32768),
        (6, 0.3, 1, 10922),
        (6, 0.5, 3, 32768),
        (8, 1.0, 8, None),
    ],
)
def test_truncation_starts_where_rows_are_cut(
    topk: int, factor: float, scaled: int, limit: int | None
) -> None:
    truncation = Truncation(topk, factor)

    assert truncation.scaled_topk == scaled
    assert truncation.max_untruncated_tokens == limit
    if limit is None:
        assert truncation.routed_rows(10**6) == 10**6 * topk
        return
    assert truncation.routed_rows(limit) == limit * topk
    assert truncation.routed_rows(limit + 1) < (limit + 1) * topk


def test_truncation_limit_matches_brute_force() -> None:
    for topk in (2, 4, 6, 8):
        for factor in (0.25, 0.3, 0.4, 0.5, 0.6, 0.75, 0.9):
            truncation = Truncation(topk, factor)
            uncut = [
                tokens
                for tokens in range(1, 70000)
                if truncation.routed_rows(tokens) == tokens * topk
            ]
            if truncation.scaled_topk < topk:
                assert max(uncut, default=0) == truncation.max_untruncated_tokens, (topk, factor)


def test_whole_factors_next_to_configured_one() -> None:
    assert whole_factors(Truncation(8, 0.3)) == [0.25, 0.375]
    # 2/6 written as 0.3333 floors to 1 again, so it is not offered.
    assert whole_factors(Truncation(6, 0.3)) == [0.5]


def test_truncation_floors_like_python() -> None:
    assert Truncation(6, 0.3).floors
    assert not Truncation(8, 0.25).floors
    # 8 x 0.3 is 2.4000000000000004 in floating point, which MindIE's int() also floors to 2.
    assert Truncation(8, 0.3).scaled_topk == 2


def test_ep307_deepseek_v2_floor() -> None:
    entry = ep_entry(
        "DeepSeek-V2-Chat",
        ep_level=1,
        enable_init_routing_cutoff=True,
        topk_scaling_factor=0.3,
    )
    finding = only(lint(config(entry)), "EP307")

    assert "int(6 x 0.3) = 1" in finding.message.en
    assert "not 1.8" in finding.message.en
    assert "17%" in finding.message.en
    assert "more than 10922 tokens" in finding.message.en
    assert "such as 0.5." in finding.hint.en


def test_ep307_silent_without_cutoff() -> None:
    entry = ep_entry(ep_level=1, topk_scaling_factor=0.3)
    assert "EP307" not in codes(lint(config(entry)))


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"topk_scaling_factor": 0}, "outside"),
        ({"topk_scaling_factor": 1.5}, "outside"),
        ({"topk_scaling_factor": 0.2, "enable_init_routing_cutoff": True}, "below 0.25"),
    ],
)
def test_ep305_ranges(options: dict[str, Any], expected: str) -> None:
    finding = only(lint(config(ep_entry(ep_level=1, **options))), "EP305")
    assert expected in finding.message.en


def test_small_factor_without_cutoff() -> None:
    findings = lint(config(ep_entry(ep_level=1, topk_scaling_factor=0.2)))
    assert codes(findings) == ["EP306"]


def test_ep306_ignores_default_factor() -> None:
    assert lint(config(ep_entry(ep_level=1, topk_scaling_factor=1.0))) == []


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="shared test data not checked out")
def test_ep306_long_sequence_field_notes() -> None:
    data = (REALWORLD / "a2-dual-node-r1-long-seq-cp2.fieldnotes.json").read_bytes()
    finding = only(lint(data), "EP306")
    assert finding.pointer.endswith("/models/deepseekv2/topk_scaling_factor")


# ---------------------------------------------------------------- the AllToAll buffer list


def factors_entry(factors: Any) -> dict[str, Any]:
    return ep_entry(ep_level=2, alltoall_ep_buffer_scale_factors=factors)


def test_ep309_ascending_list() -> None:
    findings = lint(config(factors_entry([[0, 8.0], [8192, 5.2], [32768, 3.0]])))
    order = [finding for finding in findings if finding.code == "EP309"]

    assert [finding.pointer for finding in order] == [FACTORS + "/1", FACTORS + "/2"]
    assert "ascending" in order[0].message.en
    assert "item 0 [0, 8.0]" in order[0].message.en
    assert "[[32768, 3.0], [8192, 5.2], [0, 8.0]]" in order[0].hint.en


def test_ep309_repeated_threshold() -> None:
    findings = lint(config(factors_entry([[8192, 5.2], [8192, 4.0], [0, 8.0]])))
    assert only(findings, "EP309").pointer == FACTORS + "/1"


def test_ep310_names_moe_ep_and_empty_list() -> None:
    tail = only(lint(config(factors_entry([[8192, 5.2]]))), "EP310")
    empty = only(lint(config(factors_entry([]))), "EP310")

    assert "moe_ep = 8" in tail.message.en
    assert "[0, 5.2]" in tail.hint.en
    assert "empty" in empty.message.en


def test_ep308_each_bad_pair() -> None:
    findings = lint(config(factors_entry([[8192, "5.2"], [-1, 2.0], [0, 8.0]])))
    shape = [finding.pointer for finding in findings if finding.code == "EP308"]
    assert shape == [FACTORS + "/0", FACTORS + "/1"]


def test_ep308_not_a_list() -> None:
    finding = only(lint(config(factors_entry({"0": 8.0}))), "EP308")
    assert finding.pointer == FACTORS


def test_buffer_rules_wait_for_level_2() -> None:
    entry = ep_entry(ep_level=1, alltoall_ep_buffer_scale_factors=[[0, 0.5], [8192, 9.0]])
    assert codes(lint(config(entry))) == ["EP313"]


def test_ep313_missing_ep_level() -> None:
    entry = ep_entry(alltoall_ep_buffer_scale_factors=[[0, 8.0]])
    finding = only(lint(config(entry)), "EP313")
    assert "not set" in finding.message.en


# ---------------------------------------------------------------- levels, experts, blocks


def test_ep301_level_3_is_a_warning() -> None:
    finding = only(lint(config(ep_entry(ep_level=3))), "EP301")
    assert finding.severity.value == "warning"


def test_ep302_without_block_points_at_moe_ep() -> None:
    entry = ep_entry()
    del entry["models"]
    finding = only(lint(config(entry)), "EP302")
    assert finding.pointer == ENTRY + "/moe_ep"


def test_ep315_default_moe_tp_on_unknown_world() -> None:
    entry = ep_entry(ep_level=2)
    del entry["moe_tp"]
    finding = only(lint(config(entry, multi=True)), "EP315")

    assert "defaults to tp" in finding.message.en
    assert finding.pointer == BLOCK + "/ep_level"
    assert '"moe_tp": 1' in finding.hint.en


def test_ep314_dangling_shared_experts() -> None:
    divides = ep_entry(ep_level=1, num_dangling_shared_experts=1)
    divides["moe_ep"] = 9
    assert "EP314" not in codes(lint(config(divides)))

    not_divides = ep_entry(ep_level=1, num_dangling_shared_experts=2)
    not_divides["moe_ep"] = 8
    finding = only(lint(config(not_divides)), "EP314")
    assert "6 devices" in finding.message.en


def test_ep316_needs_v3_family() -> None:
    settings = Settings(nodes=4)
    v3 = ep_entry(ep_level=2)
    v3.update(worldSize=16, moe_ep=64)
    v2 = ep_entry("DeepSeek-V2-Chat", ep_level=2)
    v2.update(worldSize=16, moe_ep=64)

    assert codes(lint(config(v3, multi=True), settings)) == ["EP316"]
    assert "EP316" not in codes(lint(config(v2, multi=True), settings))


def test_non_deepseek_model_gets_only_ep317() -> None:
    entry = ep_entry("qwen3-235b-a22b", ep_level=3, topk_scaling_factor=0.1)
    assert codes(lint(config(entry))) == ["EP317"]


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="shared test data not checked out")
def test_ep317_qwen3_pd_split() -> None:
    data = (REALWORLD / "a2-pd-split-qwen3-235b.user_config.json").read_bytes()
    findings = lint(data)
    assert codes(findings) == ["EP317", "EP317"]


def test_ep318_uses_hccl_buffsize() -> None:
    entry = ep_entry(ep_level=2, parallel_options={"hccl_moe_ep_buffer": 512})
    settings = Settings(env={"HCCL_BUFFSIZE": "1024"})

    assert lint(config(entry)) == []
    finding = only(lint(config(entry), settings), "EP318")
    assert "minimum 1024 MB" in finding.message.en


def test_ep319_unknown_weights_hedges() -> None:
    entry = ep_entry("my-moe", ep_level=2)
    entry["models"]["deepseek_v3"] = {"ep_level": 1}
    finding = only(lint(config(entry)), "EP319")
    assert "if the weights' model_type is deepseek_v3" in finding.message.en


def test_ep319_model_type_block_for_other_version() -> None:
    entry = ep_entry(ep_level=2)
    entry["models"] = {"deepseek_v2": {"ep_level": 2}}
    finding = only(lint(config(entry)), "EP319")
    assert "model_type is deepseek_v3" in finding.message.en


@pytest.mark.parametrize(
    ("name", "path", "other"),
    [
        ("deepseek-r1", "/models/DeepSeek-R1-Distill-Qwen-7B", True),
        ("deepseekr1", "/data/deepseekr1_w8a8", False),
        ("qwen3", "/data/Qwen3-235B-A22B-W8A8", True),
        ("glm-4", "/data/glm-4-9b", True),
        ("my-model", "/data/weights", False),
    ],
)
def test_names_other_family(name: str, path: str, other: bool) -> None:
    raw = {"modelName": name, "modelWeightPath": path, "worldSize": 8}
    entry, _ = build(MODEL_ENTRY, raw, "")
    assert entry is not None
    assert names_other_family(EntryView(entry, "", raw)) is other
