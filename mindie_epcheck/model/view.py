"""Typed views of the service configs inside a document, each with the pointers of its parts.

A whole config.json gives one view. A bare ModelDeployConfig, ModelConfig entry or
ModelConfig array gives a view with only that part. A MindIE-MS user_config.json gives one
view per embedded service config, with the world size that its pod counts imply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mindie_epcheck.model.build import StructuralError, build
from mindie_epcheck.model.compiled import (
    DEEPSEEK_V2_OPTIONS,
    MODEL_DEPLOY_CONFIG,
    MODEL_ENTRY,
    SCHEDULE_CONFIG,
    SERVICE_CONFIG,
)
from mindie_epcheck.source.kinds import DocumentKind
from mindie_epcheck.source.nodes import join_pointer

if TYPE_CHECKING:
    from mindie_epcheck.model.service import (
        BackendConfig,
        DeepseekV2Options,
        ModelDeployConfig,
        ModelEntry,
        ScheduleConfig,
        ServerConfig,
        ServiceConfig,
    )

# Keys under `models` that MindIE's DeepSeek code reads: `deepseekv2`, or the weights'
# model_type, which wins when both are present (flash_causal_deepseekv2.py, MindIE-LLM 3.0).
EP_BLOCK_KEYS = ("deepseekv2", "deepseek_v2", "deepseek_v3")

# ModelConfig entries that get a typed view each. MindIE takes one with the Standard template
# and a few with Mix (EP509 counts them all); checking thousands would only repeat findings.
MAX_CHECKED_ENTRIES = 16


@dataclass(frozen=True, slots=True)
class EntryView:
    entry: ModelEntry
    pointer: str
    raw: dict[str, Any]
    # Block key -> typed options and the raw block, for every EP block key present.
    blocks: dict[str, tuple[DeepseekV2Options | None, dict[str, Any]]] = field(default_factory=dict)

    def at(self, *tokens: str | int) -> str:
        return join_pointer(self.pointer, *tokens)


@dataclass(slots=True)
class ServiceView:
    """One MindIE Service configuration; any part may be absent from a snippet."""

    kind: DocumentKind
    base: str
    raw: dict[str, Any]
    service: ServiceConfig | None = None
    server: ServerConfig | None = None
    backend: BackendConfig | None = None
    deploy: ModelDeployConfig | None = None
    schedule: ScheduleConfig | None = None
    entries: list[EntryView] = field(default_factory=list)
    pointers: dict[str, str] = field(default_factory=dict)
    errors: list[StructuralError] = field(default_factory=list)
    # Global device count fixed by the file around this config (MindIE-MS pod counts).
    world_size_hint: int | None = None
    world_size_hint_pointer: str | None = None
    label: str = ""

    def pointer(self, part: str, *tokens: str | int) -> str:
        """Pointer of a part ("backend", "deploy", "schedule", "server") or of a key in it."""
        return join_pointer(self.pointers.get(part, self.base), *tokens)

    @property
    def is_whole(self) -> bool:
        return self.kind == DocumentKind.SERVICE_CONFIG

    @property
    def multi_node(self) -> bool:
        return bool(self.backend and self.backend.multi_nodes_infer_enabled)


def build_views(kind: DocumentKind, value: Any) -> list[ServiceView]:
    if kind == DocumentKind.SERVICE_CONFIG:
        return [service_view(value, "", kind)]
    if kind == DocumentKind.MODEL_DEPLOY_CONFIG:
        return [deploy_view(value)]
    if kind == DocumentKind.MODEL_CONFIG_ENTRY:
        return [entry_view(value)]
    if kind == DocumentKind.MODEL_CONFIG_LIST:
        return [entry_list_view(value)]
    if kind == DocumentKind.MS_USER_CONFIG:
        return ms_views(value)
    return []


def service_view(value: dict[str, Any], base: str, kind: DocumentKind) -> ServiceView:
    service, errors = build(SERVICE_CONFIG, value, base)
    view = ServiceView(kind, base, value, service=service, errors=errors)
    view.pointers["server"] = join_pointer(base, "ServerConfig")
    view.pointers["backend"] = join_pointer(base, "BackendConfig")
    view.pointers["deploy"] = join_pointer(base, "BackendConfig", "ModelDeployConfig")
    view.pointers["schedule"] = join_pointer(base, "BackendConfig", "ScheduleConfig")
    if service is not None:
        view.server = service.server_config
        view.backend = service.backend_config
    if view.backend is not None:
        view.deploy = view.backend.model_deploy_config
        view.schedule = view.backend.schedule_config
    _add_entries(view)
    return view


def deploy_view(value: dict[str, Any]) -> ServiceView:
    inner = value.get("ModelDeployConfig", value)
    base = "/ModelDeployConfig" if "ModelDeployConfig" in value else ""
    deploy, errors = build(MODEL_DEPLOY_CONFIG, inner, base)
    view = ServiceView(DocumentKind.MODEL_DEPLOY_CONFIG, "", value, deploy=deploy, errors=errors)
    view.pointers["deploy"] = base
    if isinstance(value.get("ScheduleConfig"), dict):
        view.schedule, more = build(SCHEDULE_CONFIG, value["ScheduleConfig"], "/ScheduleConfig")
        view.errors.extend(more)
        view.pointers["schedule"] = "/ScheduleConfig"
    _add_entries(view)
    return view


def entry_list_view(value: list[dict[str, Any]]) -> ServiceView:
    """Build one view of a bare ModelConfig array: an entry per item, at pointer /i."""
    view = ServiceView(DocumentKind.MODEL_CONFIG_LIST, "", {"ModelConfig": value})
    for index, item in enumerate(value[:MAX_CHECKED_ENTRIES]):
        pointer = join_pointer("", index)
        entry, errors = build(MODEL_ENTRY, item, pointer)
        view.errors.extend(errors)
        if entry is not None:
            view.entries.append(_entry(view, entry, pointer, item))
    return view


def entry_view(value: dict[str, Any]) -> ServiceView:
    entry, errors = build(MODEL_ENTRY, value, "")
    view = ServiceView(DocumentKind.MODEL_CONFIG_ENTRY, "", value, errors=errors)
    if entry is not None:
        view.entries.append(_entry(view, entry, "", value))
    return view


def ms_views(value: dict[str, Any]) -> list[ServiceView]:
    """Build one view per `mindie_server_<role>_config`, with W from that role's pods."""
    found = value.get("deploy_config")
    deploy: dict[str, Any] = found if isinstance(found, dict) else {}
    views = []
    for key, section in value.items():
        if not (key.startswith("mindie_server_") and isinstance(section, dict)):
            continue
        role = key.removeprefix("mindie_server_").removesuffix("_config")
        view = service_view(section, join_pointer("", key), DocumentKind.MS_USER_CONFIG)
        view.label = role
        pods = deploy.get(f"single_{role[:1]}_instance_pod_num")
        per_pod = deploy.get(f"{role[:1]}_pod_npu_num")
        if isinstance(pods, int) and isinstance(per_pod, int) and pods > 0 and per_pod > 0:
            view.world_size_hint = pods * per_pod
            view.world_size_hint_pointer = join_pointer("/deploy_config", f"{role[:1]}_pod_npu_num")
        views.append(view)
    return views


def _add_entries(view: ServiceView) -> None:
    if view.deploy is None or not view.deploy.model_config_list:
        return
    raw_deploy = _raw_at(view.raw, view.pointers.get("deploy", view.base), view.base)
    raw_entries = raw_deploy.get("ModelConfig") if isinstance(raw_deploy, dict) else None
    if not isinstance(raw_entries, list):
        return
    for index, entry in enumerate(view.deploy.model_config_list[:MAX_CHECKED_ENTRIES]):
        raw = raw_entries[index] if index < len(raw_entries) else {}
        if isinstance(raw, dict):
            pointer = view.pointer("deploy", "ModelConfig", index)
            view.entries.append(_entry(view, entry, pointer, raw))


def _entry(view: ServiceView, entry: ModelEntry, pointer: str, raw: dict[str, Any]) -> EntryView:
    blocks: dict[str, tuple[DeepseekV2Options | None, dict[str, Any]]] = {}
    models = raw.get("models")
    for key in EP_BLOCK_KEYS:
        block = models.get(key) if isinstance(models, dict) else None
        if block is not None and not isinstance(block, dict):
            pointer_of_block = join_pointer(pointer, "models", key)
            view.errors.append(StructuralError(pointer_of_block, "type", block, ("dict",)))
        if isinstance(block, dict):
            options, errors = build(
                DEEPSEEK_V2_OPTIONS, block, join_pointer(pointer, "models", key)
            )
            view.errors.extend(errors)
            blocks[key] = (options, block)
    return EntryView(entry, pointer, raw, blocks)


def _raw_at(raw: dict[str, Any], pointer: str, base: str) -> Any:
    current: Any = raw
    for token in pointer[len(base) :].split("/")[1:]:
        current = current.get(token) if isinstance(current, dict) else None
    return current
