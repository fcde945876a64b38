"""`epcheck simulate`: memory, communication and dispatch estimates for each EP level."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from mindie_epcheck.cost.comm import CommEstimate, estimate_comm
from mindie_epcheck.cost.deployment import Deployment, constants
from mindie_epcheck.cost.dispatch import (
    DispatchStats,
    Routing,
    buffer_rows,
    coefficient_for,
    cutoff_rows,
    recommend_factors,
    simulate_exact,
    simulate_fast,
)
from mindie_epcheck.cost.memory import MemoryEstimate, estimate_memory, tokens_in_ep_group
from mindie_epcheck.cost.skew_spec import parse_skew

DEFAULT_LENGTHS = (128, 1024, 8192, 65536)
# Bounds the recommendation's sampling (2 / target trials) so a tiny --target cannot
# exhaust memory; 200,000 trials resolve overflow probabilities down to about 1e-5.
MAX_RECOMMEND_TRIALS = 200_000
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class SimulationOptions:
    levels: tuple[int, ...] = (1, 2)
    lengths: tuple[int, ...] = ()
    skew: str = "uniform"
    trials: int = 2000
    seed: int = 0
    mode: str = "fast"
    target: float = 1e-3
    recommend: bool = True


@dataclass(frozen=True, slots=True)
class LengthResult:
    """Dispatch at one length: tokens routed by the EP group in one forward."""

    tokens: int
    gamma_median: float
    gamma_p99: float
    buffer_rows: int | None = None
    coefficient: float | None = None
    overflow: tuple[float, float, float] | None = None
    truncated_fraction: float | None = None


@dataclass(frozen=True, slots=True)
class LevelResult:
    level: int
    memory: MemoryEstimate
    comm: CommEstimate
    dispatch: list[LengthResult]
    # Why MindIE would not run this level with this config, if it would not.
    blocked: str | None = None


@dataclass(slots=True)
class SimulationResult:
    deployment: Deployment
    pointer: str
    options: SimulationOptions
    levels: list[LevelResult] = field(default_factory=list)
    recommended: list[list[float]] | None = None
    dispatch_skipped: str | None = None


def lengths_for(deployment: Deployment, options: SimulationOptions) -> list[int]:
    if options.lengths:
        return sorted(set(options.lengths))
    return sorted({*DEFAULT_LENGTHS, tokens_in_ep_group(deployment)})


def blocked_reason(deployment: Deployment, level: int) -> str | None:
    if deployment.moe_ep <= 1:
        # Without EP MindIE runs the MoE layers as level 1 does (experts split by moe_tp).
        return None if level == 1 else "ep_level 2 needs moe_ep > 1; the config has moe_ep 1"
    if level == 2 and deployment.moe_tp != 1:
        return f"ep_level 2 needs moe_tp 1, the config has moe_tp {deployment.moe_tp}"
    return None


def _routing(deployment: Deployment) -> Routing:
    facts = deployment.facts
    return Routing(
        experts=facts.n_routed_experts,
        top_k=facts.num_experts_per_tok,
        n_group=facts.n_group,
        topk_group=facts.topk_group,
        ranks=deployment.moe_ep,
        redundant=deployment.redundant_experts // deployment.moe_ep,
    )


def _length_result(
    deployment: Deployment, level: int, tokens: int, stats: DispatchStats
) -> LengthResult:
    top_k = deployment.facts.num_experts_per_tok
    ranks = deployment.moe_ep
    median, p99 = stats.gamma_median, stats.gamma_p99
    if level == 2:
        per_rank = max(1, tokens // ranks)
        factors = deployment.buffer_factors or constants()["default_buffer_scale_factors"]["value"]
        coefficient = coefficient_for(per_rank, factors, ranks)
        rows = buffer_rows(per_rank, top_k, coefficient, ranks)
        overflow = stats.overflow_probability(rows)
        return LengthResult(tokens, median, p99, rows, coefficient, overflow)
    if deployment.cutoff:
        # Every device gathers all T tokens and the cutoff keeps this many routed rows. The
        # rows of the device's own experts come first, so only they can overflow the budget.
        budget = cutoff_rows(tokens, top_k, deployment.topk_factor)
        return LengthResult(
            tokens,
            median,
            p99,
            budget,
            None,
            stats.overflow_probability(budget),
            stats.truncated_fraction(budget),
        )
    return LengthResult(tokens, median, p99)


def simulate(
    deployment: Deployment,
    pointer: str,
    options: SimulationOptions,
    progress: Progress | None = None,
) -> SimulationResult:
    """Estimate each requested level; dispatch statistics come from the simulator."""
    result = SimulationResult(deployment, pointer, options)
    lengths = lengths_for(deployment, options)
    stats_by_length = _dispatch(deployment, options, lengths, result, progress)
    own_tokens = tokens_in_ep_group(deployment)
    for level in options.levels:
        dispatch = [
            _length_result(deployment, level, tokens, stats_by_length[tokens])
            for tokens in lengths
            if tokens in stats_by_length
        ]
        imbalance = next((item.gamma_p99 for item in dispatch if item.tokens == own_tokens), 1.0)
        result.levels.append(
            LevelResult(
                level,
                estimate_memory(deployment, level),
                estimate_comm(deployment, level, imbalance if level == 2 else 1.0),
                dispatch,
                blocked_reason(deployment, level),
            )
        )
    if options.recommend and not result.dispatch_skipped and deployment.moe_ep > 1:
        result.recommended = _recommend(deployment, options)
    return result


def _dispatch(
    deployment: Deployment,
    options: SimulationOptions,
    lengths: list[int],
    result: SimulationResult,
    progress: Progress | None,
) -> dict[int, DispatchStats]:
    if deployment.moe_ep <= 1:
        result.dispatch_skipped = "moe_ep is 1"
        return {}
    if deployment.facts.n_routed_experts % deployment.moe_ep:
        result.dispatch_skipped = (
            f"{deployment.facts.n_routed_experts} experts do not divide over moe_ep "
            f"{deployment.moe_ep}"
        )
        return {}
    routing = _routing(deployment)
    skew = parse_skew(options.skew, experts=routing.experts)
    run = simulate_exact if options.mode == "exact" else simulate_fast
    stats: dict[int, DispatchStats] = {}
    for index, tokens in enumerate(lengths):
        stats[tokens] = run(routing, skew, tokens, options.trials, options.seed)
        if progress is not None:
            progress(index + 1, len(lengths))
    return stats


def _recommend(deployment: Deployment, options: SimulationOptions) -> list[list[float]]:
    routing = _routing(deployment)
    thresholds = [int(pair[0]) for pair in constants()["default_buffer_scale_factors"]["value"]]
    # Lengths below the smallest threshold use the [0, c] entry, so c must cover the shortest
    # batch the deployment runs: one decode step of the EP group, spread over its ranks.
    dp_in_group = max(1, deployment.dp * deployment.moe_ep // deployment.world)
    decode = deployment.max_batch_size * (1 + deployment.speculative_tokens) * dp_in_group
    shortest = max(1, decode // deployment.moe_ep)
    return recommend_factors(
        routing,
        parse_skew(options.skew, experts=routing.experts),
        thresholds,
        target=options.target,
        trials=min(max(options.trials, int(2 / options.target)), MAX_RECOMMEND_TRIALS),
        seed=options.seed,
        zero_threshold_length=shortest,
    )
