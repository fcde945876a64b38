"""The pydantic form of `build`, kept as the reference that the table-driven `build` must match.

It validates with the pydantic classes, records each error with the JSON pointer of the value,
removes the invalid values and validates again until the rest is valid.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from mindie_epcheck.source.nodes import join_pointer

ModelT = TypeVar("ModelT", bound=BaseModel)

# One pass removes at least one invalid value; a config has far fewer than this many.
MAX_PASSES = 64


@dataclass(frozen=True, slots=True)
class StructuralError:
    """A value whose type or range the model rejects; `expected` lists what would fit."""

    pointer: str
    category: str  # "type", "range", "choice" or "pattern"
    value: Any
    expected: tuple[str, ...]
    limit: Any = None


@dataclass(frozen=True, slots=True)
class MissingField:
    pointer: str  # the object that lacks the key
    key: str


_CATEGORY = {
    "greater_than": "range",
    "greater_than_equal": "range",
    "less_than": "range",
    "less_than_equal": "range",
    "literal_error": "choice",
    "string_pattern_mismatch": "pattern",
}
_LIMIT_KEYS = ("gt", "ge", "lt", "le", "expected", "pattern")


def build(
    model: type[ModelT], value: Any, base: str
) -> tuple[ModelT | None, list[StructuralError]]:
    """Validate `value` (found at pointer `base`) and return the partial model and its errors."""
    if not isinstance(value, dict):
        return None, []
    data = copy.deepcopy(value)
    errors: dict[str, StructuralError] = {}
    for _ in range(MAX_PASSES):
        try:
            return model.model_validate(data), list(errors.values())
        except ValidationError as failure:
            found = _errors(failure, value, base)
        removed = False
        for error in found:
            errors.setdefault(error.pointer, error)
            removed |= _remove(data, error.pointer[len(base) :])
        if not removed:
            break
    return None, list(errors.values())


def _errors(failure: ValidationError, raw: Any, base: str) -> list[StructuralError]:
    merged: dict[str, StructuralError] = {}
    for detail in failure.errors():
        tokens = _real_tokens(raw, detail["loc"])
        pointer = join_pointer(base, *tokens)
        error = _classify(pointer, detail, _value_at(raw, tokens))
        earlier = merged.get(pointer)
        if earlier is not None:
            # A union (such as bool or int) fails once per member: merge what each expects.
            error = StructuralError(
                pointer, earlier.category, earlier.value, earlier.expected + error.expected
            )
        merged[pointer] = error
    return list(merged.values())


def _classify(pointer: str, detail: Any, value: Any) -> StructuralError:
    kind = str(detail["type"])
    context = detail.get("ctx") or {}
    category = _CATEGORY.get(kind, "type")
    if category == "type":
        expected = (kind.removesuffix("_type").removesuffix("_parsing"),)
        return StructuralError(pointer, category, value, expected)
    limit = next((context[key] for key in _LIMIT_KEYS if key in context), None)
    comparison = next((key for key in _LIMIT_KEYS if key in context), kind)
    return StructuralError(pointer, category, value, (comparison,), limit)


def _real_tokens(raw: Any, loc: tuple[Any, ...]) -> list[str | int]:
    """Keep the parts of a pydantic error location that name keys or indexes in `raw`.

    pydantic inserts union member tags (such as 'int' or 'bool') into locations; they name
    no JSON value, so they are dropped.
    """
    tokens: list[str | int] = []
    current: Any = raw
    for part in loc:
        found, child = _child(current, part)
        if found:
            current = child
            tokens.append(part)
    return tokens


def _child(current: Any, part: Any) -> tuple[bool, Any]:
    if isinstance(current, dict) and isinstance(part, str) and part in current:
        return True, current[part]
    if isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
        return True, current[part]
    return False, None


def _value_at(raw: Any, tokens: list[str | int]) -> Any:
    current = raw
    for token in tokens:
        current = current[token]
    return current


def _remove(data: Any, relative: str) -> bool:
    tokens = relative.split("/")[1:]
    if not tokens:
        return False
    parent = data
    for token in tokens[:-1]:
        parent = parent[int(token)] if isinstance(parent, list) else parent.get(token)
        if parent is None:
            return False
    last = tokens[-1].replace("~1", "/").replace("~0", "~")
    if isinstance(parent, dict) and last in parent:
        del parent[last]
        return True
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        if any(isinstance(item, dict) for item in parent):
            # A list of objects: an empty object keeps the indexes of later entries.
            if parent[int(last)] == {}:
                return False
            parent[int(last)] = {}
            return True
        # A list of scalars with a bad item is dropped whole.
        return _remove(data, "/" + "/".join(tokens[:-1]))
    return False
