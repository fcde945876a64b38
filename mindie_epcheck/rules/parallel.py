"""EP2xx: the parallel layout that MindIE derives from tp, dp, cp, sp, pp, moe_tp and moe_ep.

The arithmetic follows `atb_llm/utils/mapping.py` of MindIE-LLM 3.0. It is computed on the
global world size W = nodes x worldSize, because worldSize in config.json counts the devices
of one node: a published two-node config with worldSize 8 and dp 16 is valid (W = 16).
Checks that need W are skipped when the node count is unknown, and EP210 reports that.

This module contains the shared layout helpers and EP201, EP202, EP208 and EP209. EP203-EP205
are in parallel_cp_sp_pp.py, and EP206, EP207 and EP210 in parallel_nodes.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from mindie_epcheck.findings import Edit, Fix, Severity
from mindie_epcheck.fix.edits import insert_member_after
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.context import Subject
from mindie_epcheck.model.layout import PARALLEL_KEYS, Layout, NodeSource
from mindie_epcheck.model.view import EntryView, ServiceView
from mindie_epcheck.rules.registry import Hit, rule


@dataclass(frozen=True, slots=True)
class Target:
    """One ModelConfig entry with its effective layout."""

    view: ServiceView
    entry: EntryView
    layout: Layout

    def pointer(self, *keys: str) -> tuple[str, str]:
        """Return (pointer, part) of the first key present in the entry, else the entry."""
        for key in keys:
            if key in self.entry.raw:
                return self.entry.at(key), "value"
        return self.entry.pointer, "start"

    def related(self, *keys: str) -> tuple[str, ...]:
        found = [self.entry.at(key) for key in keys if key in self.entry.raw]
        return tuple(found)


def all_targets(subject: Subject) -> Iterator[Target]:
    for view, entry in subject.entries():
        yield Target(view, entry, subject.layout(view, entry))


def sized_targets(subject: Subject) -> Iterator[Target]:
    """Yield the entries whose parallel sizes are all at least 1. EP209 reports the others."""
    for target in all_targets(subject):
        world = target.layout.world
        if sizes_below_one(target.layout) or (world is not None and world < 1):
            continue
        yield target


def sizes_below_one(layout: Layout) -> list[str]:
    keys = []
    for key in PARALLEL_KEYS:
        extra = layout.extras[key]
        if layout.explicit(key) and extra.value is not None and extra.value < 1:
            keys.append(key)
    return keys


# ---------------------------------------------------------------- how values are described

_SOURCES = {
    NodeSource.SINGLE: Text("single node", "单节点"),
    NodeSource.OPTION: Text("node count from --nodes", "节点数来自 --nodes"),
    NodeSource.RANKTABLE: Text(
        "node count from the rank table's server_count", "节点数来自 rank table 的 server_count"
    ),
    NodeSource.PODS: Text("devices from the MindIE-MS pod counts", "卡数来自 MindIE-MS 的 pod 数"),
    NodeSource.INFERRED: Text(
        "node count inferred from tp x dp x cp / worldSize because no rank table or --nodes "
        "was given",
        "未提供 rank table 或 --nodes，节点数由 tp x dp x cp / worldSize 推断",
    ),
    NodeSource.UNKNOWN: Text("node count unknown", "节点数未知"),
}


def world_phrase(layout: Layout) -> Text:
    """Describe W and where its node count came from, e.g. "W = 2 nodes x worldSize 8 = 16 (...)"."""
    source = _SOURCES[layout.node_source]
    if layout.node_source == NodeSource.SINGLE:
        return Text(
            "W = worldSize = {world} ({source_en})", "W = worldSize = {world}（{source_zh}）"
        ).format(world=layout.world, source_en=source.en, source_zh=source.zh)
    return Text(
        "W = {nodes} nodes x worldSize {per_node} = {world} ({source_en})",
        "W = {nodes} 个节点 x worldSize {per_node} = {world}（{source_zh}）",
    ).format(
        nodes=layout.nodes,
        per_node=layout.per_node,
        world=layout.world,
        source_en=source.en,
        source_zh=source.zh,
    )


def tp_phrase(layout: Layout) -> Text:
    if layout.explicit("tp"):
        return Text("tp {tp}", "tp {tp}").format(tp=layout.tp)
    return Text(
        "tp {tp} (tp is not set, so it defaults to the world size)",
        "tp {tp}（未设置 tp，默认等于全局卡数）",
    ).format(tp=layout.tp)


def moe_tp_phrase(layout: Layout) -> Text:
    if layout.explicit("moe_tp"):
        return Text("moe_tp {value}", "moe_tp {value}").format(value=layout.moe_tp)
    if layout.explicit("tp"):
        return Text(
            "moe_tp {value} (moe_tp is not set, so it defaults to tp)",
            "moe_tp {value}（未设置 moe_tp，默认等于 tp）",
        ).format(value=layout.moe_tp)
    return Text(
        "moe_tp {value} (moe_tp is not set, so it defaults to tp, which defaults to the world "
        "size)",
        "moe_tp {value}（未设置 moe_tp，默认等于 tp，而 tp 默认等于全局卡数）",
    ).format(value=layout.moe_tp)


# ---------------------------------------------------------------- EP201


@rule(
    "EP201",
    "world-not-divisible-by-nodes",
    Severity.ERROR,
    summary=Text(
        "The global device count is not worldSize on every node.",
        "全局卡数不等于每个节点 worldSize 张卡之和。",
    ),
    rationale=Text(
        "MindIE runs worldSize devices on each node, so the global world size W must be a "
        "multiple of the node count. A rank table whose servers list different device counts, "
        "or MindIE-MS pods whose device total is not a multiple of worldSize, give a W that "
        "cannot be split that way, and the ranks of some node do not exist.",
        "MindIE 在每个节点上使用 worldSize 张卡，因此全局卡数 W 必须是节点数的整数倍。"
        "若 rank table 中各服务器的卡数不同，或 MindIE-MS 的 pod 全局卡数不是 worldSize 的整数倍，"
        "W 就无法这样均分，某些节点上的 rank 并不存在。",
    ),
    bad="worldSize 8 with a rank table of 2 servers holding 8 and 4 devices (12 in all)",
    good="worldSize 8 with a rank table of 2 servers holding 8 devices each (16 in all)",
    fix=Text(
        "Give every server in the rank table worldSize devices, or set worldSize to the device "
        "count of one node.",
        "让 rank table 中每台服务器都有 worldSize 张卡，或将 worldSize 设为单个节点的卡数。",
    ),
)
def world_not_divisible_by_nodes(subject: Subject) -> Iterator[Hit]:
    for target in all_targets(subject):
        per_node = target.entry.entry.world_size
        if not per_node:
            continue
        hint = target.view.world_size_hint
        if hint is not None and hint % per_node != 0:
            yield _pods_hit(target, hint, per_node)
        else:
            yield from _ranktable_hits(subject, target, per_node)


def _pods_hit(target: Target, hint: int, per_node: int) -> Hit:
    pointer = target.view.world_size_hint_pointer
    return Hit(
        target.entry.at("worldSize"),
        Text(
            "the MindIE-MS pods give {world} devices, which is not a multiple of worldSize "
            "{per_node}",
            "MindIE-MS 的 pod 共有 {world} 张卡，不是 worldSize {per_node} 的整数倍",
        ).format(world=hint, per_node=per_node),
        Text(
            "Set worldSize to the NPU count of one pod, or change the pod counts so that their "
            "device total is a multiple of worldSize.",
            "将 worldSize 设为单个 pod 的 NPU 数，或调整 pod 数使全局卡数为 worldSize 的整数倍。",
        ),
        related=(pointer,) if pointer else (),
    )


def _ranktable_hits(subject: Subject, target: Target, per_node: int) -> Iterator[Hit]:
    table = subject.ranktable.table if subject.ranktable else None
    nodes = target.layout.nodes
    if not target.view.multi_node or table is None or not table.server_list or not nodes:
        return
    total = sum(len(server.device or []) for server in table.server_list)
    if total == 0 or total % nodes == 0:
        return
    source = _SOURCES[target.layout.node_source]
    yield Hit(
        target.entry.at("worldSize"),
        Text(
            "the rank table lists {total} devices, which is not a multiple of the node count "
            "{nodes} ({source_en}), while MindIE runs worldSize {per_node} devices on every node",
            "rank table 共列出 {total} 张卡，不是节点数 {nodes}（{source_zh}）的整数倍，"
            "而 MindIE 在每个节点上都使用 worldSize {per_node} 张卡",
        ).format(
            total=total,
            nodes=nodes,
            per_node=per_node,
            source_en=source.en,
            source_zh=source.zh,
        ),
        Text(
            "List worldSize ({per_node}) devices for every server in the rank table, and pass "
            "no --nodes that differs from its server_count.",
            "在 rank table 中为每台服务器列出 worldSize（{per_node}）张卡，且不要传入与其 "
            "server_count 不同的 --nodes。",
        ).format(per_node=per_node),
    )


# ---------------------------------------------------------------- EP202


@rule(
    "EP202",
    "tp-dp-cp-product",
    Severity.ERROR,
    summary=Text(
        "tp x dp x cp does not equal the global world size (tp x pp with pipeline parallelism).",
        "tp x dp x cp 不等于全局卡数（启用流水线并行时为 tp x pp）。",
    ),
    rationale=Text(
        "MindIE splits the W = nodes x worldSize devices into dp groups of cp x tp devices and "
        "stops at start when the product differs from W. tp defaults to W when it is not set, "
        "so setting only dp always breaks the product. With pp > 1 the rule is tp x pp = W.",
        "MindIE 将 W = 节点数 x worldSize 张卡划分为 dp 组、每组 cp x tp 张卡，乘积不等于 W 时启动失败。"
        "未设置 tp 时 tp 默认等于 W，因此只设置 dp 必然导致乘积错误。pp > 1 时规则为 tp x pp = W。",
    ),
    bad='{"worldSize": 8, "dp": 2}',
    good='{"worldSize": 8, "dp": 2, "tp": 4, "moe_ep": 2, "moe_tp": 4}',
    fix=Text(
        "Choose tp, dp and cp so that their product is nodes x worldSize.",
        "调整 tp、dp、cp，使三者乘积等于节点数 x worldSize。",
    ),
)
def tp_dp_cp_product(subject: Subject) -> Iterator[Hit]:
    for target in sized_targets(subject):
        layout = target.layout
        if layout.node_source == NodeSource.UNKNOWN:
            hit = _no_node_count_fits(target)
            if hit is not None:
                yield hit
            continue
        if layout.world is None or layout.tp is None:
            continue
        if layout.pp > 1:
            if layout.tp * layout.pp != layout.world:
                yield _pipeline_product_hit(target)
        elif layout.tp * layout.dp * layout.cp != layout.world:
            yield _product_hit(target)


def _no_node_count_fits(target: Target) -> Hit | None:
    """With the node count unknown, tp x dp x cp must still be worldSize times some N >= 2."""
    layout = target.layout
    per_node = layout.per_node
    if not layout.explicit("tp") or not per_node:
        return None
    tp = layout.extras["tp"].value or 0
    product = tp * layout.pp if layout.pp > 1 else tp * layout.dp * layout.cp
    if product % per_node == 0 and product // per_node >= 2:
        return None
    pointer, _ = target.pointer("dp", "cp", "tp")
    return Hit(
        pointer,
        Text(
            "multiNodesInferEnabled is true, so the world size is worldSize {per_node} x "
            "N nodes with N >= 2, but tp x dp x cp (or tp x pp) = {product} is not such a "
            "multiple for any N",
            "multiNodesInferEnabled 为 true，全局卡数应为 worldSize {per_node} x N（N >= 2 为节点数），"
            "但 tp x dp x cp（或 tp x pp）= {product} 不是这样的倍数",
        ).format(per_node=per_node, product=product),
        Text(
            "Choose tp, dp and cp whose product is worldSize times the node count, such as "
            "{example} for two nodes; check with --ranktable.",
            "调整 tp、dp、cp，使其乘积等于 worldSize 乘以节点数，例如两个节点时为 {example}；"
            "可用 --ranktable 核对。",
        ).format(example=2 * per_node),
        related=target.related("worldSize", "tp", "dp", "cp", "pp"),
    )


def _product_hit(target: Target) -> Hit:
    layout = target.layout
    assert layout.tp is not None and layout.world is not None
    message = Text(
        "{tp_en} x dp {dp} x cp {cp} = {product}, but it must equal the world size: {world_en}",
        "{tp_zh} x dp {dp} x cp {cp} = {product}，但必须等于全局卡数：{world_zh}",
    ).format(
        tp_en=tp_phrase(layout).en,
        tp_zh=tp_phrase(layout).zh,
        dp=layout.dp,
        cp=layout.cp,
        product=layout.tp * layout.dp * layout.cp,
        world_en=world_phrase(layout).en,
        world_zh=world_phrase(layout).zh,
    )
    others = layout.dp * layout.cp
    if not layout.explicit("tp") and layout.world % others == 0:
        pointer, part = target.pointer("dp", "cp")
        hint = Text(
            'Add "tp": {tp} so that {tp} x {dp} x {cp} = {world}.',
            '添加 "tp": {tp}，使 {tp} x {dp} x {cp} = {world}。',
        ).format(tp=layout.world // others, dp=layout.dp, cp=layout.cp, world=layout.world)
    else:
        pointer, part = target.pointer("tp", "dp", "cp")
        hint = Text(
            "Choose tp, dp and cp so that tp x dp x cp = {world}.",
            "调整 tp、dp、cp，使 tp x dp x cp = {world}。",
        ).format(world=layout.world)
    related = target.related("worldSize", "tp", "dp", "cp")
    return Hit(pointer, message, hint, part=part, related=related)


def _pipeline_product_hit(target: Target) -> Hit:
    layout = target.layout
    assert layout.tp is not None and layout.world is not None
    message = Text(
        "with pipeline parallelism {tp_en} x pp {pp} = {product}, but it must equal the world "
        "size: {world_en}",
        "启用流水线并行时 {tp_zh} x pp {pp} = {product}，但必须等于全局卡数：{world_zh}",
    ).format(
        tp_en=tp_phrase(layout).en,
        tp_zh=tp_phrase(layout).zh,
        pp=layout.pp,
        product=layout.tp * layout.pp,
        world_en=world_phrase(layout).en,
        world_zh=world_phrase(layout).zh,
    )
    hint = Text(
        "Choose tp and pp so that tp x pp = {world}.", "调整 tp 与 pp，使 tp x pp = {world}。"
    ).format(world=layout.world)
    pointer, part = target.pointer("pp")
    return Hit(pointer, message, hint, part=part, related=target.related("worldSize", "tp"))


# ---------------------------------------------------------------- EP208


@rule(
    "EP208",
    "moe-ep-tp-product",
    Severity.ERROR,
    summary=Text(
        "moe_ep x moe_tp does not equal the global world size.",
        "moe_ep x moe_tp 不等于全局卡数。",
    ),
    rationale=Text(
        "MindIE splits the MoE layers over moe_ep x moe_tp devices and stops at start unless "
        "that product is W = nodes x worldSize (moe_tp = W when moe_ep <= 1). moe_tp defaults "
        "to tp, and tp to W, so the examples on MindIE's Expert Parallel page (worldSize 8, "
        "moe_ep 8, no tp or moe_tp) give 8 x 8 = 64 and do not start.",
        "MindIE 将 MoE 层切分到 moe_ep x moe_tp 张卡上，该乘积必须等于 W = 节点数 x worldSize"
        "（moe_ep <= 1 时 moe_tp = W），否则启动失败。moe_tp 默认等于 tp，tp 默认等于 W，"
        "因此 MindIE 专家并行文档中的示例（worldSize 8、moe_ep 8、未设置 tp 和 moe_tp）"
        "得到 8 x 8 = 64，无法启动。",
    ),
    bad='{"worldSize": 8, "moe_ep": 8}',
    good='{"worldSize": 8, "moe_ep": 8, "moe_tp": 1}',
    fix=Text(
        'Set "moe_tp" to W / moe_ep, for example "moe_tp": 1 with moe_ep equal to W.',
        '将 "moe_tp" 设为 W / moe_ep，例如 moe_ep 等于 W 时设置 "moe_tp": 1。',
    ),
    autofix="sometimes",
)
def moe_ep_tp_product(subject: Subject) -> Iterator[Hit]:
    for target in sized_targets(subject):
        layout = target.layout
        # NOTE: with pp > 1 one MoE group probably spans one pipeline stage, not all of W.
        # MindIE's docs do not state the MoE rule for that case, so it is not checked.
        if layout.world is None or layout.moe_tp is None or layout.pp > 1:
            continue
        if layout.moe_ep > 1 and layout.moe_ep * layout.moe_tp != layout.world:
            yield _expert_product_hit(subject, target)
        elif layout.moe_ep <= 1 and layout.moe_tp != layout.world:
            yield _moe_tp_not_world_hit(target)


def _set_moe_tp_fix(subject: Subject, target: Target, moe_tp: int) -> Fix | None:
    """Return the fix that makes moe_tp the one value that fits moe_ep and W.

    Adding the missing key or filling in a null is safe. Replacing a moe_tp number the
    user wrote is unsafe, because moe_ep may be the wrong one of the two.
    """
    document = subject.document
    entry, _, missing = document.resolve(target.entry.pointer)
    if entry is None or missing or entry.members is None:
        return None
    written = entry.member("moe_tp")
    if written is not None:
        edit = Edit(written.node.start, written.node.end, str(moe_tp))
        return Fix((edit,), safe=written.node.value is None)
    moe_ep = entry.member("moe_ep")
    if moe_ep is None:
        return None
    return Fix((insert_member_after(document.text, moe_ep, f'"moe_tp": {moe_tp}'),), safe=True)


def _expert_product_hit(subject: Subject, target: Target) -> Hit:
    layout = target.layout
    assert layout.moe_tp is not None and layout.world is not None
    message = Text(
        "moe_ep {moe_ep} x {moe_tp_en} = {product}, but moe_ep x moe_tp must equal the world "
        "size: {product} != {world}, {world_en}",
        "moe_ep {moe_ep} x {moe_tp_zh} = {product}，但 moe_ep x moe_tp 必须等于全局卡数："
        "{product} != {world}，{world_zh}",
    ).format(
        moe_ep=layout.moe_ep,
        moe_tp_en=moe_tp_phrase(layout).en,
        moe_tp_zh=moe_tp_phrase(layout).zh,
        product=layout.moe_ep * layout.moe_tp,
        world=layout.world,
        world_en=world_phrase(layout).en,
        world_zh=world_phrase(layout).zh,
    )
    related = target.related("worldSize", "tp", "moe_tp")
    if layout.world % layout.moe_ep == 0:
        # Exactly one moe_tp fixes the product: W / moe_ep.
        fixed = layout.world // layout.moe_ep
        hint = Text(
            '{verb_en} "moe_tp": {fixed} so that {moe_ep} x {fixed} = {world}.',
            '{verb_zh} "moe_tp": {fixed}，使 {moe_ep} x {fixed} = {world}。',
        ).format(
            verb_en="Set" if layout.explicit("moe_tp") else "Add",
            verb_zh="设置" if layout.explicit("moe_tp") else "添加",
            fixed=fixed,
            moe_ep=layout.moe_ep,
            world=layout.world,
        )
        pointer, part = target.pointer("moe_tp" if layout.explicit("moe_tp") else "moe_ep")
        fix = _set_moe_tp_fix(subject, target, fixed)
        return Hit(pointer, message, hint, part=part, related=related, fix=fix)
    hint = Text(
        "moe_ep {moe_ep} does not divide the world size {world}: choose a moe_ep that divides "
        "{world} and set moe_tp = {world} / moe_ep.",
        "moe_ep {moe_ep} 不能整除全局卡数 {world}：请选择能整除 {world} 的 moe_ep，"
        "并设置 moe_tp = {world} / moe_ep。",
    ).format(moe_ep=layout.moe_ep, world=layout.world)
    pointer, part = target.pointer("moe_ep")
    return Hit(pointer, message, hint, part=part, related=related)


def _moe_tp_not_world_hit(target: Target) -> Hit:
    layout = target.layout
    assert layout.moe_tp is not None and layout.world is not None
    message = Text(
        "without expert parallelism (moe_ep {moe_ep}) moe_tp must equal the world size, but "
        "{moe_tp_en} != {world}, {world_en}",
        "未开启专家并行（moe_ep {moe_ep}）时 moe_tp 必须等于全局卡数，但 {moe_tp_zh} != {world}，"
        "{world_zh}",
    ).format(
        moe_ep=layout.moe_ep,
        moe_tp_en=moe_tp_phrase(layout).en,
        moe_tp_zh=moe_tp_phrase(layout).zh,
        world=layout.world,
        world_en=world_phrase(layout).en,
        world_zh=world_phrase(layout).zh,
    )
    hint = Text('Set "moe_tp": {world}', '设置 "moe_tp": {world}').format(world=layout.world)
    if layout.world % layout.moe_tp == 0:
        hint = hint + Text(
            ', or keep moe_tp {moe_tp} and add "moe_ep": {moe_ep} for expert parallelism.',
            '，或保留 moe_tp {moe_tp} 并添加 "moe_ep": {moe_ep} 开启专家并行。',
        ).format(moe_tp=layout.moe_tp, moe_ep=layout.world // layout.moe_tp)
    else:
        hint = hint + Text(".", "。")
    pointer, part = target.pointer("moe_tp", "tp")
    return Hit(pointer, message, hint, part=part, related=target.related("worldSize", "moe_ep"))


# ---------------------------------------------------------------- EP209


@rule(
    "EP209",
    "parallel-size-below-one",
    Severity.ERROR,
    summary=Text(
        "A parallel size (tp, dp, sp, cp, pp, moe_tp, moe_ep) is below 1.",
        "并行规模（tp、dp、sp、cp、pp、moe_tp、moe_ep）小于 1。",
    ),
    rationale=Text(
        'Older MindIE docs describe -1 as "off" for dp, sp and cp, but the MindIE 3.0 parser '
        "rejects every parallel size below 1 and the service does not start. A size that is "
        "off is 1, which is what an absent key means.",
        "旧版 MindIE 文档中把 dp、sp、cp 的 -1 描述为“关闭”，但 MindIE 3.0 的解析器拒绝所有小于 1 "
        "的并行规模，服务无法启动。关闭即为 1，也就是不写该键时的取值。",
    ),
    bad='{"worldSize": 8, "dp": -1}',
    good='{"worldSize": 8}',
    fix=Text("Omit the key instead of writing -1 or 0.", "删除该键，而不是写 -1 或 0。"),
)
def parallel_size_below_one(subject: Subject) -> Iterator[Hit]:
    for target in all_targets(subject):
        for key in sizes_below_one(target.layout):
            value = target.layout.extras[key].value
            yield Hit(
                target.entry.at(key),
                Text(
                    "{key} {value} is below 1; MindIE 3.0 rejects it (the docs' -1 = off "
                    "no longer works)",
                    "{key} {value} 小于 1；MindIE 3.0 会拒绝该值（文档中 -1 表示关闭的写法已不再适用）",
                ).format(key=key, value=value),
                Text(
                    'Omit "{key}" instead; an absent {key} means 1 (off).',
                    '请删除 "{key}"；不写 {key} 即为 1（关闭）。',
                ).format(key=key),
            )
