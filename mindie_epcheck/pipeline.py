"""The lint pipeline for one file: bytes -> document -> typed views -> rules -> findings."""

from __future__ import annotations

import dataclasses
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from mindie_epcheck.findings import Finding
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.assumptions import assumptions
from mindie_epcheck.model.build import build
from mindie_epcheck.model.compiled import (
    DEEPSEEK_V2_OPTIONS,
    MODEL_DEPLOY_CONFIG,
    MODEL_ENTRY,
    RANK_SERVER,
    RANKTABLE,
    SCHEDULE_CONFIG,
    SERVICE_CONFIG,
)
from mindie_epcheck.model.context import (
    HardwareChoice,
    RanktableInput,
    SectionCheck,
    Settings,
    Subject,
)
from mindie_epcheck.model.facts import (
    FactsSource,
    ModelFacts,
    facts_from_hf_config,
    hf_config_problems,
    last_path_part,
    load_preset,
    match_preset,
    quantization_from_names,
    read_weights_config,
)
from mindie_epcheck.model.hardware import infer_hardware
from mindie_epcheck.model.sections import SectionRef, walk_sections
from mindie_epcheck.model.view import EntryView, ServiceView, build_views
from mindie_epcheck.os_errors import os_reason
from mindie_epcheck.rules.registry import Rule
from mindie_epcheck.rules.runner import run_rules
from mindie_epcheck.source.document import MAX_FILE_BYTES, SourceDocument, load
from mindie_epcheck.source.kinds import DocumentKind, detect_kind


class InputError(Exception):
    """A file that cannot be read at all: reported as a usage error (exit code 2)."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


@dataclass(slots=True)
class FileResult:
    name: str
    kind: DocumentKind | None
    findings: list[Finding] = field(default_factory=list)
    text: str = ""
    notes: list[Text] = field(default_factory=list)


def read_file(path: str) -> bytes:
    """Read a regular file, refusing directories, devices and files MindIE would not load."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(
            Text("{path}: file not found", "{path}：文件不存在").format(path=path)
        ) from None
    except OSError as error:
        raise _unreadable(path, error) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(
            Text(
                "{path}: is a directory, expected a JSON file", "{path}：是目录，需要 JSON 文件"
            ).format(path=path)
        )
    if not stat.S_ISREG(info.st_mode):
        raise InputError(
            Text(
                "{path}: not a regular file (a FIFO, socket or device); pass the file itself",
                "{path}：不是普通文件（FIFO、套接字或设备）；请传入文件本身",
            ).format(path=path)
        )
    try:
        with open(path, "rb") as handle:
            # One byte past MindIE's limit is enough to report the file as too large.
            return handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise _unreadable(path, error) from None


def _unreadable(path: str, error: OSError) -> InputError:
    reason = os_reason(error)
    return InputError(
        Text(
            "{path}: cannot read the file: {reason_en}", "{path}：无法读取文件：{reason_zh}"
        ).format(path=path, reason_en=reason.en, reason_zh=reason.zh)
    )


def ranktable_input(document: SourceDocument) -> RanktableInput:
    table = None
    if detect_kind(document.value) == DocumentKind.RANKTABLE:
        table, _ = build(RANKTABLE, document.value, "")
    return RanktableInput(document, table)


def view_sections(view: ServiceView) -> list[SectionCheck]:
    """List the objects of one view to check for missing and misspelt keys."""
    # MindIE-MS merges its embedded configs into a full template, so nothing is required.
    required = view.kind != DocumentKind.MS_USER_CONFIG
    refs: list[SectionRef] = []
    if view.kind in (DocumentKind.SERVICE_CONFIG, DocumentKind.MS_USER_CONFIG):
        refs.extend(walk_sections(SERVICE_CONFIG, view.raw, view.base))
    elif view.kind == DocumentKind.MODEL_DEPLOY_CONFIG:
        inner = view.raw.get("ModelDeployConfig", view.raw)
        refs.extend(walk_sections(MODEL_DEPLOY_CONFIG, inner, view.pointer("deploy")))
        refs.extend(
            walk_sections(SCHEDULE_CONFIG, view.raw.get("ScheduleConfig"), "/ScheduleConfig")
        )
    elif view.kind == DocumentKind.MODEL_CONFIG_ENTRY:
        refs.extend(walk_sections(MODEL_ENTRY, view.raw, ""))
    elif view.kind == DocumentKind.MODEL_CONFIG_LIST:
        for entry in view.entries:
            refs.extend(walk_sections(MODEL_ENTRY, entry.raw, entry.pointer))
    for entry in view.entries:
        for key, (_, raw) in entry.blocks.items():
            refs.append(SectionRef(DEEPSEEK_V2_OPTIONS, raw, entry.at("models", key)))
    return [SectionCheck(ref, required) for ref in refs]


def ranktable_sections(kind: DocumentKind, value: object) -> list[SectionCheck]:
    model = RANKTABLE if kind == DocumentKind.RANKTABLE else RANK_SERVER
    return [SectionCheck(ref) for ref in walk_sections(model, value, "")]


def resolve_facts(
    entry: EntryView, model_config: tuple[str, dict[str, object]] | None
) -> tuple[ModelFacts | None, Text | None]:
    """Find the model's facts: weights' config.json, then --model-config, then a preset.

    Return the facts and, when the weights' config.json exists but was rejected, the reason.
    A rejected file is never replaced by a preset, whose figures could be of another model.
    """
    facts, problem = _facts_from_files(entry, model_config)
    if facts is None and problem is None:
        preset = match_preset(entry.entry.model_name, entry.entry.model_weight_path)
        if preset is not None:
            facts = load_preset(preset)
    if facts is not None and facts.quantization is None:
        names = (last_path_part(entry.entry.model_weight_path), entry.entry.model_name)
        quantization = quantization_from_names(*names)
        if quantization is not None:
            facts = dataclasses.replace(facts, quantization=quantization)
    return facts, problem


def _facts_from_files(
    entry: EntryView, model_config: tuple[str, dict[str, object]] | None
) -> tuple[ModelFacts | None, Text | None]:
    weight_dir = entry.entry.model_weight_path
    problem = None
    if weight_dir and os.path.isdir(weight_dir):
        value, problem = read_weights_config(weight_dir)
        if value is not None:
            facts = facts_from_hf_config(value, FactsSource.WEIGHTS_CONFIG, weight_dir)
            if facts is not None:
                return facts, None
            problem = _weights_problem(weight_dir, value)
    if model_config is not None:
        path, value = model_config
        facts = facts_from_hf_config(dict(value), FactsSource.MODEL_CONFIG_OPTION, path)
        if facts is not None:
            return facts, problem
    return None, problem


def _weights_problem(weight_dir: str, value: dict[str, object]) -> Text:
    """Say why a weights config.json that parses gives no model facts."""
    path = str(Path(weight_dir) / "config.json")
    problems = "; ".join(hf_config_problems(value)) or "not a DeepSeek MoE model"
    return Text(
        "{path} gives no model facts: {problems}",
        "{path} 中读不到模型参数：{problems}",
    ).format(path=path, problems=problems)


def choose_hardware(subject: Subject) -> HardwareChoice:
    if subject.settings.hardware is not None:
        return HardwareChoice(subject.settings.hardware, False)
    entries = subject.entries()
    if not entries:
        return HardwareChoice(None, True)
    return HardwareChoice(infer_hardware(entries[0][1].entry.world_size), True)


def build_subject(
    document: SourceDocument,
    settings: Settings,
    ranktable: RanktableInput | None = None,
    model_config: tuple[str, dict[str, object]] | None = None,
) -> Subject:
    kind = detect_kind(document.value) if document.root is not None else DocumentKind.UNKNOWN
    views = build_views(kind, document.value) if document.root is not None else []
    subject = Subject(document, kind, views, settings, ranktable)
    subject.hardware = choose_hardware(subject)
    for view in views:
        subject.sections.extend(view_sections(view))
        subject.errors.extend(view.errors)
    if kind in (DocumentKind.RANKTABLE, DocumentKind.RANKTABLE_SERVER):
        if kind == DocumentKind.RANKTABLE:
            table, errors = build(RANKTABLE, document.value, "")
            subject.own_ranktable = RanktableInput(document, table)
        else:
            errors = build(RANK_SERVER, document.value, "")[1]
            subject.own_ranktable = RanktableInput(document, None)
        subject.errors.extend(errors)
        subject.sections.extend(ranktable_sections(kind, document.value))
    for _, entry in subject.entries():
        facts, problem = resolve_facts(entry, model_config)
        subject.facts[entry.pointer] = facts
        if problem is not None:
            subject.facts_problems[entry.pointer] = problem
    return subject


def lint_document(
    document: SourceDocument,
    settings: Settings,
    rules: list[Rule] | None = None,
    ranktable: RanktableInput | None = None,
    model_config: tuple[str, dict[str, object]] | None = None,
    given_as_ranktable: bool = False,
) -> FileResult:
    subject = build_subject(document, settings, ranktable, model_config)
    subject.given_as_ranktable = given_as_ranktable
    findings = run_rules(subject, rules)
    kind = subject.kind if document.root is not None else None
    return FileResult(document.name, kind, findings, document.text, assumptions(subject))


def lint_bytes(
    name: str,
    data: bytes,
    settings: Settings,
    rules: list[Rule] | None = None,
    ranktable: RanktableInput | None = None,
    model_config: tuple[str, dict[str, object]] | None = None,
) -> FileResult:
    document = load(name, data, wrap_fragment=settings.wrap_fragment)
    return lint_document(document, settings, rules, ranktable, model_config)
