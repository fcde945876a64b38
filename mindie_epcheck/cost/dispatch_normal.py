"""Overflow and truncation of per-rank rows by a normal approximation, without numpy.

The rows one EP rank receives are a sum over many tokens, so they are close to normal with
mean T * k / P and variance F * mean. F is the per-rank Fano factor that the exact
simulator gives for the router's shape (data/cost.json). Ranks are treated as independent, which
slightly overstates the chance that the busiest one overflows. `epcheck validate` uses this
instead of the sampling modes so that it stays fast; `epcheck simulate` samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mindie_epcheck.cost.deployment import constants


@dataclass(frozen=True, slots=True)
class RankLoad:
    mean: float
    sigma: float
    ranks: int
    total_rows: float


def fano_factor(experts: int, top_k: int, ranks: int) -> float:
    table = constants()["rank_fano_uniform"]
    by_ranks = table.get(f"{experts}x{top_k}", {})
    return float(by_ranks.get(str(ranks), table["fallback"]))


def rank_load(experts: int, top_k: int, ranks: int, tokens: int) -> RankLoad:
    """Normal law of one rank's rows when the EP group routes `tokens` tokens."""
    mean = tokens * top_k / ranks
    sigma = math.sqrt(max(fano_factor(experts, top_k, ranks) * mean, 1e-12))
    return RankLoad(mean, sigma, ranks, tokens * top_k)


def _normal_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


def overflow_probability(load: RankLoad, buffer_rows: float) -> float:
    """Chance that the busiest rank receives more rows than `buffer_rows`."""
    z = (buffer_rows + 0.5 - load.mean) / load.sigma
    return 1 - _normal_cdf(z) ** load.ranks


def truncated_fraction(load: RankLoad, budget_rows: float) -> float:
    """Expected share of all routed rows that fall above a per-rank budget."""
    z = (budget_rows - load.mean) / load.sigma
    density = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    excess = load.sigma * density - (budget_rows - load.mean) * (1 - _normal_cdf(z))
    return max(0.0, load.ranks * excess / load.total_rows)


def gamma_quantile(load: RankLoad, quantile: float = 0.99) -> float:
    """Return the max / mean ratio the busiest rank stays under with probability `quantile`."""
    per_rank = quantile ** (1 / load.ranks)
    return 1 + _inverse_cdf(per_rank) * load.sigma / load.mean


def _inverse_cdf(probability: float) -> float:
    low, high = -10.0, 10.0
    for _ in range(80):
        middle = (low + high) / 2
        if _normal_cdf(middle) < probability:
            low = middle
        else:
            high = middle
    return (low + high) / 2
