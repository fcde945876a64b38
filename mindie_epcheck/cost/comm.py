"""Communication per MoE layer and per forward for each EP level (bytes, seconds).

Level 1 (AllGather EP): each device gathers the hidden states of its EP group and
reduce-scatters the results back. Level 2 (AllToAll EP): each device dispatches its tokens'
top-k rows to the ranks with the experts and gets the results back. Only the share bound for
other devices leaves the device, and only the share bound for other nodes crosses the NIC.
Times follow an alpha-beta model, t = steps * alpha + bytes / beta, per link class, with
intra- and inter-node transfers overlapping. Every figure is an estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mindie_epcheck.cost.deployment import Deployment, constants
from mindie_epcheck.cost.memory import tokens_in_ep_group


@dataclass(frozen=True, slots=True)
class CommEstimate:
    """Bytes one device sends and receives per MoE layer, split by link class."""

    ep_level: int
    tokens: int
    sent_intra: float
    sent_inter: float
    received_intra: float
    received_inter: float
    seconds_per_moe_layer: float
    seconds_per_forward: float
    imbalance: float

    @property
    def bytes_per_moe_layer(self) -> float:
        """The busier direction: what one device sends or receives, whichever is more."""
        return max(self.sent_intra + self.sent_inter, self.received_intra + self.received_inter)


def _nodes_spanned(deployment: Deployment) -> int:
    """Nodes an EP group covers: its ranks fill whole nodes before the next one."""
    return max(1, math.ceil(deployment.moe_ep / deployment.per_node))


def _time(deployment: Deployment, intra: float, inter: float, steps: int) -> float:
    """Alpha-beta time of one exchange; intra- and inter-node transfers overlap."""
    hardware = deployment.hardware
    intra_time = (
        steps * hardware.intra_node_latency.value + intra / hardware.intra_node_bandwidth.value
    )
    inter_time = 0.0
    if inter > 0:
        inter_time = (
            steps * hardware.inter_node_latency.value + inter / hardware.inter_node_bandwidth.value
        )
    return max(intra_time, inter_time)


def _estimate(
    deployment: Deployment,
    level: int,
    tokens: int,
    volumes: tuple[float, float],
    inter_share: float,
    imbalance: float,
) -> CommEstimate:
    sent, received = volumes
    steps = 2 * (deployment.moe_ep - 1)
    seconds = _time(
        deployment,
        max(sent, received) * (1 - inter_share),
        max(sent, received) * inter_share,
        steps,
    )
    return CommEstimate(
        level,
        tokens,
        sent * (1 - inter_share),
        sent * inter_share,
        received * (1 - inter_share),
        received * inter_share,
        seconds,
        seconds * deployment.moe_layers,
        imbalance,
    )


def level1(deployment: Deployment, tokens: int) -> CommEstimate:
    """AllGather in, reduce-scatter out: (P-1)/P x T x H bytes each way (ring, P-1 steps)."""
    sizes = constants()["bytes_per_activation"]
    ranks = deployment.moe_ep
    hidden = deployment.facts.hidden_size
    share = (ranks - 1) / ranks
    volume = share * tokens * hidden * (sizes["gather"] + sizes["reduce"])
    nodes = _nodes_spanned(deployment)
    # The hidden states of other nodes cross the network once per node and are shared over
    # HCCS, so each device's NIC carries T x (N-1)/N x H x b / G of them (G devices per node).
    remote = (nodes - 1) / nodes / deployment.per_node
    inter_share = min(1.0, remote / share) if ranks > 1 else 0.0
    return _estimate(deployment, 1, tokens, (volume, volume), inter_share, 1.0)


def dispatch_row_bytes(deployment: Deployment) -> float:
    sizes = constants()["bytes_per_activation"]
    hidden = deployment.facts.hidden_size
    if deployment.quantization in ("w8a8", "w4a8", "fp8"):
        return float(hidden * sizes["dispatch_quantized"] + 4)  # int8 row plus its fp32 scale
    return float(hidden * sizes["dispatch_bf16"])


def level2(deployment: Deployment, tokens: int, imbalance: float = 1.0) -> CommEstimate:
    """Dispatch and combine of T/P x k rows per device (pairwise exchange, P-1 steps).

    `imbalance` (gamma, max / mean received rows) scales what the busiest device receives
    in dispatch and sends back in combine.
    """
    sizes = constants()["bytes_per_activation"]
    ranks = deployment.moe_ep
    leaving = 1 - 1 / ranks
    rows = tokens / ranks * deployment.facts.num_experts_per_tok * leaving
    dispatch = rows * dispatch_row_bytes(deployment)
    combine = rows * deployment.facts.hidden_size * sizes["combine"]
    sent = dispatch + combine * imbalance
    received = dispatch * imbalance + combine
    crossing = max(0.0, 1 - deployment.per_node / ranks)
    inter_share = crossing / leaving if leaving > 0 else 0.0
    return _estimate(deployment, 2, tokens, (sent, received), inter_share, imbalance)


def estimate_comm(deployment: Deployment, level: int, imbalance: float = 1.0) -> CommEstimate:
    tokens = tokens_in_ep_group(deployment)
    if level == 1:
        return level1(deployment, tokens)
    return level2(deployment, tokens, imbalance)
