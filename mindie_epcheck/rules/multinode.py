"""EP401, EP402, EP410-EP413: multi-node deployment, and how the rank table meets config.json.

MindIE reads the rank table that RANK_TABLE_FILE names (RANKTABLEFILE up to MindIE 2.0) only
when multiNodesInferEnabled is true. The rules that compare the table with config.json run on
the config and read `subject.ranktable`. The rules on the rank table itself are in ranktable.py
and ranktable_ids.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from mindie_epcheck.findings import Severity
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.context import EpBlock, Subject
from mindie_epcheck.model.view import EntryView, ServiceView
from mindie_epcheck.rules.ranktable import DECIMAL
from mindie_epcheck.rules.registry import Hit, rule
from mindie_epcheck.source.kinds import DocumentKind

# Atlas 800I A2 has 8 devices per server, and the A3 has 16 logical devices.
A2_DEVICES_PER_SERVER = 8


# ---------------------------------------------------------------------------------------
# Shared helpers


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
            Text("devices {devices} of the rank table", "rank table 中的卡 {devices}").format(
                devices=running
            )
            if running is not None
            else Text("the devices of the rank table", "rank table 中列出的卡")
        )
        yield Hit(
            view.pointer("backend", "npuDeviceIds"),
            Text(
                "npuDeviceIds {listed} has no effect because multiNodesInferEnabled is true: "
                "MindIE runs on {used_en}",
                "multiNodesInferEnabled 为 true，npuDeviceIds {listed} 不生效：MindIE 使用{used_zh}",
            ).format(listed=listed, used_en=used.en, used_zh=used.zh),
            Text(
                "Choose the devices in the rank table, and write the same list in npuDeviceIds "
                "to keep the two consistent.",
                "在 rank table 中选择要使用的卡，并在 npuDeviceIds 中写入相同的列表以保持一致。",
            ),
        )


MAX_DEVICES_PER_SERVER = 32


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
    # A rank table allows at most 32 devices per server; a larger worldSize is reported
    # elsewhere, and building its device list would only waste memory.
    return list(range(world_size)) if world_size and world_size <= MAX_DEVICES_PER_SERVER else None
