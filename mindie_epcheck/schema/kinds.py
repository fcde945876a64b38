"""The schemas epcheck publishes; this module imports nothing heavy, for the command line."""

from __future__ import annotations

from typing import Literal

SchemaKind = Literal["config", "ranktable"]
SCHEMA_KINDS: tuple[SchemaKind, ...] = ("config", "ranktable")

# File names under `schemas/` in the repository, one per kind.
SCHEMA_FILES: dict[SchemaKind, str] = {
    "config": "mindie-config.schema.json",
    "ranktable": "mindie-ranktable.schema.json",
}
