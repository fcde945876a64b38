"""Output of `epcheck simulate`: rich tables side by side per EP level, or one JSON document."""

from __future__ import annotations

import json
from typing import Any, TextIO

from rich.table import Table

from mindie_epcheck.cost.deployment import GIB, MIB
from mindie_epcheck.cost.memory import tokens_in_ep_group
from mindie_epcheck.cost.simulation import LengthResult, LevelResult, SimulationResult
from mindie_epcheck.i18n import Lang, Text
from mindie_epcheck.report.text import make_console

T = {
    "title": Text(
        "Estimated cost per device of {model} {quant} on {nodes} x {hardware} "
        "(W = {world}, tp {tp}, dp {dp}, cp {cp}, moe_ep {moe_ep}, moe_tp {moe_tp}); estimates",
        "{model} {quant} 在 {nodes} x {hardware} 上的每卡开销估算（W = {world}，tp {tp}，dp {dp}，"
        "cp {cp}，moe_ep {moe_ep}，moe_tp {moe_tp}）；以下均为估算值",
    ),
    "item": Text("item", "项目"),
    "level": Text("ep_level {level}", "ep_level {level}"),
    "weights": Text("weights: {part}", "权重：{part}"),
    "routed_buffer": Text("routed hidden buffer", "路由 hidden 缓冲"),
    "gathered": Text("gathered + reduced hidden states", "AllGather 与归约的 hidden states"),
    "activations": Text("MoE activations (peak share)", "MoE 激活（峰值估算）"),
    "hccl": Text("HCCL buffers", "HCCL 缓冲"),
    "used": Text("total used", "合计占用"),
    "capacity": Text(
        "available (HBM x NPU_MEMORY_FRACTION - runtime)",
        "可用（HBM x NPU_MEMORY_FRACTION - 运行时）",
    ),
    "kv_free": Text("left for KV cache", "剩余可用于 KV cache"),
    "kv_tokens": Text("KV cache tokens", "KV cache 可容纳 token 数"),
    "rows": Text("routed rows per device", "每卡路由行数"),
    "comm_bytes": Text(
        "sent per MoE layer (intra / inter node)", "每个 MoE 层发送量（节点内 / 跨节点）"
    ),
    "comm_time": Text(
        "communication per MoE layer / per forward", "通信耗时：每个 MoE 层 / 每次前向"
    ),
    "blocked": Text("not runnable", "无法运行"),
    "dispatch_title": Text(
        "Dispatch simulation ({mode} mode, {trials} trials, skew {skew}, seed {seed}); estimates",
        "分发仿真（{mode} 模式，{trials} 次试验，负载分布 {skew}，种子 {seed}）；以下均为估算值",
    ),
    "tokens": Text("tokens per forward (EP group)", "每次前向 token 数（EP 组）"),
    "gamma": Text("gamma median / p99 (max / mean rows)", "gamma 中位数 / p99（最大 / 平均行数）"),
    "coefficient": Text("level 2 coefficient c", "ep_level 2 系数 c"),
    "buffer": Text("level 2 buffer rows", "ep_level 2 buffer 行数"),
    "overflow": Text(
        "level 2 overflow probability (95% CI)", "ep_level 2 溢出概率（95% 置信区间）"
    ),
    "truncated": Text("level 1 cutoff: rows truncated", "ep_level 1 截断：被截断行比例"),
    "recommended": Text(
        "alltoall_ep_buffer_scale_factors keeping overflow under {target:g} (paste into "
        "models.deepseekv2):",
        "使溢出概率低于 {target:g} 的 alltoall_ep_buffer_scale_factors（可粘贴到 models.deepseekv2）：",
    ),
    "skipped": Text("dispatch simulation skipped: {reason}", "未进行分发仿真：{reason}"),
}


def gib(value: float) -> str:
    return f"{value / GIB:,.2f} GiB"


def seconds(value: float) -> str:
    return f"{value * 1e3:,.2f} ms"


def _memory_rows(levels: list[LevelResult], lang: Lang) -> list[list[str]]:
    components = list(levels[0].memory.weights)
    rows = [
        [T["weights"].get(lang).format(part=part)]
        + [gib(level.memory.weights[part]) for level in levels]
        for part in components
    ]
    rows += [
        [T["rows"].get(lang)] + [f"{level.memory.routed.rows:,}" for level in levels],
        [T["routed_buffer"].get(lang)] + [gib(level.memory.routed_buffer) for level in levels],
        [T["gathered"].get(lang)] + [gib(level.memory.gathered_hidden) for level in levels],
        [T["activations"].get(lang)] + [gib(level.memory.activations) for level in levels],
        [T["hccl"].get(lang)] + [gib(level.memory.hccl) for level in levels],
        [T["used"].get(lang)] + [gib(level.memory.used) for level in levels],
        [T["capacity"].get(lang)] + [gib(level.memory.capacity) for level in levels],
        [T["kv_free"].get(lang)] + [gib(level.memory.kv_cache_free) for level in levels],
        [T["kv_tokens"].get(lang)] + [f"{level.memory.kv_cache_tokens:,}" for level in levels],
    ]
    return rows


def _comm_rows(levels: list[LevelResult], lang: Lang) -> list[list[str]]:
    return [
        [T["comm_bytes"].get(lang)]
        + [
            f"{level.comm.sent_intra / MIB:,.1f} / {level.comm.sent_inter / MIB:,.1f} MiB"
            for level in levels
        ],
        [T["comm_time"].get(lang)]
        + [
            f"{seconds(level.comm.seconds_per_moe_layer)} / "
            f"{seconds(level.comm.seconds_per_forward)}"
            for level in levels
        ],
    ]


def _title(result: SimulationResult, lang: Lang) -> str:
    deployment = result.deployment
    return (
        T["title"]
        .get(lang)
        .format(
            model=deployment.facts.name,
            quant=deployment.quantization,
            nodes=deployment.nodes,
            hardware=deployment.hardware.key,
            world=deployment.world,
            tp=deployment.tp,
            dp=deployment.dp,
            cp=deployment.cp,
            moe_ep=deployment.moe_ep,
            moe_tp=deployment.moe_tp,
        )
    )


def _dispatch_table(result: SimulationResult, lang: Lang) -> Table:
    options = result.options
    table = Table(
        title=T["dispatch_title"]
        .get(lang)
        .format(mode=options.mode, trials=options.trials, skew=options.skew, seed=options.seed),
        title_justify="left",
    )
    for key in ("tokens", "gamma", "coefficient", "buffer", "overflow", "truncated"):
        table.add_column(T[key].get(lang), justify="right")
    level2 = {
        item.tokens: item for level in result.levels if level.level == 2 for item in level.dispatch
    }
    level1 = {
        item.tokens: item for level in result.levels if level.level == 1 for item in level.dispatch
    }
    for tokens in sorted(set(level1) | set(level2)):
        first = level2.get(tokens) or level1[tokens]
        table.add_row(*_dispatch_cells(tokens, first, level2.get(tokens), level1.get(tokens)))
    return table


def _dispatch_cells(
    tokens: int, first: LengthResult, two: LengthResult | None, one: LengthResult | None
) -> list[str]:
    overflow = "-"
    if two is not None and two.overflow is not None:
        p, low, high = two.overflow
        overflow = f"{p:.2e} ({low:.1e}-{high:.1e})"
    truncated = "-"
    if one is not None and one.truncated_fraction is not None:
        truncated = f"{one.truncated_fraction:.2%}"
    return [
        f"{tokens:,}",
        f"{first.gamma_median:.3f} / {first.gamma_p99:.3f}",
        f"{two.coefficient:g}" if two and two.coefficient is not None else "-",
        f"{two.buffer_rows:,}" if two and two.buffer_rows is not None else "-",
        overflow,
        truncated,
    ]


def render_table(result: SimulationResult, lang: Lang, stream: TextIO) -> None:
    console = make_console(stream)
    table = Table(title=_title(result, lang), title_justify="left")
    table.add_column(T["item"].get(lang))
    for level in result.levels:
        table.add_column(T["level"].get(lang).format(level=level.level), justify="right")
    for row in _memory_rows(result.levels, lang) + _comm_rows(result.levels, lang):
        table.add_row(*row)
    if any(level.blocked for level in result.levels):
        table.add_row(T["blocked"].get(lang), *[level.blocked or "" for level in result.levels])
    console.print(table)
    if result.dispatch_skipped:
        console.print(T["skipped"].get(lang).format(reason=result.dispatch_skipped))
    elif any(level.dispatch for level in result.levels):
        console.print(_dispatch_table(result, lang))
    if result.recommended:
        console.print(T["recommended"].get(lang).format(target=result.options.target))
        console.print(json.dumps(result.recommended), markup=False)


def level_record(level: LevelResult, own_tokens: int) -> dict[str, Any]:
    memory = level.memory
    own = next((item for item in level.dispatch if item.tokens == own_tokens), None)
    return {
        "ep_level": level.level,
        "runnable": level.blocked is None,
        "blocked_reason": level.blocked,
        "hbm_bytes": {
            "weights": memory.weights_total,
            "weights_by_component": memory.weights,
            "routed_buffer": memory.routed_buffer,
            "gathered_hidden": memory.gathered_hidden,
            "activations": memory.activations,
            "moe_activation_upper_bound": memory.moe_activation_upper_bound,
            "hccl": memory.hccl,
            "total": memory.used,
            "capacity": memory.capacity,
            "kv_cache_free": memory.kv_cache_free,
        },
        "kv_cache_tokens": memory.kv_cache_tokens,
        "kv_cache_bytes_per_token": memory.kv_bytes_per_token,
        "routed_rows": memory.routed.rows,
        "tokens_per_device": memory.routed.tokens_per_device,
        "coefficient": memory.routed.coefficient,
        "coefficient_range": memory.routed.coefficient_range,
        "comm": {
            "tokens": level.comm.tokens,
            "bytes_per_moe_layer": level.comm.bytes_per_moe_layer,
            "sent_intra_node_bytes": level.comm.sent_intra,
            "sent_inter_node_bytes": level.comm.sent_inter,
            "received_intra_node_bytes": level.comm.received_intra,
            "received_inter_node_bytes": level.comm.received_inter,
            "seconds_per_moe_layer": level.comm.seconds_per_moe_layer,
            "seconds_per_forward": level.comm.seconds_per_forward,
            "imbalance": level.comm.imbalance,
        },
        "dispatch": {
            "tokens": own.tokens if own else None,
            "gamma_median": own.gamma_median if own else None,
            "gamma_p99": own.gamma_p99 if own else None,
            "overflow_probability": own.overflow[0] if own and own.overflow else None,
            "overflow_ci95": list(own.overflow[1:]) if own and own.overflow else None,
            "truncated_fraction": own.truncated_fraction if own else None,
            "by_length": [
                {
                    "tokens": item.tokens,
                    "gamma_median": item.gamma_median,
                    "gamma_p99": item.gamma_p99,
                    "coefficient": item.coefficient,
                    "buffer_rows": item.buffer_rows,
                    "overflow_probability": item.overflow[0] if item.overflow else None,
                    "overflow_ci95": list(item.overflow[1:]) if item.overflow else None,
                    "truncated_fraction": item.truncated_fraction,
                }
                for item in level.dispatch
            ],
        },
    }


def render_json(results: list[SimulationResult], stream: TextIO) -> None:
    documents = []
    for result in results:
        deployment = result.deployment
        own = tokens_in_ep_group(deployment)
        documents.append(
            {
                "entry": result.pointer,
                "estimate": True,
                "levels": [level_record(level, own) for level in result.levels],
                "recommended_buffer_scale_factors": result.recommended,
                "dispatch_skipped": result.dispatch_skipped,
                "assumptions": assumptions_record(result),
            }
        )
    document: dict[str, Any] = documents[0] if len(documents) == 1 else {"entries": documents}
    json.dump(document, stream, ensure_ascii=False, indent=2)
    stream.write("\n")


def assumptions_record(result: SimulationResult) -> dict[str, Any]:
    deployment = result.deployment
    options = result.options
    return {
        "model": deployment.facts.name,
        "model_source": deployment.facts.source.name.lower(),
        "quantization": deployment.quantization,
        "hardware": deployment.hardware.key,
        "hbm_bytes_per_device": deployment.hardware.hbm_bytes.value,
        "npu_memory_fraction": deployment.memory_fraction,
        "npu_memory_fraction_given": deployment.memory_fraction_given,
        "nodes": deployment.nodes,
        "world_size": deployment.world,
        "tokens_per_forward": tokens_in_ep_group(deployment),
        "mode": options.mode,
        "trials": options.trials,
        "skew": options.skew,
        "seed": options.seed,
        "overflow_target": options.target,
    }
