"""Inputs of a lint run besides the file: options, environment, rank table, model facts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from mindie_epcheck.i18n import Text
from mindie_epcheck.model.build import StructuralError
from mindie_epcheck.model.facts import ModelFacts
from mindie_epcheck.model.layout import (
    Layout,
    NodeSource,
    compute_layout,
    infer_nodes,
    read_extras,
)
from mindie_epcheck.model.sections import SectionRef
from mindie_epcheck.model.view import EntryView, ServiceView
from mindie_epcheck.source.document import SourceDocument
from mindie_epcheck.source.kinds import DocumentKind
from mindie_epcheck.source.nodes import join_pointer

if TYPE_CHECKING:
    from mindie_epcheck.model.ranktable import Ranktable
    from mindie_epcheck.model.service import DeepseekV2Options

Interconnect = Literal["switch", "direct"]
KNOWN_VERSIONS = ("2.0", "2.1", "2.2", "3.0")
NEWEST_VERSION = KNOWN_VERSIONS[-1]

# Environment variables of MindIE that change what a config means (MindIE 2.x/3.0 docs).
ENV_KEYS = (
    "RANK_TABLE_FILE",
    "RANKTABLEFILE",
    "MIES_CONTAINER_IP",
    "MASTER_IP",
    "MASTER_PORT",
    "NPU_MEMORY_FRACTION",
    "HCCL_BUFFSIZE",
    "DP_MOVE_UP_ENABLE",
)


@dataclass(frozen=True, slots=True)
class Settings:
    """The user's choices for one run, from options and, later, settings files."""

    hardware: str | None = None
    interconnect: Interconnect | None = None
    mindie_version: str = NEWEST_VERSION
    nodes: int | None = None
    wrap_fragment: bool = False
    env: Mapping[str, str] = field(default_factory=dict)
    # Variables of the shell environment left out because their value is invalid.
    ignored_env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RanktableInput:
    document: SourceDocument
    table: Ranktable | None

    @property
    def server_count(self) -> int | None:
        if self.table is None:
            return None
        servers = self.table.server_list
        count = self.table.server_count
        if count is not None and count.isdigit():
            return int(count)
        return len(servers) if servers else None

    @property
    def devices_per_server(self) -> int | None:
        servers = self.table.server_list if self.table else None
        if not servers or servers[0].device is None:
            return None
        return len(servers[0].device)


@dataclass(frozen=True, slots=True)
class HardwareChoice:
    name: str | None
    inferred: bool


@dataclass(slots=True)
class Subject:
    """Everything the rules read about one file; built once, never changed by a rule."""

    document: SourceDocument
    kind: DocumentKind
    views: list[ServiceView]
    settings: Settings
    ranktable: RanktableInput | None = None
    hardware: HardwareChoice = HardwareChoice(None, True)
    facts: dict[str, ModelFacts | None] = field(default_factory=dict)
    # Entry pointer -> why the weights' config.json next to the weights was not used.
    facts_problems: dict[str, Text] = field(default_factory=dict)
    # Objects to check against their model class, and the values their models rejected.
    sections: list[SectionCheck] = field(default_factory=list)
    errors: list[StructuralError] = field(default_factory=list)
    # The document itself when it is a rank table (or one server entry of one).
    own_ranktable: RanktableInput | None = None
    # True when the document was passed with --ranktable, so its kind is no news.
    given_as_ranktable: bool = False
    _layouts: dict[str, Layout] = field(default_factory=dict)

    def entries(self) -> list[tuple[ServiceView, EntryView]]:
        return [(view, entry) for view in self.views for entry in view.entries]

    def layout(self, view: ServiceView, entry: EntryView) -> Layout:
        found = self._layouts.get(entry.pointer)
        if found is None:
            found = self._compute_layout(view, entry)
            self._layouts[entry.pointer] = found
        return found

    def _compute_layout(self, view: ServiceView, entry: EntryView) -> Layout:
        per_node = entry.entry.world_size
        nodes, source = self._nodes(view, entry, per_node)
        return compute_layout(entry.raw, per_node, nodes, source)

    def _nodes(
        self, view: ServiceView, entry: EntryView, per_node: int | None
    ) -> tuple[int | None, NodeSource]:
        hint = view.world_size_hint
        if hint is not None and per_node and hint % per_node == 0:
            return hint // per_node, NodeSource.PODS
        if not view.multi_node:
            return 1, NodeSource.SINGLE
        if self.settings.nodes is not None:
            return self.settings.nodes, NodeSource.OPTION
        count = self.ranktable.server_count if self.ranktable else None
        if count is not None:
            return count, NodeSource.RANKTABLE
        inferred = infer_nodes(read_extras(entry.raw), per_node)
        if inferred is not None:
            return inferred, NodeSource.INFERRED
        return None, NodeSource.UNKNOWN

    def facts_for(self, entry: EntryView) -> ModelFacts | None:
        return self.facts.get(entry.pointer)

    def ep_block(self, entry: EntryView) -> EpBlock | None:
        """Return the EP options block MindIE reads: the weights' model_type key wins."""
        if not entry.blocks:
            return None
        facts = self.facts_for(entry)
        preferred = facts.model_type if facts is not None else None
        if preferred in entry.blocks:
            key = preferred
        elif "deepseekv2" in entry.blocks:
            key = "deepseekv2"
        elif facts is None:
            # Unknown weights: the block that names a model_type is the best guess.
            key = next(iter(entry.blocks))
        else:
            return None
        options, raw = entry.blocks[key]
        return EpBlock(key, options, raw, entry.at("models", key))


@dataclass(frozen=True, slots=True)
class EpBlock:
    key: str
    options: DeepseekV2Options | None
    raw: dict[str, Any]
    pointer: str

    def at(self, *tokens: str | int) -> str:
        return join_pointer(self.pointer, *tokens)


@dataclass(frozen=True, slots=True)
class SectionCheck:
    """An object to check for missing and misspelt keys; `required` is off for snippets."""

    ref: SectionRef
    required: bool = True
