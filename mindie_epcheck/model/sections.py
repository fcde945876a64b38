"""Walk the JSON objects of a document alongside the model that describes each."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mindie_epcheck.model.compiled import SPECS
from mindie_epcheck.model.spec import ListOf, ModelRef, ModelSpec, TypeNode
from mindie_epcheck.source.nodes import join_pointer


@dataclass(frozen=True, slots=True)
class SectionRef:
    model: ModelSpec[Any]
    raw: dict[str, Any]
    pointer: str


def _section_type(node: TypeNode) -> tuple[ModelSpec[Any] | None, bool]:
    """Return (model, is a list of them) for a field that contains a model or a list of them."""
    if isinstance(node, ModelRef):
        return SPECS[node.name], False
    if isinstance(node, ListOf) and isinstance(node.item, ModelRef):
        return SPECS[node.item.name], True
    return None, False


@functools.cache
def section_fields(model: ModelSpec[Any]) -> tuple[tuple[str, ModelSpec[Any], bool], ...]:
    """Return (key, model, is list) for each field of `model` that is itself a section."""
    found = []
    for field in model.fields:
        child, is_list = _section_type(field.type)
        if child is not None:
            found.append((field.key, child, is_list))
    return tuple(found)


def known_keys(model: ModelSpec[Any]) -> frozenset[str]:
    return model.keys


def walk_sections(model: ModelSpec[Any], raw: Any, pointer: str) -> Iterator[SectionRef]:
    """Yield `raw` and every nested object that a section field of `model` describes."""
    if not isinstance(raw, dict):
        return
    yield SectionRef(model, raw, pointer)
    for key, child, is_list in section_fields(model):
        value = raw.get(key)
        if is_list and isinstance(value, list):
            for index, item in enumerate(value):
                yield from walk_sections(child, item, join_pointer(pointer, key, index))
        elif not is_list:
            yield from walk_sections(child, value, join_pointer(pointer, key))
