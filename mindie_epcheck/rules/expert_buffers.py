"""EP308-EP313: the alltoall_ep_buffer_scale_factors list that sizes the ep_level 2 buffer."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mindie_epcheck.findings import Edit, Fix, Severity
from mindie_epcheck.fix.edits import append_item
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.context import Subject
from mindie_epcheck.rules.expert_common import (
    EpTarget,
    active_targets,
    is_integer,
    is_number,
    number_text,
)
from mindie_epcheck.rules.registry import Hit, rule

FACTORS_KEY = "alltoall_ep_buffer_scale_factors"
# The default alltoall_ep_buffer_scale_factors ends with this pair.
DEFAULT_TAIL = (0, 8.0)


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
    if not is_integer(threshold) or threshold < 0:
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
    autofix="safe",
)
def buffer_factors_order(subject: Subject) -> Iterator[Hit]:
    for target, pairs in level_2_pairs(subject):
        ascending = len(pairs) > 1 and all(
            first.threshold < second.threshold for first, second in itertools.pairwise(pairs)
        )
        ordered = sorted(pairs, key=lambda pair: -pair.threshold)
        fixed = json.dumps([[pair.threshold, pair.coefficient] for pair in ordered])
        fix = _sort_fix(subject, target.at(FACTORS_KEY), pairs, ordered)
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
                fix=fix,
            )


def _sort_fix(
    subject: Subject, pointer: str, pairs: list[ScalePair], ordered: list[ScalePair]
) -> Fix | None:
    """Return the fix that moves each item's source text to its place in `ordered`.

    Each slot keeps its position and layout and receives the text of the item sorted into
    it. Repeated thresholds have no single right order, so they get no fix.
    """
    if len({pair.threshold for pair in pairs}) != len(pairs):
        return None
    node, _, missing = subject.document.resolve(pointer)
    if node is None or missing or node.items is None or len(node.items) != len(pairs):
        return None
    text = subject.document.text
    items = node.items
    edits = tuple(
        Edit(
            items[slot].start,
            items[slot].end,
            text[items[pair.index].start : items[pair.index].end],
        )
        for slot, pair in enumerate(ordered)
        if pair.index != slot
    )
    return Fix(edits, safe=True) if edits else None


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
    autofix="unsafe",
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
                fix=_append_fix(
                    subject, target.at(FACTORS_KEY), f"[0, {number_text(DEFAULT_TAIL[1])}]"
                ),
            )
            continue
        smallest = min(pairs, key=lambda pair: pair.threshold)
        if smallest.threshold == 0:
            continue
        tail = f"[0, {number_text(smallest.coefficient)}]"
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
            fix=_append_fix(subject, target.at(FACTORS_KEY), tail),
        )


def _append_fix(subject: Subject, pointer: str, item: str) -> Fix | None:
    """Return the unsafe fix that appends the [0, c] item: c is a guess at the user's intent.

    An empty list becomes [item], with MindIE's default tail coefficient 8.0 as the guess.
    """
    node, _, missing = subject.document.resolve(pointer)
    if node is None or missing or node.items is None:
        return None
    if not node.items:
        return Fix((Edit(node.start, node.end, f"[{item}]"),), safe=False)
    return Fix((append_item(subject.document.text, node, item),), safe=False)


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
            # NaN compares below nothing; EP005 reports it and Infinity.
            if pair.coefficient >= 1 or not math.isfinite(pair.coefficient):
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
