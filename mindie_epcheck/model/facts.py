"""Facts about the served model: DeepSeek MoE shapes, quantization and parameter counts.

The facts come from the Hugging Face config.json in modelWeightPath, from a config file named on
the command line, or from a built-in preset of DeepSeek's published configs. `ModelFacts.source`
records which one was used. Parameter counts are derived from the shapes, never stored.
"""

from __future__ import annotations

import enum
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from mindie_epcheck.i18n import Text
from mindie_epcheck.model.hardware import DATA_DIR
from mindie_epcheck.os_errors import os_reason
from mindie_epcheck.safe_read import FileTooLargeError, NotRegularFileError, read_regular_file

FAMILY_DEEPSEEK_V2 = "deepseek_v2"
FAMILY_DEEPSEEK_V3 = "deepseek_v3"
FAMILY_OTHER = "other"
DEEPSEEK_FAMILIES = (FAMILY_DEEPSEEK_V2, FAMILY_DEEPSEEK_V3)

QUANTIZATIONS = ("w8a8", "w4a8", "bf16", "fp16", "fp8")

CONFIG_FILE_NAME = "config.json"
DEFAULT_MAX_CONFIG_BYTES = 1_048_576

# A quantization token must not follow a letter or run into a digit, so "w8a8_dynamic" and
# "dsr1w8a8" match while "xfp16" and "fp160" do not. "a8w8" is the same scheme under the
# MindSpore naming (for example DeepSeek-R1-0528-A8W8).
# NOTE: "w8a8s" and "w8a8sc" (sparse and sparse-compressed) also read as w8a8, which
# overstates their weight size.
_QUANTIZATION_PATTERN = re.compile(r"(?<![a-z])(w8a8|a8w8|w4a8|bf16|fp16|fp8)(?![0-9])")
_QUANTIZATION_ALIASES = {"a8w8": "w8a8"}

# Every preset entry in "_match" matches only at a token boundary: not after a letter or digit,
# and not before a digit (so "deepseek-v3" matches "deepseek-v3-0324" but not "deepseek-v30").
# A leading "^" anchors the entry to the start of the name, for short entries such as "r1".
_MATCH_ANCHOR = "^"
_DISTILL_MARKER = "distill"


class FactsSource(enum.Enum):
    """Origin of a model's facts."""

    WEIGHTS_CONFIG = "weights_config"
    MODEL_CONFIG_OPTION = "model_config_option"
    PRESET = "preset"
    NONE = "none"


@dataclass(frozen=True, kw_only=True)
class ModelFacts:
    """Shapes of a DeepSeek-style MoE model with MLA attention, named as in HF config.json.

    `quantization` is one of QUANTIZATIONS or None when unknown; use `dataclasses.replace` to
    fill it from names. Counts are parameters (weights), not bytes.
    """

    name: str
    family: str
    model_type: str
    hidden_size: int
    intermediate_size: int
    moe_intermediate_size: int
    num_hidden_layers: int
    first_k_dense_replace: int
    n_routed_experts: int
    num_experts_per_tok: int
    n_shared_experts: int
    num_attention_heads: int
    kv_lora_rank: int
    q_lora_rank: int | None
    qk_nope_head_dim: int
    qk_rope_head_dim: int
    v_head_dim: int
    vocab_size: int
    num_nextn_predict_layers: int
    n_group: int
    topk_group: int
    topk_method: str | None
    torch_dtype: str | None
    quantization: str | None
    source: FactsSource
    source_detail: str

    @property
    def is_deepseek_moe(self) -> bool:
        """Whether MindIE serves this model through its DeepSeek MoE path (V2, V3, R1)."""
        return self.family in DEEPSEEK_FAMILIES

    def moe_layer_count(self, include_mtp: bool = False) -> int:
        """Return the number of MoE layers, counting each MTP module as one more."""
        mtp_layers = self.num_nextn_predict_layers if include_mtp else 0
        return self.num_hidden_layers - self.first_k_dense_replace + mtp_layers

    def attention_replicated_params_per_layer(self) -> int:
        """Count the attention weights that attention tensor parallelism does not split.

        These are q_a_proj and its norm (absent without q_lora_rank), kv_a_proj_with_mqa and
        its norm, and the layer's input and post-attention RMSNorms.
        """
        hidden = self.hidden_size
        kv_a = hidden * (self.kv_lora_rank + self.qk_rope_head_dim) + self.kv_lora_rank
        layer_norms = 2 * hidden
        if self.q_lora_rank is None:
            return kv_a + layer_norms
        q_a = hidden * self.q_lora_rank + self.q_lora_rank
        return q_a + kv_a + layer_norms

    def attention_split_params_per_layer(self) -> int:
        """Count the attention weights split over attention tensor parallelism (by heads).

        These are q_b_proj (q_proj without q_lora_rank), kv_b_proj and o_proj.
        """
        heads = self.num_attention_heads
        query_width = heads * (self.qk_nope_head_dim + self.qk_rope_head_dim)
        query_input = self.hidden_size if self.q_lora_rank is None else self.q_lora_rank
        kv_b = self.kv_lora_rank * heads * (self.qk_nope_head_dim + self.v_head_dim)
        o_proj = heads * self.v_head_dim * self.hidden_size
        return query_input * query_width + kv_b + o_proj

    def attention_params_per_layer(self) -> int:
        """Count one layer's MLA weights including its two RMSNorms (187.12 M for V3)."""
        return (
            self.attention_replicated_params_per_layer() + self.attention_split_params_per_layer()
        )

    def dense_mlp_params(self) -> int:
        """Count one dense SwiGLU MLP: gate, up and down projections, 3 * H * I."""
        return 3 * self.hidden_size * self.intermediate_size

    def expert_params(self) -> int:
        """Count one expert (routed or shared), 3 * H * moe_intermediate_size."""
        return 3 * self.hidden_size * self.moe_intermediate_size

    def shared_expert_params(self) -> int:
        """Count the shared experts of one MoE layer."""
        return self.n_shared_experts * self.expert_params()

    def gate_params(self) -> int:
        """Count the router of one MoE layer: E * H, plus the per-expert score bias of noaux_tc."""
        bias = self.n_routed_experts if self.topk_method == "noaux_tc" else 0
        return self.n_routed_experts * self.hidden_size + bias

    def moe_mlp_params(self) -> int:
        """Count the MLP part of one MoE layer: routed experts, shared experts and router."""
        routed = self.n_routed_experts * self.expert_params()
        return routed + self.shared_expert_params() + self.gate_params()

    def embedding_params(self) -> int:
        """Count the token embedding, V * H. The untied lm_head has the same size."""
        return self.vocab_size * self.hidden_size

    def routed_expert_params_total(self, include_mtp: bool = False) -> int:
        """Count all routed experts over the MoE layers (653.9 B for V3 without MTP)."""
        return self.moe_layer_count(include_mtp) * self.n_routed_experts * self.expert_params()

    def mtp_params(self) -> int:
        """Count the MTP modules without the embedding and lm_head they share with the model.

        One module is a full MoE decoder layer plus eh_proj (2H x H) and three RMSNorms
        (enorm, hnorm and the shared head's norm): 11.6 B for V3. The HF checkpoint also
        stores copies of the shared embedding and lm_head, which this count leaves out.
        """
        hidden = self.hidden_size
        layer = self.attention_params_per_layer() + self.moe_mlp_params()
        projection_and_norms = 2 * hidden * hidden + 3 * hidden
        return self.num_nextn_predict_layers * (layer + projection_and_norms)

    def total_params(self, include_mtp: bool = False) -> int:
        """Count every weight of the main model; with include_mtp, add the MTP modules.

        Without MTP this is DeepSeek's published total (671 B for V3/R1, 236 B for V2).
        NOTE: assumes moe_layer_freq 1 and untied embeddings, as every DeepSeek V2/V3 config has.
        """
        attention = self.num_hidden_layers * self.attention_params_per_layer()
        dense = self.first_k_dense_replace * self.dense_mlp_params()
        moe = self.moe_layer_count() * self.moe_mlp_params()
        embedding_and_head = 2 * self.embedding_params()
        final_norm = self.hidden_size
        total = attention + dense + moe + embedding_and_head + final_norm
        if include_mtp:
            total += self.mtp_params()
        return total


# ---------------------------------------------------------------- HF config.json -> facts

_POSITIVE_FIELDS = (
    "hidden_size",
    "intermediate_size",
    "moe_intermediate_size",
    "num_hidden_layers",
    "n_routed_experts",
    "num_experts_per_tok",
    "num_attention_heads",
    "kv_lora_rank",
    "qk_nope_head_dim",
    "qk_rope_head_dim",
    "v_head_dim",
    "vocab_size",
)
MOE_FIELDS = ("n_routed_experts", "num_experts_per_tok", "moe_intermediate_size")

# Fields DeepSeek's configs always carry but other writers may omit, with the value that
# means "feature absent": no shared experts, no MTP module, no group-limited routing.
_OPTIONAL_COUNT_DEFAULTS = {
    "n_shared_experts": 0,
    "num_nextn_predict_layers": 0,
    "n_group": 1,
    "topk_group": 1,
}


class _ConfigReader:
    """Typed reader of a parsed config.json that collects problems instead of raising."""

    def __init__(self, value: dict[str, Any]) -> None:
        self.value = value
        self.problems: list[str] = []

    def integer(self, key: str, minimum: int, default: int | None = None) -> int:
        raw = self.value.get(key)
        if raw is None and default is not None:
            return default
        if raw is None:
            self.problems.append(f"missing {key}")
            return minimum
        # bool is a subclass of int in Python, but true is not a layer count.
        if type(raw) is not int or raw < minimum:
            self.problems.append(f"{key} must be an integer >= {minimum}, got {raw!r}")
            return minimum
        return raw

    def optional_rank(self, key: str) -> int | None:
        raw = self.value.get(key)
        # DeepSeek-V2-Lite writes null, and some converters write 0 with the same meaning.
        if raw is None or raw == 0:
            return None
        if type(raw) is not int or raw < 0:
            self.problems.append(f"{key} must be null or a positive integer, got {raw!r}")
            return None
        return raw

    def text(self, key: str, required: bool) -> str | None:
        raw = self.value.get(key)
        if isinstance(raw, str) and raw:
            return raw
        if required or raw is not None:
            self.problems.append(f"{key} must be a non-empty string, got {raw!r}")
        return None


def has_moe_fields(value: dict[str, Any]) -> bool:
    """Check whether a parsed config.json names DeepSeek-style MoE fields."""
    return all(key in value for key in MOE_FIELDS)


def _read_shape_fields(reader: _ConfigReader) -> dict[str, Any]:
    fields: dict[str, Any] = {key: reader.integer(key, minimum=1) for key in _POSITIVE_FIELDS}
    fields["first_k_dense_replace"] = reader.integer("first_k_dense_replace", minimum=0)
    for key, default in _OPTIONAL_COUNT_DEFAULTS.items():
        fields[key] = reader.integer(key, minimum=0, default=default)
    fields["q_lora_rank"] = reader.optional_rank("q_lora_rank")
    fields["model_type"] = reader.text("model_type", required=True) or ""
    fields["topk_method"] = reader.text("topk_method", required=False)
    fields["torch_dtype"] = reader.text("torch_dtype", required=False)
    return fields


def _check_consistency(fields: dict[str, Any], problems: list[str]) -> None:
    if fields["first_k_dense_replace"] > fields["num_hidden_layers"]:
        problems.append("first_k_dense_replace is larger than num_hidden_layers")
    if fields["num_experts_per_tok"] > fields["n_routed_experts"]:
        problems.append("num_experts_per_tok is larger than n_routed_experts")
    if fields["topk_group"] > fields["n_group"]:
        problems.append("topk_group is larger than n_group")


def _parse_fields(value: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Return the ModelFacts shape fields of a config and the problems found in them."""
    reader = _ConfigReader(value)
    fields = _read_shape_fields(reader)
    if not reader.problems:
        _check_consistency(fields, reader.problems)
    return fields, reader.problems


def hf_config_problems(value: dict[str, Any]) -> list[str]:
    """List why a parsed config.json cannot give ModelFacts. An empty list means it can."""
    return _parse_fields(value)[1]


def _family_of(model_type: str) -> str:
    return model_type if model_type in DEEPSEEK_FAMILIES else FAMILY_OTHER


def quantization_from_hf_config(value: dict[str, Any]) -> str | None:
    """Find the weights' quantization in a parsed config.json, or None when it names none.

    MindIE reads the top-level "quantize" key ("w8a8_dynamic" for DeepSeek W8A8 weights), so
    that key wins even over a stale quantization_config left from the FP8 checkpoint. Then
    quantization_config.quantize and quantization_config.quant_method ("fp8") are tried.
    """
    quantize = value.get("quantize")
    if isinstance(quantize, str) and quantize:
        return quantization_from_names(quantize)

    quantization_config = value.get("quantization_config")
    if not isinstance(quantization_config, dict):
        return None
    for key in ("quantize", "quant_method"):
        found = quantization_config.get(key)
        quantization = quantization_from_names(found) if isinstance(found, str) else None
        if quantization:
            return quantization
    return None


def facts_from_hf_config(
    value: dict[str, Any], source: FactsSource, detail: str, *, name: str | None = None
) -> ModelFacts | None:
    """Build ModelFacts from a parsed HF config.json, or return None when it cannot.

    None means the config lacks the MoE fields or has an invalid shape field, and
    `hf_config_problems` lists which. The name defaults to the config's "_name" key (set by
    the presets) and then to its model_type.
    """
    if not has_moe_fields(value):
        return None
    fields, problems = _parse_fields(value)
    if problems:
        return None

    preset_name = value.get("_name")
    default_name = preset_name if isinstance(preset_name, str) else fields["model_type"]
    return ModelFacts(
        name=name or default_name,
        family=_family_of(fields["model_type"]),
        quantization=quantization_from_hf_config(value),
        source=source,
        source_detail=detail,
        **fields,
    )


# ---------------------------------------------------------------- names -> quantization, preset


def quantization_from_names(*names: str | None) -> str | None:
    """Find a quantization token (w8a8, w4a8, bf16, fp16, fp8) in the names, case-insensitive.

    The names are searched in the order given, so pass the weight directory's name before
    modelName: it describes the weights themselves. Within one name a quantized format wins
    over bf16/fp16, because a name such as "DeepSeek-R1-bf16-hfd-w8a8" names the bf16
    weights were quantized.
    """
    for name in names:
        if not name:
            continue
        tokens = [
            _QUANTIZATION_ALIASES.get(match.group(1), match.group(1))
            for match in _QUANTIZATION_PATTERN.finditer(name.lower())
        ]
        if tokens:
            quantized = [token for token in tokens if token not in ("bf16", "fp16")]
            return quantized[-1] if quantized else tokens[0]
    return None


def last_path_part(path: str | None) -> str | None:
    """Return the last component of a POSIX or Windows path, ignoring trailing separators."""
    if not path:
        return None
    last = re.split(r"[/\\]", path.rstrip("/\\"))[-1]
    return last or None


def _presets_dir() -> Path:
    return DATA_DIR / "presets"


def list_presets() -> list[str]:
    """Return the names of the built-in model presets, sorted."""
    return list(_preset_names())


@cache
def _preset_names() -> tuple[str, ...]:
    suffix = ".json"
    names = (entry.name for entry in _presets_dir().iterdir() if entry.name.endswith(suffix))
    return tuple(sorted(name[: -len(suffix)] for name in names))


def _read_preset_document(name: str) -> dict[str, Any]:
    presets = list_presets()
    if name not in presets:
        raise ValueError(f"unknown model preset {name!r}. Available presets: {', '.join(presets)}")
    document: dict[str, Any] = json.loads(_preset_text(name))
    return document


@cache
def _preset_text(name: str) -> str:
    # Cached: a run over many files reads each preset once, not once per file.
    return (_presets_dir() / f"{name}.json").read_text(encoding="utf-8")


def load_preset(name: str) -> ModelFacts:
    """Load a built-in preset by name, for example "deepseek-r1". Quantization stays None.

    Raises ValueError for an unknown name.
    """
    document = _read_preset_document(name)
    facts = facts_from_hf_config(document, FactsSource.PRESET, name)
    if facts is None:
        problems = "; ".join(hf_config_problems(document)) or "missing MoE fields"
        raise ValueError(f"built-in model preset {name!r} is invalid: {problems}")
    return facts


def _compile_match_entry(entry: str) -> re.Pattern[str]:
    if entry.startswith(_MATCH_ANCHOR):
        return re.compile(_MATCH_ANCHOR + re.escape(entry[1:]) + r"(?![0-9])")
    return re.compile(r"(?<![a-z0-9])" + re.escape(entry) + r"(?![0-9])")


@cache
def _match_table() -> tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]:
    """Return each preset with its compiled "_match" entries. The result is immutable."""
    table = []
    for name in list_presets():
        entries = _read_preset_document(name).get("_match", [])
        patterns = tuple(_compile_match_entry(str(entry).lower()) for entry in entries)
        table.append((name, patterns))
    return tuple(table)


def _preset_hits(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield (matched length, start position, preset) for every "_match" entry found in text."""
    for preset, patterns in _match_table():
        for pattern in patterns:
            found = pattern.search(text)
            if found:
                yield found.end() - found.start(), found.start(), preset


def _preset_for_name(name: str) -> str | None:
    # The longest entry wins, so "deepseek-v2-lite-chat" selects deepseek-v2-lite and not
    # deepseek-v2. Among equally long entries, the one nearer the start of the name wins.
    hits = sorted(_preset_hits(name.lower()), key=lambda hit: (-hit[0], hit[1], hit[2]))
    return hits[0][2] if hits else None


def match_preset(model_name: str | None, weight_path: str | None) -> str | None:
    """Pick a built-in preset from modelName and the last part of modelWeightPath.

    The weight directory's name wins when it selects a preset, because it names the weights
    actually loaded. "distill" anywhere in either string selects no preset, because the
    DeepSeek-R1-Distill models are dense Qwen and Llama models.
    """
    texts = [text.lower() for text in (model_name, weight_path) if text]
    if any(_DISTILL_MARKER in text for text in texts):
        return None

    weight_dir = last_path_part(weight_path)
    from_path = _preset_for_name(weight_dir) if weight_dir else None
    if from_path:
        return from_path
    return _preset_for_name(model_name) if model_name else None


# ---------------------------------------------------------------- <modelWeightPath>/config.json


NOT_REGULAR = Text(
    "{path} is not a regular file, so it is not a model config.json",
    "{path} 不是普通文件，因此不是模型的 config.json",
)
OVER_LIMIT = Text(
    "{path} is over the {limit}-byte limit for a model config.json; check that "
    "modelWeightPath points at the model's weight directory",
    "{path} 超过模型 config.json 的 {limit} 字节上限；请检查 modelWeightPath 是否指向模型的权重目录",
)
READ_FAILED = Text("failed to read {path}: {reason}", "读取 {path} 失败：{reason}")
NOT_JSON = Text("{path} is not valid JSON: {reason}", "{path} 不是合法的 JSON：{reason}")
NOT_OBJECT = Text(
    "{path} does not contain a JSON object, so it is not a model config.json",
    "{path} 的内容不是 JSON 对象，因此不是模型的 config.json",
)


def _parse_config_bytes(path: str, data: bytes) -> tuple[dict[str, Any] | None, Text | None]:
    try:
        # json.loads detects UTF-8, UTF-16 and UTF-32 (with or without BOM) from the bytes.
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:
        return None, NOT_JSON.format(path=path, reason=str(exc))
    if not isinstance(value, dict):
        return None, NOT_OBJECT.format(path=path)
    return value, None


def read_weights_config(
    weight_dir: str, max_bytes: int = DEFAULT_MAX_CONFIG_BYTES
) -> tuple[dict[str, Any] | None, Text | None]:
    """Read <weight_dir>/config.json and return (parsed object, None) or (None, the reason).

    Only that one file is read; nothing the config names (auto_map code, other files) is
    followed. A missing file or directory returns (None, None), because offline checks
    usually run without the weights. Files over max_bytes, non-regular files and invalid
    JSON return an error text.
    """
    path = os.path.join(weight_dir, CONFIG_FILE_NAME)
    try:
        data = read_regular_file(path, max_bytes)
    except (FileNotFoundError, NotADirectoryError):
        return None, None
    except NotRegularFileError:
        return None, NOT_REGULAR.format(path=path)
    except FileTooLargeError:
        return None, OVER_LIMIT.format(path=path, limit=max_bytes)
    except OSError as exc:
        reason = os_reason(exc)
        return None, Text(
            READ_FAILED.en.format(path=path, reason=reason.en),
            READ_FAILED.zh.format(path=path, reason=reason.zh),
        )
    return _parse_config_bytes(path, data)
