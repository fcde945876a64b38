"""EP3xx: the expert-parallel options in `ModelConfig[i].models.deepseekv2`.

Facts from MindIE-LLM 3.0 (`flash_causal_deepseekv2.py`) and MindIE's Expert Parallel page:
the options act only when moe_ep > 1 on a DeepSeek-V2/V3/R1 model. The block key is
`deepseekv2`, or the weights' model_type (`deepseek_v2`, `deepseek_v3`), which wins when both
are present. Rules about option values run only where the options act; EP303 and EP317
report the blocks that do nothing.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeGuard

from mindie_epcheck.findings import Severity
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.context import EpBlock, Subject
from mindie_epcheck.model.facts import FAMILY_DEEPSEEK_V3, ModelFacts, last_path_part, match_preset
from mindie_epcheck.model.layout import Layout
from mindie_epcheck.model.view import EntryView, ServiceView
from mindie_epcheck.rules.parallel import moe_tp_phrase
from mindie_epcheck.rules.registry import Hit, rule

BLOCK_KEY = "deepseekv2"
EP_OPTION_KEYS = (
    "ep_level",
    "enable_init_routing_cutoff",
    "topk_scaling_factor",
    "alltoall_ep_buffer_scale_factors",
)
FACTORS_KEY = "alltoall_ep_buffer_scale_factors"
# The cutoff raises at start unless 0.25 <= topk_scaling_factor <= 1.0 (flash_causal_deepseekv2.py).
CUTOFF_MIN_FACTOR = 0.25
# Routed rows per device with the cutoff: min(T * topk, max(T * scaled_topk, 65536 * scaled_topk)).
CUTOFF_ROW_FLOOR_TOKENS = 65536
# Above this many EP ranks DeepSeek-V3/R1 turn on the Grouped MatMul fused operator themselves.
GROUPED_MATMUL_EP_RANKS = 32
# MindIE's floor for hccl_moe_ep_buffer in MB, and HCCL's own default HCCL_BUFFSIZE in MB.
MIN_MOE_EP_BUFFER_MB = 512
DEFAULT_HCCL_BUFFSIZE_MB = 200
# EP314 suggests moe_ep values up to this size (MindIE's rank tables have at most 60 x 32 devices).
MAX_SUGGESTED_MOE_EP = 2048
# The default alltoall_ep_buffer_scale_factors ends with this pair.
DEFAULT_TAIL = (0, 8.0)

# Model families whose names, in modelName or the weight directory, mean "not DeepSeek".
_OTHER_FAMILY = re.compile(
    r"(?<![a-z])(qwen|llama|chatglm|glm|baichuan|internlm|mistral|mixtral|gemma|telechat|"
    r"hunyuan|minicpm|bloom|falcon|starcoder|codegeex|aquila|phi)"
)


class ModelKind(str, Enum):
    DEEPSEEK = "deepseek"
    OTHER = "other"
    UNKNOWN = "unknown"


def names_other_family(entry: EntryView) -> bool:
    """Check whether modelName or the weight directory names a model family other than DeepSeek.

    DeepSeek-R1-Distill models are dense Qwen and Llama models, so "distill" counts as another
    family even though the name also contains "deepseek".
    """
    model_name = entry.entry.model_name
    weight_dir = last_path_part(entry.entry.model_weight_path)
    text = " ".join(part.lower() for part in (model_name, weight_dir) if part)
    if "distill" in text:
        return True
    if match_preset(model_name, entry.entry.model_weight_path) is not None:
        return False
    return _OTHER_FAMILY.search(text) is not None


def model_kind(subject: Subject, entry: EntryView) -> ModelKind:
    facts = subject.facts_for(entry)
    if facts is not None:
        return ModelKind.DEEPSEEK if facts.is_deepseek_moe else ModelKind.OTHER
    return ModelKind.OTHER if names_other_family(entry) else ModelKind.UNKNOWN


def is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_integer(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def number_text(value: float) -> str:
    """Format a number from the config compactly: 8192, 5.2, 3.0, 1e+20."""
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)


@dataclass(frozen=True, slots=True)
class EpTarget:
    """A ModelConfig entry with its layout, the EP block MindIE reads, and the model facts."""

    view: ServiceView
    entry: EntryView
    layout: Layout
    block: EpBlock | None
    facts: ModelFacts | None

    def option(self, key: str) -> Any:
        return self.block.raw.get(key) if self.block is not None else None

    def has(self, key: str) -> bool:
        return self.block is not None and key in self.block.raw

    def at(self, *tokens: str | int) -> str:
        assert self.block is not None
        return self.block.at(*tokens)

    @property
    def ep_level(self) -> int | None:
        value = self.option("ep_level")
        return value if is_integer(value) else None

    @property
    def effective_level(self) -> int:
        """The ep_level MindIE uses: 1 when the key is absent."""
        if not self.has("ep_level"):
            return 1
        return self.ep_level if self.ep_level is not None else 1

    @property
    def cutoff_on(self) -> bool:
        """Whether the routing cutoff runs: it needs enable_init_routing_cutoff true and level 1."""
        return self.option("enable_init_routing_cutoff") is True and self.effective_level == 1

    @property
    def scaling_factor(self) -> float | None:
        value = self.option("topk_scaling_factor")
        if not is_number(value):
            return None
        try:
            return float(value)
        except OverflowError:  # an integer too large for a double
            return math.inf


def all_ep_targets(subject: Subject) -> Iterator[EpTarget]:
    for view, entry in subject.entries():
        layout = subject.layout(view, entry)
        yield EpTarget(view, entry, layout, subject.ep_block(entry), subject.facts_for(entry))


def active_targets(subject: Subject) -> Iterator[EpTarget]:
    """Yield the entries where the EP options act: moe_ep > 1 on a DeepSeek or unknown model."""
    for target in all_ep_targets(subject):
        if target.layout.moe_ep > 1 and model_kind(subject, target.entry) != ModelKind.OTHER:
            yield target


def moe_ep_pointer(target: EpTarget) -> str:
    return target.entry.at("moe_ep")


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


# ---------------------------------------------------------------- EP308 - EP313: AllToAll buffer


@dataclass(frozen=True, slots=True)
class ScalePair:
    index: int
    threshold: float
    coefficient: float

    def shown(self) -> str:
        return json.dumps([self.threshold, self.coefficient])


def pair_problem(item: Any) -> Text | None:
    """Describe why one list item is not a [threshold >= 0, coefficient > 0] pair."""
    if not isinstance(item, list) or len(item) != 2:
        return Text("is not a [threshold, coefficient] pair", "不是 [阈值, 系数] 二元组")
    threshold, coefficient = item
    if not is_number(threshold) or threshold < 0:
        return Text(
            "has threshold {value}, expected an integer >= 0",
            "的阈值为 {value}，应为 >= 0 的整数",
        ).format(value=json.dumps(threshold))
    if not is_number(coefficient) or coefficient <= 0:
        return Text(
            "has coefficient {value}, expected a number > 0", "的系数为 {value}，应为 > 0 的数"
        ).format(value=json.dumps(coefficient))
    return None


def scale_pairs(value: Any) -> list[ScalePair] | None:
    """Return the pairs of a well-formed factors list, or None when EP308 reports it."""
    if not isinstance(value, list):
        return None
    if any(pair_problem(item) is not None for item in value):
        return None
    return [ScalePair(index, item[0], item[1]) for index, item in enumerate(value)]


def level_2_targets(subject: Subject) -> Iterator[EpTarget]:
    """Yield the active entries with ep_level 2 and an alltoall_ep_buffer_scale_factors key."""
    for target in active_targets(subject):
        if target.effective_level == 2 and target.has(FACTORS_KEY):
            yield target


def level_2_pairs(subject: Subject) -> Iterator[tuple[EpTarget, list[ScalePair]]]:
    for target in level_2_targets(subject):
        pairs = scale_pairs(target.option(FACTORS_KEY))
        if pairs is not None:
            yield target, pairs


@rule(
    "EP308",
    "buffer-factors-shape",
    Severity.ERROR,
    summary=Text(
        "alltoall_ep_buffer_scale_factors is not a list of [threshold, coefficient] pairs.",
        "alltoall_ep_buffer_scale_factors 不是 [阈值, 系数] 二元组的列表。",
    ),
    rationale=Text(
        "MindIE never validates this list: each item must be [threshold (integer >= 0), "
        "coefficient (number > 0)], and anything else fails only when a batch first selects "
        "the buffer size, long after the weights have loaded.",
        "MindIE 从不校验该列表：每一项必须是 [阈值（>= 0 的整数）, 系数（> 0 的数）]，"
        "否则要到某个 batch 首次选择 buffer 大小时才会出错，此时权重早已加载完毕。",
    ),
    bad='"alltoall_ep_buffer_scale_factors": [[8192, 5.2], [0]]',
    good='"alltoall_ep_buffer_scale_factors": [[8192, 5.2], [0, 8.0]]',
    fix=Text("Write every item as [threshold, coefficient].", "将每一项写成 [阈值, 系数]。"),
)
def buffer_factors_shape(subject: Subject) -> Iterator[Hit]:
    for target in level_2_targets(subject):
        value = target.option(FACTORS_KEY)
        hint = Text(
            "Write each item as [threshold, coefficient], for example [8192, 5.2], with "
            "thresholds in descending order and [0, c] last.",
            "每一项写成 [阈值, 系数]，例如 [8192, 5.2]，阈值降序排列并以 [0, c] 结尾。",
        )
        if not isinstance(value, list):
            yield Hit(
                target.at(FACTORS_KEY),
                Text(
                    "alltoall_ep_buffer_scale_factors is {value}, expected a list of "
                    "[threshold, coefficient] pairs",
                    "alltoall_ep_buffer_scale_factors 为 {value}，应为 [阈值, 系数] 二元组的列表",
                ).format(value=json.dumps(value)[:60]),
                hint,
            )
            continue
        for index, item in enumerate(value):
            problem = pair_problem(item)
            if problem is not None:
                yield Hit(
                    target.at(FACTORS_KEY, index),
                    Text("item {index} {shown} ", "第 {index} 项 {shown} ").format(
                        index=index, shown=json.dumps(item)[:60]
                    )
                    + problem,
                    hint,
                )


def _first_shadowing(pairs: list[ScalePair], later: ScalePair) -> ScalePair | None:
    # MindIE takes the first item whose threshold the length reaches, so an earlier item
    # with a threshold <= this one's matches every length this one would.
    return next((pair for pair in pairs[: later.index] if pair.threshold <= later.threshold), None)


@rule(
    "EP309",
    "buffer-factors-order",
    Severity.ERROR,
    summary=Text(
        "alltoall_ep_buffer_scale_factors is not strictly descending by threshold, so an item "
        "is never used.",
        "alltoall_ep_buffer_scale_factors 未按阈值严格降序排列，部分项永远不会被使用。",
    ),
    rationale=Text(
        "MindIE scans the list in order and takes the first item whose threshold the length "
        "reaches. An item after one with a smaller or equal threshold is never reached, and an "
        "ascending list always picks its first item, so the buffer is sized with the wrong "
        "coefficient. Which length is compared depends on the version: tokens per device, or "
        "tokens x topk x dp with DP_MOVE_UP_ENABLE=1; MindIE 2.0 used fixed thresholds.",
        "MindIE 按顺序扫描列表，取第一个阈值不大于当前长度的项。阈值不小于前面某项的后续项永远不会被选中，"
        "升序列表总是选中第一项，因此 buffer 按错误的系数分配。比较所用的长度随版本而异："
        "单卡 token 数，或在 DP_MOVE_UP_ENABLE=1 时为 token 数 x topk x dp；MindIE 2.0 使用固定阈值。",
    ),
    bad='"alltoall_ep_buffer_scale_factors": [[0, 8.0], [8192, 5.2]]',
    good='"alltoall_ep_buffer_scale_factors": [[8192, 5.2], [0, 8.0]]',
    fix=Text(
        "Sort the items by threshold, largest first, without repeated thresholds.",
        "按阈值从大到小排列，且阈值不重复。",
    ),
)
def buffer_factors_order(subject: Subject) -> Iterator[Hit]:
    for target, pairs in level_2_pairs(subject):
        ascending = len(pairs) > 1 and all(
            first.threshold < second.threshold for first, second in itertools.pairwise(pairs)
        )
        ordered = sorted(pairs, key=lambda pair: -pair.threshold)
        fixed = json.dumps([[pair.threshold, pair.coefficient] for pair in ordered])
        for later in pairs:
            shadow = _first_shadowing(pairs, later)
            if shadow is None:
                continue
            message = Text(
                "item {later_index} {later} is never used: the earlier item {index} {earlier} "
                "matches every length >= {threshold} first",
                "第 {later_index} 项 {later} 永远不会被使用：前面的第 {index} 项 {earlier} "
                "会先匹配所有 >= {threshold} 的长度",
            ).format(
                later_index=later.index,
                later=later.shown(),
                index=shadow.index,
                earlier=shadow.shown(),
                threshold=number_text(shadow.threshold),
            )
            if ascending:
                message = message + Text(
                    "; the list is ascending, so item 0 is used for every length",
                    "；该列表为升序，因此所有长度都使用第 0 项",
                )
            yield Hit(
                target.at(FACTORS_KEY, later.index),
                message,
                Text(
                    "Sort by threshold, largest first: {fixed}", "按阈值从大到小排列：{fixed}"
                ).format(fixed=fixed),
            )


@rule(
    "EP310",
    "buffer-factors-tail",
    Severity.WARNING,
    summary=Text(
        "alltoall_ep_buffer_scale_factors has no [0, c] item, so short lengths fall back to "
        "coefficient moe_ep.",
        "alltoall_ep_buffer_scale_factors 没有 [0, c] 项，较短长度会回退到系数 moe_ep。",
    ),
    rationale=Text(
        "A length below the smallest threshold matches no item, and MindIE then silently uses "
        "moe_ep as the coefficient: a receive buffer for the case where every device sends all "
        "its rows to one device. It wastes device memory on every short batch.",
        "长度小于最小阈值时不匹配任何项，MindIE 会静默使用 moe_ep 作为系数，"
        "即按所有卡把全部路由行都发往同一张卡的情况分配接收 buffer，每个短 batch 都会浪费显存。",
    ),
    bad='"alltoall_ep_buffer_scale_factors": [[32768, 3.0], [8192, 5.2]]',
    good='"alltoall_ep_buffer_scale_factors": [[32768, 3.0], [8192, 5.2], [0, 8.0]]',
    fix=Text("Append [0, c] as the last item.", "在列表末尾追加 [0, c]。"),
)
def buffer_factors_tail(subject: Subject) -> Iterator[Hit]:
    for target, pairs in level_2_pairs(subject):
        moe_ep = target.layout.moe_ep
        if not pairs:
            yield Hit(
                target.at(FACTORS_KEY),
                Text(
                    "alltoall_ep_buffer_scale_factors is empty, so every length uses "
                    "coefficient moe_ep = {moe_ep}",
                    "alltoall_ep_buffer_scale_factors 为空，所有长度都使用系数 moe_ep = {moe_ep}",
                ).format(moe_ep=moe_ep),
                Text(
                    "Remove the key to use MindIE's default list, or write pairs ending with "
                    "[0, {c:g}].",
                    "删除该键以使用 MindIE 的默认列表，或写出以 [0, {c:g}] 结尾的二元组。",
                ).format(c=DEFAULT_TAIL[1]),
                part="key",
            )
            continue
        smallest = min(pairs, key=lambda pair: pair.threshold)
        if smallest.threshold == 0:
            continue
        yield Hit(
            target.at(FACTORS_KEY, len(pairs) - 1),
            Text(
                "no item has threshold 0: lengths below {threshold} match no item, so MindIE "
                "silently uses coefficient moe_ep = {moe_ep} for them",
                "没有阈值为 0 的项：小于 {threshold} 的长度不匹配任何项，MindIE 会静默使用系数 "
                "moe_ep = {moe_ep}",
            ).format(threshold=number_text(smallest.threshold), moe_ep=moe_ep),
            Text(
                "Append [0, {c}] as the last item (the coefficient of the smallest threshold; "
                "MindIE's default list ends with [0, 8.0]).",
                "在末尾追加 [0, {c}]（沿用最小阈值的系数；MindIE 默认列表以 [0, 8.0] 结尾）。",
            ).format(c=number_text(smallest.coefficient)),
        )


@rule(
    "EP311",
    "buffer-coefficient-below-one",
    Severity.ERROR,
    summary=Text(
        "An alltoall_ep_buffer_scale_factors coefficient is below 1.",
        "alltoall_ep_buffer_scale_factors 中有系数小于 1。",
    ),
    rationale=Text(
        "The AllToAll receive buffer has ceil_to_multiple(int(T x topk x c), moe_ep) rows for "
        "T tokens, and T x topk is the mean load of a device. A coefficient below 1 makes the "
        "buffer smaller than the mean, so every batch of that length overflows it and routed "
        "tokens are lost.",
        "AllToAll 接收 buffer 对 T 个 token 分配 ceil_to_multiple(int(T x topk x c), moe_ep) 行，"
        "而 T x topk 是单卡的平均负载。系数小于 1 时 buffer 小于平均负载，该长度的每个 batch 都会溢出，"
        "路由 token 被丢弃。",
    ),
    bad='"alltoall_ep_buffer_scale_factors": [[8192, 0.8], [0, 8.0]]',
    good='"alltoall_ep_buffer_scale_factors": [[8192, 1.8], [0, 8.0]]',
    fix=Text("Use coefficients of at least 1.", "系数应不小于 1。"),
)
def buffer_coefficient_below_one(subject: Subject) -> Iterator[Hit]:
    for target, pairs in level_2_pairs(subject):
        for pair in pairs:
            if pair.coefficient >= 1:
                continue
            yield Hit(
                target.at(FACTORS_KEY, pair.index, 1),
                Text(
                    "coefficient {c} of item {index} {shown} is below 1: the buffer holds "
                    "fewer rows than a device receives on average, so tokens overflow it and "
                    "are dropped",
                    "第 {index} 项 {shown} 的系数 {c} 小于 1：buffer 行数少于单卡平均接收的行数，"
                    "token 会溢出并被丢弃",
                ).format(c=number_text(pair.coefficient), index=pair.index, shown=pair.shown()),
                Text(
                    "Raise the coefficient to at least 1; MindIE's default uses 1.32 for the "
                    "longest lengths.",
                    "将系数提高到至少 1；MindIE 默认列表对最长的长度使用 1.32。",
                ),
            )


@rule(
    "EP312",
    "buffer-coefficients-grow",
    Severity.WARNING,
    summary=Text(
        "An alltoall_ep_buffer_scale_factors coefficient grows with the threshold.",
        "alltoall_ep_buffer_scale_factors 中的系数随阈值增大而增大。",
    ),
    rationale=Text(
        "Longer sequences spread more evenly over the experts, so the peak-to-mean load of a "
        "device falls as the length grows, and MindIE's default coefficients fall from 8.0 to "
        "1.32. A coefficient larger than the one of a smaller threshold is usually a swapped "
        "pair and wastes memory on the longest batches.",
        "序列越长，token 在专家间分布越均匀，单卡峰值与平均负载之比随长度增大而下降，"
        "MindIE 的默认系数也从 8.0 递减到 1.32。某项系数大于更小阈值的系数，通常是写反了，"
        "会在最长的 batch 上浪费显存。",
    ),
    bad='"alltoall_ep_buffer_scale_factors": [[32768, 5.2], [8192, 3.0], [0, 8.0]]',
    good='"alltoall_ep_buffer_scale_factors": [[32768, 3.0], [8192, 5.2], [0, 8.0]]',
    fix=Text(
        "Make the coefficients non-increasing as the thresholds grow.",
        "使系数随阈值增大而不增。",
    ),
)
def buffer_coefficients_grow(subject: Subject) -> Iterator[Hit]:
    for target, pairs in level_2_pairs(subject):
        descending = all(a.threshold > b.threshold for a, b in itertools.pairwise(pairs))
        if not descending:
            continue  # EP309 reports the order first
        for larger, smaller in itertools.pairwise(pairs):
            if larger.coefficient <= smaller.coefficient:
                continue
            yield Hit(
                target.at(FACTORS_KEY, larger.index),
                Text(
                    "item {index} {shown} has coefficient {c}, larger than {next_c} at the "
                    "smaller threshold {next_t}; longer sequences balance better, so the "
                    "coefficient should not grow with the threshold",
                    "第 {index} 项 {shown} 的系数 {c} 大于更小阈值 {next_t} 的系数 {next_c}；"
                    "序列越长负载越均衡，系数不应随阈值增大",
                ).format(
                    index=larger.index,
                    shown=larger.shown(),
                    c=number_text(larger.coefficient),
                    next_c=number_text(smaller.coefficient),
                    next_t=number_text(smaller.threshold),
                ),
                Text(
                    "Check whether the coefficients of items {index} and {next_index} are swapped.",
                    "检查第 {index} 项和第 {next_index} 项的系数是否写反。",
                ).format(index=larger.index, next_index=smaller.index),
                related=(target.at(FACTORS_KEY, smaller.index),),
            )


@rule(
    "EP313",
    "buffer-factors-need-level-2",
    Severity.WARNING,
    summary=Text(
        "alltoall_ep_buffer_scale_factors is set with ep_level 1, where it has no effect.",
        "ep_level 1 时设置了 alltoall_ep_buffer_scale_factors，该参数不生效。",
    ),
    rationale=Text(
        "The list sizes the AllToAll receive buffer of ep_level 2. ep_level 1 (also the value "
        "MindIE uses when ep_level is missing) communicates with AllGather and ignores it.",
        "该列表用于确定 ep_level 2 的 AllToAll 接收 buffer 大小。ep_level 1（未设置 ep_level 时 "
        "MindIE 也使用 1）通过 AllGather 通信，会忽略该列表。",
    ),
    bad='"deepseekv2": {"ep_level": 1, "alltoall_ep_buffer_scale_factors": [[0, 8.0]]}',
    good='"deepseekv2": {"ep_level": 2, "alltoall_ep_buffer_scale_factors": [[0, 8.0]]}',
    fix=Text("Remove the list, or set ep_level 2.", "删除该列表，或设置 ep_level 2。"),
)
def buffer_factors_need_level_2(subject: Subject) -> Iterator[Hit]:
    for target in active_targets(subject):
        if not target.has(FACTORS_KEY) or target.effective_level != 1:
            continue
        level = Text("ep_level 1", "ep_level 1")
        if not target.has("ep_level"):
            level = Text("ep_level is not set, so MindIE uses 1", "未设置 ep_level，MindIE 使用 1")
        yield Hit(
            target.at(FACTORS_KEY),
            Text(
                "alltoall_ep_buffer_scale_factors has no effect: {level_en}, and only "
                "ep_level 2 (AllToAll) reads it",
                "alltoall_ep_buffer_scale_factors 不生效：{level_zh}，只有 ep_level 2（AllToAll）"
                "才会读取它",
            ).format(level_en=level.en, level_zh=level.zh),
            Text(
                'Remove "alltoall_ep_buffer_scale_factors", or set "ep_level": 2 (with '
                '"moe_tp": 1).',
                '删除 "alltoall_ep_buffer_scale_factors"，或设置 "ep_level": 2（并设置 "moe_tp": 1）。',
            ),
            part="key",
        )


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
            "ep_level 2 要求 moe_tp 为 1，但{shown_zh}；MindIE 启动时会报错“Dynamic EP only "
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


# ---------------------------------------------------------------- EP317 - EP319: the block


@rule(
    "EP317",
    "ep-block-ignored",
    Severity.WARNING,
    summary=Text(
        "models.deepseekv2 is set for a model that is not DeepSeek, which ignores it.",
        "为非 DeepSeek 模型设置了 models.deepseekv2，该配置会被忽略。",
    ),
    rationale=Text(
        "Only MindIE's DeepSeek-V2/V3/R1 code reads models.deepseekv2. Configs copied from a "
        "DeepSeek deployment keep the block on Qwen, Llama or GLM models, where its ep_level "
        "and buffer options change nothing.",
        "只有 MindIE 的 DeepSeek-V2/V3/R1 代码读取 models.deepseekv2。从 DeepSeek 部署复制来的配置"
        "在 Qwen、Llama、GLM 等模型上保留了该块，其中的 ep_level 与 buffer 参数不起任何作用。",
    ),
    bad='{"modelName": "qwen3", "models": {"deepseekv2": {"ep_level": 1}}}',
    good='{"modelName": "qwen3"}',
    fix=Text(
        "Remove models.deepseekv2, and use the options of the model's own family.",
        "删除 models.deepseekv2，改用该模型所属系列的参数。",
    ),
)
def ep_block_ignored(subject: Subject) -> Iterator[Hit]:
    for _, entry in subject.entries():
        if not entry.blocks or model_kind(subject, entry) != ModelKind.OTHER:
            continue
        model = _model_label(subject, entry)
        for key in entry.blocks:
            yield Hit(
                entry.at("models", key),
                Text(
                    "models.{key} has no effect: {model} is not a DeepSeek-V2/V3/R1 model, and "
                    "only MindIE's DeepSeek code reads this block",
                    "models.{key} 不生效：{model} 不是 DeepSeek-V2/V3/R1 模型，只有 MindIE 的 "
                    "DeepSeek 代码读取该块",
                ).format(key=key, model=model),
                Text(
                    "Remove models.{key}; set parallelism with tp, dp, moe_ep and moe_tp only.",
                    "删除 models.{key}；仅通过 tp、dp、moe_ep、moe_tp 设置并行。",
                ).format(key=key),
                part="key",
            )


def _model_label(subject: Subject, entry: EntryView) -> str:
    facts = subject.facts_for(entry)
    if facts is not None:
        return f"{facts.name} (model_type {facts.model_type})"
    names = [entry.entry.model_name, last_path_part(entry.entry.model_weight_path)]
    return " / ".join(json.dumps(name, ensure_ascii=False) for name in names if name)


@rule(
    "EP318",
    "hccl-moe-ep-buffer",
    Severity.WARNING,
    summary=Text(
        "parallel_options.hccl_moe_ep_buffer is below max(512, HCCL_BUFFSIZE) MB.",
        "parallel_options.hccl_moe_ep_buffer 小于 max(512, HCCL_BUFFSIZE) MB。",
    ),
    rationale=Text(
        "hccl_moe_ep_buffer (MB) sizes the HCCL buffer of the expert-parallel group. MindIE "
        "expects at least 512 MB and at least HCCL_BUFFSIZE (MB, 200 by default). For "
        "ep_level 2 MindIE raises a smaller value to its own minimum at start and logs a "
        "warning, so the configured value is ignored.",
        "hccl_moe_ep_buffer（MB）决定专家并行通信组的 HCCL buffer 大小，MindIE 要求其不小于 512 MB，"
        "也不小于 HCCL_BUFFSIZE（MB，默认 200）。ep_level 2 时 MindIE 会在启动时把过小的值提高到"
        "自身计算的下限并打印警告，配置的值因此被忽略。",
    ),
    bad='"deepseekv2": {"parallel_options": {"hccl_moe_ep_buffer": 256}}',
    good='"deepseekv2": {"parallel_options": {"hccl_moe_ep_buffer": 512}}',
    fix=Text(
        "Raise hccl_moe_ep_buffer to at least max(512, HCCL_BUFFSIZE), or remove it.",
        "将 hccl_moe_ep_buffer 提高到至少 max(512, HCCL_BUFFSIZE)，或删除该项。",
    ),
)
def hccl_moe_ep_buffer(subject: Subject) -> Iterator[Hit]:
    buffsize, source = hccl_buffsize(subject)
    minimum = max(MIN_MOE_EP_BUFFER_MB, buffsize)
    for target in active_targets(subject):
        # NOTE: MindIE's model-side config keeps parallel_options under `llm`. This checks only
        # the copy in the service's EP block. Whether MindIE reads it there is unverified.
        options = target.option("parallel_options")
        value = options.get("hccl_moe_ep_buffer") if isinstance(options, dict) else None
        if not is_number(value) or value >= minimum:
            continue
        yield Hit(
            target.at("parallel_options", "hccl_moe_ep_buffer"),
            Text(
                "hccl_moe_ep_buffer {value} MB is below the minimum {minimum} MB = max(512, "
                "HCCL_BUFFSIZE {buffsize} MB {source_en})",
                "hccl_moe_ep_buffer {value} MB 小于下限 {minimum} MB = max(512, HCCL_BUFFSIZE "
                "{buffsize} MB{source_zh})",
            ).format(
                value=value,
                minimum=minimum,
                buffsize=buffsize,
                source_en=source.en,
                source_zh=source.zh,
            ),
            Text(
                'Set "hccl_moe_ep_buffer": {minimum} or more, or remove it to use the default.',
                '设置 "hccl_moe_ep_buffer": {minimum} 或更大，或删除该项使用默认值。',
            ).format(minimum=minimum),
        )


def hccl_buffsize(subject: Subject) -> tuple[int, Text]:
    """Return HCCL_BUFFSIZE in MB and a note on where it came from."""
    raw = subject.settings.env.get("HCCL_BUFFSIZE")
    if raw is not None and raw.strip().isdigit():
        return int(raw), Text("from the environment", "，来自环境变量")
    return DEFAULT_HCCL_BUFFSIZE_MB, Text("by default, not set", "，未设置时的默认值")


@rule(
    "EP319",
    "ep-block-shadowed",
    Severity.WARNING,
    summary=Text(
        "models.deepseekv2 and a block named after the weights' model_type are both present.",
        "同时存在 models.deepseekv2 和以权重 model_type 命名的块。",
    ),
    rationale=Text(
        "MindIE reads the block whose key equals the weights' model_type (deepseek_v2 or "
        "deepseek_v3) when it exists and ignores models.deepseekv2 entirely; a model_type block "
        "that does not match the weights is ignored as well. Edits to the ignored block have "
        "no effect.",
        "若存在键名等于权重 model_type（deepseek_v2 或 deepseek_v3）的块，MindIE 读取该块并完全忽略 "
        "models.deepseekv2；与权重不符的 model_type 块同样被忽略。修改被忽略的块不会生效。",
    ),
    bad='{"modelName": "DeepSeek-R1", "models": {"deepseekv2": {"ep_level": 2}, '
    '"deepseek_v3": {"ep_level": 1}}}',
    good='{"modelName": "DeepSeek-R1", "models": {"deepseekv2": {"ep_level": 2}}}',
    fix=Text(
        "Keep one block: models.deepseekv2, or the one named after the weights' model_type.",
        "只保留一个块：models.deepseekv2，或以权重 model_type 命名的块。",
    ),
)
def ep_block_shadowed(subject: Subject) -> Iterator[Hit]:
    for _, entry in subject.entries():
        if len(entry.blocks) < 1 or model_kind(subject, entry) == ModelKind.OTHER:
            continue
        facts = subject.facts_for(entry)
        if facts is None:
            yield from _unknown_weights_hits(entry)
            continue
        read = subject.ep_block(entry)
        for key in entry.blocks:
            if read is not None and key == read.key:
                continue
            yield _ignored_block_hit(entry, key, read, facts)


def _ignored_block_hit(entry: EntryView, key: str, read: EpBlock | None, facts: ModelFacts) -> Hit:
    if read is not None and key == BLOCK_KEY:
        message = Text(
            "models.{key} is ignored: MindIE reads models.{read}, the key equal to the weights' "
            "model_type",
            "models.{key} 被忽略：MindIE 读取与权重 model_type 同名的 models.{read}",
        ).format(key=key, read=read.key)
    else:
        message = Text(
            "models.{key} is ignored: the weights' model_type is {model_type}",
            "models.{key} 被忽略：权重的 model_type 为 {model_type}",
        ).format(key=key, model_type=facts.model_type)
    hint = Text(
        "Merge the options you need into models.{target} and delete models.{key}.",
        "将需要的参数合并到 models.{target}，并删除 models.{key}。",
    ).format(target=read.key if read is not None else BLOCK_KEY, key=key)
    related = (read.pointer,) if read is not None else ()
    return Hit(entry.at("models", key), message, hint, part="key", related=related)


def _unknown_weights_hits(entry: EntryView) -> Iterator[Hit]:
    if BLOCK_KEY not in entry.blocks:
        return
    for key in entry.blocks:
        if key == BLOCK_KEY:
            continue
        yield Hit(
            entry.at("models", BLOCK_KEY),
            Text(
                "models.{block} and models.{key} are both set; if the weights' model_type is "
                "{key}, MindIE reads models.{key} and ignores models.{block}",
                "同时设置了 models.{block} 和 models.{key}；若权重的 model_type 为 {key}，"
                "MindIE 读取 models.{key} 并忽略 models.{block}",
            ).format(block=BLOCK_KEY, key=key),
            Text("Keep one of the two blocks.", "两个块只保留一个。"),
            part="key",
            related=(entry.at("models", key),),
        )
