"""Per-device HBM estimate for one EP level (bytes).

The method: weights by component as MindIE places them, the routed hidden-state buffers of
the level, MoE activations, HCCL buffers, and what is left of NPU_MEMORY_FRACTION for the
KV cache. Every figure is an estimate; the constants and their sources are in
model/data/cost.json.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from mindie_epcheck.cost.deployment import MIB, Deployment, constants
from mindie_epcheck.cost.dispatch import buffer_rows, coefficient_for, cutoff_rows
from mindie_epcheck.model.facts import ModelFacts


def bytes_per_weight(quantization: str, component: str) -> float:
    table = constants()["bytes_per_weight"]
    row = table.get(quantization, table["bf16"])
    value = float(row[component])
    if quantization == "w4a8" and component == "routed":
        value *= 1 + constants()["w4a8_scale_overhead"]["value"]
    return value


def checkpoint_bytes(facts: ModelFacts, quantization: str) -> float:
    """Size of the whole checkpoint with its MTP modules, as published weights store it."""
    embedding = 2 * facts.embedding_params() * bytes_per_weight(quantization, "embedding")
    routed = facts.routed_expert_params_total(include_mtp=True)
    rest = facts.total_params(include_mtp=True) - routed - 2 * facts.embedding_params()
    return (
        embedding
        + routed * bytes_per_weight(quantization, "routed")
        + rest * bytes_per_weight(quantization, "attention")
    )


def weight_bytes(deployment: Deployment, level: int | None) -> dict[str, float]:
    """Weights on one device by component."""
    facts = deployment.facts
    quant = deployment.quantization
    attention_per_layer = (
        facts.attention_replicated_params_per_layer()
        + facts.attention_split_params_per_layer() / deployment.tp
    )
    shared_split = deployment.moe_ep if level == 2 else deployment.tp
    embedding = facts.embedding_params() / deployment.tp * bytes_per_weight(quant, "embedding")
    return {
        "attention": attention_per_layer * deployment.layers * bytes_per_weight(quant, "attention"),
        "dense_mlp": facts.first_k_dense_replace
        * facts.dense_mlp_params()
        / deployment.tp
        * bytes_per_weight(quant, "dense"),
        "routed_experts": deployment.moe_layers
        * deployment.experts_per_rank
        * facts.expert_params()
        / deployment.moe_tp
        * bytes_per_weight(quant, "routed"),
        "shared_experts": deployment.moe_layers
        * facts.shared_expert_params()
        / shared_split
        * bytes_per_weight(quant, "shared"),
        "gate": deployment.moe_layers * facts.gate_params() * bytes_per_weight(quant, "embedding"),
        "embedding": embedding,
        "lm_head": embedding,
    }


def tokens_in_ep_group(deployment: Deployment) -> int:
    """Tokens that meet in one EP group in one forward: prefill or decode, whichever is more."""
    dp_in_group = max(1, deployment.dp * deployment.moe_ep // deployment.world)
    prefill = deployment.max_prefill_tokens
    decode = deployment.max_batch_size * (1 + deployment.speculative_tokens)
    return dp_in_group * max(prefill, decode)


@dataclass(frozen=True, slots=True)
class RoutedRows:
    rows: int
    tokens_per_device: int
    coefficient: float | None = None
    coefficient_range: tuple[float, float] | None = None


def routed_rows(deployment: Deployment, level: int) -> RoutedRows:
    top_k = deployment.facts.num_experts_per_tok
    group_tokens = tokens_in_ep_group(deployment)
    if level == 1:
        if deployment.cutoff:
            return RoutedRows(
                cutoff_rows(group_tokens, top_k, deployment.topk_factor), group_tokens
            )
        return RoutedRows(group_tokens * top_k, group_tokens)
    per_rank = math.ceil(group_tokens / deployment.moe_ep)
    factors = deployment.buffer_factors or constants()["default_buffer_scale_factors"]["value"]
    coefficient = coefficient_for(per_rank, factors, deployment.moe_ep)
    # The service path compares rows x dp instead of tokens per rank (DP_MOVE_UP_ENABLE=1).
    other = coefficient_for(per_rank * top_k * deployment.dp, factors, deployment.moe_ep)
    rows = buffer_rows(per_rank, top_k, coefficient, deployment.moe_ep)
    low, high = sorted((coefficient, other))
    return RoutedRows(rows, per_rank, coefficient, (low, high))


def activation_row_bytes(deployment: Deployment) -> tuple[float, float]:
    """Bytes per routed row: (sorted input and its scale, FFN intermediates and output)."""
    facts = deployment.facts
    hidden = facts.hidden_size
    width = facts.moe_intermediate_size / deployment.moe_tp
    input_bytes = 1 if deployment.quantization in ("w8a8", "w4a8", "fp8") else 2
    sorted_input = hidden * input_bytes + 4
    intermediates = 2 * width * 2 + width + hidden * 2
    return sorted_input, intermediates


def hccl_bytes(deployment: Deployment, level: int | None) -> float:
    """HCCL buffers: two (send and receive) per communicator with more than one member."""
    sizes = constants()["hccl_buffer_mb"]
    facts = deployment.facts
    moe_ep_mb = float(sizes["moe_ep"])
    if level == 2:
        experts = facts.n_routed_experts + deployment.redundant_experts
        per_rank_batch = math.ceil(deployment.max_batch_size / deployment.world)
        raised = math.ceil(per_rank_batch * facts.hidden_size * experts * 4 / 2**20) + 1
        moe_ep_mb = max(moe_ep_mb, raised)
    groups = [
        (deployment.tp, float(sizes["generic"])),
        (deployment.moe_ep, moe_ep_mb),
        (deployment.moe_tp, float(sizes["moe_tp"])),
        (deployment.dp, float(deployment.hccl_buffsize_mb)),
        (deployment.cp, float(deployment.hccl_buffsize_mb)),
        (deployment.world, float(deployment.hccl_buffsize_mb)),
    ]
    return sum(2 * megabytes * MIB for members, megabytes in groups if members > 1)


def kv_bytes_per_token(deployment: Deployment) -> float:
    """MLA cache per sequence token on one device: (kv_lora + qk_rope) bf16 values per layer.

    Attention TP does not split it (every TP rank keeps the latent); context parallelism does.
    """
    facts = deployment.facts
    per_layer = (facts.kv_lora_rank + facts.qk_rope_head_dim) * 2
    return deployment.layers * per_layer / deployment.cp


@dataclass(frozen=True, slots=True)
class MemoryEstimate:
    ep_level: int
    weights: dict[str, float]
    routed: RoutedRows
    routed_buffer: float
    gathered_hidden: float
    activations: float
    moe_activation_upper_bound: float
    hccl: float
    capacity: float
    kv_bytes_per_token: float
    notes: list[str] = field(default_factory=list)

    @property
    def weights_total(self) -> float:
        return sum(self.weights.values())

    @property
    def used(self) -> float:
        return (
            self.weights_total
            + self.routed_buffer
            + self.gathered_hidden
            + self.activations
            + self.hccl
        )

    @property
    def kv_cache_free(self) -> float:
        return self.capacity - self.used

    @property
    def kv_cache_tokens(self) -> int:
        return max(0, int(self.kv_cache_free / self.kv_bytes_per_token))


def estimate_memory(deployment: Deployment, level: int) -> MemoryEstimate:
    hidden = deployment.facts.hidden_size
    routed = routed_rows(deployment, level)
    input_bytes, intermediate_bytes = activation_row_bytes(deployment)
    fraction = constants()["activation_peak_fraction"]["value"]
    gathered = 2 * routed.tokens_per_device * hidden * 2 if level == 1 else 0.0
    capacity = (
        deployment.hardware.hbm_bytes.value * deployment.memory_fraction
        - constants()["idle_bytes"]["value"]
    )
    return MemoryEstimate(
        ep_level=level,
        weights=weight_bytes(deployment, level),
        routed=routed,
        routed_buffer=routed.rows * input_bytes,
        gathered_hidden=gathered,
        activations=routed.rows * intermediate_bytes * fraction,
        moe_activation_upper_bound=routed.rows * (input_bytes + intermediate_bytes),
        hccl=hccl_bytes(deployment, level),
        capacity=capacity,
        kv_bytes_per_token=kv_bytes_per_token(deployment),
    )
