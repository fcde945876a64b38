"""EP403-EP405, EP414: the HCCL rank table itself, and the helpers that read its servers.

MindIE reads the rank table that RANK_TABLE_FILE names (RANKTABLEFILE up to MindIE 2.0) only
when multiNodesInferEnabled is true. MindIE-LLM 3.0 checks it in
src/config_manager/ranktable_config.cpp:
- every value is a JSON string;
- server_count is in [2, 60] and equals the number of servers listed;
- each server has 1 to 32 devices, as many as the first server;
- container_ip is not empty;
- device_id is in [0, 63], rank_id in [0, 511];
- device_ip is a valid IP address other than the all-zero one.
MindIE does not check that rank ids are unique and contiguous, or that device ids and
device IPs are unique, but HCCL needs them.

The rank-table rules run on the rank table itself (`subject.own_ranktable`), which is also
how the file given with --ranktable is linted. The checks of ids and addresses (EP406-EP409)
are in ranktable_ids.py.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mindie_epcheck.findings import Severity
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.compiled import RANK_DEVICE, RANK_SERVER, RANKTABLE
from mindie_epcheck.model.context import Subject
from mindie_epcheck.rules.registry import Hit, rule
from mindie_epcheck.source.kinds import DocumentKind
from mindie_epcheck.source.nodes import join_pointer, split_pointer

# Limits of MindIE-LLM 3.0's rank table check (ranktable_config.cpp).
MIN_SERVERS, MAX_SERVERS = 2, 60
MIN_DEVICES, MAX_DEVICES = 1, 32

KNOWN_TABLE_VERSIONS = ("1.0", "1.2")
A3_TABLE_VERSION = "1.2"
DECIMAL = re.compile(r"[0-9]+")


# ---------------------------------------------------------------------------------------
# Shared helpers


@dataclass(frozen=True, slots=True)
class _TableDevice:
    pointer: str
    raw: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _TableServer:
    pointer: str
    raw: dict[str, Any]
    index: int
    # None when "device" is missing or not an array. The structure rules report that.
    devices: list[_TableDevice] | None


def _rank_servers(subject: Subject) -> list[_TableServer]:
    """Return the servers of the rank table being linted: all of them, or the one entry."""
    table = subject.own_ranktable
    value = table.document.value if table is not None else None
    if not isinstance(value, dict):
        return []
    if subject.kind == DocumentKind.RANKTABLE_SERVER:
        return [_read_server(value, "", 0)]
    servers = value.get("server_list")
    if not isinstance(servers, list):
        return []
    return [
        _read_server(item, join_pointer("/server_list", index), index)
        for index, item in enumerate(servers)
        if isinstance(item, dict)
    ]


def _read_server(raw: dict[str, Any], pointer: str, index: int) -> _TableServer:
    items = raw.get("device")
    devices = None
    if isinstance(items, list):
        devices = [
            _TableDevice(join_pointer(pointer, "device", position), item)
            for position, item in enumerate(items)
            if isinstance(item, dict)
        ]
    return _TableServer(pointer, raw, index, devices)


def _rank_devices(subject: Subject) -> Iterator[tuple[_TableServer, _TableDevice]]:
    for server in _rank_servers(subject):
        for device in server.devices or []:
            yield server, device


def _whole_table(subject: Subject) -> dict[str, Any] | None:
    """Return the rank table being linted when it is a whole table, not one server entry."""
    table = subject.own_ranktable
    if table is None or subject.kind != DocumentKind.RANKTABLE:
        return None
    value = table.document.value
    return value if isinstance(value, dict) else None


def _string_at(raw: dict[str, Any], key: str) -> str | None:
    """Return raw[key] when it is a string. EP403 reports any other type there."""
    value = raw.get(key)
    return value if isinstance(value, str) else None


def _server_label(server: _TableServer) -> Text:
    name = _string_at(server.raw, "server_id") or _string_at(server.raw, "container_ip")
    if server.pointer == "":
        return Text("this server", "该服务器")
    if name:
        return Text("server {index} ({name})", "第 {index} 台服务器（{name}）").format(
            index=server.index, name=name
        )
    return Text("server {index}", "第 {index} 台服务器").format(index=server.index)


def _line_of(subject: Subject, pointer: str) -> int:
    span = subject.document.span(pointer)
    return span.line if span else 0


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------
# The rank table itself


# The keys the rank table models know: EP102 reports a null value of any of them.
_KNOWN_KEYS = RANKTABLE.keys | RANK_SERVER.keys | RANK_DEVICE.keys


def _inside(pointer: str, containers: list[str]) -> bool:
    return any(pointer == outer or pointer.startswith(outer + "/") for outer in containers)


def _scalar_leaves(value: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    """Yield (pointer, value) for every value that is neither an object nor an array."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _scalar_leaves(child, join_pointer(pointer, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _scalar_leaves(child, join_pointer(pointer, index))
    else:
        yield pointer, value


@rule(
    "EP403",
    "ranktable-value-not-string",
    Severity.ERROR,
    summary=Text(
        "Every value in a rank table must be a JSON string.",
        "rank table 中的每个值都必须是 JSON 字符串。",
    ),
    rationale=Text(
        "MindIE reads server_count, device_id, device_ip, rank_id and the other fields as "
        'strings. A number such as "device_id": 0 makes the JSON library raise a type error '
        "and the service stops while it loads the table.",
        "MindIE 以字符串读取 server_count、device_id、device_ip、rank_id 等字段。"
        '写成数字（如 "device_id": 0）会使 JSON 库抛出类型错误，服务在加载 rank table 时退出。',
    ),
    bad='{"device_id": 0, "device_ip": "192.0.2.100", "rank_id": 0}',
    good='{"device_id": "0", "device_ip": "192.0.2.100", "rank_id": "0"}',
    fix=Text("Put the value in double quotes.", "给该值加上双引号。"),
)
def ranktable_value_not_string(subject: Subject) -> Iterator[Hit]:
    table = subject.own_ranktable
    if table is None:
        return
    # A wrong container (server_list as a number, device as an object) is EP102's, and so is
    # everything inside it.
    containers = [error.pointer for error in subject.errors if error.expected != ("string",)]
    for pointer, value in _scalar_leaves(table.document.value, ""):
        if isinstance(value, str) or _inside(pointer, containers):
            continue
        tokens = split_pointer(pointer)
        if value is None and tokens and tokens[-1] in _KNOWN_KEYS:
            continue
        key = tokens[-1] if tokens else ""
        if isinstance(value, bool) or value is None:
            kind = Text("the literal", "字面量")
            hint = Text(
                "Write the value MindIE expects as a JSON string.",
                "改为 MindIE 需要的 JSON 字符串值。",
            )
        else:
            kind = Text("the number", "数字")
            hint = Text('Write "{key}": "{text}".', '改为 "{key}": "{text}"。').format(
                key=key, text=json.dumps(value)
            )
        yield Hit(
            pointer,
            Text(
                "{key} is {kind_en} {text}, expected a JSON string: MindIE reads every rank "
                "table value as a string and stops on anything else",
                "{key} 为{kind_zh} {text}，应为 JSON 字符串：MindIE 以字符串读取 rank table "
                "的所有值，遇到其他类型会退出",
            ).format(key=key, kind_en=kind.en, kind_zh=kind.zh, text=json.dumps(value)),
            hint,
        )


@rule(
    "EP404",
    "ranktable-server-count",
    Severity.ERROR,
    summary=Text(
        "server_count must be 2 to 60 and equal the number of entries in server_list.",
        "server_count 必须在 2 到 60 之间，并等于 server_list 的条目数。",
    ),
    rationale=Text(
        "MindIE parses server_count as an integer, rejects a value outside [2, 60] and one "
        "that differs from the length of server_list. A single server needs no rank table: "
        "set multiNodesInferEnabled to false instead.",
        "MindIE 将 server_count 解析为整数，不在 [2, 60] 内或与 server_list 长度不一致都会拒绝。"
        "单台服务器不需要 rank table，应将 multiNodesInferEnabled 设为 false。",
    ),
    bad='{"server_count": "3", "server_list": [{...}, {...}]}',
    good='{"server_count": "2", "server_list": [{...}, {...}]}',
    fix=Text(
        "Set server_count to the number of servers listed, between 2 and 60.",
        "将 server_count 设为实际列出的服务器数（2 到 60）。",
    ),
)
def ranktable_server_count(subject: Subject) -> Iterator[Hit]:
    table = _whole_table(subject)
    text = _string_at(table, "server_count") if table is not None else None
    if table is None or text is None:
        return
    if not DECIMAL.fullmatch(text):
        yield Hit(
            "/server_count",
            Text(
                "server_count {text!r} is not a decimal integer; MindIE stops with "
                '"Invalid server_count in ranktable file"',
                'server_count {text!r} 不是十进制整数；MindIE 会报 "Invalid server_count in ranktable file" 并退出',
            ).format(text=text),
            Text('Write the number of servers, such as "2".', '写入服务器数量，例如 "2"。'),
        )
        return
    count = int(text)
    if not MIN_SERVERS <= count <= MAX_SERVERS:
        yield Hit(
            "/server_count",
            Text(
                "server_count {count} is outside MindIE's range of {low} to {high} servers",
                "server_count {count} 超出 MindIE 允许的 {low}~{high} 台服务器",
            ).format(count=count, low=MIN_SERVERS, high=MAX_SERVERS),
            Text(
                "For one server set multiNodesInferEnabled to false and drop the rank table; "
                "MindIE does not run more than 60 servers in one rank table.",
                "单台服务器请将 multiNodesInferEnabled 设为 false 并去掉 rank table；"
                "MindIE 的一个 rank table 最多支持 60 台服务器。",
            ),
        )
    servers = table.get("server_list")
    if isinstance(servers, list) and len(servers) != count:
        yield Hit(
            "/server_count",
            Text(
                "server_count is {count} but server_list has {listed} entries; MindIE rejects "
                "the table",
                "server_count 为 {count}，但 server_list 有 {listed} 个条目；MindIE 会拒绝该 rank table",
            ).format(count=count, listed=len(servers)),
            Text(
                'Set server_count to "{listed}", or add the missing servers to server_list.',
                '将 server_count 改为 "{listed}"，或在 server_list 中补上缺少的服务器。',
            ).format(listed=len(servers)),
            related=("/server_list",),
        )


@rule(
    "EP405",
    "ranktable-devices-per-server",
    Severity.ERROR,
    summary=Text(
        "Each server needs 1 to 32 devices, and every server the same count as the first.",
        "每台服务器需有 1 到 32 张卡，且与第一台服务器的卡数相同。",
    ),
    rationale=Text(
        "MindIE takes the devices per node from the first server of the rank table, requires "
        "1 to 32, and rejects a table in which another server lists a different count.",
        "MindIE 以 rank table 第一台服务器的卡数作为单机卡数，要求为 1~32，"
        "其他服务器卡数不同时会拒绝该 rank table。",
    ),
    bad='"server_list": [{"device": [8 devices]}, {"device": [4 devices]}]',
    good='"server_list": [{"device": [8 devices]}, {"device": [8 devices]}]',
    fix=Text(
        "List the same devices on every server, at most 32 per server.",
        "每台服务器列出相同数量的卡，每台最多 32 张。",
    ),
)
def ranktable_devices_per_server(subject: Subject) -> Iterator[Hit]:
    servers = [server for server in _rank_servers(subject) if server.devices is not None]
    for server in servers:
        count = len(server.devices or [])
        if not MIN_DEVICES <= count <= MAX_DEVICES:
            yield Hit(
                join_pointer(server.pointer, "device"),
                Text(
                    "{server_en} lists {count} devices; MindIE accepts {low} to {high} per server",
                    "{server_zh}列出 {count} 张卡；MindIE 要求每台服务器 {low}~{high} 张",
                ).format(
                    server_en=_server_label(server).en,
                    server_zh=_server_label(server).zh,
                    count=count,
                    low=MIN_DEVICES,
                    high=MAX_DEVICES,
                ),
                Text(
                    "List each device of the server that the job uses.",
                    "列出该服务器上参与推理的每张卡。",
                ),
                part="key",
            )
    if not servers or servers[0].index != 0:
        return
    expected = len(servers[0].devices or [])
    for server in servers[1:]:
        count = len(server.devices or [])
        if count != expected and MIN_DEVICES <= count <= MAX_DEVICES:
            yield Hit(
                join_pointer(server.pointer, "device"),
                Text(
                    "{server_en} lists {count} devices but the first server lists {expected}; "
                    "MindIE requires the same count on every server",
                    "{server_zh}列出 {count} 张卡，而第一台服务器列出 {expected} 张；"
                    "MindIE 要求每台服务器卡数相同",
                ).format(
                    server_en=_server_label(server).en,
                    server_zh=_server_label(server).zh,
                    count=count,
                    expected=expected,
                ),
                Text(
                    "Use {expected} devices on every server, or the same smaller count on all.",
                    "每台服务器都使用 {expected} 张卡，或统一改为更少的相同数量。",
                ).format(expected=expected),
                part="key",
                related=(join_pointer(servers[0].pointer, "device"),),
            )


@rule(
    "EP414",
    "ranktable-version",
    Severity.WARNING,
    summary=Text(
        'A rank table should have version "1.0" (or "1.2" on A3) and status "completed".',
        'rank table 的 version 应为 "1.0"（A3 为 "1.2"），status 应为 "completed"。',
    ),
    rationale=Text(
        'MindIE\'s rank table guide fixes status to "completed" and version to "1.0"; Atlas '
        'A3 SuperPoD tables use version "1.2" and add super_pod_list. Another value usually '
        "means the table was generated for another purpose or is still being written.",
        'MindIE 的 rank table 指南规定 status 固定为 "completed"、version 固定为 "1.0"；'
        'A3 超节点的 rank table 使用 "1.2" 并增加 super_pod_list。其他取值通常说明该表用于其他用途或尚未生成完成。',
    ),
    bad='{"server_count": "2", "server_list": [...], "status": "initializing", "version": "2.0"}',
    good='{"server_count": "2", "server_list": [...], "status": "completed", "version": "1.0"}',
    fix=Text(
        'Set status to "completed" and version to "1.0", or "1.2" with super_pod_list on A3.',
        'status 设为 "completed"，version 设为 "1.0"；A3 设为 "1.2" 并提供 super_pod_list。',
    ),
)
def ranktable_version(subject: Subject) -> Iterator[Hit]:
    table = _whole_table(subject)
    if table is None:
        return
    version = table.get("version")
    if version is None or (isinstance(version, str) and version not in KNOWN_TABLE_VERSIONS):
        yield Hit(
            "/version",
            Text(
                'version is {value_en}, expected "1.0", or "1.2" for an Atlas A3 SuperPoD table',
                'version 为 {value_zh}，应为 "1.0"，A3 超节点的 rank table 为 "1.2"',
            ).format(value_en=_value_text(version).en, value_zh=_value_text(version).zh),
            Text('Set "version": "1.0".', '设置 "version": "1.0"。'),
        )
    if version == A3_TABLE_VERSION and "super_pod_list" not in table:
        yield Hit(
            "/version",
            Text(
                'version "1.2" is the Atlas A3 SuperPoD format, but super_pod_list is missing',
                'version "1.2" 是 A3 超节点格式，但缺少 super_pod_list',
            ),
            Text(
                'Add super_pod_list, or set "version": "1.0" for servers outside a SuperPoD.',
                '补充 super_pod_list；非超节点服务器请设置 "version": "1.0"。',
            ),
        )
    status = table.get("status")
    if status is None or (isinstance(status, str) and status != "completed"):
        yield Hit(
            "/status",
            Text(
                'status is {value_en}, expected "completed": a table in another state is not '
                "finished",
                'status 为 {value_zh}，应为 "completed"：其他状态表示 rank table 尚未生成完成',
            ).format(value_en=_value_text(status).en, value_zh=_value_text(status).zh),
            Text(
                'Regenerate the table, or set "status": "completed" once it is complete.',
                '重新生成 rank table，或在其完整后设置 "status": "completed"。',
            ),
        )


def _value_text(value: Any) -> Text:
    if value is None:
        return Text("missing", "缺失")
    text = json.dumps(value, ensure_ascii=False)
    return Text(text, text)
