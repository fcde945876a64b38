"""Write compiled.py, the field tables of the pydantic model classes.

Run `python -m mindie_epcheck.model.compile` after changing service.py or ranktable.py; a test
fails while compiled.py is out of date. Only this module and the schema generator import
pydantic; `epcheck validate` reads the tables.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from mindie_epcheck.model.ranktable import RankDevice, RankServer, Ranktable
from mindie_epcheck.model.service import (
    REQUIRED,
    BackendConfig,
    DeepseekV2Options,
    HealthCheckConfig,
    LogConfig,
    ModelDeployConfig,
    ModelEntry,
    ScheduleConfig,
    ServerConfig,
    ServiceConfig,
)

# Nested models come before the models that hold them.
MODELS: tuple[type[BaseModel], ...] = (
    HealthCheckConfig,
    ServerConfig,
    DeepseekV2Options,
    ModelEntry,
    ModelDeployConfig,
    ScheduleConfig,
    BackendConfig,
    LogConfig,
    ServiceConfig,
    RankDevice,
    RankServer,
    Ranktable,
)

TARGET = Path(__file__).with_name("compiled.py")

HEADER = '''"""Field tables of the model classes in service.py and ranktable.py.

Written by `python -m mindie_epcheck.model.compile`; do not edit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mindie_epcheck.model.spec import AnyOf, Choice, FieldSpec, Kind, ListOf, ModelRef, ModelSpec

if TYPE_CHECKING:
    from mindie_epcheck.model.ranktable import RankDevice, RankServer, Ranktable
    from mindie_epcheck.model.service import (
        BackendConfig,
        DeepseekV2Options,
        HealthCheckConfig,
        LogConfig,
        ModelDeployConfig,
        ModelEntry,
        ScheduleConfig,
        ServerConfig,
        ServiceConfig,
    )
'''

_KINDS = {int: "int", bool: "bool", str: "str", float: "float", dict: "dict"}


def quote(text: str) -> str:
    """Return `text` as a double-quoted Python string literal, as the formatter writes it."""
    return json.dumps(text, ensure_ascii=False)


def type_node(annotation: Any) -> str:
    """Return the source of the type node for a field annotation, dropping `| None`."""
    if annotation is Any:
        return 'Kind("any")'
    origin = typing.get_origin(annotation)
    args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    if origin is typing.Annotated:
        return type_node(args[0])
    if origin in (typing.Union, types.UnionType):
        if len(args) == 1:
            return type_node(args[0])
        return f"AnyOf(({', '.join(type_node(arg) for arg in args)},))"
    if origin is Literal:
        members = ", ".join(quote(arg) for arg in args) + ("," if len(args) == 1 else "")
        return f"Choice(({members}))"
    if origin is list:
        return f"ListOf({type_node(args[0])})"
    if origin is dict:
        return 'Kind("dict")'
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f'ModelRef("{annotation.__name__}")'
    if annotation in _KINDS:
        return f'Kind("{_KINDS[annotation]}")'
    raise TypeError(f"no type node for {annotation!r}")


def field_source(name: str, info: FieldInfo) -> str:
    parts = [quote(name), quote(info.alias or name), type_node(info.annotation)]
    extra = info.json_schema_extra
    if isinstance(extra, dict) and extra.get(REQUIRED):
        parts.append("required=True")
    for item in info.metadata:
        for limit in ("ge", "gt", "le", "lt", "pattern"):
            value = getattr(item, limit, None)
            if value is not None:
                shown = quote(value) if isinstance(value, str) else repr(value)
                parts.append(f"{limit}={shown}")
    return f"        FieldSpec({', '.join(parts)}),"


def constant_name(model: type[BaseModel]) -> str:
    """ServiceConfig -> SERVICE_CONFIG."""
    return "".join(f"_{c}" if c.isupper() else c for c in model.__name__).lstrip("_").upper()


def model_source(model: type[BaseModel]) -> str:
    name = model.__name__
    lines = [f"{constant_name(model)}: ModelSpec[{name}] = ModelSpec(", f'    "{name}",', "    ("]
    lines.extend(field_source(field, info) for field, info in model.model_fields.items())
    lines.extend(["    ),", ")"])
    return "\n".join(lines)


def render() -> str:
    """Return the text of compiled.py for the current model classes."""
    blocks = [HEADER.rstrip("\n")]
    blocks.extend(model_source(model) for model in MODELS)
    members = "".join(f"        {constant_name(model)},\n" for model in MODELS)
    blocks.append(
        "# Every model by name, for ModelRef.\n"
        "SPECS: dict[str, ModelSpec[Any]] = {\n"
        f"    spec.name: spec\n    for spec in (\n{members}    )\n}}"
    )
    return "\n\n\n".join(blocks) + "\n"


def main() -> int:
    text = render()
    if TARGET.exists() and TARGET.read_text(encoding="utf-8") == text:
        print(f"{TARGET} is up to date")
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
