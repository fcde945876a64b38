"""EP5xx rules: their samples through the CLI, edge cases, and published configs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import REALWORLD
from rule_samples import (
    RULE_SAMPLES,
    Case,
    assert_bad_case,
    assert_family_samples,
    entry_of,
    lint,
    needs_realworld,
    read_json,
    rule_samples,
    serious_findings,
    with_code,
)

from mindie_epcheck.findings import Finding, Severity
from mindie_epcheck.model.context import Settings
from mindie_epcheck.pipeline import lint_bytes

SAMPLES = RULE_SAMPLES
BASE_CONFIG = SAMPLES / "EP501-no-room-for-output.good.json"
FAMILY = "EP5"


# ---------------------------------------------------------------------------------------
# Helpers


def good_samples() -> list[Path]:
    return rule_samples(FAMILY, "good")


def base_config() -> dict[str, Any]:
    return read_json(BASE_CONFIG)


def backend(config: dict[str, Any]) -> dict[str, Any]:
    section: dict[str, Any] = config["BackendConfig"]
    return section


def deploy(config: dict[str, Any]) -> dict[str, Any]:
    section: dict[str, Any] = config["BackendConfig"]["ModelDeployConfig"]
    return section


def schedule(config: dict[str, Any]) -> dict[str, Any]:
    section: dict[str, Any] = config["BackendConfig"]["ScheduleConfig"]
    return section


def lint_published(name: str) -> list[Finding]:
    path = REALWORLD / name
    return lint_bytes(path.name, path.read_bytes(), Settings()).findings


# ---------------------------------------------------------------------------------------
# Samples

ENTRY = "/BackendConfig/ModelDeployConfig/ModelConfig/0"

BAD_CASES = [
    Case(
        "EP501-no-room-for-output.bad.json",
        "EP501",
        "warning",
        "/BackendConfig/ModelDeployConfig/maxInputTokenLen",
        '"maxInputTokenLen": 10000',
    ),
    Case(
        "EP502-prefill-tokens-below-input.bad.json",
        "EP502",
        "error",
        "/BackendConfig/ScheduleConfig/maxPrefillTokens",
        '"maxPrefillTokens": 1024',
    ),
    Case(
        "EP503-iter-times-above-seq-len.bad.json",
        "EP503",
        "error",
        "/BackendConfig/ScheduleConfig/maxIterTimes",
        '"maxIterTimes": 12000',
    ),
    Case(
        "EP504-output-capped.bad.json",
        "EP504",
        "warning",
        "/BackendConfig/ScheduleConfig/maxIterTimes",
        '"maxIterTimes": 512',
    ),
    Case(
        "EP505-preempt-needs-cpu-mem.bad.json",
        "EP505",
        "error",
        f"{ENTRY}/cpuMemSize",
        '"cpuMemSize": 0',
    ),
    Case(
        "EP506-port-conflict.bad.json",
        "EP506",
        "error",
        "/BackendConfig/multiNodesInferPort",
        '"multiNodesInferPort": 1025',
    ),
    Case(
        "EP507-truncation-version.bad.json",
        "EP507",
        "warning",
        "/BackendConfig/ModelDeployConfig/truncation",
        '"truncation": 1',
    ),
    Case(
        "EP508-log-config-version.bad.json",
        "EP508",
        "info",
        "/LogConfig/logLevel",
        '"logLevel"',
    ),
    Case(
        "EP509-model-config-count.bad.json",
        "EP509",
        "error",
        "/BackendConfig/ModelDeployConfig/ModelConfig/1",
        '"modelInstanceType"',
        occurrence=2,
        offset=-1,
    ),
    Case(
        "EP510-npu-device-ids-shape.bad.json",
        "EP510",
        "error",
        "/BackendConfig/npuDeviceIds/0",
        '"npuDeviceIds"',
        offset=1,
    ),
    Case(
        "EP511-npu-mem-size.bad.json",
        "EP511",
        "error",
        f"{ENTRY}/npuMemSize",
        '"npuMemSize": 0',
    ),
]


def test_every_rule_has_bad_and_good_sample() -> None:
    assert_family_samples(FAMILY, 11, BAD_CASES)


@pytest.mark.parametrize("case", BAD_CASES, ids=lambda case: case.sample.removesuffix(".json"))
def test_bad_sample_reports_rule(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_bad_case(case, monkeypatch)


@pytest.mark.parametrize("sample", good_samples(), ids=lambda path: path.name.removesuffix(".json"))
def test_good_sample_is_clean(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert serious_findings(sample, monkeypatch, ("EP4", "EP5")) == []


# ---------------------------------------------------------------------------------------
# EP501 to EP504: lengths


def test_no_room_for_output_suggests_budget() -> None:
    config = base_config()
    deploy(config)["maxInputTokenLen"] = 12000

    findings = with_code(lint(config), "EP501")

    assert len(findings) == 1
    assert "9999 tokens" in findings[0].message.en
    assert "such as 8976 for 1024 output tokens" in findings[0].hint.en


def test_no_room_for_output_below_limit_is_clean() -> None:
    config = base_config()
    deploy(config)["maxInputTokenLen"] = 9999

    assert with_code(lint(config), "EP501") == []


def test_prefill_tokens_mix_template_exempt() -> None:
    config = base_config()
    schedule(config).update({"templateType": "Mix", "maxPrefillTokens": 1024})

    assert with_code(lint(config), "EP502") == []


def test_prefill_tokens_equal_input_is_clean() -> None:
    config = base_config()
    schedule(config)["maxPrefillTokens"] = 2048

    assert with_code(lint(config), "EP502") == []


def test_iter_times_equal_seq_len_is_clean() -> None:
    config = base_config()
    schedule(config)["maxIterTimes"] = 10000

    assert with_code(lint(config), "EP503") == []


def test_iter_times_above_suggests_room() -> None:
    config = base_config()
    schedule(config)["maxIterTimes"] = 10001

    findings = with_code(lint(config), "EP503")

    assert len(findings) == 1
    assert "7952 or less" in findings[0].hint.en


def test_output_capped_at_threshold_is_clean() -> None:
    config = base_config()
    schedule(config)["maxIterTimes"] = 1024

    assert with_code(lint(config), "EP504") == []


def test_output_capped_by_seq_len_is_clean() -> None:
    config = base_config()
    deploy(config).update({"maxSeqLen": 600, "maxInputTokenLen": 100})
    schedule(config).update({"maxIterTimes": 599, "maxPrefillTokens": 600})

    assert with_code(lint(config), "EP504") == []


def test_output_capped_names_both_limits() -> None:
    config = base_config()
    schedule(config)["maxIterTimes"] = 256

    findings = with_code(lint(config), "EP504")

    assert len(findings) == 1
    message = findings[0].message.en
    assert "stops every answer at 256 tokens" in message
    assert "up to 9999 tokens" in message
    assert "maxSeqLen - maxInputTokenLen allows 7952" in message


# ---------------------------------------------------------------------------------------
# EP505, EP509 to EP511: scheduling and memory


def test_preempt_zero_is_clean() -> None:
    config = base_config()
    entry_of(config)["cpuMemSize"] = 0

    assert with_code(lint(config), "EP505") == []


def test_model_config_empty() -> None:
    config = base_config()
    deploy(config)["ModelConfig"] = []

    findings = with_code(lint(config), "EP509")

    assert [finding.pointer for finding in findings] == [
        "/BackendConfig/ModelDeployConfig/ModelConfig"
    ]


def test_model_config_mix_allows_two() -> None:
    config = base_config()
    deploy(config)["ModelConfig"].append(dict(entry_of(config), modelName="second"))
    schedule(config)["templateType"] = "Mix"

    assert with_code(lint(config), "EP509") == []


def test_model_config_absent_template_means_standard() -> None:
    config = base_config()
    deploy(config)["ModelConfig"].append(dict(entry_of(config), modelName="second"))
    del schedule(config)["templateType"]

    assert len(with_code(lint(config), "EP509")) == 1


def single_node() -> dict[str, Any]:
    config = base_config()
    backend(config).update({"multiNodesInferEnabled": False, "npuDeviceIds": [[0, 1, 2, 3]]})
    entry_of(config)["worldSize"] = 4
    return config


def test_device_ids_repeated_id() -> None:
    config = single_node()
    backend(config).update({"modelInstanceNumber": 2, "npuDeviceIds": [[0, 1, 2, 3], [3, 4, 5, 6]]})

    findings = with_code(lint(config), "EP510")

    assert [finding.pointer for finding in findings] == ["/BackendConfig/npuDeviceIds/1/0"]
    assert "/BackendConfig/npuDeviceIds/0/3" in findings[0].message.en


def test_device_ids_instance_count() -> None:
    config = single_node()
    backend(config)["modelInstanceNumber"] = 2

    findings = with_code(lint(config), "EP510")

    assert [finding.pointer for finding in findings] == ["/BackendConfig/npuDeviceIds"]
    assert "1 device lists but modelInstanceNumber is 2" in findings[0].message.en


def test_device_ids_ignored_in_multi_node() -> None:
    config = base_config()
    backend(config)["npuDeviceIds"] = [[0, 0]]

    assert with_code(lint(config), "EP510") == []


@pytest.mark.parametrize(("size", "reported"), [(0, True), (-2, True), (-1, False), (16, False)])
def test_npu_mem_size_values(size: int, reported: bool) -> None:
    config = base_config()
    entry_of(config)["npuMemSize"] = size

    assert bool(with_code(lint(config), "EP511")) is reported


# ---------------------------------------------------------------------------------------
# EP506: ports


def test_port_equal_management_port_allowed() -> None:
    config = base_config()
    config["ServerConfig"].update({"managementPort": 1025, "metricsPort": 1025})

    assert with_code(lint(config), "EP506") == []


def test_port_default_multi_node_port() -> None:
    config = base_config()
    config["ServerConfig"]["port"] = 1120
    del backend(config)["multiNodesInferPort"]

    findings = with_code(lint(config), "EP506")

    assert [finding.pointer for finding in findings] == ["/ServerConfig/port"]
    assert "(its default)" in findings[0].message.en


def test_port_inter_comm_in_pd_split() -> None:
    config = base_config()
    config["ServerConfig"].update({"inferMode": "dmi", "interCommPort": 1026})

    findings = with_code(lint(config), "EP506")

    assert [finding.pointer for finding in findings] == ["/ServerConfig/interCommPort"]
    assert "managementPort" in findings[0].message.en


def test_port_inter_comm_other_address_allowed() -> None:
    config = base_config()
    config["ServerConfig"].update(
        {"inferMode": "dmi", "interCommPort": 1026, "managementIpAddress": "127.0.0.2"}
    )

    assert with_code(lint(config), "EP506") == []


def test_port_inter_comm_ignored_in_standard_mode() -> None:
    config = base_config()
    config["ServerConfig"]["interCommPort"] = 1025

    assert with_code(lint(config), "EP506") == []


# ---------------------------------------------------------------------------------------
# EP507, EP508: version-bound fields


@pytest.mark.parametrize(
    ("value", "version", "severity"),
    [
        (5, "3.0", Severity.ERROR),
        (-2, "2.1", Severity.ERROR),
        (-1, "2.0", Severity.WARNING),
        (1, "3.0", None),
        (True, "3.0", None),
        (False, "2.2", None),
    ],
)
def test_truncation_by_version(value: Any, version: str, severity: Severity | None) -> None:
    config = base_config()
    deploy(config)["truncation"] = value

    findings = with_code(lint(config, Settings(mindie_version=version)), "EP507")

    assert [finding.severity for finding in findings] == ([severity] if severity else [])


def test_log_config_3x_keys_for_2x() -> None:
    findings = with_code(lint(base_config(), Settings(mindie_version="2.1")), "EP508")

    assert [finding.pointer for finding in findings] == ["/LogConfig/dynamicLogLevel"]
    assert "MindIE 2.1 ignores them" in findings[0].message.en


def test_log_config_matching_version_is_clean() -> None:
    assert with_code(lint(base_config()), "EP508") == []


# ---------------------------------------------------------------------------------------
# Published files


@needs_realworld
@pytest.mark.parametrize(
    ("name", "pointer", "line"),
    [
        (
            "generated-qwen2.5-0.5b-full-context.fragment.json",
            "/ModelDeployConfig/maxInputTokenLen",
            4,
        ),
        ("generated-qwen3-0.6b-pp2.fragment.json", "/ModelDeployConfig/maxInputTokenLen", 4),
        (
            "a2-dual-node-r1-dp2-ep4-mtp.fieldnotes.json",
            "/BackendConfig/ModelDeployConfig/maxInputTokenLen",
            20,
        ),
    ],
)
def test_published_no_room_for_output(name: str, pointer: str, line: int) -> None:
    findings = with_code(lint_published(name), "EP501")

    assert [(f.pointer, f.span.line if f.span else 0, f.severity) for f in findings] == [
        (pointer, line, Severity.WARNING)
    ]


@needs_realworld
def test_published_distill_output_capped() -> None:
    findings = with_code(lint_published("a2-single-node-distill-7b.config.json"), "EP504")

    assert len(findings) == 1
    finding = findings[0]
    assert finding.severity == Severity.WARNING
    assert finding.pointer == "/BackendConfig/ScheduleConfig/maxIterTimes"
    assert finding.span is not None and finding.span.line == 97
    assert "at 512 tokens" in finding.message.en


@needs_realworld
@pytest.mark.parametrize(
    "name",
    [
        "a2-dual-node-r1-w8a8-pure-tp.config.json",
        "a2-single-node-distill-7b.config.json",
        "a2-dual-node-r1-official-readme.config.json",
        "a2-dual-node-r1-dp2-ep4.fieldnotes.json",
        "a2-pd-split-qwen3-235b.user_config.json",
    ],
)
def test_published_configs_have_no_length_errors(name: str) -> None:
    findings = lint_published(name)

    assert [
        f.code for f in findings if f.code.startswith(FAMILY) and f.severity == Severity.ERROR
    ] == []
