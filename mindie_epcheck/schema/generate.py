"""Generate JSON Schemas (Draft 2020-12) of config.json and of the HCCL rank table.

The schemas come from the same pydantic models that `epcheck validate` uses, so an editor or
a CI step that reads JSON Schema checks the same key types, ranges, choices and required keys.
Checks that relate several values (the parallel layout, ports, lengths) stay in epcheck.

NOTE: JSON Schema treats 8.0 as an integer, so the schemas accept 8.0 where MindIE's C++
parser, and the models, require 8. `epcheck validate` reports such a value.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from mindie_epcheck.i18n import Text
from mindie_epcheck.model.layout import PARALLEL_KEYS
from mindie_epcheck.model.ranktable import Ranktable
from mindie_epcheck.model.service import REQUIRED, ZH, DeepseekV2Options, ServiceConfig
from mindie_epcheck.model.view import EP_BLOCK_KEYS
from mindie_epcheck.schema.kinds import SchemaKind

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
CONFIG_SCHEMA_ID = "urn:mindie-epcheck:schema:mindie-config"
RANKTABLE_SCHEMA_ID = "urn:mindie-epcheck:schema:mindie-ranktable"

CONFIG_TITLE = Text("MindIE Service config.json", "MindIE Service 的 config.json")
CONFIG_DESCRIPTION = Text(
    "config.json of MindIE Service (MindIE 2.x and 3.0), generated from the models of "
    "epcheck. It checks key types, ranges, choices and the keys MindIE requires. Run "
    "`epcheck validate` for the checks that relate several values.",
    "MindIE Service 的 config.json（MindIE 2.x 与 3.0），由 epcheck 的模型生成。"
    "检查键的类型、取值范围、可选值以及 MindIE 必需的键；多个值之间的关系请用 "
    "`epcheck validate` 检查。",
)
RANKTABLE_TITLE = Text("HCCL rank table", "HCCL rank table（组网表）")
RANKTABLE_DESCRIPTION = Text(
    "HCCL rank table (the file RANK_TABLE_FILE names), version 1.0 and the A3 version 1.2, "
    "generated from the models of epcheck. MindIE requires every value to be a JSON string.",
    "HCCL rank table（RANK_TABLE_FILE 指向的文件），1.0 版本及 A3 的 1.2 版本，由 epcheck 的"
    "模型生成。MindIE 要求每个值都是 JSON 字符串。",
)

# The free-form extras of a ModelConfig entry that MindIE's Python side reads with int().
# The defaults named here are the ones `compute_layout` in model/layout.py assumes.
WORLD = Text(
    "the global world size (worldSize times the node count)", "全局卡数（worldSize 乘以节点数）"
)
PARALLEL_TEXTS = {
    "tp": Text("Tensor parallel size; unset means ", "张量并行数；不设置时为") + WORLD,
    "dp": Text("Data parallel size; unset means 1", "数据并行数；不设置时为 1"),
    "sp": Text(
        "Sequence parallel size; above 1 it must equal tp", "序列并行数；大于 1 时须等于 tp"
    ),
    "cp": Text("Context parallel size; unset means 1", "上下文并行数；不设置时为 1"),
    "pp": Text("Pipeline parallel size; unset means 1", "流水线并行数；不设置时为 1"),
    "moe_tp": Text(
        "Tensor parallel size of the MoE experts; unset means tp when tp is set, else ",
        "MoE 专家的张量并行数；不设置时取 tp，tp 也未设置时为",
    )
    + WORLD,
    "moe_ep": Text("Expert parallel size; unset means 1", "专家并行数；不设置时为 1"),
}
PARALLEL_SUFFIX = Text(
    '. An integer of at least 1: MindIE also reads 8.0 and "8" as 8, but truncates 2.5 to 2.',
    '。取不小于 1 的整数：MindIE 也会把 8.0 和 "8" 读作 8，但会把 2.5 截断为 2。',
)

# Keys under `models` whose block MindIE's DeepSeek code reads (see EP_BLOCK_KEYS).
EP_BLOCK_TEXTS = {
    "deepseekv2": Text(
        "DeepSeek-V2/V3/R1 options, expert parallelism among them",
        "DeepSeek-V2/V3/R1 的配置，包括专家并行",
    ),
    "deepseek_v2": Text(
        "DeepSeek options under the weights' model_type deepseek_v2; this block wins over "
        "deepseekv2 when the weights are DeepSeek-V2",
        "以权重 model_type deepseek_v2 为键的 DeepSeek 配置；权重为 DeepSeek-V2 时优先于 deepseekv2",
    ),
    "deepseek_v3": Text(
        "DeepSeek options under the weights' model_type deepseek_v3; this block wins over "
        "deepseekv2 when the weights are DeepSeek-V3 or R1",
        "以权重 model_type deepseek_v3 为键的 DeepSeek 配置；权重为 DeepSeek-V3 或 R1 时优先于 "
        "deepseekv2",
    ),
}


def config_schema() -> dict[str, Any]:
    """Build the JSON Schema of MindIE Service's config.json."""
    schema = ServiceConfig.model_json_schema(by_alias=True, mode="validation")
    _add_definition(schema, DeepseekV2Options)
    _normalise(schema)
    _describe_model_entry_extras(schema["$defs"]["ModelEntry"])
    return _finish(schema, CONFIG_SCHEMA_ID, CONFIG_TITLE, CONFIG_DESCRIPTION)


def ranktable_schema() -> dict[str, Any]:
    """Build the JSON Schema of an HCCL rank table."""
    schema = Ranktable.model_json_schema(by_alias=True, mode="validation")
    _normalise(schema)
    return _finish(schema, RANKTABLE_SCHEMA_ID, RANKTABLE_TITLE, RANKTABLE_DESCRIPTION)


def schema_for(kind: SchemaKind) -> dict[str, Any]:
    return config_schema() if kind == "config" else ranktable_schema()


def render_schema(kind: SchemaKind) -> str:
    """Serialise the schema of `kind` as the committed files store it: sorted, UTF-8 text."""
    return json.dumps(schema_for(kind), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _add_definition(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Add a model that no field of the root refers to (DeepseekV2Options) to `$defs`."""
    extra = model.model_json_schema(by_alias=True, mode="validation")
    definitions = schema.setdefault("$defs", {})
    for name, definition in extra.pop("$defs", {}).items():
        if definitions.setdefault(name, definition) != definition:
            raise ValueError(f"two different models share the schema name {name}")
    name = model.__name__
    if name in definitions:
        raise ValueError(f"the schema name {name} is already taken")
    definitions[name] = extra


def _normalise(schema: dict[str, Any]) -> None:
    """Rewrite every object schema: required keys, no null, no docstrings or default titles."""
    for definition in schema.get("$defs", {}).values():
        # Class docstrings are written for Python readers and have no Chinese text.
        definition.pop("description", None)
        _normalise_object(definition)
    _normalise_object(schema)


def _normalise_object(schema: dict[str, Any]) -> None:
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    for key, field_schema in properties.items():
        if field_schema.pop(REQUIRED, False):
            required.add(key)
        properties[key] = _drop_null(field_schema)
    if required:
        schema["required"] = sorted(required)


def _drop_null(field_schema: dict[str, Any]) -> dict[str, Any]:
    """Turn the schema of an `X | None` field into the schema of X.

    Fields are optional in the models only so that a partial model survives mistakes:
    MindIE never accepts null for them, so null and the `null` default go.
    """
    result = dict(field_schema)
    if result.get("default", ...) is None:
        del result["default"]
    # pydantic makes a title from the attribute name ("Worldsize"): it adds nothing.
    result.pop("title", None)
    options = result.pop("anyOf", None)
    if options is None:
        return result
    non_null = [option for option in options if option != {"type": "null"}]
    if len(non_null) != 1:
        result["anyOf"] = non_null
        return result
    overlap = set(non_null[0]) & set(result)
    if overlap:
        raise ValueError(f"cannot merge the keywords {sorted(overlap)} of an optional field")
    return {**non_null[0], **result}


def _describe_model_entry_extras(entry: dict[str, Any]) -> None:
    """Describe the parallel sizes and the DeepSeek blocks, which the models leave free-form."""
    properties = entry["properties"]
    for key in PARALLEL_KEYS:
        text = PARALLEL_TEXTS[key] + PARALLEL_SUFFIX
        properties[key] = {"type": "integer", "minimum": 1, **_described(text)}
    blocks = properties["models"].setdefault("properties", {})
    for key in EP_BLOCK_KEYS:
        blocks[key] = {"$ref": "#/$defs/DeepseekV2Options", **_described(EP_BLOCK_TEXTS[key])}


def _described(text: Text) -> dict[str, str]:
    return {"description": text.en, ZH: text.zh}


def _finish(
    schema: dict[str, Any], schema_id: str, title: Text, description: Text
) -> dict[str, Any]:
    schema.update(
        {
            "$schema": DRAFT_2020_12,
            "$id": schema_id,
            "title": title.en,
            "x-title-zh": title.zh,
            **_described(description),
        }
    )
    result: dict[str, Any] = _sorted(schema)
    return result


def _sorted(value: Any) -> Any:
    """Copy `value` with the keys of every object in sorted order, so output is stable."""
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value
