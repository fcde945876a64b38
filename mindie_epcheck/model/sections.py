"""Walk the JSON objects of a document alongside the model class that describes each."""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from mindie_epcheck.source.nodes import join_pointer


@dataclass(frozen=True, slots=True)
class SectionRef:
    model: type[BaseModel]
    raw: dict[str, Any]
    pointer: str


def _section_type(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """Return (model class, is a list of them) for `X | None` or `list[X] | None`."""
    for arg in typing.get_args(annotation) or (annotation,):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg, False
        if typing.get_origin(arg) is list:
            inner = typing.get_args(arg)[0]
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner, True
        if isinstance(arg, types.UnionType):
            found = _section_type(arg)
            if found[0] is not None:
                return found
    return None, False


@functools.cache
def section_fields(model: type[BaseModel]) -> tuple[tuple[str, type[BaseModel], bool], ...]:
    """Return (key, model class, is list) for each field of `model` that is itself a section."""
    found = []
    for name, info in model.model_fields.items():
        child, is_list = _section_type(info.annotation)
        if child is not None:
            found.append((info.alias or name, child, is_list))
    return tuple(found)


@functools.cache
def known_keys(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(info.alias or name for name, info in model.model_fields.items())


def walk_sections(model: type[BaseModel], raw: Any, pointer: str) -> Iterator[SectionRef]:
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
