"""EP206, EP207, EP210: parallel groups that cross node boundaries, and an unknown node count."""

from __future__ import annotations

from collections.abc import Iterator

from mindie_epcheck.findings import Severity
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.context import Subject
from mindie_epcheck.model.layout import Layout, NodeSource
from mindie_epcheck.rules.parallel import moe_tp_phrase, sized_targets, world_phrase
from mindie_epcheck.rules.registry import Hit, rule

# Checks that need the global world size W, listed by EP210 when the node count is unknown.
WORLD_CHECKS = ("EP202", "EP206", "EP207", "EP208")


# ---------------------------------------------------------------- EP206, EP207


@rule(
    "EP206",
    "tp-spans-nodes",
    Severity.ERROR,
    summary=Text(
        "tp is larger than one node but smaller than the world size.",
        "tp 大于单节点卡数但小于全局卡数。",
    ),
    rationale=Text(
        "A tensor-parallel group must fit in one node (tp <= worldSize) or span all devices "
        "(tp = W); MindIE rejects a group that covers part of several nodes.",
        "张量并行组要么位于单个节点内（tp <= worldSize），要么覆盖全部卡（tp = W）；"
        "MindIE 拒绝跨越多个节点但又不覆盖全部卡的并行组。",
    ),
    bad='3 nodes, {"worldSize": 8, "tp": 12, "dp": 2, "moe_ep": 8, "moe_tp": 3}',
    good='3 nodes, {"worldSize": 8, "tp": 8, "dp": 3, "moe_ep": 8, "moe_tp": 3}',
    fix=Text(
        "Set tp to at most worldSize, or to nodes x worldSize.",
        "将 tp 设为不超过 worldSize 的值，或等于节点数 x worldSize。",
    ),
)
def tp_spans_nodes(subject: Subject) -> Iterator[Hit]:
    for target in sized_targets(subject):
        layout = target.layout
        if layout.tp is None or not _spans_part_of_nodes(layout.tp, layout):
            continue
        pointer, part = target.pointer("tp")
        yield Hit(
            pointer,
            Text(
                "tp {tp} is more than one node (worldSize {per_node}) but less than the world "
                "size: {world_en}",
                "tp {tp} 超过单节点卡数（worldSize {per_node}），但小于全局卡数：{world_zh}",
            ).format(
                tp=layout.tp,
                per_node=layout.per_node,
                world_en=world_phrase(layout).en,
                world_zh=world_phrase(layout).zh,
            ),
            Text(
                "Set tp to {per_node} or less (a divisor of {per_node}), or to {world}.",
                "将 tp 设为不超过 {per_node} 的值（{per_node} 的约数），或设为 {world}。",
            ).format(per_node=layout.per_node, world=layout.world),
            part=part,
            related=target.related("worldSize"),
        )


def _spans_part_of_nodes(size: int, layout: Layout) -> bool:
    # A size above W is reported by the product rules (EP202, EP208), not here.
    if layout.per_node is None or layout.world is None:
        return False
    return layout.per_node < size < layout.world


@rule(
    "EP207",
    "moe-tp-spans-nodes",
    Severity.ERROR,
    summary=Text(
        "moe_tp is larger than one node but smaller than the world size.",
        "moe_tp 大于单节点卡数但小于全局卡数。",
    ),
    rationale=Text(
        "The tensor-parallel group of the MoE layers must fit in one node (moe_tp <= worldSize) "
        "or span all devices (moe_tp = W). moe_tp defaults to tp, so a large tp carries over.",
        "MoE 层的张量并行组要么位于单个节点内（moe_tp <= worldSize），要么覆盖全部卡（moe_tp = W）。"
        "moe_tp 默认等于 tp，因此较大的 tp 会被继承。",
    ),
    bad='3 nodes, {"worldSize": 8, "tp": 24, "moe_ep": 2, "moe_tp": 12}',
    good='3 nodes, {"worldSize": 8, "tp": 24, "moe_ep": 8, "moe_tp": 3}',
    fix=Text(
        "Set moe_tp to at most worldSize and raise moe_ep so that moe_ep x moe_tp = W.",
        "将 moe_tp 设为不超过 worldSize 的值，并增大 moe_ep，使 moe_ep x moe_tp = W。",
    ),
)
def moe_tp_spans_nodes(subject: Subject) -> Iterator[Hit]:
    for target in sized_targets(subject):
        layout = target.layout
        if layout.moe_tp is None or not _spans_part_of_nodes(layout.moe_tp, layout):
            continue
        pointer, part = target.pointer("moe_tp", "tp")
        yield Hit(
            pointer,
            Text(
                "{moe_tp_en} is more than one node (worldSize {per_node}) but less than the "
                "world size: {world_en}",
                "{moe_tp_zh} 超过单节点卡数（worldSize {per_node}），但小于全局卡数：{world_zh}",
            ).format(
                moe_tp_en=moe_tp_phrase(layout).en,
                moe_tp_zh=moe_tp_phrase(layout).zh,
                per_node=layout.per_node,
                world_en=world_phrase(layout).en,
                world_zh=world_phrase(layout).zh,
            ),
            Text(
                'Set "moe_tp" to {per_node} or less and moe_ep to W / moe_tp.',
                '将 "moe_tp" 设为不超过 {per_node} 的值，并将 moe_ep 设为 W / moe_tp。',
            ).format(per_node=layout.per_node),
            part=part,
            related=target.related("worldSize", "tp", "moe_ep"),
        )


# ---------------------------------------------------------------- EP210


def _inferred_hits(subject: Subject) -> Iterator[Hit]:
    for view, entry in subject.entries():
        layout = subject.layout(view, entry)
        if layout.node_source != NodeSource.INFERRED:
            continue
        yield Hit(
            view.pointer("backend", "multiNodesInferEnabled"),
            Text(
                "no rank table: the node count {nodes} was inferred from tp x dp x cp (or tp x "
                "pp) over worldSize {per_node}, so a wrong tp, dp or cp that still divides "
                "cannot be detected",
                "没有 rank table：节点数 {nodes} 是根据 tp x dp x cp（或 tp x pp）除以 worldSize "
                "{per_node} 推断的，因此无法发现仍能整除的错误 tp、dp 或 cp",
            ).format(nodes=layout.nodes, per_node=layout.per_node),
            Text(
                "Pass the rank table with --ranktable FILE, or the node count with --nodes N.",
                "通过 --ranktable FILE 传入 rank table，或通过 --nodes N 指定节点数。",
            ),
            related=(entry.pointer,),
        )


@rule(
    "EP210",
    "node-count-unknown",
    Severity.INFO,
    summary=Text(
        "Multi-node inference is on, but the node count is unknown or only inferred from the "
        "layout itself, so the layout checks are skipped or rest on that guess.",
        "已开启多机推理，但节点数未知或只能从并行配置本身推断，因此部分并行切分检查被跳过，"
        "或只能基于该推断进行。",
    ),
    rationale=Text(
        "worldSize counts the devices of one node; the global world size also needs the node "
        "count, which comes from the rank table. Without it, and without an explicit tp x dp x "
        "cp to infer it from, the checks that need the world size cannot run.",
        "worldSize 只是单节点的卡数；全局卡数还需要节点数，它来自 rank table。"
        "没有 rank table，也无法从显式的 tp x dp x cp 推断时，依赖全局卡数的检查无法进行。",
    ),
    bad="epcheck validate config.json  (multiNodesInferEnabled true, no tp)",
    good="epcheck validate config.json --ranktable ranktable.json",
    fix=Text(
        "Pass the rank table with --ranktable FILE, or the node count with --nodes N.",
        "通过 --ranktable FILE 传入 rank table，或通过 --nodes N 指定节点数。",
    ),
)
def node_count_unknown(subject: Subject) -> Iterator[Hit]:
    yield from _inferred_hits(subject)
    for view in subject.views:
        unknown = [
            entry
            for entry in view.entries
            if subject.layout(view, entry).node_source == NodeSource.UNKNOWN
        ]
        if not unknown:
            continue
        yield Hit(
            view.pointer("backend", "multiNodesInferEnabled"),
            Text(
                "multiNodesInferEnabled is true, but the node count is unknown: no rank table, "
                "no --nodes, and tp x dp x cp gives no node count; skipped {checks}",
                "multiNodesInferEnabled 为 true，但节点数未知：没有 rank table、没有 --nodes，"
                "也无法从 tp x dp x cp 推断；已跳过 {checks}",
            ).format(checks=", ".join(WORLD_CHECKS)),
            Text(
                "Pass the rank table with --ranktable FILE, or the node count with --nodes N.",
                "通过 --ranktable FILE 传入 rank table，或通过 --nodes N 指定节点数。",
            ),
            related=tuple(entry.pointer for entry in unknown),
        )
