"""EP301-EP307: ep_level, the options that need expert parallelism, and the routing cutoff."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mindie_epcheck.findings import Severity
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.context import Subject
from mindie_epcheck.rules.expert_common import (
    EpTarget,
    ModelKind,
    active_targets,
    all_ep_targets,
    model_kind,
    moe_ep_pointer,
)
from mindie_epcheck.rules.registry import Hit, rule

EP_OPTION_KEYS = (
    "ep_level",
    "enable_init_routing_cutoff",
    "topk_scaling_factor",
    "alltoall_ep_buffer_scale_factors",
)
# The cutoff raises at start unless 0.25 <= topk_scaling_factor <= 1.0 (flash_causal_deepseekv2.py).
CUTOFF_MIN_FACTOR = 0.25
# Routed rows per device with the cutoff: min(T * topk, max(T * scaled_topk, 65536 * scaled_topk)).
CUTOFF_ROW_FLOOR_TOKENS = 65536


# ---------------------------------------------------------------- EP301 - EP303


@rule(
    "EP301",
    "ep-level-value",
    Severity.ERROR,
    summary=Text("ep_level is not 1 or 2.", "ep_level 不是 1 或 2。"),
    rationale=Text(
        "MindIE's Expert Parallel page documents ep_level 1 (AllGather) and 2 (AllToAll fused "
        "with compute). MindIE-LLM's code also knows 3 (mixed EP) without documenting it for "
        "the service, which is a warning; any other value selects no EP implementation.",
        "MindIE 专家并行文档只给出 ep_level 1（基于 AllGather）和 2（基于 AllToAll 与通算融合）。"
        "MindIE-LLM 代码中还有 3（混合 EP），但服务化文档未说明，因此为警告；其他取值不对应任何 EP 实现。",
    ),
    bad='"deepseekv2": {"ep_level": 0}',
    good='"deepseekv2": {"ep_level": 1}',
    fix=Text(
        "Set ep_level to 1 (AllGather) or 2 (AllToAll).",
        "将 ep_level 设为 1（AllGather）或 2（AllToAll）。",
    ),
)
def ep_level_value(subject: Subject) -> Iterator[Hit]:
    for target in active_targets(subject):
        level = target.ep_level
        if level is None or level in (1, 2):
            continue
        hint = Text(
            'Set "ep_level": 1 (AllGather) or 2 (AllToAll fused with compute).',
            '设置 "ep_level": 1（AllGather）或 2（AllToAll 通算融合）。',
        )
        if level == 3:
            yield Hit(
                target.at("ep_level"),
                Text(
                    "ep_level 3 (mixed EP) exists in MindIE-LLM's code but is not documented "
                    "for MindIE Service, which lists only 1 and 2",
                    "ep_level 3（混合 EP）仅存在于 MindIE-LLM 代码中，MindIE 服务化文档只列出 1 和 2",
                ),
                hint,
                severity=Severity.WARNING,
            )
            continue
        yield Hit(
            target.at("ep_level"),
            Text("ep_level {level} is not 1 or 2", "ep_level {level} 不是 1 或 2").format(
                level=level
            ),
            hint,
        )


@rule(
    "EP302",
    "ep-level-missing",
    Severity.INFO,
    summary=Text(
        "Expert parallelism is on but ep_level is not set; MindIE uses 1.",
        "已开启专家并行但未设置 ep_level；MindIE 使用 1。",
    ),
    rationale=Text(
        "With moe_ep > 1 and no ep_level, MindIE logs a notice and uses ep_level 1 (AllGather). "
        "Writing it down makes the choice visible and keeps it when defaults change.",
        "moe_ep > 1 且未设置 ep_level 时，MindIE 打印提示并使用 ep_level 1（AllGather）。"
        "显式写出可使选择一目了然，也不受默认值变化影响。",
    ),
    bad='{"moe_ep": 8, "moe_tp": 1, "models": {"deepseekv2": {}}}',
    good='{"moe_ep": 8, "moe_tp": 1, "models": {"deepseekv2": {"ep_level": 1}}}',
    fix=Text(
        'Add "ep_level": 1 or 2 under models.deepseekv2.',
        '在 models.deepseekv2 下添加 "ep_level": 1 或 2。',
    ),
)
def ep_level_missing(subject: Subject) -> Iterator[Hit]:
    for target in active_targets(subject):
        if target.has("ep_level"):
            continue
        if target.block is None and model_kind(subject, target.entry) != ModelKind.DEEPSEEK:
            continue
        message = Text(
            "moe_ep {moe_ep} turns on expert parallelism, but ep_level is not set; MindIE uses "
            "ep_level 1 (AllGather)",
            "moe_ep {moe_ep} 开启了专家并行，但未设置 ep_level；MindIE 将使用 ep_level 1（AllGather）",
        ).format(moe_ep=target.layout.moe_ep)
        hint = Text(
            'Add "ep_level": 1 (AllGather) or "ep_level": 2 (AllToAll) under models.deepseekv2.',
            '在 models.deepseekv2 下添加 "ep_level": 1（AllGather）或 "ep_level": 2（AllToAll）。',
        )
        if target.block is None:
            yield Hit(moe_ep_pointer(target), message, hint)
        else:
            yield Hit(target.block.pointer, message, hint, part="key")


def _set_ep_options(target: EpTarget) -> list[str]:
    """Return the EP options in the block, leaving out those set to their default value."""
    defaults: dict[str, Any] = {"enable_init_routing_cutoff": False, "topk_scaling_factor": 1.0}
    found = []
    for key in EP_OPTION_KEYS:
        if target.has(key) and not (key in defaults and target.option(key) == defaults[key]):
            found.append(key)
    return found


@rule(
    "EP303",
    "ep-options-without-ep",
    Severity.WARNING,
    summary=Text(
        "Expert-parallel options are set, but moe_ep is not above 1, so they do nothing.",
        "设置了专家并行参数，但 moe_ep 不大于 1，这些参数不生效。",
    ),
    rationale=Text(
        "MindIE turns expert parallelism on only when moe_ep > 1 and otherwise forces ep_level "
        "off. ep_level alone does not enable it, so the layout silently stays pure tensor "
        "parallel.",
        "MindIE 只有在 moe_ep > 1 时才开启专家并行，否则强制关闭 ep_level。"
        "单独设置 ep_level 不会开启专家并行，切分方式会静默保持为纯张量并行。",
    ),
    bad='{"worldSize": 8, "models": {"deepseekv2": {"ep_level": 2}}}',
    good='{"worldSize": 8, "moe_ep": 8, "moe_tp": 1, "models": {"deepseekv2": {"ep_level": 2}}}',
    fix=Text(
        "Set moe_ep > 1 with moe_ep x moe_tp = W, or remove the EP options.",
        "设置 moe_ep > 1 并使 moe_ep x moe_tp = W，或删除这些专家并行参数。",
    ),
)
def ep_options_without_ep(subject: Subject) -> Iterator[Hit]:
    for target in all_ep_targets(subject):
        if target.layout.moe_ep > 1 or model_kind(subject, target.entry) == ModelKind.OTHER:
            continue
        keys = _set_ep_options(target)
        if not keys:
            continue
        moe_ep = Text("moe_ep {value}", "moe_ep {value}").format(value=target.layout.moe_ep)
        if not target.layout.explicit("moe_ep"):
            moe_ep = Text("moe_ep is not set (1)", "未设置 moe_ep（即 1）")
        yield Hit(
            target.at(keys[0]),
            Text(
                "{keys} {verb_en} no effect: {moe_ep_en}, and MindIE turns expert parallelism on "
                "only when moe_ep > 1",
                "{keys} 不生效：{moe_ep_zh}，MindIE 只有在 moe_ep > 1 时才开启专家并行",
            ).format(
                keys=", ".join(keys),
                verb_en="has" if len(keys) == 1 else "have",
                moe_ep_en=moe_ep.en,
                moe_ep_zh=moe_ep.zh,
            ),
            Text(
                'To use expert parallelism add "moe_ep" and "moe_tp" with moe_ep x moe_tp = W '
                '(for example "moe_ep": W, "moe_tp": 1); otherwise remove these options.',
                '如需专家并行，请添加 "moe_ep" 和 "moe_tp" 并使 moe_ep x moe_tp = W'
                '（例如 "moe_ep": W、"moe_tp": 1）；否则删除这些参数。',
            ),
            part="key",
            related=tuple(target.at(key) for key in keys[1:]),
        )


# ---------------------------------------------------------------- EP304 - EP307: routing cutoff


@rule(
    "EP304",
    "cutoff-needs-level-1",
    Severity.WARNING,
    summary=Text(
        "enable_init_routing_cutoff is on with an ep_level other than 1, where it is ignored.",
        "enable_init_routing_cutoff 在 ep_level 不为 1 时开启，会被忽略。",
    ),
    rationale=Text(
        "The routing cutoff shrinks the routed-row buffer of the AllGather implementation. "
        "MindIE enables it only when ep_level is 1 and ignores it otherwise.",
        "topk 截断用于缩小 AllGather 实现中的路由行 buffer。MindIE 只在 ep_level 为 1 时启用它，"
        "其他情况下忽略。",
    ),
    bad='"deepseekv2": {"ep_level": 2, "enable_init_routing_cutoff": true}',
    good='"deepseekv2": {"ep_level": 1, "enable_init_routing_cutoff": true}',
    fix=Text(
        "Remove enable_init_routing_cutoff, or use ep_level 1.",
        "删除 enable_init_routing_cutoff，或改用 ep_level 1。",
    ),
)
def cutoff_needs_level_1(subject: Subject) -> Iterator[Hit]:
    for target in active_targets(subject):
        if target.option("enable_init_routing_cutoff") is not True or target.effective_level == 1:
            continue
        yield Hit(
            target.at("enable_init_routing_cutoff"),
            Text(
                "enable_init_routing_cutoff true has no effect with ep_level {level}; the cutoff "
                "applies only to ep_level 1 (AllGather)",
                "ep_level {level} 时 enable_init_routing_cutoff true 不生效；截断只适用于 "
                "ep_level 1（AllGather）",
            ).format(level=target.effective_level),
            Text(
                'Remove "enable_init_routing_cutoff" (and "topk_scaling_factor"), or set '
                '"ep_level": 1.',
                '删除 "enable_init_routing_cutoff"（及 "topk_scaling_factor"），或设置 "ep_level": 1。',
            ),
            related=(target.at("ep_level"),) if target.has("ep_level") else (),
        )


@rule(
    "EP305",
    "topk-scaling-factor-range",
    Severity.ERROR,
    summary=Text(
        "topk_scaling_factor is outside (0, 1], or below 0.25 with the cutoff on.",
        "topk_scaling_factor 超出 (0, 1]，或在开启截断时小于 0.25。",
    ),
    rationale=Text(
        "The documented range is (0, 1]. With enable_init_routing_cutoff on and ep_level 1, "
        "MindIE raises at start unless 0.25 <= topk_scaling_factor <= 1.0.",
        "文档给出的取值范围为 (0, 1]。在 ep_level 1 且开启 enable_init_routing_cutoff 时，"
        "若不满足 0.25 <= topk_scaling_factor <= 1.0，MindIE 会在启动时报错。",
    ),
    bad='"deepseekv2": {"ep_level": 1, "enable_init_routing_cutoff": true, "topk_scaling_factor": 0.125}',
    good='"deepseekv2": {"ep_level": 1, "enable_init_routing_cutoff": true, "topk_scaling_factor": 0.25}',
    fix=Text(
        "Set topk_scaling_factor between 0.25 and 1.0.",
        "将 topk_scaling_factor 设为 0.25 到 1.0 之间。",
    ),
)
def topk_scaling_factor_range(subject: Subject) -> Iterator[Hit]:
    for target in active_targets(subject):
        factor = target.scaling_factor
        if factor is None:
            continue
        hint = Text(
            'Set "topk_scaling_factor" between 0.25 and 1.0; 1.0 keeps every routed row.',
            '将 "topk_scaling_factor" 设为 0.25 到 1.0 之间；1.0 表示保留全部路由行。',
        )
        if not 0 < factor <= 1:
            message = Text(
                "topk_scaling_factor {factor} is outside the documented range (0, 1]",
                "topk_scaling_factor {factor} 超出文档规定的范围 (0, 1]",
            )
        elif target.cutoff_on and factor < CUTOFF_MIN_FACTOR:
            message = Text(
                "topk_scaling_factor {factor} is below 0.25; with enable_init_routing_cutoff on, "
                "MindIE raises at start unless 0.25 <= topk_scaling_factor <= 1.0",
                "topk_scaling_factor {factor} 小于 0.25；开启 enable_init_routing_cutoff 时，"
                "若不满足 0.25 <= topk_scaling_factor <= 1.0，MindIE 会在启动时报错",
            )
        else:
            continue
        yield Hit(target.at("topk_scaling_factor"), message.format(factor=factor), hint)


@rule(
    "EP306",
    "topk-scaling-without-cutoff",
    Severity.WARNING,
    summary=Text(
        "topk_scaling_factor is set without enable_init_routing_cutoff, so it has no effect.",
        "设置了 topk_scaling_factor 但未开启 enable_init_routing_cutoff，该参数不生效。",
    ),
    rationale=Text(
        "MindIE reads topk_scaling_factor only when enable_init_routing_cutoff is true; the "
        "cutoff is off by default. Published configs set the factor alone and expect less "
        "memory. The default 1.0 is not reported, because it means no cutoff either way.",
        "只有 enable_init_routing_cutoff 为 true 时 MindIE 才会读取 topk_scaling_factor，"
        "而截断默认关闭。已公开的配置中有只设置该系数、期望节省显存的例子。"
        "默认值 1.0 不报告，因为无论是否开启截断它都表示不截断。",
    ),
    bad='"deepseekv2": {"ep_level": 1, "topk_scaling_factor": 0.25}',
    good='"deepseekv2": {"ep_level": 1, "enable_init_routing_cutoff": true, "topk_scaling_factor": 0.25}',
    fix=Text(
        "Add enable_init_routing_cutoff true, or remove topk_scaling_factor.",
        "添加 enable_init_routing_cutoff true，或删除 topk_scaling_factor。",
    ),
)
def topk_scaling_without_cutoff(subject: Subject) -> Iterator[Hit]:
    for target in active_targets(subject):
        factor = target.scaling_factor
        if factor is None or factor == 1.0 or not 0 < factor <= 1:
            continue
        if target.option("enable_init_routing_cutoff") is True:
            continue  # with ep_level 2 the cutoff itself is ignored, which EP304 reports
        yield Hit(
            target.at("topk_scaling_factor"),
            Text(
                "topk_scaling_factor {factor} has no effect: enable_init_routing_cutoff is "
                "{state_en}, and MindIE applies the factor only with the cutoff on",
                "topk_scaling_factor {factor} 不生效：enable_init_routing_cutoff {state_zh}，"
                "MindIE 只在开启截断时使用该系数",
            ).format(
                factor=factor,
                state_en="false" if target.has("enable_init_routing_cutoff") else "not set",
                state_zh="为 false" if target.has("enable_init_routing_cutoff") else "未设置",
            ),
            Text(
                'Add "enable_init_routing_cutoff": true to truncate routed rows (ep_level 1 '
                'only), or remove "topk_scaling_factor".',
                '添加 "enable_init_routing_cutoff": true 以截断路由行（仅 ep_level 1），'
                '或删除 "topk_scaling_factor"。',
            ),
        )


@dataclass(frozen=True, slots=True)
class Truncation:
    """Routed rows kept by the routing cutoff for top-k `topk` and factor `factor`."""

    topk: int
    factor: float

    @property
    def scaled_topk(self) -> int:
        # MindIE computes int(topk * factor) in floating point, and so does this.
        return int(self.topk * self.factor)

    @property
    def floors(self) -> bool:
        return self.topk * self.factor != self.scaled_topk

    @property
    def share_kept(self) -> float:
        return self.scaled_topk / self.topk

    def routed_rows(self, tokens: int) -> int:
        """Return the routed rows a device keeps for `tokens` tokens."""
        full = tokens * self.topk
        floor = max(tokens * self.scaled_topk, CUTOFF_ROW_FLOOR_TOKENS * self.scaled_topk)
        return min(full, floor)

    @property
    def max_untruncated_tokens(self) -> int | None:
        """Return the most tokens per device that keep every routed row, None if unbounded.

        Rows are cut when T * topk > 65536 * scaled_topk (T * scaled_topk < T * topk is true
        whenever scaled_topk < topk), that is when T > 65536 * scaled_topk / topk.
        """
        if self.scaled_topk >= self.topk:
            return None
        return CUTOFF_ROW_FLOOR_TOKENS * self.scaled_topk // self.topk


@rule(
    "EP307",
    "topk-scaling-floor",
    Severity.WARNING,
    summary=Text(
        "topk x topk_scaling_factor is not a whole number, and MindIE rounds it down.",
        "topk x topk_scaling_factor 不是整数，MindIE 会向下取整。",
    ),
    rationale=Text(
        "The cutoff keeps int(topk x topk_scaling_factor) routed rows per token once a device "
        "holds many tokens: routed rows = min(T x topk, max(T x scaled_topk, 65536 x "
        "scaled_topk)). int() rounds down, so DeepSeek-V2 (topk 6) with 0.3 keeps 1 row per "
        "token, not 1.8, and drops far more than the factor suggests.",
        "截断在单卡 token 较多时每个 token 只保留 int(topk x topk_scaling_factor) 个路由行："
        "路由行数 = min(T x topk, max(T x scaled_topk, 65536 x scaled_topk))。int() 向下取整，"
        "因此 DeepSeek-V2（topk 6）配 0.3 时每个 token 只保留 1 行而不是 1.8 行，丢弃的比例远超预期。",
    ),
    bad='{"modelName": "DeepSeek-V2", "moe_ep": 8, "moe_tp": 1, "models": {"deepseekv2": '
    '{"ep_level": 1, "enable_init_routing_cutoff": true, "topk_scaling_factor": 0.3}}}',
    good='{"modelName": "DeepSeek-V2", "moe_ep": 8, "moe_tp": 1, "models": {"deepseekv2": '
    '{"ep_level": 1, "enable_init_routing_cutoff": true, "topk_scaling_factor": 0.5}}}',
    fix=Text(
        "Choose a factor for which topk x factor is a whole number.",
        "选择使 topk x 系数为整数的 topk_scaling_factor。",
    ),
)
def topk_scaling_floor(subject: Subject) -> Iterator[Hit]:
    for target in active_targets(subject):
        factor = target.scaling_factor
        if target.facts is None or factor is None or not target.cutoff_on:
            continue
        if not CUTOFF_MIN_FACTOR <= factor <= 1:
            continue  # EP305 reports it
        truncation = Truncation(target.facts.num_experts_per_tok, factor)
        if truncation.floors:
            yield _floor_hit(target, truncation)


def _floor_hit(target: EpTarget, truncation: Truncation) -> Hit:
    topk = truncation.topk
    message = Text(
        "topk_scaling_factor {factor} with num_experts_per_tok {topk} keeps int({topk} x "
        "{factor}) = {scaled} routed rows per token, not {exact:g} ({share:.0%} of the rows, "
        "not {factor:.0%})",
        "topk_scaling_factor {factor} 与 num_experts_per_tok {topk} 得到 int({topk} x {factor}) = "
        "{scaled}，每个 token 保留 {scaled} 个路由行而不是 {exact:g} 个（保留 {share:.0%}，"
        "而非 {factor:.0%}）",
    ).format(
        factor=truncation.factor,
        topk=topk,
        scaled=truncation.scaled_topk,
        exact=topk * truncation.factor,
        share=truncation.share_kept,
    )
    limit = truncation.max_untruncated_tokens
    if truncation.scaled_topk == 0:
        message = message + Text("; every routed row is dropped", "；所有路由行都会被丢弃")
    elif limit is not None:
        message = message + Text(
            "; rows are cut once a device holds more than {limit} tokens (65536 x {scaled} / "
            "{topk})",
            "；单卡 token 数超过 {limit}（65536 x {scaled} / {topk}）时开始截断",
        ).format(limit=limit, scaled=truncation.scaled_topk, topk=topk)
    choices = ", ".join(f"{factor:g}" for factor in whole_factors(truncation))
    hint = Text(
        'Set "topk_scaling_factor" so that {topk} x factor is a whole number, such as {choices}.',
        '将 "topk_scaling_factor" 设为使 {topk} x 系数为整数的值，例如 {choices}。',
    ).format(topk=topk, choices=choices)
    severity = Severity.ERROR if truncation.scaled_topk == 0 else None
    return Hit(target.at("topk_scaling_factor"), message, hint, severity=severity)


def whole_factors(truncation: Truncation) -> list[float]:
    """Return up to two valid factors next to the configured one for which topk x factor is whole.

    The first keeps the rows MindIE keeps now, the second one row more. A factor is offered only
    when its 4-digit decimal form still gives a whole product in floating point.
    """
    topk = truncation.topk
    smallest = math.ceil(CUTOFF_MIN_FACTOR * topk)
    exact = [
        (rows, round(rows / topk, 4))
        for rows in range(smallest, topk + 1)
        if topk * round(rows / topk, 4) == rows
    ]
    below = [factor for rows, factor in exact if rows <= truncation.scaled_topk]
    above = [factor for rows, factor in exact if rows > truncation.scaled_topk]
    return below[-1:] + above[:1]
