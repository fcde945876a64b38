"""The work behind each command: turn options into objects, run, and return an exit code."""

from __future__ import annotations

import os
import sys
from typing import Any

from mindie_epcheck.cli import messages
from mindie_epcheck.findings import Severity
from mindie_epcheck.i18n import Lang, Text, choose_language
from mindie_epcheck.model.context import ENV_KEYS, RanktableInput, Settings
from mindie_epcheck.model.facts import hf_config_problems
from mindie_epcheck.pipeline import (
    InputError,
    lint_bytes,
    lint_document,
    ranktable_input,
    read_file,
)
from mindie_epcheck.report.base import FileReport, RunReport
from mindie_epcheck.report.errors import print_error
from mindie_epcheck.report.output import OutputError, OutputTarget, check_targets, write_reports
from mindie_epcheck.report.rules_format import render_explain, render_rules
from mindie_epcheck.rules.registry import Rule, all_rules
from mindie_epcheck.source.document import MAX_FILE_BYTES, load

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


def split_codes(value: str) -> list[str]:
    return [part.strip().upper() for part in value.split(",") if part.strip()]


def select_rules(select: str, ignore: str) -> list[Rule]:
    """Apply --select and --ignore; each entry is a code (EP301) or a prefix (EP3)."""
    rules = all_rules()
    for option, value in (("select", select), ("ignore", ignore)):
        for code in split_codes(value):
            if not any(declared.code.startswith(code) for declared in rules):
                raise UsageError(messages.UNKNOWN_SELECTOR.format(option=option, value=code))
    chosen = split_codes(select)
    skipped = split_codes(ignore)
    return [
        declared
        for declared in rules
        if (not chosen or any(declared.code.startswith(code) for code in chosen))
        and not any(declared.code.startswith(code) for code in skipped)
    ]


NO_STDIN = Text("-: standard input is closed or not readable", "-：标准输入已关闭或不可读")


def read_stdin() -> bytes:
    try:
        return sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    except (AttributeError, OSError, ValueError):
        # sys.stdin is None when the descriptor is closed (`<&-`); reads fail on a bad one.
        raise InputError(NO_STDIN) from None


def load_model_config(path: str | None) -> tuple[str, dict[str, object]] | None:
    """Read --model-config; a file that cannot give the model's facts is a usage error,
    never silently replaced by a preset."""
    if not path:
        return None
    document = load(path, read_file(path))
    value = document.value
    if not isinstance(value, dict):
        raise UsageError(
            messages.INVALID_MODEL_CONFIG.format(path=path, problems="not a JSON object")
        )
    problems = hf_config_problems(value)
    if problems:
        raise UsageError(
            messages.INVALID_MODEL_CONFIG.format(path=path, problems="; ".join(problems))
        )
    return path, value


def parse_env(pairs: tuple[str, ...]) -> dict[str, str]:
    """Read --env NAME=VALUE options; only the variables MindIE reads are accepted."""
    env: dict[str, str] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in ENV_KEYS or not value:
            raise UsageError(messages.INVALID_ENV.format(value=pair, names=", ".join(ENV_KEYS)))
        env[name] = value
    return env


def ranktable_from_env(settings: Settings) -> str | None:
    """On a deployment host, the rank table MindIE itself would read: RANK_TABLE_FILE from
    MindIE 2.1 on, RANKTABLEFILE before; used only when that file exists here."""
    name = "RANKTABLEFILE" if settings.mindie_version == "2.0" else "RANK_TABLE_FILE"
    path = settings.env.get(name)
    return path if path and os.path.isfile(path) else None


def make_settings(options: dict[str, Any]) -> Settings:
    env = {key: os.environ[key] for key in ENV_KEYS if key in os.environ}
    env.update(parse_env(options.get("env_pairs", ())))
    return Settings(
        hardware=options["hardware"],
        interconnect=options["interconnect"],
        mindie_version=options["mindie_version"],
        nodes=options["nodes"],
        wrap_fragment=options["wrap_fragment"],
        env=env,
    )


def validate(options: dict[str, Any]) -> int:
    lang = choose_language(options["lang"])
    try:
        return _validate(options, lang)
    except (UsageError, InputError, OutputError) as problem:
        print_error(problem.text, lang)
        return EXIT_USAGE


def _validate(options: dict[str, Any], lang: Lang) -> int:
    paths: tuple[str, ...] = options["paths"]
    if not paths:
        raise UsageError(messages.NO_PATHS)
    settings = make_settings(options)
    ranktable_path = options["ranktable"] or ranktable_from_env(settings)
    targets: tuple[OutputTarget, ...] = options["output_targets"]
    inputs = [*paths, ranktable_path, options["model_config"]]
    check_targets(targets, [path for path in inputs if path])
    rules = select_rules(options["select"], options["ignore"])
    model_config = load_model_config(options["model_config"])

    reports: list[FileReport] = []
    ranktable: RanktableInput | None = None
    if ranktable_path:
        ranktable = ranktable_input(load(ranktable_path, read_file(ranktable_path)))
        result = lint_document(ranktable.document, settings, rules, given_as_ranktable=True)
        reports.append(
            FileReport(result.name, result.kind, result.findings, result.text, result.notes)
        )
    failed = False
    for path in paths:
        name = options["stdin_filename"] if path == "-" else path
        try:
            data = read_stdin() if path == "-" else read_file(path)
        except InputError as problem:
            print_error(problem.text, lang)
            failed = True
            continue
        result = lint_bytes(name, data, settings, rules, ranktable, model_config)
        reports.append(
            FileReport(result.name, result.kind, result.findings, result.text, result.notes)
        )
    if not reports:
        return EXIT_USAGE

    run = RunReport(
        reports,
        lang,
        rule_codes=[declared.code for declared in rules],
        show_statistics=options["statistics"],
    )
    write_reports(run, targets, sys.stdout)
    if failed:
        return EXIT_USAGE
    threshold = Severity(options["fail_on"]).rank
    failing = any(finding.severity.rank >= threshold for finding in run.findings)
    return EXIT_FINDINGS if failing and not options["exit_zero"] else EXIT_OK


def list_rules(output_format: str, lang: Lang) -> int:
    render_rules(all_rules(), output_format, lang, sys.stdout)
    return EXIT_OK


def explain(code: str, lang: Lang) -> int:
    wanted = code.strip().upper()
    for declared in all_rules():
        if declared.code == wanted or declared.name == code.strip().lower():
            render_explain(declared, lang, sys.stdout)
            return EXIT_OK
    print_error(messages.UNKNOWN_CODE.format(code=code), lang)
    return EXIT_USAGE
