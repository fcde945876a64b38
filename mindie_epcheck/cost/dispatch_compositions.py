"""Law of how many experts a token takes from each router group, under uniform popularity.

With uniform popularity every expert score is one i.i.d. Gumbel draw. The router keeps the
`kept` groups with the largest sum of their top-2 scores and then takes the top-k experts
inside them. Which group gets which share, and which experts inside a group, are uniform by
symmetry. What symmetry does not give is the sorted composition: for DeepSeek-V3, a token
takes (3, 2, 2, 1) experts from its four kept groups with probability 0.5694 and (2, 2, 2, 2)
with probability 0.1317. This module computes those probabilities by quadrature, so the
exact sampler can draw the count of tokens of each composition from one multinomial.

Derivation. Write each score as -log of an arrival time in an exponential race with rate 1
per expert. A group's top-2 scores are its first two arrivals A < B, with joint density
n(n-1) exp(-a) exp(-(n-1) b), and its later arrivals are B plus the order statistics of
n - 2 unit exponentials. Keeping the largest top-2 sums keeps the smallest products A * B.
Given the (kept + 1)-th smallest product tau, the kept groups are i.i.d. and conditioned on
A * B < tau. A composition (m_1, ..., m_g) then has probability

    C * integral over tau of f(tau) (1 - F(tau))^(G - g - 1)
        * integral over t of sum_i D_{m_i}(t) prod_{j != i} N_{m_j}(t)

where F and f are the distribution and density of A * B, C = G! / (g! (G - g - 1)!),
N_m(t) = P(exactly m arrivals by t and A * B < tau) and D_m(t) is the density of the m-th
arrival at t with A * B < tau. The time t is that of the k-th pick overall, which one kept
group supplies. Each N and D is a one-dimensional integral over B.

Accuracy: Gauss-Legendre panels, split at every kink (b = sqrt(tau), b = t, b = tau / t),
give probabilities that sum to 1 within 1e-12 for DeepSeek-V2 and V3 and agree with a
brute-force Gumbel simulation of 100,000 tokens (tests/test_dispatch.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    FloatArray = NDArray[np.float64]

# Gauss-Legendre order per panel, and the maximum panel width in natural-log units for the
# panels laid out in log space. A width of 0.6 instead changes the V2 and V3 probabilities
# by < 1e-13.
ORDER = 10
LOG_PANEL_WIDTH = 2.0
# Order of the linear panels over [0, min(sqrt(tau), t)] and [min(sqrt(tau), t), t]. At 16
# the probabilities of small groups (n = 2) summed to 1 - 1.4e-9; at 32 within 1e-12.
ORDER_LINEAR = 32
# Integrands decay like exp(-(n - 1) b); cutting the tail after this many e-folds drops less
# than exp(-45) of the mass.
TAIL_EFOLDS = 45.0
# Probability mass allowed to fall below the lower cut of t and of tau.
LOWER_CUT_MASS = 1e-16


def compositions(total: int, largest: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Yield the partitions of `total` into exactly `parts` parts (zeros allowed), sorted
    from the largest part down, each part at most `largest`."""
    if parts == 0:
        if total == 0:
            yield ()
        return
    for first in range(min(total, largest), -1, -1):
        if first * parts < total:
            break
        for rest in compositions(total - first, first, parts - 1):
            yield (first, *rest)


@lru_cache(maxsize=16)
def composition_law(
    group_size: int, n_group: int, topk_group: int, top_k: int
) -> tuple[tuple[tuple[int, ...], ...], tuple[float, ...]]:
    """Return the sorted compositions (non-zero parts only) and their probabilities.

    Needs a real group limit (1 <= topk_group < n_group) and group_size >= 2. The
    probabilities are renormalised; their raw sum differs from 1 by < 1e-12 for DeepSeek
    shapes.
    """
    import numpy as np

    if not 1 <= topk_group < n_group or group_size < 2:
        raise ValueError("composition_law needs 1 <= topk_group < n_group and group_size >= 2")
    if top_k > topk_group * group_size:
        raise ValueError(f"top_k {top_k} exceeds the experts in {topk_group} groups")

    types = list(compositions(top_k, min(top_k, group_size), topk_group))
    nonzero = tuple(tuple(part for part in composition if part) for composition in types)
    if len(types) == 1:  # one kept group, or every expert of the kept groups is picked
        return nonzero, (1.0,)
    arrangements = np.array([_arrangements(composition) for composition in types], dtype=float)
    law = _Quadrature(group_size, n_group, topk_group, top_k)
    probabilities = law.integrate(types) * arrangements
    total = float(probabilities.sum())
    if abs(total - 1.0) > 1e-9:  # a quadrature failure, never seen for valid shapes
        raise ArithmeticError(f"composition probabilities sum to {total}, not 1")
    return nonzero, tuple(float(p) for p in probabilities / total)


def _arrangements(composition: tuple[int, ...]) -> int:
    count = math.factorial(len(composition))
    for value in set(composition):
        count //= math.factorial(composition.count(value))
    return count


def _gauss_legendre(order: int) -> tuple[FloatArray, FloatArray]:
    import numpy as np

    nodes, weights = np.polynomial.legendre.leggauss(order)
    return nodes, weights


def _linear_nodes(low: FloatArray, high: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Gauss-Legendre nodes and weights on [low, high], broadcast over the leading axes."""
    x, w = _gauss_legendre(ORDER_LINEAR)
    low = low[..., None]
    high = high[..., None]
    return (low + high) / 2 + (high - low) / 2 * x, (high - low) / 2 * w


def _log_nodes(
    breakpoints: list[FloatArray], low: FloatArray, high: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Nodes and weights on [low, high] in log space, with panels split at each breakpoint.

    Empty segments (a breakpoint outside [low, high]) get zero weights.
    """
    import numpy as np

    x, w = _gauss_legendre(ORDER)
    points = np.sort(
        np.stack([low, *(np.clip(point, low, high) for point in breakpoints), high], axis=-1),
        axis=-1,
    )
    logs = np.log(points)
    all_nodes, all_weights = [], []
    for index in range(points.shape[-1] - 1):
        start, stop = logs[..., index], logs[..., index + 1]
        width = float(np.max(stop - start)) if start.size else 0.0
        panels = max(1, math.ceil(width / LOG_PANEL_WIDTH))
        edges = start[..., None] + (stop - start)[..., None] * (np.arange(panels + 1) / panels)
        left, right = edges[..., :-1, None], edges[..., 1:, None]
        y = (left + right) / 2 + (right - left) / 2 * x
        nodes = np.exp(y)
        weights = (right - left) / 2 * w * nodes
        shape = (*nodes.shape[:-2], panels * ORDER)
        all_nodes.append(nodes.reshape(shape))
        all_weights.append(weights.reshape(shape))
    return np.concatenate(all_nodes, axis=-1), np.concatenate(all_weights, axis=-1)


class _Quadrature:
    """The nested integrals of the module docstring, for one router shape."""

    def __init__(self, group_size: int, n_group: int, topk_group: int, top_k: int) -> None:
        self.n = group_size
        self.groups = n_group
        self.kept = topk_group
        self.k = top_k
        self.rate = group_size - 1  # decay rate of B's density: exp(-(n - 1) b)

    def integrate(self, types: list[tuple[int, ...]]) -> FloatArray:
        """Return the probability of one ordered arrangement of each sorted composition."""
        import numpy as np

        n, kept, groups = self.n, self.kept, self.groups
        # tau = (kept + 1)-th smallest of G i.i.d. products, so P(tau < x) is about
        # C(G, kept + 1) F(x)^(kept + 1), with F(x) about n^2 x ln(1/x) / 2 for small x. The
        # factor 1e-3 covers the logarithm.
        binomial = math.comb(groups, kept + 1)
        tau_low = 1e-3 * (LOWER_CUT_MASS / binomial) ** (1 / (kept + 1)) / n**2
        tau_high = (TAIL_EFOLDS / self.rate) ** 2
        taus, tau_weights = _log_nodes(
            [np.array(2.0 / n**2)], np.array(tau_low), np.array(tau_high)
        )
        cdf, density = self._product_law(taus)
        outer = (
            tau_weights
            * math.comb(groups, kept)
            * (groups - kept)
            * density
            * (1 - cdf) ** (groups - kept - 1)
        )
        inner = self._inner(taus, types)
        result: FloatArray = (inner * outer).sum(axis=-1)
        return result

    def _product_law(self, taus: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Distribution F and density f of A * B at each tau."""
        import numpy as np

        n, rate = self.n, self.rate
        root = np.sqrt(taus)
        low_nodes, low_weights = _linear_nodes(np.zeros_like(root), root)
        high_nodes, high_weights = _log_nodes([], root, root + TAIL_EFOLDS / rate)
        nodes = np.concatenate([low_nodes, high_nodes], axis=-1)
        weights = np.concatenate([low_weights, high_weights], axis=-1)
        tau = taus[..., None]
        base = weights * n * rate * np.exp(-rate * nodes)
        cap = np.minimum(nodes, tau / nodes)
        cdf = (base * -np.expm1(-cap)).sum(axis=-1)
        above = nodes > root[..., None]
        density = (base * np.where(above, np.exp(-tau / nodes) / nodes, 0.0)).sum(axis=-1)
        return cdf, density

    def _inner(self, taus: FloatArray, types: list[tuple[int, ...]]) -> FloatArray:
        """Integrate over t for each composition; return shape (len(types), len(taus))."""
        import numpy as np

        n, k, kept = self.n, self.k, self.kept
        # The k-th pick at time t needs k arrivals among kept * n unit-rate experts:
        # P <= (kept * n * t)^k / k!.
        t_low = (LOWER_CUT_MASS * math.factorial(k)) ** (1 / k) / (kept * n)
        t_high = TAIL_EFOLDS + math.log(kept * n)
        shape = taus.shape
        t, t_weights = _log_nodes([np.sqrt(taus)], np.full(shape, t_low), np.full(shape, t_high))
        count, density = self._kernels(t, np.broadcast_to(taus[:, None], t.shape))
        rows = []
        for composition in types:
            total = np.zeros_like(t)
            for value in sorted(set(composition)):
                if value == 0:
                    continue
                rest = list(composition)
                rest.remove(value)
                term = density[value] * composition.count(value)
                for other in rest:
                    term = term * count[other]
                total += term
            rows.append((t_weights * total).sum(axis=-1))
        return np.array(rows)

    def _kernels(self, t: FloatArray, tau: FloatArray) -> tuple[FloatArray, FloatArray]:
        """N_m(t) and D_m(t) for m = 0..k, each of shape t.shape."""
        import numpy as np

        n, k, rate = self.n, self.k, self.rate
        top = min(k, n)
        # Room for m = 2 even when k = 1 keeps the closed forms below unconditional.
        count = np.zeros((max(k, 2) + 1, *t.shape))
        density = np.zeros((max(k, 2) + 1, *t.shape))
        root = np.sqrt(tau)
        t_, tau_ = t[..., None], tau[..., None]

        # m >= 2: B = b < t, then m - 2 of the n - 2 later arrivals fall in (b, t].
        split = np.minimum(root, t)
        first_nodes, first_weights = _linear_nodes(np.zeros_like(t), split)
        second_nodes, second_weights = _linear_nodes(split, t)
        b = np.concatenate([first_nodes, second_nodes], axis=-1)
        weights = np.concatenate([first_weights, second_weights], axis=-1)
        b_density = weights * n * rate * np.exp(-rate * b)
        b_density *= -np.expm1(-np.minimum(b, tau_ / np.maximum(b, 1e-300)))
        gap = t_ - b
        survive = np.exp(-gap)
        arrived = -np.expm1(-gap)
        powers = [np.ones_like(gap)]
        for _ in range(top):
            powers.append(powers[-1] * arrived)
        for m in range(2, top + 1):
            tail = survive ** (n - m)
            count[m] = math.comb(n - 2, m - 2) * (b_density * powers[m - 2] * tail).sum(-1)
            if m >= 3:
                scale = (n - 2) * math.comb(n - 3, m - 3)
                density[m] = scale * (b_density * powers[m - 3] * tail * survive).sum(-1)
        density[2] = n * rate * np.exp(-rate * t) * -np.expm1(-np.minimum(t, tau / t))
        density[1] = n * np.exp(-t) * np.clip(np.exp(-rate * t) - np.exp(-rate * tau / t), 0, None)

        # m <= 1: B = b > t. One arrival by t needs A < min(t, tau / b); none needs
        # t < A < min(b, tau / b).
        high = t + TAIL_EFOLDS / rate
        b, weights = _log_nodes([tau / t, root], t, high)
        b_density = weights * n * rate * np.exp(-rate * b)
        count[1] = (b_density * -np.expm1(-np.minimum(t_, tau_ / b))).sum(-1)
        window = np.exp(-t_) - np.exp(-np.minimum(b, tau_ / b))
        count[0] = (b_density * np.clip(window, 0, None)).sum(-1)
        return count, density
