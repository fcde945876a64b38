"""The memory and communication estimates reproduce the published DeepSeek sizing."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from helpers import SAMPLES

from mindie_epcheck.cost.comm import estimate_comm
from mindie_epcheck.cost.deployment import GIB, Deployment, build_deployment
from mindie_epcheck.cost.memory import (
    checkpoint_bytes,
    coefficient_for,
    cutoff_rows,
    estimate_memory,
)
from mindie_epcheck.model.context import Settings
from mindie_epcheck.model.facts import load_preset
from mindie_epcheck.pipeline import build_subject
from mindie_epcheck.source.document import load

LONG_SEQ = json.loads((SAMPLES / "seed" / "ep-level-1-long-seq-dual-node.config.json").read_text())
RECIPE = {"NPU_MEMORY_FRACTION": "0.92"}


def deployment_for(
    config: dict[str, Any], nodes: int, env: dict[str, str] | None = None
) -> Deployment:
    subject = build_subject(
        load("config.json", json.dumps(config).encode()), Settings(nodes=nodes, env=env or {})
    )
    view, entry = subject.entries()[0]
    deployment = build_deployment(subject, view, entry)
    assert deployment is not None
    return deployment


def sized(quantization: str, nodes: int, tp: int = 8) -> dict[str, Any]:
    """DeepSeek-R1 at a short context on `nodes` Atlas 800I A2, dp x tp over all devices."""
    config = copy.deepcopy(LONG_SEQ)
    backend = config["BackendConfig"]
    backend["multiNodesInferEnabled"] = nodes > 1
    backend["ModelDeployConfig"].update(maxSeqLen=4096, maxInputTokenLen=2048)
    backend["ScheduleConfig"].update(maxPrefillTokens=8192, maxBatchSize=64)
    entry = backend["ModelDeployConfig"]["ModelConfig"][0]
    for key in ("cp", "sp"):
        entry.pop(key)
    entry.update(
        modelName=f"DeepSeek-R1_{quantization}",
        modelWeightPath=f"/data/DeepSeek-R1_{quantization}",
        tp=tp,
        dp=8 * nodes // tp,
        moe_ep=8 * nodes,
        moe_tp=1,
        models={"deepseekv2": {"ep_level": 1}},
    )
    return config


def within(value: float, reference: float, tolerance: float = 0.05) -> bool:
    return abs(value - reference) <= tolerance * reference


def test_w8a8_does_not_fit_one_a2() -> None:
    estimate = estimate_memory(deployment_for(sized("w8a8", 1), 1, RECIPE), 1)
    assert within(estimate.weights_total / GIB, 79), estimate.weights_total / GIB
    assert estimate.kv_cache_free < 0


def test_w8a8_fits_two_a2() -> None:
    estimate = estimate_memory(deployment_for(sized("w8a8", 2), 2, RECIPE), 1)
    assert within(estimate.weights_total / GIB, 41), estimate.weights_total / GIB
    assert estimate.kv_cache_free > 0


@pytest.mark.parametrize(("nodes", "fits"), [(2, False), (4, True)])
def test_bf16_needs_four_a2(nodes: int, fits: bool) -> None:
    estimate = estimate_memory(deployment_for(sized("bf16", nodes), nodes, RECIPE), 2)
    assert (estimate.kv_cache_free > 0) is fits


def test_w4a8_fits_one_a2() -> None:
    estimate = estimate_memory(deployment_for(sized("w4a8", 1), 1, RECIPE), 1)
    assert estimate.kv_cache_free > 0


def test_checkpoint_sizes() -> None:
    facts = load_preset("deepseek-r1")
    assert within(checkpoint_bytes(facts, "fp8") / GIB, 640)
    assert within(checkpoint_bytes(facts, "bf16") / 1024**4, 1.3)


def test_kv_cache_per_token_bf16() -> None:
    deployment = deployment_for(sized("w8a8", 2), 2)
    estimate = estimate_memory(deployment, 1)
    assert estimate.kv_bytes_per_token == 70_272
    assert within(66_000 * estimate.kv_bytes_per_token / GIB, 4.32, 0.01)


def test_worked_66k_case_needs_the_cutoff() -> None:
    with_cutoff = estimate_memory(deployment_for(LONG_SEQ, 2, RECIPE), 1)
    without = copy.deepcopy(LONG_SEQ)
    entry = without["BackendConfig"]["ModelDeployConfig"]["ModelConfig"][0]
    entry["models"] = {"deepseekv2": {"ep_level": 1}}
    no_cutoff = estimate_memory(deployment_for(without, 2, RECIPE), 1)
    assert within(no_cutoff.moe_activation_upper_bound / GIB, 15.6)
    assert no_cutoff.kv_cache_free < 0
    assert within(with_cutoff.moe_activation_upper_bound / GIB, 3.9)
    assert within(with_cutoff.kv_cache_free / GIB, 6.7, 0.1)


def test_cutoff_rows_formula() -> None:
    assert cutoff_rows(16_384, 8, 0.25) == 16_384 * 8 // 4 * 4  # no truncation at 16384
    assert cutoff_rows(16_385, 8, 0.25) < 16_385 * 8
    assert cutoff_rows(66_000, 8, 0.25) == 132_000


def test_coefficient_lookup_first_match_and_fallback() -> None:
    factors = [[8192, 5.2], [0, 8.0]]
    assert coefficient_for(10_000, factors, 16) == 5.2
    assert coefficient_for(100, factors, 16) == 8.0
    assert coefficient_for(100, [[8192, 5.2]], 16) == 16.0
    assert coefficient_for(100_000, [[0, 2.0], [8192, 5.2]], 16) == 2.0


def test_level1_moves_more_bytes_than_level2() -> None:
    deployment = deployment_for(sized("w8a8", 2), 2)
    ratio = (
        estimate_comm(deployment, 1).bytes_per_moe_layer
        / estimate_comm(deployment, 2).bytes_per_moe_layer
    )
    # P (b_g + b_r) / (k (b_d + b_c)) = 16 x 4 / (8 x 3) for bf16 gather/reduce,
    # int8 dispatch and bf16 combine.
    assert within(ratio, 16 * 4 / (8 * 3))
