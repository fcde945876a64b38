"""The parallel layout MindIE derives from a ModelConfig entry and the node count.

Extras such as tp or moe_ep reach the Python side of MindIE as strings: the C++ parser casts
a number to int32 (2.5 becomes "2"), writes true as "1", drops arrays and objects, and the
Python side applies int(). Defaults and the global world size follow
`atb_llm/utils/mapping.py` in MindIE-LLM 3.0.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

PARALLEL_KEYS = ("tp", "dp", "sp", "cp", "pp", "moe_tp", "moe_ep")


class ExtraStatus(str, Enum):
    ABSENT = "absent"
    INTEGER = "integer"
    INTEGRAL_FLOAT = "integral_float"  # 8.0: cast to 8
    NUMERIC_STRING = "numeric_string"  # "8": int("8") works
    TRUNCATED = "truncated"  # 2.5: cast to 2
    BOOL = "bool"  # true: becomes "1"
    DROPPED = "dropped"  # arrays, objects and null never reach the model
    INVALID = "invalid"  # "eight": int() raises at start


@dataclass(frozen=True, slots=True)
class ExtraValue:
    key: str
    raw: Any
    value: int | None
    status: ExtraStatus

    @property
    def present(self) -> bool:
        return self.status not in (ExtraStatus.ABSENT, ExtraStatus.DROPPED)


def _int32(number: float) -> int:
    return int(number)  # C++ static_cast<int32_t> truncates toward zero, as int() does


def read_extra(raw: dict[str, Any], key: str) -> ExtraValue:
    """Return the integer MindIE will use for the extra `key` of a raw ModelConfig entry."""
    if key not in raw:
        return ExtraValue(key, None, None, ExtraStatus.ABSENT)
    value = raw[key]
    if isinstance(value, bool):
        return ExtraValue(key, value, int(value), ExtraStatus.BOOL)
    if isinstance(value, int):
        return ExtraValue(key, value, value, ExtraStatus.INTEGER)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ExtraValue(key, value, None, ExtraStatus.INVALID)
        status = ExtraStatus.INTEGRAL_FLOAT if value.is_integer() else ExtraStatus.TRUNCATED
        return ExtraValue(key, value, _int32(value), status)
    if isinstance(value, str):
        try:
            return ExtraValue(key, value, int(value), ExtraStatus.NUMERIC_STRING)
        except ValueError:
            return ExtraValue(key, value, None, ExtraStatus.INVALID)
    return ExtraValue(key, value, None, ExtraStatus.DROPPED)


class NodeSource(str, Enum):
    SINGLE = "single"  # multiNodesInferEnabled is false or absent
    OPTION = "option"  # --nodes
    RANKTABLE = "ranktable"  # server_count of the rank table
    PODS = "pods"  # MindIE-MS pod counts
    INFERRED = "inferred"  # explicit tp * dp * cp divided by worldSize
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Layout:
    """Effective parallel sizes; a size is None where it depends on an unknown world size."""

    extras: dict[str, ExtraValue]
    per_node: int | None
    nodes: int | None
    node_source: NodeSource
    world: int | None
    tp: int | None
    dp: int
    cp: int
    sp: int
    pp: int
    moe_ep: int
    moe_tp: int | None

    def explicit(self, key: str) -> bool:
        return self.extras[key].present and self.extras[key].value is not None


def read_extras(raw: dict[str, Any]) -> dict[str, ExtraValue]:
    return {key: read_extra(raw, key) for key in PARALLEL_KEYS}


def infer_nodes(extras: dict[str, ExtraValue], per_node: int | None) -> int | None:
    """Guess the node count from an explicit layout when no rank table gives it."""

    def value(key: str, default: int) -> int:
        extra = extras[key]
        return extra.value if extra.present and extra.value is not None else default

    tp = value("tp", 0)
    if tp <= 0 or not per_node:
        return None
    pp = value("pp", 1)
    product = tp * pp if pp > 1 else tp * value("dp", 1) * value("cp", 1)
    if product % per_node == 0 and product // per_node >= 2:
        return product // per_node
    return None


def compute_layout(
    raw: dict[str, Any], per_node: int | None, nodes: int | None, source: NodeSource
) -> Layout:
    extras = read_extras(raw)
    world = nodes * per_node if nodes is not None and per_node is not None else None

    def given(key: str, default: int) -> int:
        extra = extras[key]
        return extra.value if extra.present and extra.value is not None else default

    tp_value = extras["tp"].value if extras["tp"].present else None
    tp = tp_value if tp_value is not None else world
    moe_tp_value = extras["moe_tp"].value if extras["moe_tp"].present else None
    moe_tp = moe_tp_value if moe_tp_value is not None else tp
    return Layout(
        extras=extras,
        per_node=per_node,
        nodes=nodes,
        node_source=source,
        world=world,
        tp=tp,
        dp=given("dp", 1),
        cp=given("cp", 1),
        sp=given("sp", 1),
        pp=given("pp", 1),
        moe_ep=given("moe_ep", 1),
        moe_tp=moe_tp,
    )
