"""EP6xx: what the configured EP level is estimated to cost in device memory."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from mindie_epcheck.cost.comm import estimate_comm
from mindie_epcheck.cost.deployment import GIB, Deployment, build_deployment, constants
from mindie_epcheck.cost.dispatch import buffer_rows, coefficient_for, cutoff_rows
from mindie_epcheck.cost.dispatch_normal import (
    gamma_quantile,
    overflow_probability,
    rank_load,
    truncated_fraction,
)
from mindie_epcheck.cost.memory import MemoryEstimate, estimate_memory
from mindie_epcheck.findings import Severity
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.context import Subject
from mindie_epcheck.model.view import EntryView
from mindie_epcheck.rules.registry import Hit, rule

# Overflow probability above which a buffer counts as risky (the default target of
# `epcheck simulate`'s recommendation).
OVERFLOW_TARGET = 1e-3
# Extra KV-cache memory per device that makes the other EP level "clearly" cheaper.
MEMORY_GAIN_BYTES = 2 * GIB


@dataclass(frozen=True, slots=True)
class CostTarget:
    entry: EntryView
    deployment: Deployment
    level: int
    estimate: MemoryEstimate


def configured_level(deployment: Deployment) -> int:
    """Return the EP level MindIE runs: ep_level when moe_ep > 1, default 1.

    Without EP the experts are split by moe_tp and routed as with level 1.
    """
    if deployment.moe_ep > 1 and deployment.ep_level == 2:
        return 2
    return 1


def cost_targets(subject: Subject) -> Iterator[CostTarget]:
    for view, entry in subject.entries():
        deployment = build_deployment(subject, view, entry)
        if deployment is None:
            continue
        level = configured_level(deployment)
        yield CostTarget(entry, deployment, level, estimate_memory(deployment, level))


def required_fraction(target: CostTarget, extra: float = 0.0) -> float:
    """Return the NPU_MEMORY_FRACTION at which the estimate plus `extra` bytes just fits."""
    idle = constants()["idle_bytes"]["value"]
    hbm = target.deployment.hardware.hbm_bytes.value
    return float((target.estimate.used + idle + extra) / hbm)


def memory_verdict(target: CostTarget, extra: float = 0.0) -> tuple[Severity | None, float]:
    """Judge the fit against the user's NPU_MEMORY_FRACTION when it is given.

    Otherwise the result is an error only when even the recipes' highest share is too small,
    and a warning when MindIE's default share is.
    """
    required = required_fraction(target, extra)
    fraction = target.deployment.memory_fraction
    if target.deployment.memory_fraction_given:
        return (Severity.ERROR if required > fraction else None), required
    if required > constants()["memory_fraction_recipes_max"]["value"]:
        return Severity.ERROR, required
    if required > fraction:
        return Severity.WARNING, required
    return None, required


def _fraction_note(target: CostTarget, severity: Severity, required: float) -> Text:
    if target.deployment.memory_fraction_given:
        return Text("", "")
    if severity == Severity.ERROR:
        return Text(
            "; it does not fit even at NPU_MEMORY_FRACTION 0.96, the highest the DeepSeek "
            "recipes use",
            "；即使 NPU_MEMORY_FRACTION 取 DeepSeek 推荐的最高值 0.96 也放不下",
        )
    return Text(
        "; it fits only with NPU_MEMORY_FRACTION >= {required} (MindIE's default is 0.8; "
        "pass yours with --env NPU_MEMORY_FRACTION=...)",
        "；仅当 NPU_MEMORY_FRACTION >= {required} 时才放得下（MindIE 默认 0.8；可用 "
        "--env NPU_MEMORY_FRACTION=... 传入实际值）",
    ).format(required=f"{math.ceil(required * 100) / 100:.2f}")


def _quantization_note(target: CostTarget) -> Text:
    if target.deployment.quantization_known:
        return Text("", "")
    return Text(
        "; the weights' precision is unknown, so bf16 was assumed: put w8a8 or w4a8 in the "
        "weight directory's name, or pass --model-config with a config.json that has "
        '"quantize"',
        "；权重精度未知，已按 bf16 估算：可在权重目录名中写明 w8a8 或 w4a8，或通过 --model-config "
        '传入含 "quantize" 字段的 config.json',
    )


def _gib(value: float) -> str:
    return f"{value / GIB:.1f}"


def _budget(target: CostTarget) -> dict[str, str]:
    estimate = target.estimate
    hardware = target.deployment.hardware
    return {
        "used": _gib(estimate.used),
        "weights": _gib(estimate.weights_total),
        "buffers": _gib(estimate.routed_buffer + estimate.gathered_hidden + estimate.activations),
        "hccl": _gib(estimate.hccl),
        "capacity": _gib(estimate.capacity),
        "hbm": _gib(hardware.hbm_bytes.value),
        "fraction": f"{target.deployment.memory_fraction:g}",
        "hardware": hardware.key,
        "level": str(target.level),
    }


@rule(
    "EP601",
    "hbm-over-capacity",
    Severity.ERROR,
    summary=Text(
        "The estimated device memory of weights and buffers exceeds what MindIE may use.",
        "权重与各类 buffer 的显存估算超出 MindIE 可用的显存。",
    ),
    rationale=Text(
        "MindIE loads hundreds of GB of weights before it finds out; DeepSeek-R1 W8A8 needs "
        "about 79 GiB per device on one Atlas 800I A2 (8 x 64 GB), so it needs two servers.",
        "MindIE 要加载数百 GB 权重后才会发现显存不足；DeepSeek-R1 W8A8 在单台 Atlas 800I A2"
        "（8 x 64 GB）上每卡约需 79 GiB，因此至少需要两台服务器。",
    ),
    bad='{"modelName": "DeepSeek-R1_w8a8", "worldSize": 8}  (one Atlas 800I A2)',
    good='{"modelName": "DeepSeek-R1_w8a8", "worldSize": 8, "tp": 8, "moe_ep": 16, "moe_tp": 1}  '
    "(two Atlas 800I A2 with a rank table)",
    fix=Text(
        "Spread the model over more devices, use a smaller quantization, or raise "
        "NPU_MEMORY_FRACTION.",
        "将模型部署到更多卡上、使用更低比特的量化，或调高 NPU_MEMORY_FRACTION。",
    ),
)
def hbm_over_capacity(subject: Subject) -> Iterator[Hit]:
    for target in cost_targets(subject):
        severity, required = memory_verdict(target)
        if severity is None:
            continue
        values = _budget(target)
        yield Hit(
            target.entry.at("worldSize"),
            Text(
                "estimated {used} GiB per device (weights {weights}, MoE buffers {buffers}, HCCL "
                "{hccl}) exceeds the {capacity} GiB MindIE may use on {hardware} ({hbm} GiB x "
                "NPU_MEMORY_FRACTION {fraction}, less the runtime); ep_level {level}, an estimate",
                "每卡显存估算为 {used} GiB（权重 {weights}，MoE buffer {buffers}，HCCL {hccl}），"
                "超出 {hardware} 上 MindIE 可用的 {capacity} GiB（{hbm} GiB x NPU_MEMORY_FRACTION "
                "{fraction}，扣除运行时占用）；ep_level {level}，此为估算值",
            ).format(**values)
            + _fraction_note(target, severity, required)
            + _quantization_note(target),
            Text(
                "Use more nodes (with a rank table), fewer bits per weight (bf16 -> w8a8 -> "
                "w4a8), or a higher NPU_MEMORY_FRACTION (DeepSeek recipes use 0.92 to 0.96); "
                "run `epcheck simulate` for the breakdown.",
                "增加节点（配合 rank table）、降低权重位宽（bf16 -> w8a8 -> w4a8），或调高 "
                "NPU_MEMORY_FRACTION（DeepSeek 推荐 0.92~0.96）；运行 `epcheck simulate` 查看明细。",
            ),
            severity=severity,
        )


@rule(
    "EP602",
    "kv-cache-below-one-sequence",
    Severity.ERROR,
    summary=Text(
        "The memory left for the KV cache holds less than one maxSeqLen sequence.",
        "剩余显存容纳的 KV cache 不足一条 maxSeqLen 长度的序列。",
    ),
    rationale=Text(
        "MindIE needs room for at least one full sequence in the KV cache; with less, warm-up "
        "or the first long request fails.",
        "MindIE 的 KV cache 至少要容纳一条完整序列；不足时预热或第一个长请求就会失败。",
    ),
    bad='{"maxSeqLen": 131072}  (little memory left after the weights)',
    good='{"maxSeqLen": 32768}',
    fix=Text(
        "Lower maxSeqLen, free memory (cutoff with ep_level 1, more devices), or use context "
        "parallelism (cp) to split each sequence's cache.",
        "调低 maxSeqLen、释放显存（ep_level 1 开启截断、增加卡数），或使用上下文并行（cp）分摊每条"
        "序列的 KV cache。",
    ),
)
def kv_cache_below_one_sequence(subject: Subject) -> Iterator[Hit]:
    for target in cost_targets(subject):
        estimate = target.estimate
        max_seq_len = target.deployment.max_seq_len
        if memory_verdict(target)[0] is not None:
            continue  # EP601 reports a config that does not fit at all
        one_sequence = max_seq_len * estimate.kv_bytes_per_token
        severity, required = memory_verdict(target, one_sequence)
        if severity is None:
            continue
        yield Hit(
            target.entry.at("worldSize"),
            Text(
                "the {free} GiB left per device hold an estimated {tokens:,} tokens of KV cache, "
                "fewer than one maxSeqLen sequence of {max_seq_len:,} tokens",
                "每卡剩余 {free} GiB，估算可容纳 {tokens:,} 个 token 的 KV cache，"
                "不足一条 maxSeqLen（{max_seq_len:,} 个 token）的序列",
            ).format(
                free=_gib(estimate.kv_cache_free),
                tokens=estimate.kv_cache_tokens,
                max_seq_len=max_seq_len,
            )
            + _fraction_note(target, severity, required),
            Text(
                "Lower maxSeqLen to at most {tokens:,}, or free memory; run `epcheck simulate`.",
                "将 maxSeqLen 降到 {tokens:,} 以下，或释放显存；可运行 `epcheck simulate` 查看明细。",
            ).format(tokens=estimate.kv_cache_tokens),
            severity=severity,
        )


def _block_pointer(subject: Subject, target: CostTarget, key: str) -> str:
    block = subject.ep_block(target.entry)
    return block.at(key) if block else target.entry.at("moe_ep")


def _lengths(deployment: Deployment) -> list[int]:
    """Tokens per forward to check: the largest prefill and the largest decode step."""
    dp_in_group = max(1, deployment.dp * deployment.moe_ep // deployment.world)
    decode = deployment.max_batch_size * (1 + deployment.speculative_tokens) * dp_in_group
    prefill = deployment.max_prefill_tokens * dp_in_group
    return sorted({decode, prefill})


@rule(
    "EP603",
    "alltoall-buffer-overflow-risk",
    Severity.WARNING,
    summary=Text(
        "The ep_level 2 AllToAll receive buffer is likely to overflow at the configured lengths.",
        "在配置的长度下，ep_level 2 的 AllToAll 接收 buffer 很可能溢出。",
    ),
    rationale=Text(
        "MindIE sizes the buffer as ceil_to_multiple(int(T * k * c), moe_ep) rows per rank. "
        "Tokens do not spread evenly over the experts, so the busiest rank receives more than "
        "the mean; when c is below that imbalance the rows that do not fit are lost.",
        "MindIE 按 ceil_to_multiple(int(T * k * c), moe_ep) 行为每个 rank 分配 buffer。token 在专家间"
        "分布并不均匀，最忙的 rank 收到的行数会高于平均值；c 小于这一不均衡程度时，放不下的行会丢失。",
    ),
    bad='"alltoall_ep_buffer_scale_factors": [[0, 1.0]]',
    good='"alltoall_ep_buffer_scale_factors": [[8192, 1.2], [0, 2.0]]',
    fix=Text(
        "Raise the coefficients; `epcheck simulate` prints a table that keeps overflow rare.",
        "调高系数；`epcheck simulate` 会给出使溢出概率足够低的系数表。",
    ),
)
def alltoall_buffer_overflow_risk(subject: Subject) -> Iterator[Hit]:
    for target in cost_targets(subject):
        deployment = target.deployment
        if target.level != 2 or deployment.moe_ep <= 1 or deployment.moe_tp != 1:
            continue
        for tokens in _lengths(deployment):
            hit = _overflow_hit(subject, target, tokens)
            if hit is not None:
                yield hit
                break


def _overflow_hit(subject: Subject, target: CostTarget, tokens: int) -> Hit | None:
    deployment = target.deployment
    facts = deployment.facts
    ranks = deployment.moe_ep
    per_rank = max(1, tokens // ranks)
    factors = deployment.buffer_factors or constants()["default_buffer_scale_factors"]["value"]
    coefficient = coefficient_for(per_rank, factors, ranks)
    rows = buffer_rows(per_rank, facts.num_experts_per_tok, coefficient, ranks)
    load = rank_load(facts.n_routed_experts, facts.num_experts_per_tok, ranks, tokens)
    probability = overflow_probability(load, rows)
    if probability <= OVERFLOW_TARGET:
        return None
    return Hit(
        _block_pointer(subject, target, "alltoall_ep_buffer_scale_factors"),
        Text(
            "at {tokens:,} tokens per forward ({per_rank:,} per rank) the buffer of {rows:,} "
            "rows (c = {c:g}) overflows with probability {p:.1%}: the busiest rank needs about "
            "{need:.2f} x the mean (an estimate for evenly popular experts; skew makes it worse)",
            "每次前向 {tokens:,} 个 token（每个 rank {per_rank:,} 个）时，{rows:,} 行的 buffer"
            "（c = {c:g}）溢出概率为 {p:.1%}：最忙的 rank 约需平均值的 {need:.2f} 倍（按专家热度"
            "均匀估算；热度不均时更严重）",
        ).format(
            tokens=tokens,
            per_rank=per_rank,
            rows=rows,
            c=coefficient,
            p=probability,
            need=gamma_quantile(load, 1 - OVERFLOW_TARGET),
        ),
        Text(
            "Raise the coefficient for this length; run `epcheck simulate` for a table that "
            "keeps overflow under {target:g}.",
            "调高该长度对应的系数；运行 `epcheck simulate` 可得到溢出概率低于 {target:g} 的系数表。",
        ).format(target=OVERFLOW_TARGET),
    )


@rule(
    "EP604",
    "cutoff-truncates-rows",
    Severity.WARNING,
    summary=Text(
        "With the level-1 cutoff, the busiest device is likely to need more rows than kept.",
        "开启 ep_level 1 截断后，最忙的卡所需的行数很可能超过保留的行数。",
    ),
    rationale=Text(
        "The cutoff keeps min(T*k, max(T*k', 65536*k')) routed rows per device, k' = "
        "int(k * topk_scaling_factor), and the rows of the device's own experts come first. "
        "When its experts receive more rows than that, the rest are dropped and the model's "
        "output changes.",
        "截断后每卡保留 min(T*k, max(T*k', 65536*k')) 行路由数据，k' = int(k * "
        "topk_scaling_factor)，本卡专家的行排在前面。本卡专家收到的行数超过该值时，多余的行被丢弃，"
        "模型输出会因此改变。",
    ),
    bad='{"enable_init_routing_cutoff": true, "topk_scaling_factor": 0.125}  (moe_ep 8)',
    good='{"enable_init_routing_cutoff": true, "topk_scaling_factor": 0.25}  (moe_ep 16)',
    fix=Text(
        "Raise topk_scaling_factor so that k' x moe_ep stays well above k.",
        "调高 topk_scaling_factor，使 k' x moe_ep 明显大于 k。",
    ),
)
def cutoff_truncates_rows(subject: Subject) -> Iterator[Hit]:
    for target in cost_targets(subject):
        deployment = target.deployment
        if target.level != 1 or not deployment.cutoff or deployment.moe_ep <= 1:
            continue
        facts = deployment.facts
        for tokens in _lengths(deployment):
            budget = cutoff_rows(tokens, facts.num_experts_per_tok, deployment.topk_factor)
            load = rank_load(
                facts.n_routed_experts, facts.num_experts_per_tok, deployment.moe_ep, tokens
            )
            probability = overflow_probability(load, budget)
            if probability <= OVERFLOW_TARGET:
                continue
            yield Hit(
                _block_pointer(subject, target, "topk_scaling_factor"),
                Text(
                    "at {tokens:,} tokens per forward the cutoff keeps {budget:,} rows per "
                    "device, but a device's experts receive about {mean:,.0f} on average; the "
                    "busiest one overflows with probability {p:.1%}, dropping about {share:.2%} "
                    "of all routed rows (an estimate for evenly popular experts)",
                    "每次前向 {tokens:,} 个 token 时，截断后每卡保留 {budget:,} 行，而每卡专家平均收到约 "
                    "{mean:,.0f} 行；最忙的卡溢出概率为 {p:.1%}，约丢弃全部路由行的 {share:.2%}"
                    "（按专家热度均匀估算）",
                ).format(
                    tokens=tokens,
                    budget=budget,
                    mean=load.mean,
                    p=probability,
                    share=truncated_fraction(load, budget),
                ),
                Text(
                    "Raise topk_scaling_factor (1.0 keeps every row).",
                    "调高 topk_scaling_factor（取 1.0 时不截断）。",
                ),
            )
            break


@rule(
    "EP605",
    "other-level-cheaper",
    Severity.INFO,
    summary=Text(
        "The other EP level is estimated clearly cheaper for this config.",
        "估算表明另一种 EP 级别对该配置明显更省。",
    ),
    rationale=Text(
        "ep_level 1 gathers every token on every device, ep_level 2 sends each token only "
        "to its experts' devices; which one uses less memory and time depends on moe_ep, "
        "the lengths and the nodes.",
        "ep_level 1 在每张卡上汇集全部 token，ep_level 2 只把 token 发送到其专家所在的卡；"
        "哪种更省显存和时间取决于 moe_ep、序列长度和节点数。",
    ),
    bad='"ep_level": 1  (moe_ep 16 on two nodes, long prefills)',
    good='"ep_level": 2  (with moe_tp 1)',
    fix=Text(
        "Compare both levels with `epcheck simulate` before switching.",
        "切换前用 `epcheck simulate` 比较两种级别。",
    ),
)
def other_level_cheaper(subject: Subject) -> Iterator[Hit]:
    for target in cost_targets(subject):
        deployment = target.deployment
        if deployment.moe_ep <= 1 or deployment.moe_tp != 1:
            continue
        other = 2 if target.level == 1 else 1
        mine, theirs = target.estimate, estimate_memory(deployment, other)
        my_time = estimate_comm(deployment, target.level).seconds_per_forward
        their_time = estimate_comm(deployment, other).seconds_per_forward
        memory_gain = theirs.kv_cache_free - mine.kv_cache_free
        if not (memory_gain >= MEMORY_GAIN_BYTES and their_time <= my_time) and not (
            their_time <= 0.5 * my_time and memory_gain >= 0
        ):
            continue
        yield Hit(
            _block_pointer(subject, target, "ep_level"),
            Text(
                "ep_level {other} is estimated cheaper here: {gain} GiB more left for KV cache "
                "per device and {their:.1f} ms instead of {mine:.1f} ms of MoE communication "
                "per forward (estimates)",
                "估算表明此处 ep_level {other} 更省：每卡多出 {gain} GiB 可用于 KV cache，每次前向的 "
                "MoE 通信为 {their:.1f} ms 而非 {mine:.1f} ms（估算值）",
            ).format(
                other=other,
                gain=_gib(memory_gain),
                their=their_time * 1e3,
                mine=my_time * 1e3,
            ),
            Text(
                "Compare both levels with `epcheck simulate CONFIG` before switching.",
                "切换前用 `epcheck simulate CONFIG` 比较两种级别。",
            ),
        )
