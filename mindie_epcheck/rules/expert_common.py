"""Shared helpers of the EP3xx rules on the expert-parallel options in `models.deepseekv2`.

Facts from MindIE-LLM 3.0 (`flash_causal_deepseekv2.py`) and MindIE's Expert Parallel page:
the options act only when moe_ep > 1 on a DeepSeek-V2/V3/R1 model. The block key is
`deepseekv2`, or the weights' model_type (`deepseek_v2`, `deepseek_v3`), which wins when both
are present. Rules about option values run only where the options act; EP303 and EP317
report the blocks that do nothing.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeGuard

from mindie_epcheck.model.context import EpBlock, Subject
from mindie_epcheck.model.facts import ModelFacts, last_path_part, match_preset
from mindie_epcheck.model.layout import Layout
from mindie_epcheck.model.view import EntryView, ServiceView

# Model families whose names, in modelName or the weight directory, mean "not DeepSeek".
_OTHER_FAMILY = re.compile(
    r"(?<![a-z])(qwen|llama|chatglm|glm|baichuan|internlm|mistral|mixtral|gemma|telechat|"
    r"hunyuan|minicpm|bloom|falcon|starcoder|codegeex|aquila|phi)"
)


class ModelKind(str, Enum):
    DEEPSEEK = "deepseek"
    OTHER = "other"
    UNKNOWN = "unknown"


def names_other_family(entry: EntryView) -> bool:
    """Check whether modelName or the weight directory names a model family other than DeepSeek.

    DeepSeek-R1-Distill models are dense Qwen and Llama models, so "distill" counts as another
    family even though the name also contains "deepseek".
    """
    model_name = entry.entry.model_name
    weight_dir = last_path_part(entry.entry.model_weight_path)
    text = " ".join(part.lower() for part in (model_name, weight_dir) if part)
    if "distill" in text:
        return True
    if match_preset(model_name, entry.entry.model_weight_path) is not None:
        return False
    return _OTHER_FAMILY.search(text) is not None


def model_kind(subject: Subject, entry: EntryView) -> ModelKind:
    facts = subject.facts_for(entry)
    if facts is not None:
        return ModelKind.DEEPSEEK if facts.is_deepseek_moe else ModelKind.OTHER
    return ModelKind.OTHER if names_other_family(entry) else ModelKind.UNKNOWN


def is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_integer(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def number_text(value: float) -> str:
    """Format a number from the config compactly: 8192, 5.2, 3.0, 1e+20."""
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)


@dataclass(frozen=True, slots=True)
class EpTarget:
    """A ModelConfig entry with its layout, the EP block MindIE reads, and the model facts."""

    view: ServiceView
    entry: EntryView
    layout: Layout
    block: EpBlock | None
    facts: ModelFacts | None

    def option(self, key: str) -> Any:
        return self.block.raw.get(key) if self.block is not None else None

    def has(self, key: str) -> bool:
        return self.block is not None and key in self.block.raw

    def at(self, *tokens: str | int) -> str:
        assert self.block is not None
        return self.block.at(*tokens)

    @property
    def ep_level(self) -> int | None:
        value = self.option("ep_level")
        return value if is_integer(value) else None

    @property
    def effective_level(self) -> int:
        """The ep_level MindIE uses: 1 when the key is absent."""
        if not self.has("ep_level"):
            return 1
        return self.ep_level if self.ep_level is not None else 1

    @property
    def cutoff_on(self) -> bool:
        """Whether the routing cutoff runs: it needs enable_init_routing_cutoff true and level 1."""
        return self.option("enable_init_routing_cutoff") is True and self.effective_level == 1

    @property
    def scaling_factor(self) -> float | None:
        value = self.option("topk_scaling_factor")
        if not is_number(value):
            return None
        try:
            return float(value)
        except OverflowError:  # an integer too large for a double
            return math.inf


def all_ep_targets(subject: Subject) -> Iterator[EpTarget]:
    for view, entry in subject.entries():
        layout = subject.layout(view, entry)
        yield EpTarget(view, entry, layout, subject.ep_block(entry), subject.facts_for(entry))


def active_targets(subject: Subject) -> Iterator[EpTarget]:
    """Yield the entries where the EP options act: moe_ep > 1 on a DeepSeek or unknown model."""
    for target in all_ep_targets(subject):
        if target.layout.moe_ep > 1 and model_kind(subject, target.entry) != ModelKind.OTHER:
            yield target


def moe_ep_pointer(target: EpTarget) -> str:
    return target.entry.at("moe_ep")
