"""Dispatch simulator: how many rows each EP rank receives, and what buffer that needs.

Tokens, everywhere in this module, are the tokens routed by the whole EP group in one forward
(for example one prefill batch), so each of the P = moe_ep ranks receives tokens * top_k / P
rows on average. This reading reproduces the published imbalance figures for DeepSeek-V3 at
P = 16 with uniform popularity: gamma = max / mean rows has median / p99 1.08 / 1.16 at 1,024
tokens, 1.01 / 1.02 at 65,536 tokens, and about 1.3 / 1.5 with Dirichlet(4) popularity at
1,024 tokens. Reading tokens as tokens per rank would give 16 times the rows and a median
imbalance near 1.02 at 1,024 tokens.

Routing model: expert e scores log q_e + Gumbel noise, so a token takes the Gumbel-top-k of
log q, with DeepSeek's group limit (group score = sum of the top-2 expert scores in the group,
keep `topk_group` groups, then the top-k experts inside them). q is uniform, drawn from a
Dirichlet distribution per trial, or a measured histogram.

- `simulate_exact` samples this law exactly: for uniform q in time independent of the token
  count, otherwise token by token (see dispatch_exact).
- `simulate_fast` draws rows from aggregated probabilities with over-dispersion factors
  derived from the exact law (see dispatch_fast). `epcheck validate` uses it.

numpy is imported inside functions only: importing this module does not load it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from mindie_epcheck.cost.dispatch_types import (
    DispatchStats,
    Routing,
    Skew,
    wilson_interval,
)

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "DEFAULT_EXACT_TRIALS",
    "DEFAULT_FAST_TRIALS",
    "DEFAULT_THRESHOLDS",
    "ZERO_THRESHOLD_LENGTH",
    "DispatchStats",
    "Routing",
    "Skew",
    "buffer_rows",
    "coefficient_for",
    "cutoff_rows",
    "recommend_factors",
    "simulate_exact",
    "simulate_fast",
    "wilson_interval",
]

DEFAULT_FAST_TRIALS = 4000
DEFAULT_EXACT_TRIALS = 2000
# Thresholds of MindIE's default alltoall_ep_buffer_scale_factors (service config generator,
# MindIE 3.0), in tokens per rank.
DEFAULT_THRESHOLDS = (1048576, 524288, 262144, 131072, 32768, 8192, 0)
# Tokens per rank simulated for the last, [0, c] entry. Shorter batches than this need a
# larger coefficient (up to moe_ep for a single token), so the entry is sized for batches of
# about this length and up.
ZERO_THRESHOLD_LENGTH = 1024


def ceil_to_multiple(value: int, multiple: int) -> int:
    """Round `value` up to a multiple of `multiple`."""
    return -(-value // multiple) * multiple


def buffer_rows(tokens_per_rank: int, top_k: int, coefficient: float, moe_ep: int) -> int:
    """Return the AllToAll receive buffer rows MindIE allocates per rank (ep_level 2).

    rows = ceil_to_multiple(int(tokens_per_rank * top_k * coefficient), moe_ep), evaluated
    in MindIE's order, so float rounding matches.
    """
    return ceil_to_multiple(int(tokens_per_rank * top_k * coefficient), moe_ep)


def coefficient_for(length: int, factors: Sequence[Sequence[float]], moe_ep: int) -> float:
    """Return the coefficient MindIE takes from `alltoall_ep_buffer_scale_factors`.

    The first [threshold, coefficient] entry in list order with length >= threshold wins.
    When none matches, MindIE silently uses moe_ep.
    """
    for index, entry in enumerate(factors):
        if len(entry) != 2:
            raise ValueError(
                f"alltoall_ep_buffer_scale_factors entry {index} is {list(entry)!r}: "
                "expected [threshold, coefficient]"
            )
        threshold, coefficient = entry
        if length >= threshold:
            return float(coefficient)
    return float(moe_ep)


def cutoff_rows(tokens: int, top_k: int, factor: float) -> int:
    """Return the routed rows kept with enable_init_routing_cutoff (ep_level 1).

    With scaled_topk = int(top_k * factor) and T tokens on the device, the rows are
    min(T * top_k, max(T * scaled_topk, 65536 * scaled_topk)).
    """
    scaled_topk = int(top_k * factor)
    return min(tokens * top_k, max(tokens * scaled_topk, 65536 * scaled_topk))


def simulate_exact(
    routing: Routing,
    skew: Skew,
    tokens: int,
    trials: int = DEFAULT_EXACT_TRIALS,
    seed: int = 0,
    *,
    per_token: bool = False,
) -> DispatchStats:
    """Sample the rows per rank exactly from the Gumbel-top-k routing law.

    Uniform popularity uses the aggregated sampler, whose cost does not depend on `tokens`.
    Dirichlet and histogram popularity, or `per_token=True`, route every token.
    NOTE: the per-token path costs about 3 us per token on a 2-core AMD EPYC VM (numpy 2.4),
    so 2,000 trials of 65,536 tokens take several minutes. Use simulate_fast for long
    sequences with skew.
    """
    import numpy as np

    from mindie_epcheck.cost.dispatch_exact import sample_per_token, sample_uniform

    _check_run(routing, skew, tokens, trials)
    rng = np.random.default_rng(seed)
    rows: NDArray[np.int64]
    if skew.kind == "uniform" and not per_token:
        rows = sample_uniform(routing, tokens, trials, rng)
    else:
        rows = sample_per_token(routing, _popularity(routing, skew, trials, rng), tokens, rng)
    return DispatchStats(routing, skew, tokens, "exact", rows.astype(np.float64))


def simulate_fast(
    routing: Routing,
    skew: Skew,
    tokens: int,
    trials: int = DEFAULT_FAST_TRIALS,
    seed: int = 0,
) -> DispatchStats:
    """Draw the rows per rank from the fast aggregated model (see dispatch_fast)."""
    import numpy as np

    from mindie_epcheck.cost.dispatch_fast import sample_fast

    _check_run(routing, skew, tokens, trials)
    rng = np.random.default_rng(seed)
    rows = sample_fast(routing, skew, tokens, trials, rng)
    return DispatchStats(routing, skew, tokens, "fast", rows)


def recommend_factors(
    routing: Routing,
    skew: Skew,
    thresholds: Sequence[int] = DEFAULT_THRESHOLDS,
    target: float = 1e-3,
    trials: int = 20_000,
    seed: int = 0,
    *,
    mode: Literal["fast", "exact"] = "fast",
    zero_threshold_length: int = ZERO_THRESHOLD_LENGTH,
) -> list[list[float]]:
    """Recommend an `alltoall_ep_buffer_scale_factors` value, ready to paste as JSON.

    Thresholds are tokens per rank, the length MindIE's model code compares. Each entry's
    coefficient is the smallest c, rounded up to 0.01 and at least 1.0, whose buffer
    overflows in fewer than `target` of the trials at the threshold length, the shortest
    (most imbalanced) length the entry covers. The [0, c] entry is sized at
    `zero_threshold_length` tokens per rank. The result is strictly descending by threshold,
    ends with [0, c], and its coefficients never grow with the threshold.
    """
    if not 0 < target < 1:
        raise ValueError(f"target overflow probability must be in (0, 1), got {target}")
    if trials * target < 1:
        raise ValueError(
            f"{trials} trials cannot resolve an overflow probability of {target}: "
            f"use at least {math.ceil(1 / target)} trials"
        )
    if any(threshold < 0 for threshold in thresholds):
        raise ValueError(f"thresholds must be >= 0, got {list(thresholds)}")
    if zero_threshold_length < 1:
        raise ValueError(f"zero_threshold_length must be >= 1, got {zero_threshold_length}")
    ordered = sorted({int(threshold) for threshold in thresholds} | {0}, reverse=True)

    run = simulate_exact if mode == "exact" else simulate_fast
    table: list[list[float]] = []
    floor = 1.0
    for threshold in ordered:
        per_rank = threshold if threshold > 0 else zero_threshold_length
        stats = run(routing, skew, per_rank * routing.ranks, trials, seed)
        coefficient = max(floor, _smallest_coefficient(stats, per_rank, target))
        floor = coefficient  # shorter lengths never get a smaller coefficient
        table.append([threshold, coefficient])
    return table


def _smallest_coefficient(stats: DispatchStats, tokens_per_rank: int, target: float) -> float:
    """Smallest c on a 0.01 grid with P(max rows > buffer_rows(c)) < target."""
    import numpy as np

    routing = stats.routing
    # Allow at most `allowed` overflowing trials: allowed / trials < target.
    allowed = math.ceil(target * stats.trials) - 1
    ordered = np.sort(stats.max_rows)[::-1]
    needed = math.ceil(float(ordered[allowed]))
    hundredths = math.ceil(100 * needed / (tokens_per_rank * routing.top_k))
    while hundredths > 100 and _rows_at(stats, tokens_per_rank, hundredths - 1) >= needed:
        hundredths -= 1
    while _rows_at(stats, tokens_per_rank, hundredths) < needed:
        hundredths += 1
    return hundredths / 100


def _rows_at(stats: DispatchStats, tokens_per_rank: int, hundredths: int) -> int:
    routing = stats.routing
    return buffer_rows(tokens_per_rank, routing.top_k, hundredths / 100, routing.ranks)


def _check_run(routing: Routing, skew: Skew, tokens: int, trials: int) -> None:
    if tokens < 1:
        raise ValueError(f"tokens must be >= 1, got {tokens}")
    if trials < 1:
        raise ValueError(f"trials must be >= 1, got {trials}")
    routing.check_placement()
    if skew.kind == "histogram" and skew.load is not None and len(skew.load) != routing.experts:
        raise ValueError(
            f"the load histogram has {len(skew.load)} entries, but the model has "
            f"{routing.experts} routed experts"
        )


def _popularity(
    routing: Routing, skew: Skew, trials: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Expert popularity q per trial, shape (trials, experts)."""
    import numpy as np

    if skew.kind == "dirichlet":
        assert skew.alpha is not None
        draws: NDArray[np.float64] = rng.gamma(skew.alpha, size=(trials, routing.experts))
        normalised: NDArray[np.float64] = draws / draws.sum(axis=1, keepdims=True)
        return normalised
    if skew.kind == "histogram":
        assert skew.load is not None
        load = np.asarray(skew.load, dtype=np.float64)
        repeated: NDArray[np.float64] = np.broadcast_to(load, (trials, routing.experts)).copy()
        return repeated
    return np.full((trials, routing.experts), 1.0 / routing.experts)
