"""Time the dispatch simulator, or refit the constants of its fast mode.

    python bench/bench_dispatch.py           # timings, median of --repeat runs
    python bench/bench_dispatch.py --fit     # print FAST_CONSTANTS for dispatch_fast.py

Exact mode is timed at 10,000 trials x 8,192 tokens with DeepSeek-V3 routing (256 experts,
top-8, group limit 4 of 8) over moe_ep 16 and uniform popularity. It runs once with the
composition law cached and once computing it first. Fast mode is timed at its default trial
count, at moe_ep 16, for the lengths `epcheck simulate` uses by default.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mindie_epcheck.cost.dispatch import (
    DEFAULT_FAST_TRIALS,
    Routing,
    Skew,
    simulate_exact,
    simulate_fast,
)
from mindie_epcheck.cost.dispatch_compositions import composition_law

FAST_LENGTHS = (128, 1024, 8192, 65536)
# Popularity vectors of the fit: Dirichlet alphas and log-normal sigmas.
FIT_ALPHAS = (2.0, 4.0, 8.0, 16.0)
FIT_SIGMAS = (0.3, 0.7, 1.0)
FIT_TOKENS = 200_000
FIT_RANKS = 32


def median_seconds(run: Callable[[], object], repeat: int, before: Callable[[], None]) -> float:
    """Return the median wall time of `repeat` runs, calling `before` untimed first."""
    times = []
    for _ in range(repeat):
        before()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench(args: argparse.Namespace) -> None:
    import numpy

    routing = Routing.deepseek_v3(args.ranks)
    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    print(
        f"machine: processor={platform.processor() or platform.machine()!r} "
        f"cpus={os.cpu_count()} python={platform.python_version()} numpy={numpy.__version__}"
    )
    print(f"median of {args.repeat} runs")

    def exact() -> object:
        return simulate_exact(routing, Skew(), args.tokens, args.trials, 0)

    composition_law(routing.group_size, routing.n_group, routing.topk_group, routing.top_k)
    warm = median_seconds(exact, args.repeat, lambda: None)
    cold = median_seconds(exact, args.repeat, composition_law.cache_clear)
    stats = simulate_exact(routing, Skew(), args.tokens, args.trials, 0)
    print(
        f"exact  trials={args.trials} tokens={args.tokens} P={args.ranks} k={routing.top_k} "
        f"E={routing.experts} groups {routing.topk_group}/{routing.n_group}: "
        f"{warm:.3f} s (composition law cached), {cold:.3f} s (computed first); "
        f"gamma median {stats.gamma_median:.4f} p99 {stats.gamma_p99:.4f}"
    )

    for tokens in FAST_LENGTHS:
        for skew in (Skew(), Skew("dirichlet", alpha=8.0)):

            def fast(tokens: int = tokens, skew: Skew = skew) -> object:
                return simulate_fast(routing, skew, tokens, DEFAULT_FAST_TRIALS, 0)

            seconds = median_seconds(fast, args.repeat, lambda: None)
            print(
                f"fast   trials={DEFAULT_FAST_TRIALS} tokens={tokens} P={args.ranks} "
                f"skew={skew.label}: {seconds * 1000:.1f} ms"
            )


def fit() -> None:
    """Print the FAST_CONSTANTS table of dispatch_fast.py, fitted against exact mode."""
    import numpy as np

    from mindie_epcheck.cost.dispatch_exact import sample_per_token
    from mindie_epcheck.cost.dispatch_fast import composition_second_moment

    print(f"# fitted with: {' '.join([sys.executable, *sys.argv])}")
    for routing in (Routing.deepseek_v3(FIT_RANKS), Routing.deepseek_v2(FIT_RANKS)):
        rng = np.random.default_rng(7)
        vectors = [rng.dirichlet(np.full(routing.experts, alpha)) for alpha in FIT_ALPHAS]
        for sigma in FIT_SIGMAS:
            load = rng.lognormal(0.0, sigma, routing.experts)
            vectors.append(load / load.sum())
        popularity = np.array(vectors)
        rows = sample_per_token(routing, popularity, FIT_TOKENS, np.random.default_rng(1))

        groups = routing.n_group
        pieces = FIT_RANKS // groups
        group_x, group_y, within_x, within_y = [], [], [], []
        for q, counts in zip(popularity, rows, strict=True):
            share = counts / counts.sum()
            group_share = share.reshape(groups, pieces).sum(axis=1)
            group_mass = q.reshape(groups, -1).sum(axis=1)
            group_x.append(np.log(group_mass * groups))
            group_y.append(np.log(group_share * groups))
            piece_share = share.reshape(groups, pieces) / group_share[:, None]
            piece_mass = q.reshape(groups, pieces, -1).sum(axis=2) / group_mass[:, None]
            within_x.append(np.log(piece_mass.ravel() * pieces))
            within_y.append(np.log(piece_share.ravel() * pieces))
        beta_group = _slope(np.concatenate(group_x), np.concatenate(group_y))
        beta_within = _slope(np.concatenate(within_x), np.concatenate(within_y))
        key = (routing.group_size, routing.n_group, routing.topk_group, routing.top_k)
        moment = composition_second_moment(routing)
        print(f"{key}: FastConstants({moment!r}, {beta_group:.3f}, {beta_within:.3f}),")


def _slope(x: object, y: object) -> float:
    """Least-squares slope of y on x through the origin."""
    import numpy as np

    xs = np.asarray(x)
    ys = np.asarray(y)
    return float((xs * ys).sum() / (xs * xs).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help="refit fast-mode constants instead")
    parser.add_argument("--trials", type=int, default=10_000, help="exact-mode trials")
    parser.add_argument("--tokens", type=int, default=8192, help="tokens routed by the EP group")
    parser.add_argument("--ranks", type=int, default=16, help="moe_ep (EP ranks)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the median")
    args = parser.parse_args()
    if args.fit:
        fit()
    else:
        bench(args)


if __name__ == "__main__":
    main()
