"""Tests of the dispatch simulator: buffer rules, samplers, fast mode and recommendations.

The brute-force oracle below draws one Gumbel per expert per token, the plain definition of
the routing law, and the samplers are held to it statistically.
"""

from __future__ import annotations

import functools
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mindie_epcheck.cost.dispatch import (
    DEFAULT_THRESHOLDS,
    DispatchStats,
    Routing,
    Skew,
    buffer_rows,
    coefficient_for,
    cutoff_rows,
    recommend_factors,
    simulate_exact,
    simulate_fast,
    wilson_interval,
)
from mindie_epcheck.cost.dispatch_compositions import composition_law
from mindie_epcheck.cost.dispatch_exact import sample_per_token, sample_uniform
from mindie_epcheck.cost.skew_spec import parse_skew

REPO = Path(__file__).resolve().parents[1]
V3_16 = Routing.deepseek_v3(16)
MINDIE_DEFAULT_FACTORS = [
    [1048576, 1.32],
    [524288, 1.4],
    [262144, 1.53],
    [131072, 1.8],
    [32768, 3.0],
    [8192, 5.2],
    [0, 8.0],
]


def brute_force_rows(
    routing: Routing, popularity: np.ndarray, tokens: int, trials: int, seed: int
) -> np.ndarray:
    """Route with one Gumbel per expert per token; return rows per rank per trial."""
    rng = np.random.default_rng(seed)
    per_rank = routing.experts // routing.ranks
    rows = np.zeros((trials, routing.ranks), dtype=np.int64)
    for trial in range(trials):
        scores = np.log(popularity) + rng.gumbel(size=(tokens, routing.experts))
        if routing.group_limited:
            grouped = scores.reshape(tokens, routing.n_group, routing.group_size)
            top2 = -np.partition(-grouped, 1, axis=2)[:, :, :2]
            group_score = top2.sum(axis=2)
            dropped = np.argsort(-group_score, axis=1)[:, routing.topk_group :]
            np.put_along_axis(grouped, dropped[..., None], -np.inf, axis=1)
            scores = grouped.reshape(tokens, routing.experts)
        picks = np.argpartition(-scores, routing.top_k - 1, axis=1)[:, : routing.top_k]
        rows[trial] = np.bincount((picks // per_rank).ravel(), minlength=routing.ranks)
    return rows


def brute_force_compositions(routing: Routing, tokens: int, seed: int) -> dict:
    """Frequencies of sorted per-group pick counts under uniform popularity."""
    rng = np.random.default_rng(seed)
    groups, size, kept = routing.n_group, routing.group_size, routing.topk_group
    scores = rng.gumbel(size=(tokens, groups, size))
    top2 = -np.partition(-scores, 1, axis=2)[:, :, :2]
    dropped = np.argsort(-top2.sum(axis=2), axis=1)[:, kept:]
    np.put_along_axis(scores, dropped[..., None], -np.inf, axis=1)
    picks = np.argpartition(-scores.reshape(tokens, -1), routing.top_k - 1, axis=1)
    group = picks[:, : routing.top_k] // size
    counts = np.zeros((tokens, groups), dtype=np.int64)
    np.add.at(counts, (np.repeat(np.arange(tokens), routing.top_k), group.ravel()), 1)
    ordered = -np.sort(-counts, axis=1)
    frequencies: dict = {}
    for row in map(tuple, ordered.tolist()):
        key = tuple(part for part in row if part)
        frequencies[key] = frequencies.get(key, 0) + 1
    return {key: value / tokens for key, value in frequencies.items()}


# --- MindIE's buffer rules -------------------------------------------------------------------


def test_buffer_rows_rounds_up_to_moe_ep() -> None:
    assert buffer_rows(4096, 8, 1.8, 16) == 58992
    assert buffer_rows(1, 8, 1.0, 16) == 16
    assert buffer_rows(100, 6, 1.32, 32) == 800  # int(792.0000000000001) = 792 -> 800


def test_buffer_rows_truncates_before_rounding() -> None:
    # 3 * 8 * 1.1 = 26.400000000000002: int() gives 26, rounded up to 32 for moe_ep 16.
    assert buffer_rows(3, 8, 1.1, 16) == 32
    assert buffer_rows(2, 8, 1.0, 16) == 16


def test_coefficient_first_match_in_list_order() -> None:
    assert coefficient_for(5000, MINDIE_DEFAULT_FACTORS, 16) == 8.0
    assert coefficient_for(8192, MINDIE_DEFAULT_FACTORS, 16) == 5.2
    assert coefficient_for(2_000_000, MINDIE_DEFAULT_FACTORS, 16) == 1.32
    # An ascending list: the [0, c] entry matches every length first.
    assert coefficient_for(200_000, [[0, 8.0], [131072, 1.8]], 16) == 8.0


def test_coefficient_no_match_is_moe_ep() -> None:
    assert coefficient_for(5000, [[8192, 5.2]], 16) == 16.0
    assert coefficient_for(5000, [], 32) == 32.0


def test_coefficient_rejects_malformed_entry() -> None:
    with pytest.raises(ValueError, match="entry 1"):
        coefficient_for(5000, [[8192, 5.2], [0]], 16)


def test_cutoff_rows() -> None:
    # topk 8, f 0.25: scaled_topk 2, truncation starts above 16384 tokens.
    assert cutoff_rows(16384, 8, 0.25) == 16384 * 8
    assert cutoff_rows(16385, 8, 0.25) == 131072
    assert cutoff_rows(100_000, 8, 0.25) == 200_000
    # int() floors: topk 6 with f 0.3 keeps 1 row per token, not 1.8.
    assert cutoff_rows(100_000, 6, 0.3) == 100_000


# --- Inputs ---------------------------------------------------------------------------------


def test_parse_skew_uniform_and_dirichlet() -> None:
    assert parse_skew("uniform") == Skew()
    assert parse_skew("dirichlet:8") == Skew("dirichlet", alpha=8.0)


@pytest.mark.parametrize(
    "text", ["dirichlet:x", "dirichlet:0", "dirichlet:-1", "dirichlet:1e-10", "zipf:1", ""]
)
def test_parse_skew_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_skew(text)


def test_skew_histogram_list_is_normalised(tmp_path: Path) -> None:
    path = tmp_path / "load.json"
    path.write_text(json.dumps([2, 1, 1, 0]))
    skew = parse_skew(f"histogram:{path}", experts=4)
    assert skew.kind == "histogram"
    assert skew.load == (0.5, 0.25, 0.25, 0.0)


def test_skew_histogram_object_form(tmp_path: Path) -> None:
    path = tmp_path / "load.json"
    path.write_text(json.dumps({"expert_load": [1.0, 3.0]}))
    assert parse_skew(f"histogram:{path}").load == (0.25, 0.75)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ([1, 2, 3], "has 3 loads, but the model has 4"),
        ([1, -2, 3, 4], "entry 1 .* is -2"),
        ([0, 0, 0, 0], "all 4 loads .* are zero"),
        ([1, True, 3, 4], "entry 1 .* is true"),
        ({"load": [1, 2, 3, 4]}, "must contain a JSON list"),
        ("text", "must contain a JSON list"),
        ([], "has no loads"),
    ],
)
def test_skew_histogram_rejects(tmp_path: Path, content: object, message: str) -> None:
    path = tmp_path / "load.json"
    path.write_text(json.dumps(content))
    with pytest.raises(ValueError, match=message):
        parse_skew(f"histogram:{path}", experts=4)


def test_skew_histogram_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "load.json"
    path.write_text("[1, 2,")
    with pytest.raises(ValueError, match="not valid JSON"):
        parse_skew(f"histogram:{path}")


def test_skew_histogram_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        parse_skew(f"histogram:{tmp_path / 'absent.json'}")


def test_routing_rejects_invalid_shapes() -> None:
    with pytest.raises(ValueError, match="n_group 7"):
        Routing(experts=256, top_k=8, n_group=7, topk_group=4)
    with pytest.raises(ValueError, match="topk_group 9"):
        Routing(experts=256, top_k=8, n_group=8, topk_group=9)
    with pytest.raises(ValueError, match="exceeds"):
        Routing(experts=16, top_k=8, n_group=8, topk_group=2)
    with pytest.raises(ValueError, match="top-2"):
        Routing(experts=8, top_k=2, n_group=8, topk_group=4)


def test_placement_is_contiguous_blocks() -> None:
    ranks = V3_16.expert_ranks()
    assert ranks[:16] == [0] * 16
    assert ranks[16] == 1
    assert ranks[255] == 15
    assert V3_16.group_segments()[0] == [(0, 16), (1, 16)]
    assert Routing.deepseek_v3(4).group_segments()[1] == [(0, 32)]


def test_placement_segments_across_group_boundary() -> None:
    routing = Routing(experts=96, top_k=4, n_group=8, topk_group=4, ranks=12)
    assert routing.group_segments()[1] == [(1, 4), (2, 8)]


@pytest.mark.parametrize("simulate", [simulate_exact, simulate_fast])
def test_experts_not_divisible_by_ranks(simulate: object) -> None:
    with pytest.raises(ValueError, match="do not divide over moe_ep 64"):
        simulate(Routing.deepseek_v2(64), Skew(), 1024, 10, 0)  # type: ignore[operator]


def test_histogram_length_checked_at_simulation() -> None:
    skew = Skew("histogram", load=(0.5, 0.5))
    with pytest.raises(ValueError, match="2 entries"):
        simulate_fast(V3_16, skew, 1024, 10, 0)


def test_import_does_not_load_numpy() -> None:
    code = "import sys, mindie_epcheck.cost.dispatch; print('numpy' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == "False"


# --- Exact mode -----------------------------------------------------------------------------


@pytest.mark.parametrize("routing", [Routing.deepseek_v3(8), Routing.deepseek_v2(8)])
def test_composition_law_sums_to_one(routing: Routing) -> None:
    _, probabilities = composition_law(
        routing.group_size, routing.n_group, routing.topk_group, routing.top_k
    )
    assert math.isclose(sum(probabilities), 1.0, abs_tol=1e-12)
    assert min(probabilities) > 0


@pytest.mark.parametrize("routing", [Routing.deepseek_v3(8), Routing.deepseek_v2(8)])
def test_composition_law_matches_brute_force(routing: Routing) -> None:
    tokens = 100_000
    parts, probabilities = composition_law(
        routing.group_size, routing.n_group, routing.topk_group, routing.top_k
    )
    observed = brute_force_compositions(routing, tokens, seed=11)
    assert set(observed) <= set(parts)
    for composition, probability in zip(parts, probabilities, strict=True):
        error = math.sqrt(probability * (1 - probability) / tokens)
        frequency = observed.get(composition, 0.0)
        assert abs(frequency - probability) < 5 * error + 1e-5, composition


def test_composition_law_v3_values() -> None:
    parts, probabilities = composition_law(32, 8, 4, 8)
    law = dict(zip(parts, probabilities, strict=True))
    assert law[(3, 2, 2, 1)] == pytest.approx(0.569403, abs=1e-6)
    assert law[(2, 2, 2, 2)] == pytest.approx(0.131729, abs=1e-6)


def _moments(rows: np.ndarray) -> tuple[float, float, float]:
    """Variance of one rank's rows, covariance with its group neighbour and a far rank."""
    centred = rows - rows.mean(axis=0)
    variance = float((centred**2).mean())
    near = float((centred[:, 0] * centred[:, 1]).mean())
    far = float((centred[:, 0] * centred[:, -1]).mean())
    return variance, near, far


@pytest.mark.parametrize(
    "routing",
    [
        V3_16,
        Routing.deepseek_v2(32),
        Routing(experts=96, top_k=4, n_group=8, topk_group=4, ranks=12),
        Routing(experts=64, top_k=6, n_group=1, topk_group=1, ranks=8),
    ],
    ids=["v3-p16", "v2-p32", "misaligned", "no-group-limit"],
)
def test_uniform_sampler_matches_brute_force(routing: Routing) -> None:
    tokens, trials = 64, 3000
    popularity = np.full(routing.experts, 1.0 / routing.experts)
    brute = brute_force_rows(routing, popularity, tokens, trials, seed=5)
    exact = sample_uniform(routing, tokens, 20_000, np.random.default_rng(6))
    assert (exact.sum(axis=1) == tokens * routing.top_k).all()
    for expected, actual in zip(_moments(brute), _moments(exact), strict=True):
        # Sampling error of a second moment from 3,000 trials is about 2.6 %; the
        # variance scale bounds the covariances' error.
        assert abs(actual - expected) < 0.12 * _moments(brute)[0]


def test_per_token_sampler_matches_brute_force_with_skew() -> None:
    routing = Routing.deepseek_v3(8)
    rng = np.random.default_rng(9)
    load = rng.lognormal(0.0, 1.0, routing.experts)
    load[:5] = 0.0  # zero-load experts must never be picked in practice
    popularity = load / load.sum()
    tokens, trials = 256, 400
    brute = brute_force_rows(routing, np.maximum(popularity, 1e-300), tokens, trials, seed=3)
    per_token = sample_per_token(
        routing, np.tile(popularity, (trials, 1)), tokens, np.random.default_rng(4)
    )
    assert (per_token.sum(axis=1) == tokens * routing.top_k).all()
    brute_share = brute.sum(axis=0) / brute.sum()
    share = per_token.sum(axis=0) / per_token.sum()
    # Each share is estimated from 819,200 picks: the standard error is below 0.0006.
    np.testing.assert_allclose(share, brute_share, atol=0.003)
    brute_spread = brute.std(axis=0).mean()
    assert per_token.std(axis=0).mean() == pytest.approx(brute_spread, rel=0.1)


def test_per_token_matches_aggregated_for_uniform() -> None:
    aggregated = simulate_exact(V3_16, Skew(), 256, 3000, 1)
    per_token = simulate_exact(V3_16, Skew(), 256, 3000, 2, per_token=True)
    assert per_token.gamma_median == pytest.approx(aggregated.gamma_median, rel=0.01)
    assert per_token.gamma_p99 == pytest.approx(aggregated.gamma_p99, rel=0.03)


@pytest.mark.parametrize("simulate", [simulate_exact, simulate_fast])
def test_same_seed_same_rows(simulate: object) -> None:
    first = simulate(V3_16, Skew("dirichlet", alpha=8.0), 256, 50, 7)  # type: ignore[operator]
    again = simulate(V3_16, Skew("dirichlet", alpha=8.0), 256, 50, 7)  # type: ignore[operator]
    other = simulate(V3_16, Skew("dirichlet", alpha=8.0), 256, 50, 8)  # type: ignore[operator]
    assert np.array_equal(first.rows, again.rows)
    assert not np.array_equal(first.rows, other.rows)


@functools.cache
def exact_dirichlet(alpha: float, tokens: int) -> DispatchStats:
    """Exact per-token run shared by several tests: 1,000 trials take about 3 s."""
    return simulate_exact(V3_16, Skew("dirichlet", alpha=alpha), tokens, 1000, 3)


# --- Reference figures (DeepSeek-V3, P = 16, tokens routed by the EP group) --------------


@pytest.mark.parametrize(
    ("skew", "tokens", "median", "p99"),
    [
        (Skew(), 1024, 1.08, 1.16),
        (Skew(), 65536, 1.01, 1.01),
        (Skew("dirichlet", alpha=4.0), 1024, 1.27, 1.50),
    ],
    ids=["uniform-1k", "uniform-64k", "dirichlet4-1k"],
)
@pytest.mark.parametrize("simulate", [simulate_exact, simulate_fast], ids=["exact", "fast"])
def test_reference_gamma(
    simulate: object, skew: Skew, tokens: int, median: float, p99: float
) -> None:
    if skew.kind == "dirichlet" and simulate is simulate_exact:
        assert skew.alpha is not None
        stats = exact_dirichlet(skew.alpha, tokens)
    else:
        stats = simulate(V3_16, skew, tokens, 4000, 3)  # type: ignore[operator]
    assert stats.gamma_median == pytest.approx(median, rel=0.05)
    assert stats.gamma_p99 == pytest.approx(p99, rel=0.05)


# --- Fast mode against exact mode -----------------------------------------------------------

GRID = [
    (routing, tokens)
    for make in (Routing.deepseek_v3, Routing.deepseek_v2)
    for ranks in (4, 8, 16, 32, 64)
    for tokens in (128, 1024, 8192, 131072)
    if (routing := make(ranks)).experts % ranks == 0  # 160 experts over 64 ranks is invalid
]


def test_fast_matches_exact_over_grid() -> None:
    assert len(GRID) == 36
    failures = []
    for routing, tokens in GRID:
        exact = simulate_exact(routing, Skew(), tokens, 2000, 1).gamma_p99
        fast = simulate_fast(routing, Skew(), tokens, 2000, 2).gamma_p99
        if abs(fast / exact - 1) > 0.05:
            failures.append((routing.experts, routing.ranks, tokens, exact, fast))
    assert failures == []


@pytest.mark.parametrize("alpha", [4.0, 16.0])
def test_fast_matches_exact_with_dirichlet(alpha: float) -> None:
    exact = exact_dirichlet(alpha, 1024)
    fast = simulate_fast(V3_16, Skew("dirichlet", alpha=alpha), 1024, 4000, 2)
    assert fast.gamma_median == pytest.approx(exact.gamma_median, rel=0.05)
    assert fast.gamma_p99 == pytest.approx(exact.gamma_p99, rel=0.05)


def test_fast_call_is_quick() -> None:
    import time

    simulate_fast(V3_16, Skew(), 8192)
    start = time.perf_counter()
    simulate_fast(V3_16, Skew(), 8192)
    # Typically about 6 ms on a 2-core VM; the bound leaves room for a loaded CI machine.
    assert time.perf_counter() - start < 0.05


# --- Statistics -----------------------------------------------------------------------------


def _stats(rows: list[list[float]], tokens: int, routing: Routing) -> DispatchStats:
    return DispatchStats(routing, Skew(), tokens, "exact", np.array(rows, dtype=float))


def test_wilson_interval_known_values() -> None:
    p, low, high = wilson_interval(0, 100)
    assert p == 0.0
    assert low == 0.0
    assert high == pytest.approx(0.0370, abs=1e-4)
    p, low, high = wilson_interval(10, 100)
    assert (low, high) == (pytest.approx(0.0552, abs=1e-4), pytest.approx(0.1744, abs=1e-4))


def test_overflow_and_truncation_from_rows() -> None:
    routing = Routing(experts=4, top_k=1, ranks=2)
    stats = _stats([[6, 4], [5, 5], [8, 2], [5, 5]], tokens=10, routing=routing)
    assert stats.mean_rows == 5.0
    assert list(stats.max_rows) == [6, 5, 8, 5]
    assert stats.gamma_median == pytest.approx(1.1)
    p, low, high = stats.overflow_probability(5)
    assert p == 0.5
    assert low < 0.5 < high
    # Rows above a budget of 5: 1 + 0 + 3 + 0 over 4 trials, per 10 routed rows.
    assert stats.truncated_fraction(5) == pytest.approx(0.1)
    assert stats.truncated_fraction(10) == 0.0


def test_exact_rows_sum_to_routed_rows() -> None:
    stats = simulate_exact(V3_16, Skew(), 1000, 100, 0)
    assert (stats.rows.sum(axis=1) == 8000).all()


# --- Recommendation -------------------------------------------------------------------------


def test_recommend_factors_shape() -> None:
    table = recommend_factors(V3_16, Skew(), trials=4000)
    assert [entry[0] for entry in table] == list(DEFAULT_THRESHOLDS)
    assert table[-1][0] == 0
    coefficients = [entry[1] for entry in table]
    assert all(c >= 1.0 for c in coefficients)
    assert coefficients == sorted(coefficients)  # never grows with the threshold
    assert all(round(c, 2) == c for c in coefficients)
    assert json.loads(json.dumps(table)) == table


def test_recommend_factors_meets_target() -> None:
    skew = Skew("dirichlet", alpha=8.0)
    table = recommend_factors(V3_16, skew, thresholds=[8192, 0], target=0.01, trials=4000)
    per_rank = 8192
    stats = simulate_fast(V3_16, skew, per_rank * 16, 20_000, 99)
    rows = buffer_rows(per_rank, 8, table[0][1], 16)
    p, _, _ = stats.overflow_probability(rows)
    assert p < 0.02
    smaller = buffer_rows(per_rank, 8, table[0][1] - 0.05, 16)
    assert stats.overflow_probability(smaller)[0] > 0.01


def test_recommend_factors_adds_zero_threshold_and_sorts() -> None:
    table = recommend_factors(V3_16, Skew(), thresholds=[8192, 131072], trials=2000)
    assert [entry[0] for entry in table] == [131072, 8192, 0]


def test_recommend_factors_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="at least 1000 trials"):
        recommend_factors(V3_16, Skew(), trials=500)
    with pytest.raises(ValueError, match="target"):
        recommend_factors(V3_16, Skew(), target=1.5)
    with pytest.raises(ValueError, match="thresholds"):
        recommend_factors(V3_16, Skew(), thresholds=[-1])


def test_parse_skew_histogram_is_bounded(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    with pytest.raises(ValueError, match="not valid JSON"):
        parse_skew(f"histogram:{deep}")
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        parse_skew(f"histogram:{fifo}")


def test_parse_skew_histogram_of_huge_loads(tmp_path: Path) -> None:
    path = tmp_path / "load.json"
    path.write_text(json.dumps([1e308, 1e308]))
    assert parse_skew(f"histogram:{path}").load == (0.5, 0.5)
