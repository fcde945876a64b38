"""EP4xx rules: their samples through the CLI, edge cases, and published multi-node files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import REALWORLD, run_cli
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
    sample_findings,
    serious_findings,
    with_code,
)

from mindie_epcheck.findings import Severity
from mindie_epcheck.model.context import Settings
from mindie_epcheck.pipeline import lint_bytes, ranktable_input
from mindie_epcheck.source.document import load

SAMPLES = RULE_SAMPLES
RANKTABLE_2X8 = SAMPLES / "ranktable-2x8.json"
BASE_CONFIG = SAMPLES / "EP410-ranktable-world-size.good.json"
FAMILY = "EP4"


# ---------------------------------------------------------------------------------------
# Helpers


def good_samples() -> list[Path]:
    return rule_samples(FAMILY, "good")


def base_config() -> dict[str, Any]:
    return read_json(BASE_CONFIG)


def base_table() -> dict[str, Any]:
    return read_json(RANKTABLE_2X8)


def level_two(config: dict[str, Any]) -> dict[str, Any]:
    entry_of(config).update(
        {"dp": 2, "tp": 8, "moe_ep": 16, "moe_tp": 1, "models": {"deepseekv2": {"ep_level": 2}}}
    )
    return config


def changed_table(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    table = base_table()
    change(table)
    return table


def device(table: dict[str, Any], server: int, index: int) -> dict[str, Any]:
    item: dict[str, Any] = table["server_list"][server]["device"][index]
    return item


# ---------------------------------------------------------------------------------------
# Samples


BAD_CASES = [
    Case(
        "EP401-level-2-needs-switch.bad.json",
        "EP401",
        "error",
        "/BackendConfig/ModelDeployConfig/ModelConfig/0/models/deepseekv2/ep_level",
        '"ep_level": 2',
    ),
    Case(
        "EP402-level-2-ep-per-node.bad.json",
        "EP402",
        "error",
        "/BackendConfig/ModelDeployConfig/ModelConfig/0/moe_ep",
        '"moe_ep": 16',
    ),
    Case(
        "EP403-ranktable-value-not-string.bad.json",
        "EP403",
        "error",
        "/server_list/0/device/0/device_id",
        '"device_id": 0,',
    ),
    Case(
        "EP404-ranktable-server-count.bad.json",
        "EP404",
        "error",
        "/server_count",
        '"server_count": "3"',
    ),
    Case(
        "EP405-ranktable-devices-per-server.bad.json",
        "EP405",
        "error",
        "/server_list/1/device",
        '"device": [',
        occurrence=2,
    ),
    Case(
        "EP406-ranktable-device-id.bad.json",
        "EP406",
        "error",
        "/server_list/0/device/7/device_id",
        '"device_id": "6"',
        occurrence=2,
    ),
    Case(
        "EP407-ranktable-device-ip.bad.json",
        "EP407",
        "error",
        "/server_list/1/device/3/device_ip",
        '"-.-.-.-"',
    ),
    Case(
        "EP408-ranktable-rank-id.bad.json",
        "EP408",
        "error",
        "/server_list/1/device/7/rank_id",
        '"rank_id": "16"',
    ),
    Case(
        "EP409-ranktable-container-ip.bad.json",
        "EP409",
        "error",
        "/server_list/1/container_ip",
        '"container_ip": ""',
    ),
    Case(
        "EP410-ranktable-world-size.bad.json",
        "EP410",
        "error",
        "/BackendConfig/ModelDeployConfig/ModelConfig/0/worldSize",
        '"worldSize": 4',
    ),
    Case(
        "EP411-multi-node-without-ranktable.bad.json",
        "EP411",
        "info",
        "/BackendConfig/multiNodesInferEnabled",
        '"multiNodesInferEnabled": true',
    ),
    Case(
        "EP412-ranktable-with-single-node.bad.json",
        "EP412",
        "warning",
        "/BackendConfig/multiNodesInferEnabled",
        '"multiNodesInferEnabled": false',
    ),
    Case(
        "EP413-npu-device-ids-ignored.bad.json",
        "EP413",
        "info",
        "/BackendConfig/npuDeviceIds",
        '"npuDeviceIds": [',
    ),
    Case(
        "EP414-ranktable-version.bad.json",
        "EP414",
        "warning",
        "/status",
        '"status": "initializing"',
    ),
]


def test_every_rule_has_bad_and_good_sample() -> None:
    assert_family_samples(FAMILY, 14, BAD_CASES)


@pytest.mark.parametrize("case", BAD_CASES, ids=lambda case: case.sample.removesuffix(".json"))
def test_bad_sample_reports_rule(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_bad_case(case, monkeypatch)


@pytest.mark.parametrize("sample", good_samples(), ids=lambda path: path.name.removesuffix(".json"))
def test_good_sample_is_clean(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert serious_findings(sample, monkeypatch, ("EP4", "EP5")) == []


def test_shared_ranktable_sample_is_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = sample_findings(RANKTABLE_2X8, monkeypatch)

    assert [finding["code"] for finding in findings if finding["code"] != "EP012"] == []


# ---------------------------------------------------------------------------------------
# EP401, EP402: ep_level 2 over several nodes


def test_switch_unknown_cabling_warns() -> None:
    findings = with_code(lint(level_two(base_config()), table=base_table()), "EP401")

    assert [finding.severity for finding in findings] == [Severity.WARNING]
    assert "--interconnect switch" in findings[0].hint.en


def test_switch_declared_is_clean() -> None:
    findings = lint(level_two(base_config()), Settings(interconnect="switch"), base_table())

    assert with_code(findings, "EP401") == []


def test_switch_needs_moe_ep_above_one() -> None:
    config = level_two(base_config())
    entry_of(config)["moe_ep"] = 1
    entry_of(config)["moe_tp"] = 16

    findings = lint(config, Settings(interconnect="direct"), base_table())

    assert with_code(findings, "EP401") == []


def test_switch_single_node_is_clean() -> None:
    config = level_two(base_config())
    config["BackendConfig"]["multiNodesInferEnabled"] = False
    entry_of(config).update({"dp": 1, "moe_ep": 8})

    findings = lint(config, Settings(interconnect="direct"))

    assert with_code(findings, "EP401") == []


def test_switch_direct_without_node_count_errors() -> None:
    config = level_two(base_config())
    del entry_of(config)["tp"]
    del entry_of(config)["dp"]

    findings = with_code(lint(config, Settings(interconnect="direct")), "EP401")

    assert [finding.severity for finding in findings] == [Severity.ERROR]
    assert "more than one node" in findings[0].message.en


def test_ep_per_node_skips_a3() -> None:
    config = level_two(base_config())
    settings = Settings(interconnect="switch", nodes=3, hardware="atlas-800i-a3")

    assert with_code(lint(config, settings), "EP402") == []


# ---------------------------------------------------------------------------------------
# EP403 to EP409, EP414: the rank table itself


def test_value_not_string_in_server_entry() -> None:
    server = base_table()["server_list"][0]
    server["device"][2]["rank_id"] = 2

    findings = with_code(lint(server, name="server.json"), "EP403")

    assert [finding.pointer for finding in findings] == ["/device/2/rank_id"]
    assert findings[0].hint.en == 'Write "rank_id": "2".'


def test_value_not_string_bool_and_null() -> None:
    table = changed_table(lambda table: table.update({"status": None, "extra": True}))

    findings = lint(table, name="rt.json")

    # null in a known key is EP102's (as in every file); EP403 takes the rest.
    assert [finding.pointer for finding in with_code(findings, "EP403")] == ["/extra"]
    assert [finding.pointer for finding in with_code(findings, "EP102")] == ["/status"]


@pytest.mark.parametrize(
    ("count", "expected"),
    [("1", "outside MindIE's range"), ("61", "outside MindIE's range"), ("two", "not a decimal")],
)
def test_server_count_invalid(count: str, expected: str) -> None:
    table = changed_table(lambda table: table.update({"server_count": count}))

    messages = [finding.message.en for finding in with_code(lint(table, name="rt.json"), "EP404")]

    assert any(expected in message for message in messages), messages


def test_devices_per_server_above_limit() -> None:
    def grow(table: dict[str, Any]) -> None:
        for server in table["server_list"]:
            server["device"] = server["device"] * 5

    findings = with_code(lint(changed_table(grow), name="rt.json"), "EP405")

    assert [finding.pointer for finding in findings] == [
        "/server_list/0/device",
        "/server_list/1/device",
    ]
    assert "40 devices" in findings[0].message.en


def test_devices_per_server_empty_fragment() -> None:
    server = {"server_id": "192.0.2.10", "container_ip": "192.0.2.10", "device": []}

    findings = with_code(lint(server, name="server.json"), "EP405")

    assert [finding.pointer for finding in findings] == ["/device"]


@pytest.mark.parametrize(("value", "expected"), [("64", "outside"), ("1a", "not a decimal")])
def test_device_id_invalid(value: str, expected: str) -> None:
    table = changed_table(lambda table: device(table, 1, 2).update({"device_id": value}))

    findings = with_code(lint(table, name="rt.json"), "EP406")

    assert [finding.pointer for finding in findings] == ["/server_list/1/device/2/device_id"]
    assert expected in findings[0].message.en


def test_device_id_repeats_across_servers_allowed() -> None:
    assert with_code(lint(base_table(), name="rt.json"), "EP406") == []


def test_device_ip_duplicate_names_first_line() -> None:
    table = base_table()
    device(table, 1, 0)["device_ip"] = device(table, 0, 0)["device_ip"]
    data = json.dumps(table, indent=4)
    first_line = data.splitlines().index('                    "device_ip": "192.0.2.100",') + 1

    findings = with_code(lint(table, name="rt.json"), "EP407")

    assert [finding.pointer for finding in findings] == ["/server_list/1/device/0/device_ip"]
    assert f"line {first_line}" in findings[0].message.en


@pytest.mark.parametrize("address", ["0.0.0.0", "::", "192.0.2", "x.x.x.x", ""])
def test_device_ip_invalid(address: str) -> None:
    table = changed_table(lambda table: device(table, 0, 1).update({"device_ip": address}))

    findings = with_code(lint(table, name="rt.json"), "EP407")

    assert [finding.pointer for finding in findings] == ["/server_list/0/device/1/device_ip"]
    assert "device_ip is invalid in ranktable file" in findings[0].message.en
    assert "hccn_tool -i 1 -ip -g" in findings[0].hint.en


def test_device_ip_accepts_ipv6() -> None:
    def set_ipv6(table: dict[str, Any]) -> None:
        for rank in range(16):
            device(table, rank // 8, rank % 8)["device_ip"] = f"2001:db8::{rank + 1:x}"

    assert with_code(lint(changed_table(set_ipv6), name="rt.json"), "EP407") == []


def test_rank_id_order_only_warns() -> None:
    def swap(table: dict[str, Any]) -> None:
        device(table, 0, 0)["rank_id"], device(table, 0, 1)["rank_id"] = "1", "0"

    findings = with_code(lint(changed_table(swap), name="rt.json"), "EP408")

    assert [(finding.pointer, finding.severity) for finding in findings] == [
        ("/server_list/0/device/0/rank_id", Severity.WARNING)
    ]


def test_rank_id_duplicate_errors() -> None:
    table = changed_table(lambda table: device(table, 1, 0).update({"rank_id": "3"}))

    findings = with_code(lint(table, name="rt.json"), "EP408")

    assert [(finding.pointer, finding.severity) for finding in findings] == [
        ("/server_list/1/device/0/rank_id", Severity.ERROR)
    ]


@pytest.mark.parametrize(("value", "expected"), [("512", "outside"), ("r0", "not a decimal")])
def test_rank_id_invalid(value: str, expected: str) -> None:
    table = changed_table(lambda table: device(table, 1, 7).update({"rank_id": value}))

    findings = with_code(lint(table, name="rt.json"), "EP408")

    assert len(findings) == 1
    assert expected in findings[0].message.en


def test_rank_id_fragment_skips_order() -> None:
    server = base_table()["server_list"][1]

    assert with_code(lint(server, name="server.json"), "EP408") == []


def test_container_ip_not_an_address() -> None:
    table = changed_table(lambda table: table["server_list"][0].update({"container_ip": "host-a"}))

    findings = with_code(lint(table, name="rt.json"), "EP409")

    assert [finding.pointer for finding in findings] == ["/server_list/0/container_ip"]
    assert '"192.0.2.10"' in findings[0].hint.en


def test_ranktable_version_a3_without_pod_list() -> None:
    table = changed_table(lambda table: table.update({"version": "1.2"}))

    findings = with_code(lint(table, name="rt.json"), "EP414")

    assert [finding.pointer for finding in findings] == ["/version"]
    assert "super_pod_list" in findings[0].message.en


def test_ranktable_version_missing() -> None:
    table = changed_table(lambda table: table.pop("version"))

    findings = with_code(lint(table, name="rt.json"), "EP414")

    assert [finding.message.en for finding in findings] == [
        'version is missing, expected "1.0", or "1.2" for an Atlas A3 SuperPoD table'
    ]


# ---------------------------------------------------------------------------------------
# EP410 to EP413: the rank table against config.json


def test_world_size_needs_ranktable() -> None:
    config = base_config()
    entry_of(config)["worldSize"] = 4

    assert with_code(lint(config), "EP410") == []


def test_world_size_names_both_files() -> None:
    config = base_config()
    entry_of(config)["worldSize"] = 16

    findings = with_code(lint(config, table=base_table()), "EP410")

    assert len(findings) == 1
    assert "config.json" in findings[0].message.en
    assert "ranktable.json" in findings[0].message.en


@pytest.mark.parametrize(
    ("version", "env", "expected"),
    [
        ("3.0", {}, "RANK_TABLE_FILE names"),
        ("2.0", {}, "RANKTABLEFILE names"),
        ("3.0", {"RANK_TABLE_FILE": "/etc/hccl.json"}, "--ranktable /etc/hccl.json"),
        ("3.0", {"RANKTABLEFILE": "/etc/hccl.json"}, "MindIE 3.0 reads RANK_TABLE_FILE"),
    ],
)
def test_without_ranktable_hint(version: str, env: dict[str, str], expected: str) -> None:
    findings = with_code(lint(base_config(), Settings(mindie_version=version, env=env)), "EP411")

    assert [finding.severity for finding in findings] == [Severity.INFO]
    assert expected in findings[0].hint.en


def test_single_node_absent_flag_warns() -> None:
    config = base_config()
    del config["BackendConfig"]["multiNodesInferEnabled"]

    findings = with_code(lint(config, table=base_table()), "EP412")

    assert [finding.severity for finding in findings] == [Severity.WARNING]
    assert "not set" in findings[0].message.en


def test_device_ids_matching_ranktable_are_quiet() -> None:
    findings = lint(base_config(), table=base_table())

    assert with_code(findings, "EP413") == []


def test_device_ids_default_range_without_ranktable() -> None:
    config = base_config()
    config["BackendConfig"]["npuDeviceIds"] = [[0, 1, 2, 3]]

    findings = with_code(lint(config), "EP413")

    assert len(findings) == 1
    assert "[[0,1,2,3]]" in findings[0].message.en


# ---------------------------------------------------------------------------------------
# Published files


@needs_realworld
def test_placeholder_fragment_every_device_ip() -> None:
    path = REALWORLD / "generated-ranktable-server-placeholder-ip.fragment.json"

    findings = with_code(lint_bytes(path.name, path.read_bytes(), Settings()).findings, "EP407")

    assert [finding.pointer for finding in findings] == [
        f"/device/{index}/device_ip" for index in range(8)
    ]
    assert [finding.span.line if finding.span else 0 for finding in findings] == [
        6 + 5 * index for index in range(8)
    ]
    assert all(finding.severity == Severity.ERROR for finding in findings)
    assert all("device_ip is invalid in ranktable file" in f.message.en for f in findings)


@needs_realworld
def test_pure_tp_pair_is_clean() -> None:
    config = REALWORLD / "a2-dual-node-r1-w8a8-pure-tp.config.json"
    table_path = REALWORLD / "a2-dual-node-r1-w8a8-pure-tp.ranktable.json"
    table = ranktable_input(load(table_path.name, table_path.read_bytes()))

    on_table = lint_bytes(table_path.name, table_path.read_bytes(), Settings()).findings
    on_config = lint_bytes(config.name, config.read_bytes(), Settings(), ranktable=table).findings

    serious = [
        finding.code
        for finding in on_table + on_config
        if finding.code.startswith(FAMILY) and finding.severity != Severity.INFO
    ]
    assert serious == []


@needs_realworld
@pytest.mark.parametrize(
    "name",
    [
        "a2-dual-node-r1-dp2-ep4.fieldnotes.json",
        "a2-dual-node-r1-dp2-ep4-mtp.fieldnotes.json",
        "a2-dual-node-r1-long-seq-cp2.fieldnotes.json",
        "a2-pd-split-qwen3-235b.user_config.json",
    ],
)
def test_published_layouts_have_no_multinode_errors(name: str) -> None:
    path = REALWORLD / name

    findings = lint_bytes(path.name, path.read_bytes(), Settings()).findings

    assert [f.code for f in findings if f.code.startswith(FAMILY) and f.severity.rank > 1] == []


def _set_path(table: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    target: Any = table
    for token in path[:-1]:
        target = target[token]
    target[path[-1]] = value


@pytest.mark.parametrize(
    ("path", "value", "code", "pointer"),
    [
        (("server_list", 1), 5, "EP102", "/server_list/1"),
        (("server_list", 1), "x", "EP102", "/server_list/1"),
        (("server_list", 0, "device"), {"device_id": "0"}, "EP102", "/server_list/0/device"),
        (("super_pod_list",), {"a": 1}, "EP102", "/super_pod_list"),
        (("server_list",), None, "EP102", "/server_list"),
        (
            ("server_list", 0, "device", 0, "device_id"),
            0,
            "EP403",
            "/server_list/0/device/0/device_id",
        ),
    ],
    ids=["item-number", "item-string", "device-object", "super-pod-object", "null-list", "number"],
)
def test_ranktable_type_finding_is_single(
    tmp_path: Path, path: tuple[str | int, ...], value: Any, code: str, pointer: str
) -> None:
    table = read_json(RANKTABLE_2X8)
    _set_path(table, path, value)
    file = tmp_path / "ranktable.json"
    file.write_text(json.dumps(table, indent=2))

    result = run_cli("validate", str(file), "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    types = [(f["code"], f["pointer"]) for f in findings if f["code"] in ("EP102", "EP403")]
    assert types == [(code, pointer)]
