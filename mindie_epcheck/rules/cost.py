"""EP6xx: what the configured EP level is estimated to cost in device memory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from mindie_epcheck.cost.deployment import GIB, Deployment, build_deployment, constants
from mindie_epcheck.cost.memory import MemoryEstimate, cutoff_rows, estimate_memory
from mindie_epcheck.findings import Severity
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.context import Subject
from mindie_epcheck.model.view import EntryView
from mindie_epcheck.rules.registry import Hit, rule


@dataclass(frozen=True, slots=True)
class CostTarget:
    entry: EntryView
    deployment: Deployment
    level: int
    estimate: MemoryEstimate


def configured_level(deployment: Deployment) -> int:
    """The EP level MindIE runs: ep_level with moe_ep > 1 (default 1); without EP the
    experts are split by moe_tp and routed as with level 1."""
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
    """The NPU_MEMORY_FRACTION at which the estimate (plus `extra` bytes) just fits."""
    idle = constants()["idle_bytes"]["value"]
    hbm = target.deployment.hardware.hbm_bytes.value
    return float((target.estimate.used + idle + extra) / hbm)


def memory_verdict(target: CostTarget, extra: float = 0.0) -> tuple[Severity | None, float]:
    """Judge the fit: against the user's NPU_MEMORY_FRACTION when given; otherwise an
    error only when even the recipes' highest share is too small, and a warning when
    MindIE's default share is."""
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
        "; it fits only with NPU_MEMORY_FRACTION >= {required:.2f} (MindIE's default is 0.8; "
        "pass yours with --env NPU_MEMORY_FRACTION=...)",
        "；仅当 NPU_MEMORY_FRACTION >= {required:.2f} 时才放得下（MindIE 默认 0.8；可用 "
        "--env NPU_MEMORY_FRACTION=... 传入实际值）",
    ).format(required=required)


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
            + _fraction_note(target, severity, required),
            Text(
                "Use more nodes (with a rank table), a smaller quantization such as w8a8 or "
                "w4a8, or a higher NPU_MEMORY_FRACTION (DeepSeek recipes use 0.92 to 0.96); "
                "run `epcheck simulate` for the breakdown.",
                "增加节点（配合 rank table）、改用 w8a8 或 w4a8 等更低比特的量化，或调高 "
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


@rule(
    "EP604",
    "cutoff-truncates-rows",
    Severity.WARNING,
    summary=Text(
        "With the level-1 cutoff, long prefills lose routed rows.",
        "开启 ep_level 1 截断后，长序列 prefill 会丢弃部分路由行。",
    ),
    rationale=Text(
        "The cutoff keeps min(T*k, max(T*k', 65536*k')) routed rows per device, k' = "
        "int(k * topk_scaling_factor); above 65536 * k' / k tokens the rest are dropped, "
        "which changes the model's output.",
        "截断后每卡保留 min(T*k, max(T*k', 65536*k')) 行路由数据，k' = int(k * "
        "topk_scaling_factor)；token 数超过 65536 * k' / k 时其余行被丢弃，模型输出会因此改变。",
    ),
    bad='{"enable_init_routing_cutoff": true, "topk_scaling_factor": 0.25}  '
    "(maxPrefillTokens 66000)",
    good='{"enable_init_routing_cutoff": true, "topk_scaling_factor": 0.5}',
    fix=Text(
        "Raise topk_scaling_factor or lower maxPrefillTokens if the dropped share matters.",
        "如丢弃比例不可接受，调高 topk_scaling_factor 或调低 maxPrefillTokens。",
    ),
)
def cutoff_truncates_rows(subject: Subject) -> Iterator[Hit]:
    for target in cost_targets(subject):
        deployment = target.deployment
        if target.level != 1 or not deployment.cutoff or deployment.moe_ep <= 1:
            continue
        tokens = target.estimate.routed.tokens_per_device
        top_k = deployment.facts.num_experts_per_tok
        kept = cutoff_rows(tokens, top_k, deployment.topk_factor)
        dropped = 1 - kept / (tokens * top_k)
        if dropped <= 0:
            continue
        block = subject.ep_block(target.entry)
        pointer = block.at("topk_scaling_factor") if block else target.entry.pointer
        yield Hit(
            pointer,
            Text(
                "with {tokens:,} tokens per device in one prefill, the cutoff keeps {kept:,} of "
                "{rows:,} routed rows and drops {share:.0%} (an estimate from the mean load)",
                "单次 prefill 每卡 {tokens:,} 个 token 时，截断只保留 {rows:,} 行中的 {kept:,} 行，"
                "丢弃 {share:.0%}（按平均负载估算）",
            ).format(tokens=tokens, kept=kept, rows=tokens * top_k, share=dropped),
            Text(
                "Accept the loss knowingly, or raise topk_scaling_factor toward 1.0.",
                "确认可以接受该损失，或将 topk_scaling_factor 调高至接近 1.0。",
            ),
        )
