"""The inputs of the cost model for one ModelConfig entry, read from the typed subject."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from typing import Any

from mindie_epcheck.model.context import Subject
from mindie_epcheck.model.facts import ModelFacts
from mindie_epcheck.model.hardware import DATA_DIR, HardwareProfile, load_profiles
from mindie_epcheck.model.view import EntryView, ServiceView


@cache
def constants() -> dict[str, Any]:
    """Read the cost constants of data/cost.json once; callers must not change them."""
    text = (DATA_DIR / "cost.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


GIB = 1024**3
MIB = 1024**2


@dataclass(frozen=True, slots=True)
class Deployment:
    """One model instance as input to the cost model, with the effective MindIE sizes."""

    facts: ModelFacts
    quantization: str
    hardware: HardwareProfile
    world: int
    per_node: int
    nodes: int
    tp: int
    dp: int
    cp: int
    moe_ep: int
    moe_tp: int
    ep_level: int | None
    mtp_layers: int
    speculative_tokens: int
    # eplb.num_redundant_experts: extra expert copies over the whole EP group, not per rank.
    redundant_experts: int
    cutoff: bool
    topk_factor: float
    buffer_factors: list[list[float]] | None
    max_seq_len: int
    max_prefill_tokens: int
    max_batch_size: int
    memory_fraction: float
    hccl_buffsize_mb: int
    # False when NPU_MEMORY_FRACTION came from MindIE's default, not the user's environment.
    memory_fraction_given: bool = False
    # False when neither the weights nor the names give the precision, so bf16 is assumed.
    quantization_known: bool = True

    @property
    def experts_per_rank(self) -> float:
        return (self.facts.n_routed_experts + self.redundant_experts) / self.moe_ep

    @property
    def moe_layers(self) -> int:
        return self.facts.moe_layer_count() + self.mtp_layers

    @property
    def layers(self) -> int:
        return self.facts.num_hidden_layers + self.mtp_layers


def _speculative_tokens(entry: EntryView) -> int:
    """Read num_speculative_tokens from plugin_params (a JSON string) when MTP is on."""
    params = entry.entry.plugin_params
    if not params:
        return 0
    try:
        parsed = json.loads(params)
    except ValueError:
        return 0
    if not isinstance(parsed, dict) or "mtp" not in str(parsed.get("plugin_type", "")):
        return 0
    value = parsed.get("num_speculative_tokens", 1)
    return value if isinstance(value, int) and value > 0 else 1


def _env_float(subject: Subject, key: str, default: float) -> float:
    """Read a positive, finite number from the environment; anything else gives `default`."""
    try:
        value = float(subject.settings.env.get(key, default))
    except ValueError:
        return default
    return value if math.isfinite(value) and value > 0 else default


def _memory_fraction(subject: Subject) -> float:
    """NPU_MEMORY_FRACTION is a share of device memory: (0, 1], else MindIE's default."""
    default = float(constants()["memory_fraction_default"]["value"])
    value = _env_float(subject, "NPU_MEMORY_FRACTION", default)
    return value if value <= 1 else default


def _ep_settings(subject: Subject, entry: EntryView) -> dict[str, Any]:
    block = subject.ep_block(entry)
    options = block.options if block else None
    raw = block.raw if block else {}
    eplb = raw.get("eplb") if isinstance(raw.get("eplb"), dict) else {}
    redundant = eplb.get("num_redundant_experts", 0) if isinstance(eplb, dict) else 0
    factors = options.alltoall_ep_buffer_scale_factors if options else None
    return {
        "ep_level": options.ep_level if options else None,
        "cutoff": bool(options and options.enable_init_routing_cutoff),
        "topk_factor": _topk_factor(options.topk_scaling_factor if options else None),
        "buffer_factors": factors if _valid_factors(factors) else None,
        "redundant_experts": redundant if isinstance(redundant, int) and redundant >= 0 else 0,
    }


def _topk_factor(value: float | None) -> float:
    """Return the cutoff's share of top-k rows; an invalid one (EP305 reports it) counts as 1."""
    if value is None or not math.isfinite(value) or value <= 0:
        return 1.0
    # Past 1 the cutoff keeps every row (EP305 reports the value).
    return min(float(value), 1.0)


# Thresholds are token counts and coefficients small multiples. Larger items would overflow the
# buffer arithmetic, so the estimate ignores such factors and the EP3 rules report them.
MAX_FACTOR_ITEM = float(1 << 40)


def _valid_factors(value: Any) -> bool:
    # NaN and Infinity (EP005 reports them) would make every row count meaningless.
    return isinstance(value, list) and all(
        isinstance(pair, list)
        and len(pair) == 2
        and all(
            isinstance(item, (int, float))
            and not isinstance(item, bool)
            and math.isfinite(item)
            and abs(item) <= MAX_FACTOR_ITEM
            for item in pair
        )
        for pair in value
    )


def build_deployment(
    subject: Subject, view: ServiceView, entry: EntryView, hardware_key: str | None = None
) -> Deployment | None:
    """Collect the cost inputs, or None when the model or the layout is not known well enough."""
    facts = subject.facts_for(entry)
    layout = subject.layout(view, entry)
    if facts is None or not facts.is_deepseek_moe or layout.world is None or not layout.per_node:
        return None
    if layout.tp is None or layout.moe_tp is None or min(layout.tp, layout.moe_tp) < 1:
        return None

    profiles = load_profiles()
    key = hardware_key or subject.hardware.name
    if key not in profiles:
        return None

    deploy = view.deploy
    schedule = view.schedule
    # Absent lengths take the values of MindIE 3.0's shipped config.json (maxSeqLen 2560,
    # maxBatchSize 200).
    max_seq_len = (deploy.max_seq_len if deploy else None) or 2560
    speculative = _speculative_tokens(entry)

    deployment = Deployment(
        facts=facts,
        quantization=facts.quantization or "bf16",
        hardware=profiles[key],
        world=layout.world,
        per_node=layout.per_node,
        nodes=layout.nodes or 1,
        tp=layout.tp,
        dp=max(layout.dp, 1),
        cp=max(layout.cp, 1),
        moe_ep=max(layout.moe_ep, 1),
        moe_tp=layout.moe_tp,
        mtp_layers=facts.num_nextn_predict_layers if speculative else 0,
        speculative_tokens=speculative,
        max_seq_len=max_seq_len,
        max_prefill_tokens=(schedule.max_prefill_tokens if schedule else None) or max_seq_len,
        max_batch_size=(schedule.max_batch_size if schedule else None) or 200,
        memory_fraction=_memory_fraction(subject),
        memory_fraction_given="NPU_MEMORY_FRACTION" in subject.settings.env,
        quantization_known=facts.quantization is not None,
        hccl_buffsize_mb=int(
            _env_float(
                subject,
                "HCCL_BUFFSIZE",
                constants()["hccl_buffer_mb"]["default_hccl_buffsize"],
            )
        ),
        **_ep_settings(subject, entry),
    )
    return deployment if _plausible(deployment) else None


# Bounds of the sizes the cost model computes with. MindIE takes far smaller ones: a rank table
# has ranks 0 to 511, and lengths are 32-bit. Past these bounds the estimate means nothing and
# the arithmetic could overflow, so the cost rules skip the entry and the EP1/EP2 rules report.
MAX_RANKS = 1 << 16
MAX_LENGTH = (1 << 31) - 1
MAX_HCCL_BUFFSIZE_MB = 1 << 20


def _plausible(deployment: Deployment) -> bool:
    ranks = (
        deployment.world,
        deployment.per_node,
        deployment.nodes,
        deployment.tp,
        deployment.dp,
        deployment.cp,
        deployment.moe_ep,
        deployment.moe_tp,
        deployment.redundant_experts,
    )
    lengths = (
        deployment.max_seq_len,
        deployment.max_prefill_tokens,
        deployment.max_batch_size,
    )
    return (
        all(0 <= value <= MAX_RANKS for value in ranks)
        and all(0 <= value <= MAX_LENGTH for value in lengths)
        and 0 <= deployment.hccl_buffsize_mb <= MAX_HCCL_BUFFSIZE_MB
    )
