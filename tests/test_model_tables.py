"""The compiled field tables against the pydantic classes they come from.

`build` validates from tables so that `epcheck validate` need not import pydantic. These tests
check that the tables are current and that `build` gives the same errors and the same partial
model as validating with pydantic (tests/reference_build.py) on generated documents.
"""

from __future__ import annotations

import math
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from reference_build import build as reference_build

from mindie_epcheck.model import compile as compile_tables
from mindie_epcheck.model import compiled
from mindie_epcheck.model.build import build
from mindie_epcheck.model.spec import ModelSpec, Record

MODELS: list[tuple[type[BaseModel], ModelSpec[Any]]] = [
    (model, compiled.SPECS[model.__name__]) for model in compile_tables.MODELS
]

# Values around every limit and kind in the models, plus the awkward ones.
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, 1, -1, 2, 8, 1023, 1024, 65535, 65536, 4194304, 4194305, 2**63, 2**64]),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.sampled_from([0.0, 0.5, 8.0, -1.5, math.inf, -math.inf, 1e300]),
    st.sampled_from(["", "8", "true", "standard", "dmi", "atb", "ms", "torch", "Standard", "Mix"]),
    st.sampled_from(["StandardMock", "deepseekr1", "DeepSeek-R1_w8a8", "a.b", "_a", "abc\n"]),
    st.sampled_from(["a" * 256, "a" * 257, "深度求索"]),
    st.text(max_size=8),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)
UNKNOWN_KEYS = st.sampled_from(["unknownKey", "x", "Tp", ""])


def field_values(annotation: Any, depth: int) -> st.SearchStrategy[Any]:
    """Values for a field: often of its own shape, always sometimes anything."""
    origin = typing.get_origin(annotation)
    args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(field_values(arg, depth) for arg in args))
    if origin is list:
        return st.lists(field_values(args[0], depth), max_size=3) | JSON_VALUES
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and depth < 4:
        return documents(annotation, depth + 1) | JSON_VALUES
    return JSON_VALUES


def documents(model: type[BaseModel], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    fields = {
        info.alias or name: field_values(info.annotation, depth)
        for name, info in model.model_fields.items()
    }
    known = st.fixed_dictionaries({}, optional=fields)
    extra = st.dictionaries(UNKNOWN_KEYS, JSON_VALUES, max_size=2)
    return st.builds(lambda a, b: {**b, **a}, known, extra)


def fits_64_bits(value: Any) -> bool:
    if isinstance(value, dict):
        return all(fits_64_bits(item) for item in value.values())
    if isinstance(value, list):
        return all(fits_64_bits(item) for item in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return -(2**63) <= value <= 2**64 - 1
    return True


UNION_TAGS = frozenset({"int", "bool", "float", "str"})


def has_union_tag_key(value: Any) -> bool:
    if isinstance(value, dict):
        return bool(UNION_TAGS & value.keys()) or any(map(has_union_tag_key, value.values()))
    if isinstance(value, list):
        return any(map(has_union_tag_key, value))
    return False


def dump_reference(value: Any) -> Any:
    if isinstance(value, BaseModel):
        found = {name: dump_reference(getattr(value, name)) for name in type(value).model_fields}
        return {name: item for name, item in found.items() if item is not None}
    if isinstance(value, list):
        return [dump_reference(item) for item in value]
    return value


def dump_record(value: Any) -> Any:
    if isinstance(value, Record):
        return {name: dump_record(item) for name, item in value.values().items()}
    if isinstance(value, list):
        return [dump_record(item) for item in value]
    return value


def error_tuples(errors: list[Any]) -> list[tuple[Any, ...]]:
    return [(e.pointer, e.category, e.value, e.expected, e.limit) for e in errors]


def test_compiled_tables_are_current() -> None:
    text = Path(compiled.__file__).read_text(encoding="utf-8")
    assert text == compile_tables.render(), "run: python -m mindie_epcheck.model.compile"


@pytest.mark.parametrize(("model", "spec"), MODELS, ids=[model.__name__ for model, _ in MODELS])
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_build_agrees_with_pydantic(
    model: type[BaseModel], spec: ModelSpec[Any], data: st.DataObject
) -> None:
    value = data.draw(documents(model))
    # pydantic takes integers of any size; `build` also rejects those beyond 64 bits.
    assume(fits_64_bits(value))
    # The reference mistakes pydantic's union tags ("int", "bool") in an error location for
    # keys when the invalid value is an object with such a key. `build` has no such tags.
    assume(not has_union_tag_key(value))
    expected_model, expected_errors = reference_build(model, value, "/b")
    # The reference gives up on the whole object when it cannot remove an invalid value (a
    # list of lists containing an object). `build` keeps the rest, as a test below checks.
    assume(expected_model is not None)
    record, errors = build(spec, value, "/b")
    assert error_tuples(errors) == error_tuples(expected_errors)
    assert dump_record(record) == dump_reference(expected_model)


def test_build_keeps_rest_of_object() -> None:
    spec = compiled.BACKEND_CONFIG
    record, errors = build(spec, {"npuDeviceIds": [[1, "a"], {}], "backendName": "x"}, "")
    assert dump_record(record) == {"backend_name": "x"}
    assert [e.pointer for e in errors] == ["/npuDeviceIds/0/1", "/npuDeviceIds/1"]


def test_attribute_names_are_not_config_keys() -> None:
    # MindIE reads "ipAddress"; "ip_address" is an unknown key it ignores.
    record, errors = build(compiled.SERVER_CONFIG, {"ip_address": "x", "management_port": 3}, "")
    assert dump_record(record) == {}
    assert errors == []


def test_pattern_end_is_the_end_of_the_text() -> None:
    _, errors = build(compiled.MODEL_ENTRY, {"modelName": "deepseekr1\n"}, "")
    assert [(e.pointer, e.category) for e in errors] == [("/modelName", "pattern")]


def test_records_are_read_only() -> None:
    record, _ = build(compiled.SERVER_CONFIG, {"port": 1025}, "")
    assert record is not None
    with pytest.raises(AttributeError):
        record.port = 2  # type: ignore[misc]
    assert record == build(compiled.SERVER_CONFIG, {"port": 1025}, "")[0]


def test_integer_beyond_64_bits_is_range_error() -> None:
    record, errors = build(compiled.MODEL_ENTRY, {"worldSize": 2**64, "cpuMemSize": 2**63}, "")
    assert dump_record(record) == {"cpu_mem_size": 2**63}
    assert [(e.pointer, e.category, e.expected) for e in errors] == [
        ("/worldSize", "range", ("int64",))
    ]
