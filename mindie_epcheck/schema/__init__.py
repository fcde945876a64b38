"""JSON Schemas of config.json and of the HCCL rank table, generated from the models."""

from mindie_epcheck.schema.generate import (
    SCHEMA_FILES,
    SCHEMA_KINDS,
    SchemaKind,
    config_schema,
    ranktable_schema,
    render_schema,
    schema_for,
)

__all__ = [
    "SCHEMA_FILES",
    "SCHEMA_KINDS",
    "SchemaKind",
    "config_schema",
    "ranktable_schema",
    "render_schema",
    "schema_for",
]
