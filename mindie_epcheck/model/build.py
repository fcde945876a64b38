"""Validate a JSON value against a model and keep going past errors.

A linter needs a model of everything that is right plus a list of everything that is wrong.
`build` checks each field of the model's table (spec.py), records each error with the JSON
pointer of the value, and leaves an invalid value out, so the rules get a partial model in
which every present field has its declared type. Types are strict, as pydantic's strict mode
and MindIE's C++ parser read them: an integer field takes no 8.0, "8" or true.

What is left out: an invalid scalar, a list of scalars with any invalid item (whole), and a
non-object item of a list of objects, which becomes an empty object so that later entries keep
their indexes (the whole list, when no item is an object). Keys match the config.json names
only; MindIE ignores the attribute names.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mindie_epcheck.model.compiled import SPECS
from mindie_epcheck.model.spec import (
    AnyOf,
    Choice,
    FieldSpec,
    Kind,
    ListOf,
    ModelRef,
    ModelSpec,
    ModelT,
    Record,
    TypeNode,
)
from mindie_epcheck.source.nodes import join_pointer


@dataclass(frozen=True, slots=True)
class StructuralError:
    """A value whose type or range the model rejects; `expected` lists what would fit."""

    pointer: str
    category: str  # "type", "range", "choice" or "pattern"
    value: Any
    expected: tuple[str, ...]
    limit: Any = None
    # For a "choice" error, the accepted strings; `limit` words them in English.
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MissingField:
    pointer: str  # the object that lacks the key
    key: str


# The name of each kind in messages ("expected string"), as pydantic names its type errors.
_KIND_NAMES = {
    "int": "int",
    "bool": "bool",
    "str": "string",
    "float": "float",
    "dict": "dict",
}


class _Invalid:
    """Marker of a value that failed its check, so that its field is left out."""


INVALID = _Invalid()


def build(
    spec: ModelSpec[ModelT], value: Any, base: str
) -> tuple[ModelT | None, list[StructuralError]]:
    """Check `value` (found at pointer `base`) and return the partial model and its errors."""
    if not isinstance(value, dict):
        return None, []
    errors: list[StructuralError] = []
    record = _record(spec, value, base, errors)
    return record, errors  # type: ignore[return-value]


def _record(
    spec: ModelSpec[Any], value: dict[str, Any], pointer: str, errors: list[StructuralError]
) -> Record:
    found: dict[str, Any] = {}
    for field in spec.fields:
        # Every field is optional: null reads as an absent key, as in pydantic's `X | None`.
        if value.get(field.key) is not None:
            checked = _field(field, value[field.key], join_pointer(pointer, field.key), errors)
            if checked is not INVALID:
                found[field.attr] = checked
    return spec.record(found)


def _field(field: FieldSpec, value: Any, pointer: str, errors: list[StructuralError]) -> Any:
    checked = _check(field.type, value, pointer, errors)
    if checked is INVALID:
        return INVALID
    failure = _limit_error(field, value, pointer)
    if failure is not None:
        errors.append(failure)
        return INVALID
    return checked


def _check(node: TypeNode, value: Any, pointer: str, errors: list[StructuralError]) -> Any:
    if isinstance(node, Kind):
        if _is_kind(node.name, value):
            return value
        errors.append(StructuralError(pointer, "type", value, (_KIND_NAMES[node.name],)))
        return INVALID
    if isinstance(node, Choice):
        if isinstance(value, str) and value in node.values:
            return value
        failure = StructuralError(
            pointer, "choice", value, ("expected",), _or(node.values), node.values
        )
        errors.append(failure)
        return INVALID
    if isinstance(node, AnyOf):
        return _any_of(node, value, pointer, errors)
    if isinstance(node, ModelRef):
        if isinstance(value, dict):
            return _record(SPECS[node.name], value, pointer, errors)
        errors.append(StructuralError(pointer, "type", value, ("model",)))
        return INVALID
    return _list(node, value, pointer, errors)


def _is_kind(name: str, value: Any) -> bool:
    if name == "any":
        return True
    if name == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "bool":
        return isinstance(value, bool)
    if name == "str":
        return isinstance(value, str)
    if name == "float":
        return isinstance(value, float)
    return isinstance(value, dict)


def _any_of(node: AnyOf, value: Any, pointer: str, errors: list[StructuralError]) -> Any:
    expected: tuple[str, ...] = ()
    for member in node.members:
        failures: list[StructuralError] = []
        checked = _check(member, value, pointer, failures)
        if checked is not INVALID:
            return checked
        expected += tuple(name for failure in failures for name in failure.expected)
    errors.append(StructuralError(pointer, "type", value, expected))
    return INVALID


def _list(node: ListOf, value: Any, pointer: str, errors: list[StructuralError]) -> Any:
    if not isinstance(value, list):
        errors.append(StructuralError(pointer, "type", value, ("list",)))
        return INVALID
    items = [
        _check(node.item, item, join_pointer(pointer, i), errors) for i, item in enumerate(value)
    ]
    if not any(item is INVALID for item in items):
        return items
    if isinstance(node.item, ModelRef) and any(isinstance(item, dict) for item in value):
        empty = SPECS[node.item.name].record({})
        return [empty if item is INVALID else item for item in items]
    return INVALID


# nlohmann::json, MindIE's parser, stores an integer as int64 or uint64, and one beyond both
# as a double (lexer::scan_number), which an integer field then does not hold exactly.
INT_MIN, INT_MAX = -(2**63), 2**64 - 1


def _limit_error(field: FieldSpec, value: Any, pointer: str) -> StructuralError | None:
    if isinstance(value, int) and not isinstance(value, bool) and not INT_MIN <= value <= INT_MAX:
        return StructuralError(pointer, "range", value, ("int64",))
    pattern = field.pattern
    if pattern is not None and isinstance(value, str) and _pattern(pattern).search(value) is None:
        return StructuralError(pointer, "pattern", value, ("pattern",), pattern)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    for comparison, bound in field.limits():
        if not _within(comparison, value, bound):
            return StructuralError(pointer, "range", value, (comparison,), bound)
    return None


def _within(comparison: str, value: float, bound: int) -> bool:
    if comparison == "gt":
        return value > bound
    if comparison == "ge":
        return value >= bound
    if comparison == "lt":
        return value < bound
    return value <= bound


@functools.cache
def _pattern(pattern: str) -> re.Pattern[str]:
    # pydantic matches with Rust's regex, where `$` is the very end of the text; Python's `$`
    # also matches before a final newline, so the table's `$` becomes `\Z`.
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _or(values: tuple[str, ...]) -> str:
    """'a', 'b' or 'c': the list of choices, as pydantic words it."""
    quoted = [repr(value) for value in values]
    if len(quoted) == 1:
        return quoted[0]
    return f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def missing_fields(
    spec: ModelSpec[Any], raw: dict[str, Any], pointer: str
) -> Iterator[MissingField]:
    """Yield each required field whose key the JSON object `raw` lacks."""
    for field in spec.fields:
        if field.required and field.key not in raw:
            yield MissingField(pointer, field.key)
