"""Fast statistical dispatch: rows per rank from aggregated probabilities, not per token.

A token's picks per group, M_j, are what the group limit makes lumpy: DeepSeek-V3 tokens take
(3, 2, 2, 1) experts from four of eight groups far more often than eight independent picks
would. Summed over T tokens, the per-group totals have mean T * k * w_j and a covariance
T * Cov(M), which for uniform popularity is phi_group times that of T * k independent picks
(a multinomial). Inside a group, a token's m picks are without replacement, which shrinks the
variance of the split over ranks by psi = E[M (n - M)] / ((n - 1) E[M]). Fast mode draws the
group totals and the splits from multinomials and scales their deviations from the mean by
sqrt(phi_group) and sqrt(psi). Mean and covariance then match the exact law for uniform
popularity; skewness is the multinomial's.

Both factors follow from mu2 = E[sum_j M_j^2], the second moment of the composition law that
exact mode samples from. For uniform q, with G groups, group size n and k picks,
Var(M_j) = mu2 / G - (k / G)^2, so phi_group = Var(M_j) / ((k / G) (1 - 1 / G)) and
psi = (n k - mu2) / ((n - 1) k).

With skewed popularity, a hot group wins the top-2 group score more often than its mass
alone predicts, and a hot expert is picked at most once per token. Fast mode models both with
powers fitted against exact mode: group j's share of the picks is proportional to
Q_j ** beta_group (Q_j its popularity mass), and a rank piece's share inside its group to
size * (mass / size) ** beta_within. For uniform popularity both powers change nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mindie_epcheck.cost.dispatch_types import Routing, Skew

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class FastConstants:
    """Constants of the fast model for one router shape."""

    # E[sum over groups of M_j^2] per token, from exact mode's composition law (quadrature
    # error < 1e-12). Fast mode reads it here so that it need not run the quadrature.
    second_moment: float
    # Least-squares slopes of log(pick share) on log(popularity mass) through the origin,
    # fitted on exact per-token runs (200,000 tokens each, 7 popularity vectors: Dirichlet
    # alpha 2, 4, 8, 16 and log-normal sigma 0.3, 0.7, 1.0) at moe_ep 32.
    beta_group: float
    beta_within: float


# Keyed by (group size, n_group, topk_group, top_k). Recompute every value with
#   python bench/bench_dispatch.py --fit
FAST_CONSTANTS = {
    # DeepSeek-V3 / R1: 256 experts, top-8, 4 of 8 groups.
    (32, 8, 4, 8): FastConstants(18.86885240113456, 1.264, 0.940),
    # DeepSeek-V2: 160 experts, top-6, 3 of 8 groups.
    (20, 8, 3, 6): FastConstants(13.705789813035476, 1.353, 0.926),
}
# Powers for router shapes not in the table: the mean of the two fitted shapes.
# NOTE: not fitted for other shapes, such as routers without a group limit.
DEFAULT_BETA_GROUP = 1.31
DEFAULT_BETA_WITHIN = 0.93


def fast_constants(routing: Routing) -> FastConstants:
    """Return the table entry for the routing's shape, or constants derived on the spot."""
    key = (routing.group_size, routing.n_group, routing.topk_group, routing.top_k)
    if routing.group_limited and key in FAST_CONSTANTS:
        return FAST_CONSTANTS[key]
    return FastConstants(
        composition_second_moment(routing), DEFAULT_BETA_GROUP, DEFAULT_BETA_WITHIN
    )


def composition_second_moment(routing: Routing) -> float:
    """Return mu2 = E[sum over groups of M_j^2] from the composition law (no table)."""
    if not routing.group_limited:
        return float(routing.top_k**2)
    key = (routing.group_size, routing.n_group, routing.topk_group, routing.top_k)
    from mindie_epcheck.cost.dispatch_compositions import composition_law

    parts, probabilities = composition_law(*key)
    return math.fsum(
        probability * sum(part * part for part in composition)
        for composition, probability in zip(parts, probabilities, strict=True)
    )


def dispersion_factors(routing: Routing) -> tuple[float, float]:
    """Return (phi_group, psi) as defined in the module docstring."""
    top_k = routing.top_k
    second_moment = fast_constants(routing).second_moment
    if routing.group_limited:
        groups, size = routing.n_group, routing.group_size
        variance = second_moment / groups - (top_k / groups) ** 2
        phi_group = variance / ((top_k / groups) * (1 - 1 / groups))
    else:
        size = routing.experts
        phi_group = 1.0  # one group: its total is always T * k
    psi = (size * top_k - second_moment) / ((size - 1) * top_k) if size > 1 else 0.0
    return phi_group, psi


def sample_fast(
    routing: Routing, skew: Skew, tokens: int, trials: int, rng: np.random.Generator
) -> FloatArray:
    """Draw rows per rank, shape (trials, ranks), from the aggregated model."""
    import numpy as np

    pieces = routing.group_segments()
    groups = len(pieces)
    width = max(len(group) for group in pieces)
    sizes = np.zeros((groups, width))
    ranks = np.zeros((groups, width), dtype=np.int64)
    for index, group in enumerate(pieces):
        for column, (rank, size) in enumerate(group):
            sizes[index, column] = size
            ranks[index, column] = rank

    constants = fast_constants(routing)
    mass = _segment_mass(routing, skew, sizes, trials, rng)  # (trials or 1, groups, width)
    group_mass = mass.sum(axis=2)
    group_weight = group_mass**constants.beta_group
    group_share = group_weight / group_weight.sum(axis=1, keepdims=True)
    density = mass / np.where(sizes > 0, sizes, 1.0)
    piece_weight = sizes * density**constants.beta_within
    piece_total = piece_weight.sum(axis=2, keepdims=True)
    share = piece_weight / np.where(piece_total > 0, piece_total, 1.0)
    phi_group, psi = dispersion_factors(routing)
    rows_total = tokens * routing.top_k

    if groups == 1:
        group_rows = np.full((trials, 1), float(rows_total))
    else:
        mean = rows_total * group_share
        draws = rng.multinomial(rows_total, np.broadcast_to(group_share, (trials, groups)))
        group_rows = np.clip(mean + math.sqrt(phi_group) * (draws - mean), 0.0, None)

    share = np.broadcast_to(share, (trials, groups, width))
    if width == 1:
        segment_rows = group_rows[..., None]
    else:
        whole = np.floor(group_rows)
        draws = rng.multinomial(whole.astype(np.int64), share)
        segment_rows = group_rows[..., None] * share + math.sqrt(psi) * (
            draws - whole[..., None] * share
        )
        segment_rows = np.clip(segment_rows, 0.0, None)

    # Sum the pieces of each rank; padding pieces carry zero rows.
    assignment = np.zeros((groups * width, routing.ranks))
    assignment[np.arange(groups * width), ranks.ravel()] = 1.0
    rows: FloatArray = segment_rows.reshape(trials, -1) @ assignment
    return rows


def _segment_mass(
    routing: Routing, skew: Skew, sizes: FloatArray, trials: int, rng: np.random.Generator
) -> FloatArray:
    """Popularity mass of each (group, rank piece), shape (1 or trials, groups, width).

    Padding columns (size 0) get zero mass.
    """
    import numpy as np

    if skew.kind == "dirichlet":
        assert skew.alpha is not None
        # Sums of Dirichlet components are Dirichlet with summed parameters, so each piece's
        # mass is one Gamma(alpha * size) draw, normalised per trial.
        shape = np.where(sizes > 0, skew.alpha * sizes, 1.0)
        draws = rng.gamma(np.broadcast_to(shape, (trials, *sizes.shape)))
        draws = np.where(sizes > 0, draws, 0.0)
        result: FloatArray = draws / draws.sum(axis=(1, 2), keepdims=True)
        return result
    if skew.kind == "histogram":
        assert skew.load is not None
        load = np.asarray(skew.load, dtype=float)
        pieces = routing.group_segments()
        mass = np.zeros((1, *sizes.shape))
        expert = 0
        for index, group in enumerate(pieces):
            for column, (_, size) in enumerate(group):
                mass[0, index, column] = load[expert : expert + size].sum()
                expert += size
        return mass
    uniform: FloatArray = (sizes / routing.experts)[None, ...]
    return uniform
