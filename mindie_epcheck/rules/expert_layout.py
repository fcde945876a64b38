"""EP314-EP316: how the experts and the expert-parallel group fit the parallel layout."""

from __future__ import annotations

from collections.abc import Iterator

from mindie_epcheck.findings import Severity
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.context import Subject
from mindie_epcheck.model.facts import FAMILY_DEEPSEEK_V3
from mindie_epcheck.rules.expert_common import EpTarget, active_targets, is_integer, moe_ep_pointer
from mindie_epcheck.rules.parallel import moe_tp_phrase
from mindie_epcheck.rules.registry import Hit, rule

# Above this many EP ranks DeepSeek-V3/R1 turn on the Grouped MatMul fused operator themselves.
GROUPED_MATMUL_EP_RANKS = 32
# EP314 suggests moe_ep values up to this size (MindIE's rank tables have at most 60 x 32 devices).
MAX_SUGGESTED_MOE_EP = 2048


# ---------------------------------------------------------------- EP314 - EP316: the layout


def redundant_experts(target: EpTarget) -> int:
    eplb = target.option("eplb")
    count = eplb.get("num_redundant_experts") if isinstance(eplb, dict) else None
    return count if is_integer(count) and count > 0 else 0


def dangling_experts(target: EpTarget) -> int:
    count = target.option("num_dangling_shared_experts")
    return count if is_integer(count) and count > 0 else 0


def fitting_moe_ep(experts: int, dangling: int, world: int | None) -> list[int]:
    """List moe_ep values above 1 that place `experts` evenly and divide the world size.

    Only values up to MAX_SUGGESTED_MOE_EP are tried, which covers every real deployment.
    """
    largest = min(world if world else experts + dangling, MAX_SUGGESTED_MOE_EP)
    values = []
    for moe_ep in range(2, largest + 1):
        ranks = moe_ep - dangling
        if ranks < 1 or experts % ranks or (world and world % moe_ep):
            continue
        values.append(moe_ep)
    return values


@rule(
    "EP314",
    "experts-not-divisible",
    Severity.ERROR,
    summary=Text(
        "The routed experts cannot be spread evenly over the moe_ep devices.",
        "路由专家无法均匀分布到 moe_ep 张卡上。",
    ),
    rationale=Text(
        "MindIE places (n_routed_experts + num_redundant_experts) experts on moe_ep - "
        "num_dangling_shared_experts devices, the same number on each. When the count does not "
        "divide, experts are lost or invented and the model computes wrongly. DeepSeek-V3/R1 "
        "have 256 routed experts, V2 160 and V2-Lite 64.",
        "MindIE 将 (n_routed_experts + num_redundant_experts) 个专家均匀放到 moe_ep - "
        "num_dangling_shared_experts 张卡上。不能整除时会丢失或凭空多出专家，模型计算出错。"
        "DeepSeek-V3/R1 有 256 个路由专家，V2 有 160 个，V2-Lite 有 64 个。",
    ),
    bad='{"modelName": "DeepSeek-R1", "worldSize": 8, "moe_ep": 8, "moe_tp": 1, '
    '"models": {"deepseekv2": {"eplb": {"num_redundant_experts": 4}}}}',
    good='{"modelName": "DeepSeek-R1", "worldSize": 8, "moe_ep": 8, "moe_tp": 1, '
    '"models": {"deepseekv2": {"eplb": {"num_redundant_experts": 8}}}}',
    fix=Text(
        "Choose a moe_ep (minus dangling shared experts) that divides the expert count.",
        "选择（减去悬挂共享专家后）能整除专家数的 moe_ep。",
    ),
)
def experts_not_divisible(subject: Subject) -> Iterator[Hit]:
    for target in active_targets(subject):
        if target.facts is None or not target.facts.is_deepseek_moe:
            continue
        experts = target.facts.n_routed_experts + redundant_experts(target)
        dangling = dangling_experts(target)
        ranks = target.layout.moe_ep - dangling
        if ranks <= 0 or experts % ranks == 0:
            continue
        yield _experts_hit(target, experts, dangling, ranks)


def _experts_hit(target: EpTarget, experts: int, dangling: int, ranks: int) -> Hit:
    assert target.facts is not None
    message = Text(
        "{experts} experts ({routed} routed + {redundant} redundant of {model}) do not divide "
        "evenly over {ranks} devices (moe_ep {moe_ep} - {dangling} dangling shared experts)",
        "{experts} 个专家（{model} 的 {routed} 个路由专家 + {redundant} 个冗余专家）无法均匀分到 "
        "{ranks} 张卡上（moe_ep {moe_ep} - {dangling} 个悬挂共享专家）",
    ).format(
        experts=experts,
        routed=target.facts.n_routed_experts,
        redundant=experts - target.facts.n_routed_experts,
        model=target.facts.name,
        ranks=ranks,
        moe_ep=target.layout.moe_ep,
        dangling=dangling,
    )
    choices = fitting_moe_ep(experts, dangling, target.layout.world)
    if choices:
        hint = Text(
            "Use a moe_ep that fits: {choices}; keep moe_ep x moe_tp = W.",
            "使用可均分的 moe_ep：{choices}；并保持 moe_ep x moe_tp = W。",
        ).format(choices=", ".join(str(value) for value in choices))
    else:
        hint = Text(
            "No moe_ep divides both the expert count and the world size; change the device "
            "count or num_redundant_experts.",
            "没有同时整除专家数与全局卡数的 moe_ep；请调整卡数或 num_redundant_experts。",
        )
    return Hit(moe_ep_pointer(target), message, hint)


@rule(
    "EP315",
    "level-2-needs-moe-tp-1",
    Severity.ERROR,
    summary=Text("ep_level 2 is set with moe_tp above 1.", "ep_level 2 时 moe_tp 大于 1。"),
    rationale=Text(
        'The AllToAll implementation splits whole experts only; MindIE raises "Dynamic EP only '
        'supports moe_tp = 1" at start. moe_tp defaults to tp and tp to the world size, so '
        "ep_level 2 needs an explicit moe_tp 1 and moe_ep = W.",
        "AllToAll 实现只按整个专家切分，MindIE 在启动时报错“Dynamic EP only supports moe_tp = 1”。"
        "moe_tp 默认等于 tp，tp 默认等于全局卡数，因此 ep_level 2 需要显式设置 moe_tp 1 且 moe_ep = W。",
    ),
    bad='{"worldSize": 8, "moe_ep": 4, "moe_tp": 2, "models": {"deepseekv2": {"ep_level": 2}}}',
    good='{"worldSize": 8, "moe_ep": 8, "moe_tp": 1, "models": {"deepseekv2": {"ep_level": 2}}}',
    fix=Text(
        'Set "moe_tp": 1 and moe_ep to the world size, or use ep_level 1.',
        '设置 "moe_tp": 1 且 moe_ep 等于全局卡数，或改用 ep_level 1。',
    ),
)
def level_2_needs_moe_tp_1(subject: Subject) -> Iterator[Hit]:
    for target in active_targets(subject):
        if target.ep_level != 2:
            continue
        layout = target.layout
        if layout.moe_tp is not None and layout.moe_tp > 1:
            shown = moe_tp_phrase(layout)
        elif layout.moe_tp is None and target.view.multi_node:
            # The world size is unknown, but several nodes have at least 2 devices.
            shown = Text(
                "moe_tp is not set, so it defaults to tp, which defaults to the world size of "
                "several nodes",
                "未设置 moe_tp，默认等于 tp，而 tp 默认等于多个节点的全局卡数",
            )
        else:
            continue
        yield _level_2_hit(target, shown)


def _level_2_hit(target: EpTarget, shown: Text) -> Hit:
    world = target.layout.world
    moe_ep = Text("the world size ({world})", "全局卡数（{world}）").format(world=world)
    if world is None:
        moe_ep = Text("the world size", "全局卡数")
    related = [target.entry.at(key) for key in ("moe_tp", "moe_ep") if key in target.entry.raw]
    pointer = target.entry.at("moe_tp") if "moe_tp" in target.entry.raw else target.at("ep_level")
    return Hit(
        pointer,
        Text(
            'ep_level 2 needs moe_tp 1, but {shown_en}; MindIE raises "Dynamic EP only '
            'supports moe_tp = 1" at start',
            "ep_level 2 要求 moe_tp 为 1，但 {shown_zh}；MindIE 启动时会报错“Dynamic EP only "
            "supports moe_tp = 1”",
        ).format(shown_en=shown.en, shown_zh=shown.zh),
        Text(
            'Set "moe_tp": 1 and "moe_ep" to {moe_ep_en}, or use "ep_level": 1.',
            '设置 "moe_tp": 1 且 "moe_ep" 为{moe_ep_zh}，或改用 "ep_level": 1。',
        ).format(moe_ep_en=moe_ep.en, moe_ep_zh=moe_ep.zh),
        related=tuple(related),
    )


@rule(
    "EP316",
    "grouped-matmul-automatic",
    Severity.INFO,
    summary=Text(
        "With more than 32 EP ranks DeepSeek-V3/R1 turn on Grouped MatMul by themselves.",
        "EP 并行数超过 32 时，DeepSeek-V3/R1 会自动开启 Grouped MatMul 融合算子。",
    ),
    rationale=Text(
        "MindIE's Expert Parallel page: when the expert-parallel size exceeds 32, DeepSeek-V3 "
        "and R1 enable the Grouped MatMul fused operator automatically, so setting it by hand "
        "changes nothing.",
        "MindIE 专家并行文档：专家并行数超过 32 时，DeepSeek-V3、DeepSeek-R1 自动使能 Grouped MatMul "
        "融合算子，手动设置不会带来变化。",
    ),
    bad='{"modelName": "DeepSeek-R1", "worldSize": 16, "moe_ep": 64, "moe_tp": 1}',
    good='{"modelName": "DeepSeek-R1", "worldSize": 16, "moe_ep": 16, "moe_tp": 1}',
    fix=Text("Nothing to fix; this is for information.", "无需修改，仅供参考。"),
)
def grouped_matmul_automatic(subject: Subject) -> Iterator[Hit]:
    for target in active_targets(subject):
        facts = target.facts
        if facts is None or facts.family != FAMILY_DEEPSEEK_V3:
            continue
        if target.layout.moe_ep <= GROUPED_MATMUL_EP_RANKS:
            continue
        yield Hit(
            moe_ep_pointer(target),
            Text(
                "moe_ep {moe_ep} is above 32, so {model} turns on the Grouped MatMul fused "
                "operator by itself",
                "moe_ep {moe_ep} 大于 32，{model} 会自动开启 Grouped MatMul 融合算子",
            ).format(moe_ep=target.layout.moe_ep, model=facts.name),
            Text(
                "No change needed; do not set the fused operator by hand expecting a difference.",
                "无需修改；手动开启该融合算子不会带来变化。",
            ),
        )
