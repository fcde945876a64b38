"""Tests for the model facts layer: presets, name matching, config.json reading, parameter counts.

The expected parameter counts are reference figures rounded to the digits shown: DeepSeek's
published totals and the per-layer sizes that follow from the published configs. Each test
rounds the derived count the same way and compares exactly, which is stricter than 1 %.
"""

from __future__ import annotations

import dataclasses
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from mindie_epcheck.model.facts import (
    FAMILY_DEEPSEEK_V2,
    FAMILY_DEEPSEEK_V3,
    FAMILY_OTHER,
    FactsSource,
    ModelFacts,
    facts_from_hf_config,
    hf_config_problems,
    last_path_part,
    list_presets,
    load_preset,
    match_preset,
    quantization_from_hf_config,
    quantization_from_names,
    read_weights_config,
)

BILLION = 1e9
MILLION = 1e6
GIB = 2**30


def preset_document(name: str) -> dict[str, Any]:
    """Return a preset's JSON object as stored in the package."""
    path = resources.files("mindie_epcheck") / "model" / "data" / "presets" / f"{name}.json"
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def hardware_document() -> dict[str, Any]:
    path = resources.files("mindie_epcheck") / "model" / "data" / "hardware.json"
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


# ---------------------------------------------------------------- presets


def test_list_presets_names() -> None:
    assert list_presets() == ["deepseek-r1", "deepseek-v2", "deepseek-v2-lite", "deepseek-v3"]


@pytest.mark.parametrize("name", list_presets())
def test_preset_loads(name: str) -> None:
    facts = load_preset(name)

    assert facts.source is FactsSource.PRESET
    assert facts.source_detail == name
    assert facts.quantization is None
    assert facts.is_deepseek_moe
    assert facts.torch_dtype == "bfloat16"


@pytest.mark.parametrize("name", list_presets())
def test_preset_has_source_and_match_list(name: str) -> None:
    document = preset_document(name)

    assert "Hugging Face" in document["_source"]
    assert document["_match"]
    for entry in document["_match"]:
        assert entry == entry.lower()
        assert "distill" not in entry


# Rows of the published-config table: model_type, H, I, I_m, L, k_d, E, k, S, heads,
# kv_lora, q_lora, nope, rope, v, V, MTP layers, n_group, topk_group.
PUBLISHED_SHAPES = {
    "deepseek-v2": (
        "deepseek_v2", 5120, 12288, 1536, 60, 1, 160, 6, 2, 128,
        512, 1536, 128, 64, 128, 102400, 0, 8, 3,
    ),
    "deepseek-v2-lite": (
        "deepseek_v2", 2048, 10944, 1408, 27, 1, 64, 6, 2, 16,
        512, None, 128, 64, 128, 102400, 0, 1, 1,
    ),
    "deepseek-v3": (
        "deepseek_v3", 7168, 18432, 2048, 61, 3, 256, 8, 1, 128,
        512, 1536, 128, 64, 128, 129280, 1, 8, 4,
    ),
    "deepseek-r1": (
        "deepseek_v3", 7168, 18432, 2048, 61, 3, 256, 8, 1, 128,
        512, 1536, 128, 64, 128, 129280, 1, 8, 4,
    ),
}  # fmt: skip


def shape_of(facts: ModelFacts) -> tuple[object, ...]:
    return (
        facts.model_type, facts.hidden_size, facts.intermediate_size,
        facts.moe_intermediate_size, facts.num_hidden_layers, facts.first_k_dense_replace,
        facts.n_routed_experts, facts.num_experts_per_tok, facts.n_shared_experts,
        facts.num_attention_heads, facts.kv_lora_rank, facts.q_lora_rank,
        facts.qk_nope_head_dim, facts.qk_rope_head_dim, facts.v_head_dim, facts.vocab_size,
        facts.num_nextn_predict_layers, facts.n_group, facts.topk_group,
    )  # fmt: skip


@pytest.mark.parametrize("name", sorted(PUBLISHED_SHAPES))
def test_preset_shapes_match_published_configs(name: str) -> None:
    assert shape_of(load_preset(name)) == PUBLISHED_SHAPES[name]


def test_preset_names_and_families() -> None:
    assert load_preset("deepseek-r1").name == "DeepSeek-R1"
    assert load_preset("deepseek-v3").family == FAMILY_DEEPSEEK_V3
    assert load_preset("deepseek-v2").family == FAMILY_DEEPSEEK_V2
    assert load_preset("deepseek-v2-lite").family == FAMILY_DEEPSEEK_V2


def test_load_preset_unknown_name() -> None:
    with pytest.raises(ValueError, match=r"unknown model preset 'qwen3'\. Available presets:"):
        load_preset("qwen3")


def test_load_preset_rejects_path_like_name() -> None:
    with pytest.raises(ValueError, match="unknown model preset"):
        load_preset("../presets/deepseek-r1")


# ---------------------------------------------------------------- parameter counts


def test_v3_attention_per_layer() -> None:
    facts = load_preset("deepseek-v3")

    assert round(facts.attention_params_per_layer() / MILLION, 2) == 187.12
    # q_a, kv_a and the norms stay whole on every attention TP rank.
    assert round(facts.attention_replicated_params_per_layer() / MILLION, 2) == 15.16
    assert round(facts.attention_split_params_per_layer() / MILLION, 2) == 171.97


def test_v3_attention_projection_sizes() -> None:
    # Reference sizes in millions: q_a 11.01, q_b 37.75, kv_a 4.13, kv_b 16.78, o 117.44.
    # Their sum plus the four RMSNorms is the per-layer count.
    facts = load_preset("deepseek-v3")
    q_lora = facts.q_lora_rank
    assert q_lora is not None
    q_a = facts.hidden_size * q_lora
    q_b = q_lora * facts.num_attention_heads * (facts.qk_nope_head_dim + facts.qk_rope_head_dim)
    kv_a = facts.hidden_size * (facts.kv_lora_rank + facts.qk_rope_head_dim)
    kv_b = (
        facts.kv_lora_rank * facts.num_attention_heads * (facts.qk_nope_head_dim + facts.v_head_dim)
    )
    o_proj = facts.num_attention_heads * facts.v_head_dim * facts.hidden_size

    assert [round(x / MILLION, 2) for x in (q_a, q_b, kv_a, kv_b, o_proj)] == [
        11.01, 37.75, 4.13, 16.78, 117.44,
    ]  # fmt: skip
    norms = q_lora + facts.kv_lora_rank + 2 * facts.hidden_size
    assert q_a + q_b + kv_a + kv_b + o_proj + norms == facts.attention_params_per_layer()


def test_v3_mlp_expert_and_embedding_sizes() -> None:
    facts = load_preset("deepseek-v3")

    assert round(facts.dense_mlp_params() / MILLION, 2) == 396.36
    assert round(facts.expert_params() / MILLION, 2) == 44.04
    assert round(facts.embedding_params() / MILLION, 1) == 926.7
    assert facts.gate_params() == 256 * 7168 + 256  # noaux_tc adds a score bias per expert


@pytest.mark.parametrize("name", ["deepseek-v3", "deepseek-r1"])
def test_v3_r1_totals(name: str) -> None:
    facts = load_preset(name)

    # 671.0 B is the main model WITHOUT the MTP module. With it the count is 682.6 B, and the
    # MTP module alone is 11.6 B.
    assert round(facts.total_params() / BILLION, 1) == 671.0
    assert round(facts.routed_expert_params_total() / BILLION, 1) == 653.9
    assert round(facts.mtp_params() / BILLION, 1) == 11.6
    assert facts.total_params(include_mtp=True) == facts.total_params() + facts.mtp_params()


def test_v3_moe_layer_count() -> None:
    facts = load_preset("deepseek-v3")

    assert facts.moe_layer_count() == 58
    assert facts.moe_layer_count(include_mtp=True) == 59


def test_v2_totals() -> None:
    facts = load_preset("deepseek-v2")

    assert round(facts.total_params() / BILLION, 1) == 235.7
    assert round(facts.routed_expert_params_total() / BILLION, 1) == 222.7
    assert facts.mtp_params() == 0
    assert facts.gate_params() == 160 * 5120  # group_limited_greedy has no score bias


def test_v2_lite_total_without_query_compression() -> None:
    # DeepSeek-V2-Lite's model card: 15.7B total parameters. Without q_lora_rank the query
    # is one H x heads*(nope+rope) projection and there is no q_a norm.
    facts = load_preset("deepseek-v2-lite")

    assert round(facts.total_params() / BILLION, 1) == 15.7
    assert facts.attention_split_params_per_layer() == (
        2048 * 16 * 192 + 512 * 16 * 256 + 16 * 128 * 2048
    )
    assert facts.attention_replicated_params_per_layer() == 2048 * 576 + 512 + 2 * 2048


# ---------------------------------------------------------------- match_preset

MATCH_CASES = [
    ("DeepSeek-R1_w8a8", None, "deepseek-r1"),
    ("deepseekr1", None, "deepseek-r1"),
    ("dsr1_w8a8_mtp_quant", None, "deepseek-r1"),
    ("external-deepseek-r1-ascend", None, "deepseek-r1"),
    ("deepseek-r1", "/models/DeepSeek-R1-Distill-Qwen-7B", None),
    ("qwen3", None, None),
    ("DeepSeek-V3-0324", None, "deepseek-v3"),
    ("DeepSeek-V2-Lite-Chat", None, "deepseek-v2-lite"),
    ("deepseek-v2", None, "deepseek-v2"),
    ("llama_65b", None, None),
]


@pytest.mark.parametrize(
    ("model_name", "weight_path", "expected"),
    MATCH_CASES,
    ids=[f"{name}|{path}" for name, path, _ in MATCH_CASES],
)
def test_match_preset_examples(
    model_name: str, weight_path: str | None, expected: str | None
) -> None:
    assert match_preset(model_name, weight_path) == expected


def test_match_preset_weight_path_wins() -> None:
    assert match_preset("deepseek-v3", "/data/DeepSeek-R1-W8A8/") == "deepseek-r1"
    assert match_preset("qwen3", "/data/DeepSeek-V2-Lite") == "deepseek-v2-lite"


def test_match_preset_falls_back_to_model_name() -> None:
    assert match_preset("deepseek-r1", "/data/weights") == "deepseek-r1"
    assert match_preset(None, "/data/weights") is None
    assert match_preset(None, None) is None


def test_match_preset_distill_in_model_name() -> None:
    assert match_preset("DeepSeek-R1-Distill-Llama-70B", None) is None
    assert match_preset("distilled", "/data/DeepSeek-R1") is None


def test_match_preset_short_r1_only_at_start() -> None:
    assert match_preset("r1_w8a8", None) == "deepseek-r1"
    assert match_preset("R1-0528", None) == "deepseek-r1"
    # Light-R1 and Fin-R1 are Qwen fine-tunes, so a bare "r1" later in a name selects nothing.
    assert match_preset("Light-R1-32B", None) is None
    assert match_preset("Fin-R1", None) is None


def test_match_preset_token_boundaries() -> None:
    assert match_preset("DeepSeekR1W8A8", None) == "deepseek-r1"
    assert match_preset("deepseek-v30", None) is None
    assert match_preset("mydeepseek-v3", None) is None


def test_match_preset_windows_path() -> None:
    assert match_preset(None, "D:\\models\\DeepSeek-V3\\") == "deepseek-v3"


def test_last_path_part() -> None:
    assert last_path_part("/data/DeepSeek-R1/") == "DeepSeek-R1"
    assert last_path_part("weights") == "weights"
    assert last_path_part("/") is None
    assert last_path_part("") is None
    assert last_path_part(None) is None


# ---------------------------------------------------------------- quantization

QUANTIZATION_NAME_CASES = [
    (("DeepSeek-R1_W8A8",), "w8a8"),
    (("dsr1_w8a8_mtp_quant",), "w8a8"),
    (("DeepSeek-R1-W4A8",), "w4a8"),
    (("deepseek-v3-bf16",), "bf16"),
    (("model.FP16",), "fp16"),
    (("DeepSeek-R1-fp8",), "fp8"),
    (("DeepSeek-R1-0528-A8W8",), "w8a8"),
    (("w8a8_dynamic",), "w8a8"),
    (("DeepSeek-R1-int8",), None),
    (("qwen3",), None),
    (("fp160",), None),
    ((None, "", "DeepSeek-R1-W8A8"), "w8a8"),
    (("DeepSeek-R1-W4A8", "deepseek-r1-bf16"), "w4a8"),
    ((), None),
]


@pytest.mark.parametrize(("names", "expected"), QUANTIZATION_NAME_CASES)
def test_quantization_from_names(names: tuple[str | None, ...], expected: str | None) -> None:
    assert quantization_from_names(*names) == expected


QUANTIZATION_CONFIG_CASES = [
    ({"quantize": "w8a8_dynamic"}, "w8a8"),
    ({"quantize": "w4a8_dynamic"}, "w4a8"),
    # A W8A8 conversion that kept the FP8 checkpoint's quantization_config: MindIE reads
    # "quantize", so it wins.
    ({"quantize": "w8a8_dynamic", "quantization_config": {"quant_method": "fp8"}}, "w8a8"),
    ({"quantization_config": {"quant_method": "fp8", "fmt": "e4m3"}}, "fp8"),
    (
        {"quantization_config": {"quant_method": "compressed-tensors", "quantize": "w8a8_dynamic"}},
        "w8a8",
    ),
    ({"quantize": "w8a16"}, None),
    ({"quantization_config": "fp8"}, None),
    ({}, None),
]


@pytest.mark.parametrize(("config", "expected"), QUANTIZATION_CONFIG_CASES)
def test_quantization_from_hf_config(config: dict[str, Any], expected: str | None) -> None:
    assert quantization_from_hf_config(config) == expected


# ---------------------------------------------------------------- facts_from_hf_config


def test_facts_from_hf_config_on_preset_dict() -> None:
    document = preset_document("deepseek-r1")

    facts = facts_from_hf_config(document, FactsSource.WEIGHTS_CONFIG, "/w/config.json")

    assert facts is not None
    assert facts.source is FactsSource.WEIGHTS_CONFIG
    assert facts.source_detail == "/w/config.json"
    preset = load_preset("deepseek-r1")
    same_source = dataclasses.replace(
        facts, source=preset.source, source_detail=preset.source_detail
    )
    assert same_source == preset


def test_facts_from_hf_config_reads_quantize_key() -> None:
    document = preset_document("deepseek-r1") | {"quantize": "w8a8_dynamic"}

    facts = facts_from_hf_config(document, FactsSource.WEIGHTS_CONFIG, "/w/config.json")

    assert facts is not None
    assert facts.quantization == "w8a8"


def test_facts_from_hf_config_names() -> None:
    document = preset_document("deepseek-v3")
    del document["_name"]

    unnamed = facts_from_hf_config(document, FactsSource.MODEL_CONFIG_OPTION, "v3.json")
    named = facts_from_hf_config(
        document, FactsSource.MODEL_CONFIG_OPTION, "v3.json", name="DeepSeek-V3-0324"
    )

    assert unnamed is not None
    assert unnamed.name == "deepseek_v3"
    assert named is not None
    assert named.name == "DeepSeek-V3-0324"


def test_facts_from_hf_config_dense_model() -> None:
    qwen = {"model_type": "qwen2", "hidden_size": 3584, "num_hidden_layers": 28}

    assert facts_from_hf_config(qwen, FactsSource.WEIGHTS_CONFIG, "q") is None
    assert "missing n_routed_experts" in hf_config_problems(qwen)


def test_facts_from_hf_config_invalid_field() -> None:
    document = preset_document("deepseek-v3") | {"num_hidden_layers": True, "vocab_size": "1"}

    assert facts_from_hf_config(document, FactsSource.WEIGHTS_CONFIG, "x") is None
    problems = hf_config_problems(document)
    assert "num_hidden_layers must be an integer >= 1, got True" in problems
    assert "vocab_size must be an integer >= 1, got '1'" in problems


def test_facts_from_hf_config_inconsistent_counts() -> None:
    document = preset_document("deepseek-v3") | {"num_experts_per_tok": 300}

    assert facts_from_hf_config(document, FactsSource.WEIGHTS_CONFIG, "x") is None
    assert hf_config_problems(document) == ["num_experts_per_tok is larger than n_routed_experts"]


def test_facts_from_hf_config_optional_fields_default() -> None:
    document = preset_document("deepseek-v2")
    for key in ("n_shared_experts", "num_nextn_predict_layers", "n_group", "topk_group"):
        del document[key]
    document["q_lora_rank"] = 0

    facts = facts_from_hf_config(document, FactsSource.WEIGHTS_CONFIG, "x")

    assert facts is not None
    assert facts.n_shared_experts == 0
    assert facts.num_nextn_predict_layers == 0
    assert facts.n_group == 1
    assert facts.topk_group == 1
    assert facts.q_lora_rank is None


def test_facts_from_hf_config_other_family() -> None:
    document = preset_document("deepseek-v3") | {"model_type": "kimi_k2"}

    facts = facts_from_hf_config(document, FactsSource.WEIGHTS_CONFIG, "x")

    assert facts is not None
    assert facts.family == FAMILY_OTHER
    assert not facts.is_deepseek_moe


# ---------------------------------------------------------------- read_weights_config


def test_read_weights_config_valid(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps(preset_document("deepseek-r1")))

    value, error = read_weights_config(str(tmp_path))

    assert error is None
    assert value is not None
    assert value["n_routed_experts"] == 256


def test_read_weights_config_utf8_bom(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_bytes(b"\xef\xbb\xbf" + b'{"model_type": "deepseek_v3"}')

    value, error = read_weights_config(str(tmp_path))

    assert error is None
    assert value == {"model_type": "deepseek_v3"}


def test_read_weights_config_too_big(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"padding": "' + "x" * 200 + '"}')

    value, error = read_weights_config(str(tmp_path), max_bytes=100)

    assert value is None
    assert error is not None
    assert "over the 100-byte limit" in error.en


def test_read_weights_config_missing(tmp_path: Path) -> None:
    assert read_weights_config(str(tmp_path)) == (None, None)
    assert read_weights_config(str(tmp_path / "no-such-dir")) == (None, None)


def test_read_weights_config_weight_path_is_a_file(tmp_path: Path) -> None:
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"\0")

    assert read_weights_config(str(weights)) == (None, None)


def test_read_weights_config_directory_named_config_json(tmp_path: Path) -> None:
    (tmp_path / "config.json").mkdir()

    value, error = read_weights_config(str(tmp_path))

    assert value is None
    assert error is not None
    assert "is not a regular file" in error.en


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_read_weights_config_fifo_does_not_block(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "config.json")

    value, error = read_weights_config(str(tmp_path))

    assert value is None
    assert error is not None
    assert "is not a regular file" in error.en


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs os.symlink")
def test_read_weights_config_follows_symlinked_file(tmp_path: Path) -> None:
    # Hugging Face caches store config.json as a symlink into a blobs folder.
    blob = tmp_path / "blob"
    blob.write_text('{"model_type": "deepseek_v3"}')
    snapshot = tmp_path / "snapshot"
    snapshot.mkdir()
    (snapshot / "config.json").symlink_to(blob)

    assert read_weights_config(str(snapshot)) == ({"model_type": "deepseek_v3"}, None)


@pytest.mark.parametrize(
    ("content", "expected_error"),
    [
        (b'{"model_type": ', "is not valid JSON"),
        (b"\xff\xfe\xfd{}", "is not valid JSON"),
        (b"[1, 2]", "does not contain a JSON object"),
        (b"", "is not valid JSON"),
        (b"[" * 100_000, "is not valid JSON"),
    ],
    ids=["truncated", "not-utf8", "array", "empty", "deeply-nested"],
)
def test_read_weights_config_invalid_json(
    tmp_path: Path, content: bytes, expected_error: str
) -> None:
    (tmp_path / "config.json").write_bytes(content)

    value, error = read_weights_config(str(tmp_path), max_bytes=200_000)

    assert value is None
    assert error is not None
    assert expected_error in error.en
    assert str(tmp_path / "config.json") in error.en


# ---------------------------------------------------------------- hardware.json

HARDWARE_NUMBERS = (
    "devices_per_node",
    "hbm_bytes",
    "intra_node_bandwidth_bytes_per_s",
    "inter_node_bandwidth_bytes_per_s",
    "intra_node_latency_s",
    "inter_node_latency_s",
)


def test_hardware_profile_names() -> None:
    profiles = hardware_document()["profiles"]

    assert sorted(profiles) == ["atlas-800i-a2-32g", "atlas-800i-a2-64g", "atlas-800i-a3"]


@pytest.mark.parametrize("profile", ["atlas-800i-a2-32g", "atlas-800i-a2-64g", "atlas-800i-a3"])
def test_hardware_numbers_carry_sources(profile: str) -> None:
    entry = hardware_document()["profiles"][profile]

    assert entry["name"]
    for key in HARDWARE_NUMBERS:
        number = entry[key]
        assert isinstance(number["value"], int | float), key
        assert number["value"] > 0, key
        assert isinstance(number["estimate"], bool), key
        assert len(number["source"]) > 20, key
        assert "../shared" not in number["source"], key


def test_hardware_latencies_are_estimates() -> None:
    for entry in hardware_document()["profiles"].values():
        assert entry["intra_node_latency_s"]["estimate"] is True
        assert entry["inter_node_latency_s"]["estimate"] is True
        assert "Estimate" in entry["intra_node_latency_s"]["source"]


def test_hardware_device_counts_and_memory() -> None:
    profiles = hardware_document()["profiles"]
    a2_64g = profiles["atlas-800i-a2-64g"]
    a2_32g = profiles["atlas-800i-a2-32g"]
    a3 = profiles["atlas-800i-a3"]

    assert a2_64g["devices_per_node"]["value"] == 8
    assert a2_64g["hbm_bytes"]["value"] == 64 * GIB
    assert a2_32g["devices_per_node"]["value"] == 8
    assert a2_32g["hbm_bytes"]["value"] == 32 * GIB
    assert a3["devices_per_node"]["value"] == 16
    assert a3["hbm_bytes"]["value"] == 64 * GIB
    assert "Inferred" in a3["hbm_bytes"]["source"]
    assert a2_64g["inter_node_bandwidth_bytes_per_s"]["value"] == 25e9
    assert a2_64g["intra_node_bandwidth_bytes_per_s"]["value"] == 150e9
