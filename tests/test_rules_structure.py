"""EP102 and EP103 wording: which key, which type, and the hint, in both languages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers import SAMPLES
from rule_samples import lint

from mindie_epcheck.findings import Finding
from mindie_epcheck.model.context import Settings
from mindie_epcheck.pipeline import lint_bytes

SEED = SAMPLES / "seed" / "ep-level-2-single-node.config.json"
ENTRY = "/BackendConfig/ModelDeployConfig/ModelConfig/0"


def seed() -> dict[str, Any]:
    value: dict[str, Any] = json.loads(SEED.read_text())
    return value


def entry_of(config: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = config["BackendConfig"]["ModelDeployConfig"]["ModelConfig"][0]
    return entry


def finding_at(config: dict[str, Any], code: str, pointer: str) -> Finding:
    """Lint `config` and return its one finding with `code` at `pointer`."""
    result = lint_bytes("config.json", json.dumps(config, indent=2).encode(), Settings())
    found = [f for f in result.findings if f.code == code and f.pointer == pointer]
    assert len(found) == 1, [(f.code, f.pointer) for f in result.findings]
    return found[0]


def test_nested_list_item_named_by_key() -> None:
    config = seed()
    config["BackendConfig"]["npuDeviceIds"] = [[0, 1, None, 3, 4, 5, 6, 7]]

    finding = finding_at(config, "EP102", "/BackendConfig/npuDeviceIds/0/2")

    assert finding.message.en.startswith("npuDeviceIds[0][2] is null")
    assert finding.message.zh.startswith("npuDeviceIds[0][2] 的值为 null")


@pytest.mark.parametrize(
    ("key", "expected_en", "expected_zh"),
    [
        ("worldSize", "expected an integer", "应为整数"),
        ("backendType", "expected a string", "应为字符串"),
        ("trustRemoteCode", "expected a boolean (true or false)", "应为布尔值"),
    ],
)
def test_null_names_key_type(key: str, expected_en: str, expected_zh: str) -> None:
    config = seed()
    entry_of(config)[key] = None

    finding = finding_at(config, "EP102", f"{ENTRY}/{key}")

    assert finding.message.en == f"{key} is null, {expected_en}"
    assert expected_zh in finding.message.zh
    assert "key's type" not in finding.message.en
    assert "key's type" not in finding.hint.en


def test_whole_float_hint_without_quotes_note() -> None:
    config = seed()
    entry_of(config)["cpuMemSize"] = 8.0

    finding = finding_at(config, "EP102", f"{ENTRY}/cpuMemSize")

    assert finding.hint.en == "Write 8."
    assert finding.hint.zh == "改为 8。"


def test_quoted_integer_hint_says_no_quotes() -> None:
    config = seed()
    entry_of(config)["cpuMemSize"] = "8"

    finding = finding_at(config, "EP102", f"{ENTRY}/cpuMemSize")

    assert finding.hint.en == "Write 8 (no quotes)."
    assert finding.hint.zh == "改为 8（不加引号）。"


def test_number_or_integer_says_number() -> None:
    config = seed()
    entry_of(config)["models"]["deepseekv2"]["topk_scaling_factor"] = "0.5"

    finding = finding_at(config, "EP102", f"{ENTRY}/models/deepseekv2/topk_scaling_factor")

    assert finding.message.en == 'topk_scaling_factor is "0.5", expected a number'
    assert finding.message.zh.endswith("应为数字")
    assert finding.hint.en == "Write 0.5 (no quotes)."


def test_choice_list_in_each_language() -> None:
    config = seed()
    entry_of(config)["backendType"] = "ATB"

    finding = finding_at(config, "EP103", f"{ENTRY}/backendType")

    assert finding.message.en == "backendType is \"ATB\", expected one of 'atb', 'ms' or 'torch'"
    assert finding.message.zh == "backendType 的值为 \"ATB\"，应为 'atb'、'ms' 或 'torch' 之一"
    assert finding.hint.en == "Change backendType to one of 'atb', 'ms' or 'torch'."
    assert finding.hint.zh == "将 backendType 改为 'atb'、'ms' 或 'torch' 之一。"


def test_range_hint_reads_as_sentence() -> None:
    config = seed()
    config["BackendConfig"]["ModelDeployConfig"]["maxInputTokenLen"] = 0

    finding = finding_at(config, "EP103", "/BackendConfig/ModelDeployConfig/maxInputTokenLen")

    assert finding.message.en == "maxInputTokenLen is 0, expected at least 1"
    assert finding.hint.en == "Change maxInputTokenLen to a value of at least 1."
    assert finding.hint.zh == "将 maxInputTokenLen 改为不小于 1 的值。"


def test_attribute_name_is_near_miss() -> None:
    deploy = {"ModelConfig": [], "model_config_list": []}
    findings = lint({"BackendConfig": {"ModelDeployConfig": deploy}})
    (finding,) = [f for f in findings if f.code == "EP104"]
    assert finding.pointer == "/BackendConfig/ModelDeployConfig/model_config_list"
    assert "'ModelConfig'" in finding.message.en
