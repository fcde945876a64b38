"""Field tables of the typed model, and the read-only records that `build` fills from them.

The pydantic classes in service.py and ranktable.py declare the model. Importing pydantic
and building their validators took about 130 ms on a 2-core machine, which is most of the
time one `epcheck validate` may take in a pre-commit hook. So validation runs from tables
compiled from those classes (compiled.py, written by `python -m mindie_epcheck.model.compile`).
Tests check that the tables match the classes and that `build` agrees with pydantic.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar

# The type nodes and fields are named tuples: several times cheaper to declare than
# dataclasses, which counts in the start-up of every run.

ModelT = TypeVar("ModelT")
# The pydantic class a table describes; covariant, as a table only ever yields that type.
ModelT_co = TypeVar("ModelT_co", covariant=True)


class Kind(NamedTuple):
    """A JSON value of one kind: "int", "bool", "str", "float", "dict" (an object) or "any"."""

    name: str


class Choice(NamedTuple):
    """One of a fixed set of strings."""

    values: tuple[str, ...]


class ListOf(NamedTuple):
    item: TypeNode


class ModelRef(NamedTuple):
    """An object described by the model of this name."""

    name: str


class AnyOf(NamedTuple):
    """The first member that accepts the value wins; members are Kind or Choice only."""

    members: tuple[TypeNode, ...]


TypeNode = Kind | Choice | ListOf | ModelRef | AnyOf


class FieldSpec(NamedTuple):
    """One field: its attribute name, its config.json key, its type and its limits."""

    attr: str
    key: str
    type: TypeNode
    required: bool = False
    ge: int | None = None
    gt: int | None = None
    le: int | None = None
    lt: int | None = None
    pattern: str | None = None

    def limits(self) -> Iterator[tuple[str, int]]:
        """Yield (comparison, bound) for each numeric limit, in pydantic's order of checks."""
        for name in ("gt", "ge", "lt", "le"):
            bound = getattr(self, name)
            if bound is not None:
                yield name, bound


class Record:
    """A validated config object: one attribute per field, None where absent or invalid."""

    __slots__ = ()
    _attrs: ClassVar[tuple[str, ...]] = ()

    def __init__(self, values: dict[str, Any]) -> None:
        for name in self._attrs:
            object.__setattr__(self, name, values.get(name))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.values() == other.values()

    def __hash__(self) -> int:
        return hash((type(self).__name__, *self.values().items()))

    def __repr__(self) -> str:
        arguments = ", ".join(f"{name}={value!r}" for name, value in self.values().items())
        return f"{type(self).__name__}({arguments})"

    def values(self) -> dict[str, Any]:
        """Return the fields that hold a value, by attribute name."""
        found = {name: getattr(self, name) for name in self._attrs}
        return {name: value for name, value in found.items() if value is not None}


@dataclass(frozen=True, slots=True)
class ModelSpec(Generic[ModelT_co]):
    """The fields of one model class; `ModelT_co` is that pydantic class, for type checking."""

    name: str
    fields: tuple[FieldSpec, ...]
    record: type[Record] = field(init=False, repr=False, compare=False)
    keys: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        attrs = tuple(spec.attr for spec in self.fields)
        record = type(self.name, (Record,), {"__slots__": attrs, "_attrs": attrs})
        object.__setattr__(self, "record", record)
        object.__setattr__(self, "keys", frozenset(spec.key for spec in self.fields))
