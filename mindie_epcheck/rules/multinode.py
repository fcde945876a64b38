"""EP4xx: multi-node deployment, the HCCL rank table, and how the two meet config.json.

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
how the file given with --ranktable is linted. The rules that compare the table with
config.json run on the config and read `subject.ranktable`.
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
from mindie_epcheck.model.context import EpBlock, Subject
from mindie_epcheck.model.view import EntryView, ServiceView
from mindie_epcheck.rules.registry import Hit, rule
from mindie_epcheck.source.kinds import DocumentKind
from mindie_epcheck.source.nodes import join_pointer, split_pointer

# Limits of MindIE-LLM 3.0's rank table check (ranktable_config.cpp).
MIN_SERVERS, MAX_SERVERS = 2, 60
MIN_DEVICES, MAX_DEVICES = 1, 32
MAX_DEVICE_ID = 63
MAX_RANK_ID = 511
# Atlas 800I A2 has 8 devices per server, and the A3 has 16 logical devices.
A2_DEVICES_PER_SERVER = 8
KNOWN_TABLE_VERSIONS = ("1.0", "1.2")
A3_TABLE_VERSION = "1.2"
DECIMAL = re.compile(r"[0-9]+")
# MindIE's own log line for a bad device_ip, quoted so that users can search their logs.
DEVICE_IP_LOG = "Parameter device_ip is invalid in ranktable file."


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


def _active_level_two(subject: Subject, view: ServiceView, entry: EntryView) -> EpBlock | None:
    """Return the EP block when it sets ep_level 2 and moe_ep > 1 makes it take effect."""
    block = subject.ep_block(entry)
    if block is None or block.options is None or block.options.ep_level != 2:
        return None
    if subject.layout(view, entry).moe_ep <= 1:
        return None
    return block


def _node_count_text(nodes: int | None) -> Text:
    if nodes is None:
        return Text("more than one node", "多台服务器")
    return Text("{nodes} nodes", "{nodes} 台服务器").format(nodes=nodes)


def _spans_nodes(subject: Subject, view: ServiceView, entry: EntryView) -> tuple[bool, int | None]:
    """Return whether the entry runs on two or more nodes, and the count when known.

    multiNodesInferEnabled alone implies two or more, because MindIE rejects a rank table
    with fewer than two servers.
    """
    nodes = subject.layout(view, entry).nodes
    if nodes is not None:
        return nodes >= 2, nodes
    return view.multi_node, None


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def _ranktable_env_name(version: str) -> str:
    """Return the environment variable that names the rank table in this MindIE version."""
    return "RANKTABLEFILE" if _version_tuple(version) <= (2, 0) else "RANK_TABLE_FILE"


# ---------------------------------------------------------------------------------------
# Switch requirement and EP split over nodes


@rule(
    "EP401",
    "level-2-needs-switch",
    Severity.ERROR,
    summary=Text(
        "ep_level 2 on two or more nodes needs the servers connected through a switch.",
        "多机部署且 ep_level 为 2 时，服务器之间必须通过交换机连接。",
    ),
    rationale=Text(
        "MindIE's Expert Parallel page states that in a dual-node deployment with ep_level 2 "
        "the two servers must be connected through a switch, or the service fails to start. "
        "A config cannot show the cabling, so epcheck takes it from --interconnect: direct is "
        "an error, switch passes, and an unknown cabling is a warning. The rule applies only "
        "when moe_ep > 1, because MindIE turns expert parallelism off otherwise.",
        "MindIE 的专家并行文档说明：双机部署且 ep_level 为 2 时，两台服务器必须通过交换机连接，"
        "否则拉起服务会失败。配置文件无法体现组网方式，因此 epcheck 从 --interconnect 读取："
        "direct 报错误，switch 通过，未声明时报警告。仅在 moe_ep > 1 时适用，否则 MindIE 不启用专家并行。",
    ),
    bad='"moe_ep": 16, "models": {"deepseekv2": {"ep_level": 2}}  '
    "(epcheck validate config.json --ranktable ranktable-2x8.json --interconnect direct)",
    good='"moe_ep": 16, "models": {"deepseekv2": {"ep_level": 2}}  '
    "(epcheck validate config.json --ranktable ranktable-2x8.json --interconnect switch)",
    fix=Text(
        "Connect the servers through a switch and pass --interconnect switch, or use ep_level 1.",
        "通过交换机连接服务器并传入 --interconnect switch，或改用 ep_level 1。",
    ),
)
def level_two_needs_switch(subject: Subject) -> Iterator[Hit]:
    interconnect = subject.settings.interconnect
    if interconnect == "switch":
        return
    for view, entry in subject.entries():
        block = _active_level_two(subject, view, entry)
        multi, nodes = _spans_nodes(subject, view, entry)
        if block is None or not multi:
            continue
        where = _node_count_text(nodes)
        if interconnect == "direct":
            yield Hit(
                block.at("ep_level"),
                Text(
                    "ep_level 2 on {where_en} with back-to-back cabling (--interconnect direct): "
                    "MindIE needs the servers connected through a switch and fails to start",
                    "{where_zh}上 ep_level 为 2，但服务器直连（--interconnect direct）："
                    "MindIE 要求服务器通过交换机连接，否则无法拉起服务",
                ).format(where_en=where.en, where_zh=where.zh),
                Text(
                    "Connect the servers through a switch, or set ep_level to 1.",
                    "通过交换机连接服务器，或将 ep_level 改为 1。",
                ),
            )
            continue
        yield Hit(
            block.at("ep_level"),
            Text(
                "ep_level 2 on {where_en} needs the servers connected through a switch, or the "
                "service fails to start; the cabling is not declared",
                "{where_zh}上 ep_level 为 2，服务器必须通过交换机连接，否则服务无法拉起；当前未声明组网方式",
            ).format(where_en=where.en, where_zh=where.zh),
            Text(
                "Check the cabling, then pass --interconnect switch (or --interconnect direct "
                "for back-to-back cabling).",
                "确认组网后传入 --interconnect switch（服务器直连时传入 --interconnect direct）。",
            ),
            severity=Severity.WARNING,
        )


def _is_a3(subject: Subject, per_node: int | None) -> bool:
    """Return whether the servers are Atlas 800I A3, from --hardware or the devices per node."""
    name = subject.hardware.name
    if name is not None:
        return "a3" in name
    return per_node is not None and per_node > A2_DEVICES_PER_SERVER


@rule(
    "EP402",
    "level-2-ep-per-node",
    Severity.ERROR,
    summary=Text(
        "On several Atlas 800I A2 servers, ep_level 2 needs moe_ep divisible by the node count.",
        "多台 Atlas 800I A2 上使用 ep_level 2 时，moe_ep 必须能被服务器数整除。",
    ),
    rationale=Text(
        "With ep_level 2 on A2 servers MindIE splits the expert-parallel group into moe_ep / N "
        "ranks per node. When moe_ep is not a multiple of the node count N the split has no "
        "integer size and the layout is rejected.",
        "A2 多机使用 ep_level 2 时，MindIE 将专家并行组按每台服务器 moe_ep / N 个 rank 切分。"
        "moe_ep 不是服务器数 N 的整数倍时无法切分，该切分方式会被拒绝。",
    ),
    bad='"worldSize": 8, "moe_ep": 12, "moe_tp": 1, "models": {"deepseekv2": {"ep_level": 2}}  '
    "(2 servers)",
    good='"worldSize": 8, "moe_ep": 16, "moe_tp": 1, "models": {"deepseekv2": {"ep_level": 2}}  '
    "(2 servers)",
    fix=Text(
        "Set moe_ep to a multiple of the node count; with moe_tp 1 it equals the global world size.",
        "将 moe_ep 设为服务器数的整数倍；moe_tp 为 1 时它应等于全局卡数。",
    ),
)
def level_two_ep_per_node(subject: Subject) -> Iterator[Hit]:
    for view, entry in subject.entries():
        if _active_level_two(subject, view, entry) is None:
            continue
        layout = subject.layout(view, entry)
        nodes = layout.nodes
        if nodes is None or nodes < 2 or _is_a3(subject, layout.per_node):
            continue
        if layout.moe_ep % nodes == 0:
            continue
        suggestion = layout.world if layout.world else -(-layout.moe_ep // nodes) * nodes
        yield Hit(
            entry.at("moe_ep"),
            Text(
                "moe_ep {moe_ep} does not split over {nodes} nodes: ep_level 2 on Atlas 800I A2 "
                "puts moe_ep / {nodes} expert-parallel ranks on each node",
                "moe_ep {moe_ep} 无法均分到 {nodes} 台服务器：A2 上的 ep_level 2 每台服务器放 "
                "moe_ep / {nodes} 个专家并行 rank",
            ).format(moe_ep=layout.moe_ep, nodes=nodes),
            Text(
                "Set moe_ep to a multiple of {nodes}, such as {suggestion}.",
                "将 moe_ep 设为 {nodes} 的整数倍，例如 {suggestion}。",
            ).format(nodes=nodes, suggestion=suggestion),
        )


# ---------------------------------------------------------------------------------------
# The rank table itself


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
    for pointer, value in _scalar_leaves(table.document.value, ""):
        if isinstance(value, str):
            continue
        tokens = split_pointer(pointer)
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
    "EP406",
    "ranktable-device-id",
    Severity.ERROR,
    summary=Text(
        "device_id must be an integer from 0 to 63, unique within its server.",
        "device_id 必须是 0 到 63 的整数，且在同一服务器内唯一。",
    ),
    rationale=Text(
        "MindIE rejects a device_id that is not an integer in [0, 63]. Two entries with the "
        "same device_id on one server put two ranks on one device, which HCCL cannot set up.",
        "MindIE 拒绝不在 [0, 63] 内的 device_id。同一服务器内两个条目的 device_id 相同，"
        "会把两个 rank 放到同一张卡上，HCCL 无法建立通信。",
    ),
    bad='"device": [{"device_id": "0", ...}, {"device_id": "0", ...}]',
    good='"device": [{"device_id": "0", ...}, {"device_id": "1", ...}]',
    fix=Text(
        "Write each device's own id, as `npu-smi info` lists it on that server.",
        "填写每张卡自身的编号（可在该服务器上用 `npu-smi info` 查看）。",
    ),
)
def ranktable_device_id(subject: Subject) -> Iterator[Hit]:
    for server in _rank_servers(subject):
        seen: dict[int, str] = {}
        for device in server.devices or []:
            text = _string_at(device.raw, "device_id")
            if text is None:
                continue
            pointer = join_pointer(device.pointer, "device_id")
            problem = _device_id_problem(text)
            if problem is not None:
                yield Hit(pointer, problem, DEVICE_ID_HINT)
                continue
            number = int(text)
            first = seen.setdefault(number, pointer)
            if first != pointer:
                yield Hit(
                    pointer,
                    Text(
                        "device_id {number} appears twice on {server_en}: first on line {line}",
                        "{server_zh}上 device_id {number} 出现两次：第一次在第 {line} 行",
                    ).format(
                        number=number,
                        server_en=_server_label(server).en,
                        server_zh=_server_label(server).zh,
                        line=_line_of(subject, first),
                    ),
                    Text(
                        "Give each device entry of a server its own device_id.",
                        "同一服务器的每个卡条目使用不同的 device_id。",
                    ),
                    related=(first,),
                )


DEVICE_ID_HINT = Text(
    'Write the device\'s id as a decimal string from "0" to "63", as `npu-smi info` lists it.',
    '将卡号写为 "0" 到 "63" 的十进制字符串（可用 `npu-smi info` 查看）。',
)


def _device_id_problem(text: str) -> Text | None:
    if not DECIMAL.fullmatch(text):
        return Text(
            "device_id {text!r} is not a decimal integer; MindIE stops with "
            '"Parameter device_id is invalid in ranktable file."',
            'device_id {text!r} 不是十进制整数；MindIE 会报 "Parameter device_id is invalid in '
            'ranktable file." 并退出',
        ).format(text=text)
    if int(text) > MAX_DEVICE_ID:
        return Text(
            "device_id {text} is outside MindIE's range of 0 to {high}",
            "device_id {text} 超出 MindIE 允许的 0~{high}",
        ).format(text=text, high=MAX_DEVICE_ID)
    return None


@rule(
    "EP407",
    "ranktable-device-ip",
    Severity.ERROR,
    summary=Text(
        "device_ip must be a valid, non-zero IP address, unique in the table.",
        "device_ip 必须是合法且非全零的 IP 地址，并在整个 rank table 中唯一。",
    ),
    rationale=Text(
        "HCCL connects the devices through these addresses. MindIE rejects an address that is "
        f'not a valid IPv4 or IPv6 address, or is all zeros, with "{DEVICE_IP_LOG}" A '
        'placeholder such as "-.-.-.-" appears when a table is generated while a device has '
        "no address yet. Two devices with the same address cannot both be reached.",
        "HCCL 通过这些地址连接各卡。地址不是合法 IPv4/IPv6 地址或为全零时，MindIE 报 "
        f'"{DEVICE_IP_LOG}" 并退出。在卡尚未配置地址时生成 rank table，会出现 "-.-.-.-" 这类占位符。'
        "两张卡地址相同则无法同时连通。",
    ),
    bad='{"device_id": "0", "device_ip": "-.-.-.-", "rank_id": "0"}',
    good='{"device_id": "0", "device_ip": "192.0.2.100", "rank_id": "0"}',
    fix=Text(
        "Read each device's address with `hccn_tool -i <device_id> -ip -g` on its server and "
        "write it into the table.",
        "在各服务器上用 `hccn_tool -i <device_id> -ip -g` 查询每张卡的地址并填入 rank table。",
    ),
)
def ranktable_device_ip(subject: Subject) -> Iterator[Hit]:
    seen: dict[ipaddress.IPv4Address | ipaddress.IPv6Address, str] = {}
    for _, device in _rank_devices(subject):
        text = _string_at(device.raw, "device_ip")
        if text is None:
            continue
        pointer = join_pointer(device.pointer, "device_ip")
        address = _parse_ip(text)
        if address is None or address.is_unspecified:
            yield Hit(pointer, _invalid_device_ip(text, address is None), _device_ip_hint(device))
            continue
        first = seen.setdefault(address, pointer)
        if first != pointer:
            yield Hit(
                pointer,
                Text(
                    "device_ip {text} is also used on line {line}; every device needs its own "
                    "address",
                    "device_ip {text} 已在第 {line} 行使用；每张卡需要独立的地址",
                ).format(text=text, line=_line_of(subject, first)),
                _device_ip_hint(device),
                related=(first,),
            )


def _invalid_device_ip(text: str, unparsable: bool) -> Text:
    reason = (
        Text("is not a valid IP address", "不是合法的 IP 地址")
        if unparsable
        else Text("is the all-zero address", "是全零地址")
    )
    return Text(
        'device_ip "{text}" {reason_en}; MindIE stops with "{log}"',
        'device_ip "{text}" {reason_zh}；MindIE 会报 "{log}" 并退出',
    ).format(text=text, reason_en=reason.en, reason_zh=reason.zh, log=DEVICE_IP_LOG)


def _device_ip_hint(device: _TableDevice) -> Text:
    device_id = _string_at(device.raw, "device_id")
    index = device_id if device_id is not None and DECIMAL.fullmatch(device_id) else "<device_id>"
    return Text(
        "Read the address with `hccn_tool -i {index} -ip -g` on this server; if it shows none, "
        "configure the NPU network first, then regenerate the table.",
        "在该服务器上用 `hccn_tool -i {index} -ip -g` 查询地址；若没有地址，先配置 NPU 网络再重新生成 rank table。",
    ).format(index=index)


@rule(
    "EP408",
    "ranktable-rank-id",
    Severity.ERROR,
    summary=Text(
        "rank_id must run 0, 1, 2, ... in server then device order, each at most 511.",
        "rank_id 必须按服务器、再按卡的顺序从 0 连续编号，且不超过 511。",
    ),
    rationale=Text(
        "MindIE rejects a rank_id that is not an integer in [0, 511], and takes the server "
        "holding rank 0 as the master. HCCL needs every rank from 0 to the device count minus "
        "one exactly once. MindIE's rank table guide numbers them by server, then by device, "
        "so a table in another order is a warning.",
        "MindIE 拒绝不在 [0, 511] 内的 rank_id，并把持有 rank 0 的服务器作为主节点。"
        "HCCL 要求从 0 到总卡数减一的每个 rank 恰好出现一次。MindIE 的 rank table 指南按服务器、"
        "再按卡的顺序编号，其他顺序报警告。",
    ),
    bad='server 0: rank_id "0".."7"; server 1: rank_id "9".."16"',
    good='server 0: rank_id "0".."7"; server 1: rank_id "8".."15"',
    fix=Text(
        "Number the devices 0, 1, 2, ... through the first server, then the next.",
        "按第一台服务器的卡依次编号 0、1、2……，再继续编号下一台服务器。",
    ),
)
def ranktable_rank_id(subject: Subject) -> Iterator[Hit]:
    ranks: list[tuple[str, int]] = []
    seen: dict[int, str] = {}
    clean = True
    for _, device in _rank_devices(subject):
        text = _string_at(device.raw, "rank_id")
        if text is None:
            clean = False
            continue
        pointer = join_pointer(device.pointer, "rank_id")
        problem = _rank_id_problem(text)
        if problem is not None:
            clean = False
            yield Hit(pointer, problem, RANK_ID_HINT)
            continue
        number = int(text)
        first = seen.setdefault(number, pointer)
        if first != pointer:
            clean = False
            yield Hit(
                pointer,
                Text(
                    "rank_id {number} is also used on line {line}; every device needs its own rank",
                    "rank_id {number} 已在第 {line} 行使用；每张卡需要独立的 rank",
                ).format(number=number, line=_line_of(subject, first)),
                RANK_ID_HINT,
                related=(first,),
            )
        ranks.append((pointer, number))
    if clean and _whole_table(subject) is not None:
        yield from _rank_order(ranks)


RANK_ID_HINT = Text(
    'Number the devices "0", "1", "2", ... through the first server, then the next.',
    '按第一台服务器的卡依次编号 "0"、"1"、"2"……，再继续编号下一台服务器。',
)


def _rank_id_problem(text: str) -> Text | None:
    if not DECIMAL.fullmatch(text):
        return Text(
            "rank_id {text!r} is not a decimal integer; MindIE stops with "
            '"Parameter rankId is invalid in ranktable file."',
            'rank_id {text!r} 不是十进制整数；MindIE 会报 "Parameter rankId is invalid in '
            'ranktable file." 并退出',
        ).format(text=text)
    if int(text) > MAX_RANK_ID:
        return Text(
            "rank_id {text} is outside MindIE's range of 0 to {high}",
            "rank_id {text} 超出 MindIE 允许的 0~{high}",
        ).format(text=text, high=MAX_RANK_ID)
    return None


def _rank_order(ranks: list[tuple[str, int]]) -> Iterator[Hit]:
    """Report gaps in 0..n-1 as an error, else the first rank out of order as a warning."""
    missing = sorted(set(range(len(ranks))) - {number for _, number in ranks})
    if missing:
        pointer, number = next((item for item in ranks if item[1] >= len(ranks)), ranks[-1])
        missing_text = ", ".join(str(rank) for rank in missing[:8])
        if len(missing) > 8:
            missing_text += ", ..."
        yield Hit(
            pointer,
            Text(
                "rank_id {number} is outside 0 to {last}, the ranks of {count} devices, and these "
                "ranks are missing: {missing_text}",
                "rank_id {number} 超出 {count} 张卡的 rank 范围 0~{last}，且缺少以下 rank：{missing_text}",
            ).format(
                last=len(ranks) - 1, count=len(ranks), missing_text=missing_text, number=number
            ),
            RANK_ID_HINT,
        )
        return
    for position, (pointer, number) in enumerate(ranks):
        if number != position:
            yield Hit(
                pointer,
                Text(
                    "rank_id {number} is device number {position} in server then device order; "
                    "MindIE's numbering gives it rank {position}",
                    "rank_id {number} 按服务器、再按卡的顺序是第 {position} 张卡；按 MindIE 的编号规则应为 {position}",
                ).format(number=number, position=position),
                RANK_ID_HINT,
                severity=Severity.WARNING,
            )
            return


@rule(
    "EP409",
    "ranktable-container-ip",
    Severity.ERROR,
    summary=Text(
        "container_ip must be a non-empty, valid IP address.",
        "container_ip 必须是非空且合法的 IP 地址。",
    ),
    rationale=Text(
        "MindIE rejects a server whose container_ip is empty, and finds its own server by "
        "comparing container_ip with MIES_CONTAINER_IP; a value that is not an IP address "
        "never matches.",
        "container_ip 为空时 MindIE 会拒绝该服务器；MindIE 通过比较 container_ip 与 MIES_CONTAINER_IP "
        "找到本机，非 IP 地址的值永远无法匹配。",
    ),
    bad='{"server_id": "192.0.2.10", "container_ip": "", "device": [...]}',
    good='{"server_id": "192.0.2.10", "container_ip": "192.0.2.10", "device": [...]}',
    fix=Text(
        "Write the IP address of the server or its container; without containers it equals "
        "server_id.",
        "填写服务器或其容器的 IP 地址；未使用容器时与 server_id 相同。",
    ),
)
def ranktable_container_ip(subject: Subject) -> Iterator[Hit]:
    for server in _rank_servers(subject):
        text = _string_at(server.raw, "container_ip")
        if text is None:
            continue
        pointer = join_pointer(server.pointer, "container_ip")
        if not text.strip():
            message = Text(
                'container_ip of {server_en} is empty; MindIE stops with "The containerIp in '
                'the server node is empty in ranktable file."',
                '{server_zh}的 container_ip 为空；MindIE 会报 "The containerIp in the server '
                'node is empty in ranktable file." 并退出',
            )
        elif _parse_ip(text) is None:
            message = Text(
                'container_ip "{text}" of {server_en} is not a valid IP address, so MindIE '
                "never matches it with MIES_CONTAINER_IP",
                '{server_zh}的 container_ip "{text}" 不是合法的 IP 地址，MindIE 无法将其与 '
                "MIES_CONTAINER_IP 匹配",
            )
        else:
            continue
        label = _server_label(server)
        server_id = _string_at(server.raw, "server_id")
        hint = (
            Text(
                'Write the container\'s IP address, or "{server_id}" without containers.',
                '填写容器的 IP 地址；未使用容器时填 "{server_id}"。',
            ).format(server_id=server_id)
            if server_id and _parse_ip(server_id) is not None
            else Text(
                "Write the IP address of the server or its container.",
                "填写服务器或其容器的 IP 地址。",
            )
        )
        yield Hit(
            pointer,
            message.format(text=text, server_en=label.en, server_zh=label.zh),
            hint,
        )


# ---------------------------------------------------------------------------------------
# The rank table against config.json


@rule(
    "EP410",
    "ranktable-world-size",
    Severity.ERROR,
    summary=Text(
        "worldSize must equal the devices per server in the rank table.",
        "worldSize 必须等于 rank table 中每台服务器的卡数。",
    ),
    rationale=Text(
        "In multi-node mode worldSize is the device count per node. MindIE takes that count "
        "from the rank table instead, so tp, dp and moe_ep chosen for another worldSize do "
        "not describe what runs, and the layout fails or differs from the plan.",
        "多机模式下 worldSize 表示单机卡数，而 MindIE 实际从 rank table 取得该数。"
        "按其他 worldSize 设置的 tp、dp、moe_ep 与实际运行不符，切分会失败或与预期不同。",
    ),
    bad='"worldSize": 4  (epcheck validate config.json --ranktable ranktable-2x8.json)',
    good='"worldSize": 8  (epcheck validate config.json --ranktable ranktable-2x8.json)',
    fix=Text(
        "Set worldSize to the devices per server, or regenerate the rank table.",
        "将 worldSize 设为每台服务器的卡数，或重新生成 rank table。",
    ),
)
def ranktable_world_size(subject: Subject) -> Iterator[Hit]:
    table = subject.ranktable
    per_server = table.devices_per_server if table is not None else None
    if table is None or per_server is None:
        return
    for view, entry in subject.entries():
        world_size = entry.entry.world_size
        if not view.multi_node or world_size is None or world_size == per_server:
            continue
        yield Hit(
            entry.at("worldSize"),
            Text(
                "worldSize {world_size} in {config} differs from the {per_server} devices per "
                "server in the rank table {ranktable}; MindIE runs {per_server} devices per "
                "node from the rank table",
                "{config} 中 worldSize 为 {world_size}，而 rank table {ranktable} 每台服务器有 "
                "{per_server} 张卡；MindIE 按 rank table 每台服务器使用 {per_server} 张卡",
            ).format(
                world_size=world_size,
                config=subject.document.name,
                per_server=per_server,
                ranktable=table.document.name,
            ),
            Text(
                "Set worldSize to {per_server}, or regenerate the rank table with {world_size} "
                "devices per server.",
                "将 worldSize 改为 {per_server}，或按每台服务器 {world_size} 张卡重新生成 rank table。",
            ).format(per_server=per_server, world_size=world_size),
        )


@rule(
    "EP411",
    "multi-node-without-ranktable",
    Severity.INFO,
    summary=Text(
        "A multi-node config was checked without its rank table.",
        "多机配置在没有 rank table 的情况下进行了检查。",
    ),
    rationale=Text(
        "With multiNodesInferEnabled true MindIE reads the rank table named by RANK_TABLE_FILE "
        "(MindIE 2.1 and later) or RANKTABLEFILE (2.0 and earlier). Without --ranktable, "
        "epcheck skips the checks of the table and of worldSize against it.",
        "multiNodesInferEnabled 为 true 时，MindIE 读取 RANK_TABLE_FILE（2.1 及以后）或 "
        "RANKTABLEFILE（2.0 及以前）指定的 rank table。未传入 --ranktable 时，epcheck 会跳过对该表"
        "及其与 worldSize 一致性的检查。",
    ),
    bad="epcheck validate config.json  (multiNodesInferEnabled: true)",
    good="epcheck validate config.json --ranktable ranktable.json",
    fix=Text(
        "Pass the rank table with --ranktable.",
        "通过 --ranktable 传入 rank table。",
    ),
)
def multi_node_without_ranktable(subject: Subject) -> Iterator[Hit]:
    if subject.ranktable is not None:
        return
    for view in subject.views:
        # A MindIE-MS deployment file describes pods, not a rank table, so it is skipped.
        if not view.multi_node or view.kind == DocumentKind.MS_USER_CONFIG:
            continue
        yield Hit(
            view.pointer("backend", "multiNodesInferEnabled"),
            Text(
                "multiNodesInferEnabled is true but no rank table was given, so the rank table "
                "checks (EP403 to EP410, EP414) were skipped",
                "multiNodesInferEnabled 为 true，但未传入 rank table，因此跳过了 rank table 相关检查"
                "（EP403~EP410、EP414）",
            ),
            _ranktable_hint(subject),
        )


def _ranktable_hint(subject: Subject) -> Text:
    version = subject.settings.mindie_version
    name = _ranktable_env_name(version)
    other = "RANK_TABLE_FILE" if name == "RANKTABLEFILE" else "RANKTABLEFILE"
    env = subject.settings.env
    if env.get(name):
        return Text(
            "{name} is set to {path}: run again with --ranktable {path}.",
            "{name} 已设置为 {path}：请加上 --ranktable {path} 重新检查。",
        ).format(name=name, path=env[name])
    if env.get(other):
        return Text(
            "{other} is set, but MindIE {version} reads {name}: set {name} on every server and "
            "pass the same file with --ranktable.",
            "已设置 {other}，但 MindIE {version} 读取的是 {name}：请在每台服务器上设置 {name}，"
            "并用 --ranktable 传入同一文件。",
        ).format(other=other, version=version, name=name)
    return Text(
        "Pass the file that {name} names on the servers (MindIE {version}) with --ranktable FILE.",
        "用 --ranktable FILE 传入服务器上 {name} 指定的文件（MindIE {version}）。",
    ).format(name=name, version=version)


@rule(
    "EP412",
    "ranktable-with-single-node",
    Severity.WARNING,
    summary=Text(
        "A rank table was given but multiNodesInferEnabled is not true, so MindIE ignores it.",
        "传入了 rank table，但 multiNodesInferEnabled 不为 true，MindIE 会忽略该表。",
    ),
    rationale=Text(
        "MindIE loads the rank table only in multi-node mode, which multiNodesInferEnabled "
        "turns on (default false). Otherwise each server runs on its own with npuDeviceIds, "
        "which is rarely what a deployment with a rank table means.",
        "MindIE 仅在多机模式下加载 rank table，多机模式由 multiNodesInferEnabled 开启（默认 false）。"
        "否则每台服务器按 npuDeviceIds 单独运行，这通常不是提供 rank table 的部署所期望的。",
    ),
    bad='"multiNodesInferEnabled": false  (epcheck validate config.json --ranktable rt.json)',
    good='"multiNodesInferEnabled": true  (epcheck validate config.json --ranktable rt.json)',
    fix=Text(
        "Set multiNodesInferEnabled to true, or drop the rank table for a single-node run.",
        "将 multiNodesInferEnabled 设为 true；单机运行则不需要 rank table。",
    ),
)
def ranktable_with_single_node(subject: Subject) -> Iterator[Hit]:
    table = subject.ranktable
    if table is None:
        return
    for view in subject.views:
        if view.backend is None or view.multi_node:
            continue
        value = view.backend.multi_nodes_infer_enabled
        flag_state = Text("false", "为 false") if value is False else Text("not set", "未设置")
        yield Hit(
            view.pointer("backend", "multiNodesInferEnabled"),
            Text(
                "the rank table {ranktable} was given, but multiNodesInferEnabled is {state_en}: "
                "MindIE runs on one node and ignores the rank table",
                "传入了 rank table {ranktable}，但 multiNodesInferEnabled {state_zh}："
                "MindIE 将单机运行并忽略该 rank table",
            ).format(ranktable=table.document.name, state_en=flag_state.en, state_zh=flag_state.zh),
            Text(
                'Set "multiNodesInferEnabled": true for a multi-node run.',
                '多机运行请设置 "multiNodesInferEnabled": true。',
            ),
        )


@rule(
    "EP413",
    "npu-device-ids-ignored",
    Severity.INFO,
    summary=Text(
        "In multi-node mode MindIE ignores npuDeviceIds and uses the rank table's devices.",
        "多机模式下 MindIE 忽略 npuDeviceIds，使用 rank table 中的卡。",
    ),
    rationale=Text(
        "With multiNodesInferEnabled true MindIE builds the device list of each node from the "
        "rank table, so a device selection in npuDeviceIds has no effect. The rule reports "
        "npuDeviceIds only when it differs from the devices that run: those of the rank "
        "table's first server, or devices 0 to worldSize - 1 without --ranktable.",
        "multiNodesInferEnabled 为 true 时，MindIE 根据 rank table 生成每台服务器的卡列表，"
        "npuDeviceIds 中的选卡不会生效。仅当 npuDeviceIds 与实际使用的卡不同时报告：即 rank table "
        "第一台服务器的卡，未传 --ranktable 时为 0 到 worldSize - 1 号卡。",
    ),
    bad='"npuDeviceIds": [[4,5,6,7]], "multiNodesInferEnabled": true  (8 devices per server)',
    good='"npuDeviceIds": [[0,1,2,3,4,5,6,7]], "multiNodesInferEnabled": true',
    fix=Text(
        "Choose the devices in the rank table, and write the same list in npuDeviceIds.",
        "在 rank table 中选择要使用的卡，并在 npuDeviceIds 中写入相同的列表。",
    ),
)
def npu_device_ids_ignored(subject: Subject) -> Iterator[Hit]:
    for view in subject.views:
        backend = view.backend
        if backend is None or not view.multi_node or backend.npu_device_ids is None:
            continue
        running = _running_devices(subject, view)
        if running is not None and backend.npu_device_ids == [running]:
            continue
        listed = json.dumps(backend.npu_device_ids, separators=(",", ":"))
        used = (
            Text("devices {devices}", "卡 {devices}").format(devices=running)
            if running is not None
            else Text("the devices it lists", "其中列出的卡")
        )
        yield Hit(
            view.pointer("backend", "npuDeviceIds"),
            Text(
                "npuDeviceIds {listed} has no effect because multiNodesInferEnabled is true: "
                "MindIE runs on the rank table's {used_en}",
                "multiNodesInferEnabled 为 true，npuDeviceIds {listed} 不生效：MindIE 使用 rank table "
                "中的{used_zh}",
            ).format(listed=listed, used_en=used.en, used_zh=used.zh),
            Text(
                "Choose the devices in the rank table, and write the same list in npuDeviceIds "
                "to keep the two consistent.",
                "在 rank table 中选择要使用的卡，并在 npuDeviceIds 中写入相同的列表以保持一致。",
            ),
        )


def _running_devices(subject: Subject, view: ServiceView) -> list[int] | None:
    """Return the device ids a node runs on: the rank table's first server, or 0..worldSize-1."""
    table = subject.ranktable.table if subject.ranktable is not None else None
    servers = table.server_list if table is not None else None
    if servers and servers[0].device:
        ids = [device.device_id for device in servers[0].device]
        if all(text is not None and DECIMAL.fullmatch(text) for text in ids):
            return [int(text) for text in ids if text is not None]
        return None
    world_sizes = {entry.entry.world_size for entry in view.entries}
    world_size = world_sizes.pop() if len(world_sizes) == 1 else None
    return list(range(world_size)) if world_size else None


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
