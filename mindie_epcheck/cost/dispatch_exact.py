"""Exact samplers of the rows each rank receives when tokens are routed by Gumbel-top-k.

The router model: expert e scores log q_e + Gumbel noise. With a group limit, a group scores
the sum of its top-2 expert scores, and the token takes the top-k experts inside the
`topk_group` best groups. Two samplers draw from exactly this law (up to floating point):

- `sample_uniform` for uniform q. By symmetry, the kept groups and the experts picked inside
  a group are uniform, so a trial needs only the number of tokens of each composition (how
  many experts a token takes from each kept group), one multinomial with probabilities from
  `composition_law`. Multinomial and hypergeometric splits then spread those tokens over
  groups and over the ranks inside a group. The cost does not grow with the token count.
- `sample_per_token` for any q. It runs, per token, the exponential race that Gumbel-top-k
  is equivalent to: expert e arrives at Exp(1) / q_e, and the earliest arrivals are the top
  scores (score = -log time). Each group's first arrivals come one at a time: the next
  arrival is Exp(1) / (remaining mass) later and belongs to a remaining expert with
  probability proportional to q. A token draws the top-2 of every group, then further
  arrivals only in its kept groups, about 2 * n_group + topk_group * (top_k - 2) draws
  instead of one per expert.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING

from mindie_epcheck.cost.dispatch_compositions import composition_law
from mindie_epcheck.cost.dispatch_types import Routing

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    IntArray = NDArray[np.int64]
    FloatArray = NDArray[np.float64]

# Tokens routed per vectorised block of the per-token sampler. It bounds the memory: a block
# of DeepSeek-V3 tokens peaks at about 65 MB (tracemalloc, numpy 2.4).
TOKENS_PER_BLOCK = 1 << 15
# Experts with zero measured load get this share of the mean load, because the exponential
# race needs a positive rate. An expert at 1e-9 of the mean is picked about once in 1e9
# tokens, far below what any trial count here resolves.
ZERO_LOAD_FLOOR = 1e-9


def sample_uniform(
    routing: Routing, tokens: int, trials: int, rng: np.random.Generator
) -> IntArray:
    """Draw rows per rank, shape (trials, ranks), for uniform expert popularity."""
    import numpy as np

    top_k = routing.top_k
    if routing.group_limited:
        parts, probabilities = composition_law(
            routing.group_size, routing.n_group, routing.topk_group, top_k
        )
        counts = rng.multinomial(tokens, probabilities, size=trials)
        histograms = _spread_over_groups(parts, counts, routing.n_group, top_k, rng)
    else:
        # No group limit: every token takes top_k experts from one pool of all experts.
        histogram = np.zeros((trials, top_k + 1), dtype=np.int64)
        histogram[:, top_k] = tokens
        histograms = [histogram]

    rows = np.zeros((trials, routing.ranks), dtype=np.int64)
    for pieces, histogram in zip(routing.group_segments(), histograms, strict=True):
        _split_over_ranks(histogram, pieces, rows, rng)
    return rows


def _spread_over_groups(
    parts: tuple[tuple[int, ...], ...],
    counts: IntArray,
    n_group: int,
    top_k: int,
    rng: np.random.Generator,
) -> list[IntArray]:
    """Return, per group, how many tokens take m experts from it (columns m = 0..top_k).

    A token's parts land on distinct groups in uniformly random order. Visiting the groups
    one by one, the next group receives each remaining part with probability
    (multiplicity / groups left), or nothing. Tokens are tracked by the parts they still
    have to place, so each step is one multinomial per such residual.
    """
    import numpy as np

    trials = counts.shape[0]
    residuals: dict[tuple[int, ...], IntArray] = {}
    for index, composition in enumerate(parts):
        residuals[composition] = counts[:, index].astype(np.int64)

    histograms = []
    for group in range(n_group):
        left = n_group - group
        histogram = np.zeros((trials, top_k + 1), dtype=np.int64)
        following: defaultdict[tuple[int, ...], IntArray] = defaultdict(
            lambda: np.zeros(trials, dtype=np.int64)
        )
        for residual, tokens in residuals.items():
            if not residual:
                continue
            values = sorted(set(residual))
            probabilities = [residual.count(value) / left for value in values]
            probabilities.append((left - len(residual)) / left)
            draws = rng.multinomial(tokens, probabilities)
            for column, value in enumerate(values):
                taken = draws[:, column]
                histogram[:, value] += taken
                rest = list(residual)
                rest.remove(value)
                following[tuple(rest)] += taken
            if len(residual) < left:
                following[residual] += draws[:, -1]
        histogram[:, 0] = counts.sum(axis=1) - histogram[:, 1:].sum(axis=1)
        histograms.append(histogram)
        residuals = dict(following)
    return histograms


def _split_over_ranks(
    histogram: IntArray,
    pieces: list[tuple[int, int]],
    rows: IntArray,
    rng: np.random.Generator,
) -> None:
    """Add a group's picks to the ranks that hold its experts.

    A token that takes m experts from a group takes a uniform m-subset, so the number that
    falls in the first half of the group's pieces is hypergeometric. Splitting the pieces in
    halves recursively, one multinomial per m spreads all tokens at once.
    """
    import numpy as np

    if len(pieces) == 1:
        rank = pieces[0][0]
        rows[:, rank] += histogram @ np.arange(histogram.shape[1], dtype=np.int64)
        return
    half = len(pieces) // 2
    first, second = pieces[:half], pieces[half:]
    size_first = sum(size for _, size in first)
    size_second = sum(size for _, size in second)
    first_histogram = np.zeros_like(histogram)
    second_histogram = np.zeros_like(histogram)
    for m in range(1, histogram.shape[1]):
        tokens = histogram[:, m]
        if not tokens.any():
            continue
        low, high = max(0, m - size_second), min(m, size_first)
        total = math.comb(size_first + size_second, m)
        probabilities = [
            math.comb(size_first, j) * math.comb(size_second, m - j) / total
            for j in range(low, high + 1)
        ]
        draws = rng.multinomial(tokens, probabilities)
        for column, j in enumerate(range(low, high + 1)):
            first_histogram[:, j] += draws[:, column]
            second_histogram[:, m - j] += draws[:, column]
    _split_over_ranks(first_histogram, first, rows, rng)
    _split_over_ranks(second_histogram, second, rows, rng)


def sample_per_token(
    routing: Routing, popularity: FloatArray, tokens: int, rng: np.random.Generator
) -> IntArray:
    """Draw rows per rank, shape (trials, ranks), routing each token on its own.

    `popularity` has shape (trials, experts): the q of each trial. Zero entries are raised to
    ZERO_LOAD_FLOOR times the trial's mean.
    """
    import numpy as np

    trials = popularity.shape[0]
    floor = ZERO_LOAD_FLOOR * popularity.mean(axis=1, keepdims=True)
    popularity = np.maximum(popularity, floor)
    rows = np.zeros((trials, routing.ranks), dtype=np.int64)
    trials_per_block = max(1, TOKENS_PER_BLOCK // max(tokens, 1))
    for first in range(0, trials, trials_per_block):
        block = popularity[first : first + trials_per_block]
        remaining = tokens
        while remaining > 0:
            per_trial = min(remaining, TOKENS_PER_BLOCK)
            rows[first : first + len(block)] += _race_block(routing, block, per_trial, rng)
            remaining -= per_trial
    return rows


class _Race:
    """Flattened popularity of a block of trials, for drawing experts without replacement.

    The last index is a sentinel with zero mass that marks "no expert yet".
    """

    def __init__(self, popularity: FloatArray) -> None:
        import numpy as np

        self.q = np.concatenate([popularity.ravel(), [0.0]])
        self.cumulative = np.concatenate([[0.0], np.cumsum(self.q)])
        self.sentinel = self.q.size - 1

    def draw(self, start: IntArray, size: int, offset: FloatArray, taken: IntArray) -> IntArray:
        """Pick the expert at `offset` into the mass of [start, start + size) left after
        removing `taken` (expert indices sorted along the last axis, sentinels last)."""
        import numpy as np

        position = self.cumulative[start] + offset
        # Walk the removed experts in index order: each one at or before the position shifts
        # it past that expert's mass. A sentinel starts after every real position.
        for column in range(taken.shape[-1]):
            removed = taken[..., column]
            position = np.where(
                position >= self.cumulative[removed], position + self.q[removed], position
            )
        index = np.searchsorted(self.cumulative, position, side="right") - 1
        return np.clip(index, start, start + size - 1)


def _race_block(
    routing: Routing, popularity: FloatArray, tokens: int, rng: np.random.Generator
) -> IntArray:
    """Route `tokens` tokens for each trial of the block; return rows per rank per trial."""
    import numpy as np

    trials, experts = popularity.shape
    race = _Race(popularity)
    if routing.group_limited:
        size, groups, kept = routing.group_size, routing.n_group, routing.topk_group
    else:
        size, groups, kept = experts, 1, 1
    top_k = routing.top_k
    depth = min(top_k, size)
    count = trials * tokens
    trial = np.repeat(np.arange(trials, dtype=np.int64), tokens)
    start = trial[:, None] * experts + np.arange(groups, dtype=np.int64) * size
    mass = popularity.reshape(trials, groups, size).sum(axis=2)[trial]

    times = np.full((count, kept, depth), np.inf)
    picks = np.full((count, kept, depth), race.sentinel, dtype=np.int64)
    first_time = rng.standard_exponential((count, groups)) / mass
    first_pick = race.draw(start, size, rng.random((count, groups)) * mass, picks[:, :1, :0])
    if groups > kept:
        # The second arrival's time needs only the first pick's mass, so its identity is drawn
        # below for kept groups only. Group score = -log(t1 * t2), so keep the smallest products.
        left = mass - race.q[first_pick]
        second_time = first_time + rng.standard_exponential((count, groups)) / left
        keep = np.argpartition(first_time * second_time, kept - 1, axis=1)[:, :kept]
        start = np.take_along_axis(start, keep, axis=1)
        mass = np.take_along_axis(mass, keep, axis=1)
        left = np.take_along_axis(left, keep, axis=1)
        times[..., 0] = np.take_along_axis(first_time, keep, axis=1)
        times[..., 1] = np.take_along_axis(second_time, keep, axis=1)
        picks[..., 0] = np.take_along_axis(first_pick, keep, axis=1)
        offset = rng.random((count, kept)) * left
        picks[..., 1] = race.draw(start, size, offset, picks[..., :1])
        filled = np.full((count, kept), 2, dtype=np.int64)
    else:
        times[..., 0] = first_time
        picks[..., 0] = first_pick
        filled = np.ones((count, kept), dtype=np.int64)

    _continue_race(race, times, picks, filled, start, mass, size, top_k, rng)

    candidates = kept * depth
    times = times.reshape(count, candidates)
    picks = picks.reshape(count, candidates)
    if candidates > top_k:
        first = np.argpartition(times, top_k - 1, axis=1)[:, :top_k]
        picks = np.take_along_axis(picks, first, axis=1)
    rank = (picks % experts) // routing.home_experts_per_rank
    flat = (trial[:, None] * routing.ranks + rank).ravel()
    return np.bincount(flat, minlength=trials * routing.ranks).reshape(trials, routing.ranks)


def _continue_race(
    race: _Race,
    times: FloatArray,
    picks: IntArray,
    filled: IntArray,
    start: IntArray,
    mass: FloatArray,
    size: int,
    top_k: int,
    rng: np.random.Generator,
) -> None:
    """Draw further arrivals in the kept groups until the token's top-k is settled.

    A kept group needs another arrival only while its latest arrival is earlier than the
    token's current k-th earliest arrival, which is infinite while fewer than k are known.
    Any further arrival of a group that has passed it comes later still, so it cannot enter
    the top-k.
    """
    import numpy as np

    count, kept, depth = times.shape
    # One row per (token, kept group) pair; the arrays are views, so writes reach the caller.
    pair_times = times.reshape(count * kept, depth)
    pair_picks = picks.reshape(count * kept, depth)
    pair_filled = filled.reshape(count * kept)
    pair_start = start.reshape(count * kept)
    pair_mass = mass.reshape(count * kept)
    token: IntArray | None = None  # None: every token is still open
    while True:
        current = times if token is None else times[token]
        kth = np.partition(current.reshape(-1, kept * depth), top_k - 1, axis=1)[:, top_k - 1]
        pairs = (np.arange(count) if token is None else token)[:, None] * kept + np.arange(kept)
        pairs = pairs.ravel()
        step = pair_filled[pairs]
        latest = pair_times[pairs, step - 1]
        active = (step < depth) & (latest < np.repeat(kth, kept))
        pairs, step = pairs[active], step[active]
        if pairs.size == 0:
            break
        taken = np.sort(pair_picks[pairs], axis=-1)
        left = pair_mass[pairs] - race.q[taken].sum(axis=-1)
        arrival = pair_times[pairs, step - 1] + rng.standard_exponential(pairs.size) / left
        offset = rng.random(pairs.size) * left
        pair_times[pairs, step] = arrival
        pair_picks[pairs, step] = race.draw(pair_start[pairs], size, offset, taken[:, :-1])
        pair_filled[pairs] += 1
        token = np.unique(pairs // kept)
