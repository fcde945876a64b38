"""Inputs and outputs of the dispatch simulator: routing, expert popularity and statistics.

numpy is imported inside functions only, so that importing this module stays cheap for
`epcheck validate` runs that never simulate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

SkewKind = Literal["uniform", "dirichlet", "histogram"]

# Two-sided 95 % normal quantile for the Wilson score interval.
WILSON_Z = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Routing:
    """Router shape of one MoE layer and the expert-parallel group it is spread over.

    DeepSeek-V3/R1: 256 experts, top-8, 8 groups of which 4 are kept. DeepSeek-V2: 160
    experts, top-6, 8 groups, 3 kept. `n_group` 1 (or `topk_group` equal to `n_group`)
    means no group limit.
    """

    experts: int
    top_k: int
    n_group: int = 1
    topk_group: int = 1
    ranks: int = 1
    # Redundant expert copies per rank. They count for memory, but the simulation routes every
    # token to the expert's home rank (see `expert_ranks`).
    redundant: int = 0

    def __post_init__(self) -> None:
        if self.experts < 1 or self.top_k < 1:
            raise ValueError(
                f"experts ({self.experts}) and top_k ({self.top_k}) must both be at least 1"
            )
        if self.top_k > self.experts:
            raise ValueError(f"top_k {self.top_k} is larger than the {self.experts} experts")
        if self.n_group < 1 or self.experts % self.n_group:
            raise ValueError(
                f"n_group {self.n_group} must be at least 1 and divide the {self.experts} experts"
            )
        if not 1 <= self.topk_group <= self.n_group:
            raise ValueError(f"topk_group {self.topk_group} must be in [1, n_group {self.n_group}]")
        if self.group_limited:
            if self.group_size < 2:
                raise ValueError(
                    f"the group limit scores a group by its top-2 experts, but groups of "
                    f"{self.experts} // {self.n_group} hold only {self.group_size} expert"
                )
            if self.top_k > self.topk_group * self.group_size:
                raise ValueError(
                    f"top_k {self.top_k} exceeds the {self.topk_group * self.group_size} "
                    f"experts in the {self.topk_group} kept groups"
                )
        if self.ranks < 1:
            raise ValueError(f"ranks (moe_ep) must be at least 1, got {self.ranks}")
        if self.redundant < 0:
            raise ValueError(f"redundant experts per rank must be >= 0, got {self.redundant}")

    @classmethod
    def deepseek_v3(cls, ranks: int) -> Routing:
        """Return DeepSeek-V3/R1 routing (256 experts, top-8, 8 groups, 4 kept)."""
        return cls(experts=256, top_k=8, n_group=8, topk_group=4, ranks=ranks)

    @classmethod
    def deepseek_v2(cls, ranks: int) -> Routing:
        """Return DeepSeek-V2 routing (160 experts, top-6, 8 groups, 3 kept)."""
        return cls(experts=160, top_k=6, n_group=8, topk_group=3, ranks=ranks)

    @property
    def group_size(self) -> int:
        return self.experts // self.n_group

    @property
    def group_limited(self) -> bool:
        """True when the router keeps only some groups, so the limit changes the choice."""
        return self.n_group > 1 and self.topk_group < self.n_group

    @property
    def experts_per_rank(self) -> int:
        """Expert slots per rank, redundant copies included. Raises ValueError when E % P != 0."""
        return self.home_experts_per_rank + self.redundant

    @property
    def home_experts_per_rank(self) -> int:
        self.check_placement()
        return self.experts // self.ranks

    def check_placement(self) -> None:
        """Raise ValueError unless the experts divide evenly over the ranks."""
        if self.experts % self.ranks:
            raise ValueError(
                f"{self.experts} routed experts do not divide over moe_ep {self.ranks}: "
                "MindIE places a contiguous block of experts / moe_ep experts on each rank"
            )

    def expert_ranks(self) -> list[int]:
        """Return the home rank of each expert.

        Placement as MindIE-LLM's DeepSeek modeling code does it: FlashDeepseekForCausalLM
        takes a rank's experts from `assign(n_routed_experts, moe_ep)[rank]` and passes them on
        as a start id and a count, so each rank holds one contiguous block. Rank i holds
        experts [i * E/P, (i + 1) * E/P), and expert e lives on rank e // (E/P).
        NOTE: redundant copies (EPLB) would move load off hot experts, but their placement
        comes from a runtime map this simulator does not read. Every token goes to the home
        rank, which overstates the imbalance when copies sit on the hottest experts.
        """
        per_rank = self.home_experts_per_rank
        return [expert // per_rank for expert in range(self.experts)]

    def group_segments(self) -> list[list[tuple[int, int]]]:
        """Return, per router group, the (rank, expert count) pieces the group spans."""
        per_rank = self.home_experts_per_rank
        size = self.experts // self.n_group if self.group_limited else self.experts
        segments: list[list[tuple[int, int]]] = []
        for start in range(0, self.experts, size):
            pieces: list[tuple[int, int]] = []
            expert = start
            while expert < start + size:
                rank = expert // per_rank
                end = min(start + size, (rank + 1) * per_rank)
                pieces.append((rank, end - expert))
                expert = end
            segments.append(pieces)
        return segments


@dataclass(frozen=True, slots=True)
class Skew:
    """Expert popularity q that the router's Gumbel-top-k draws from.

    uniform: every expert equally popular. dirichlet: a fresh q ~ Dirichlet(alpha) per trial
    (smaller alpha, more skew). histogram: a fixed measured per-expert load; only the ratios
    matter, and `parse_skew` (skew_spec.py) normalises it to sum 1.
    """

    kind: SkewKind = "uniform"
    alpha: float | None = None
    load: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if self.kind == "dirichlet":
            if self.alpha is None or not math.isfinite(self.alpha) or self.alpha <= 0:
                raise ValueError(f"Dirichlet alpha must be a finite number > 0, got {self.alpha}")
        elif self.kind == "histogram":
            if self.load is None:
                raise ValueError("a histogram skew needs a per-expert load vector")
            _check_load(list(self.load), "load")
        elif self.kind != "uniform":
            raise ValueError(
                f"unknown skew kind {self.kind!r}: use uniform, dirichlet or histogram"
            )

    @property
    def label(self) -> str:
        if self.kind == "dirichlet":
            return f"dirichlet:{self.alpha:g}"
        if self.kind == "histogram":
            return "histogram"
        return "uniform"


def _check_load(values: list[Any], source: str) -> list[float]:
    load: list[float] = []
    for index, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{source}: entry {index} is {value!r}, not a number")
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{source}: entry {index} is {value}, loads must be finite and >= 0")
        load.append(float(value))
    if not load:
        raise ValueError(f"{source}: the load list is empty")
    if not any(load):
        raise ValueError(f"{source}: all {len(load)} loads are zero")
    return load


@dataclass(frozen=True, eq=False)
class DispatchStats:
    """Received rows per rank over many trials, for one number of tokens.

    `tokens` is the number of tokens routed by the whole EP group in one forward, so each
    rank receives tokens * top_k / ranks rows on average.
    """

    routing: Routing
    skew: Skew
    tokens: int
    mode: Literal["exact", "fast"]
    # Rows each rank receives, shape (trials, ranks). Exact mode stores whole numbers.
    rows: NDArray[np.float64] = field(repr=False)

    @property
    def trials(self) -> int:
        return int(self.rows.shape[0])

    @property
    def mean_rows(self) -> float:
        """Mean rows per rank: tokens * top_k / ranks."""
        return self.tokens * self.routing.top_k / self.routing.ranks

    @property
    def max_rows(self) -> NDArray[np.float64]:
        """Maximum rows over ranks, one value per trial."""
        result: NDArray[np.float64] = self.rows.max(axis=1)
        return result

    @property
    def gamma(self) -> NDArray[np.float64]:
        """Imbalance factor max / mean received rows, one value per trial."""
        result: NDArray[np.float64] = self.max_rows / self.mean_rows
        return result

    @property
    def gamma_median(self) -> float:
        import numpy as np

        return float(np.median(self.gamma))

    @property
    def gamma_p99(self) -> float:
        import numpy as np

        return float(np.percentile(self.gamma, 99))

    def overflow_probability(self, buffer_rows: float) -> tuple[float, float, float]:
        """Estimate P(max rows > buffer_rows) with a Wilson 95 % interval (p, low, high)."""
        overflows = int((self.max_rows > buffer_rows).sum())
        return wilson_interval(overflows, self.trials)

    def truncated_fraction(self, cutoff_rows: float) -> float:
        """Estimate the share of routed rows above a per-rank budget of `cutoff_rows`.

        The value is the mean over trials of sum over ranks of max(0, rows - budget),
        divided by tokens * top_k.
        """
        import numpy as np

        total = self.tokens * self.routing.top_k
        if total == 0:
            return 0.0
        excess = np.clip(self.rows - cutoff_rows, 0.0, None).sum(axis=1)
        return float(excess.mean() / total)


def wilson_interval(successes: int, trials: int) -> tuple[float, float, float]:
    """Return the estimate and the Wilson score 95 % interval of a binomial proportion."""
    if trials <= 0:
        raise ValueError(f"trials must be positive, got {trials}")
    p = successes / trials
    z2 = WILSON_Z * WILSON_Z
    denominator = 1.0 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = WILSON_Z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    # At 0 or all successes the bound is exactly 0 or 1, because rounding would leave 1e-18.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return p, low, high
