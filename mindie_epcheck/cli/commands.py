"""The work behind each command: turn options into objects, run, and return an exit code."""

from __future__ import annotations

import math
import os
import sys
from collections import Counter
from typing import Any

from mindie_epcheck.cli import messages
from mindie_epcheck.cli.fix_request import FixOutcome, FixRequest
from mindie_epcheck.findings import Finding, Severity
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
from mindie_epcheck.report.errors import print_error, print_notice
from mindie_epcheck.report.limits import limit_per_rule
from mindie_epcheck.report.output import OutputError, OutputTarget, check_targets, write_reports
from mindie_epcheck.rules.registry import Rule, all_rules
from mindie_epcheck.settings import (
    FileSettings,
    SettingsError,
    SettingsResolver,
    apply_settings,
    check_new_baseline,
    read_baseline,
    subtract_baseline,
    write_baseline,
)
from mindie_epcheck.settings import messages as settings_messages
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


def read_option_file(option: str, path: str) -> bytes:
    """Read the file an option names; an error names the option too."""
    try:
        return read_file(path)
    except InputError as error:
        raise InputError(Text(f"{option} ", f"{option} ") + error.text) from None


def load_model_config(path: str | None) -> tuple[str, dict[str, object]] | None:
    """Read --model-config; a file that cannot give the model's facts is a usage error,
    never silently replaced by a preset."""
    if not path:
        return None
    document = load(path, read_option_file("--model-config", path))
    value = document.value
    if not isinstance(value, dict):
        reason = messages.NOT_JSON if document.root is None else messages.NOT_JSON_OBJECT
        raise UsageError(
            Text(
                messages.INVALID_MODEL_CONFIG.en.format(path=path, problems=reason.en),
                messages.INVALID_MODEL_CONFIG.zh.format(path=path, problems=reason.zh),
            )
        )
    problems = hf_config_problems(value)
    if problems:
        raise UsageError(
            messages.INVALID_MODEL_CONFIG.format(path=path, problems="; ".join(problems))
        )
    return path, value


def parse_env(pairs: tuple[str, ...]) -> dict[str, str]:
    """Read --env NAME=VALUE options; only the variables MindIE reads, with valid values."""
    env: dict[str, str] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in ENV_KEYS:
            raise UsageError(messages.INVALID_ENV.format(value=pair, names=", ".join(ENV_KEYS)))
        expected = messages.ENV_VALUES.get(name, messages.ENV_ANY_VALUE)
        if not value or (name in messages.ENV_VALUES and not _valid_env_value(name, value)):
            raise UsageError(messages.INVALID_ENV_VALUE.format(value=pair) + expected)
        env[name] = value
    return env


def _valid_env_value(name: str, value: str) -> bool:
    """Check a value MindIE reads as a number: the range it accepts, else its default applies."""
    if name == "NPU_MEMORY_FRACTION":
        try:
            number = float(value)
        except ValueError:
            return False
        return math.isfinite(number) and 0 < number <= 1
    if not value.isdigit():
        return False
    if name == "MASTER_PORT":
        return 1 <= int(value) <= 65535
    if name == "DP_MOVE_UP_ENABLE":
        return value in ("0", "1")
    # HCCL_BUFFSIZE in MB: more than 1 TiB is a typo, not a buffer.
    return 0 < int(value) <= 1 << 20


def ranktable_from_env(settings: Settings) -> str | None:
    """On a deployment host, the rank table MindIE itself would read: RANK_TABLE_FILE from
    MindIE 2.1 on, RANKTABLEFILE before; used only when that file exists here."""
    name = "RANKTABLEFILE" if settings.mindie_version == "2.0" else "RANK_TABLE_FILE"
    path = settings.env.get(name)
    return path if path and os.path.isfile(path) else None


def make_settings(options: dict[str, Any]) -> Settings:
    shell = {key: os.environ[key] for key in ENV_KEYS if key in os.environ}
    ignored = {
        name: value
        for name, value in shell.items()
        if name in messages.ENV_VALUES and not _valid_env_value(name, value)
    }
    env = {name: value for name, value in shell.items() if name not in ignored}
    from_options = parse_env(options.get("env_pairs", ()))
    env.update(from_options)
    return Settings(
        hardware=options["hardware"],
        interconnect=options["interconnect"],
        mindie_version=options["mindie_version"],
        nodes=options["nodes"],
        wrap_fragment=options["wrap_fragment"],
        env=env,
        ignored_env={name: value for name, value in ignored.items() if name not in from_options},
    )


def merge_options(options: dict[str, Any], file_settings: FileSettings) -> dict[str, Any]:
    """Fill the options not given on the command line from a settings file.

    `options["given"]` names the options given on the command line; without it, every
    option counts as given and settings files change nothing.
    """
    given: set[str] | None = options.get("given")

    def from_settings(name: str) -> bool:
        return given is not None and name not in given

    merged = dict(options)
    for name in ("select", "ignore"):
        codes = getattr(file_settings, name)
        if from_settings(name) and codes is not None:
            merged[name] = ",".join(codes)
    for name in ("hardware", "interconnect", "mindie_version", "fail_on"):
        value = getattr(file_settings, name)
        if from_settings(name) and value is not None:
            merged[name] = value
    if options.get("lang") is None and file_settings.lang is not None:
        merged["lang"] = file_settings.lang
    return merged


def validate(options: dict[str, Any]) -> int:
    lang = choose_language(options["lang"])
    try:
        resolver = SettingsResolver(
            [declared.code for declared in all_rules()],
            config=options.get("config_file"),
            isolated=bool(options.get("isolated")),
        )
        # Run-wide options (language, --fail-on) come from the settings of the first path.
        first = options["paths"][0] if options["paths"] else "-"
        first_name = options["stdin_filename"] if first == "-" else first
        first_options = merge_options(options, resolver.for_file(first_name))
    except SettingsError as problem:
        print_error(problem.text, lang)
        return EXIT_USAGE
    run_options = {**options, "fail_on": first_options["fail_on"], "lang": first_options["lang"]}
    lang = choose_language(run_options["lang"])
    try:
        return _validate(run_options, resolver, lang)
    except (UsageError, InputError, OutputError, SettingsError) as problem:
        print_error(problem.text, lang)
        return EXIT_USAGE


def _lint_file(
    name: str,
    data: bytes,
    options: dict[str, Any],
    resolver: SettingsResolver,
    ranktable: RanktableInput | None,
    model_config: tuple[str, dict[str, object]] | None,
) -> tuple[FileReport, list[Rule]]:
    """Lint one file with the options its settings file fills in."""
    file_settings = resolver.for_file(name)
    file_options = merge_options(options, file_settings)
    rules = select_rules(file_options["select"], file_options["ignore"])
    settings = make_settings(file_options)
    result = lint_bytes(name, data, settings, rules, ranktable, model_config)
    findings = apply_settings(result.findings, file_settings, name)
    return FileReport(result.name, result.kind, findings, result.text, result.notes), rules


def _fix_file(
    path: str,
    data: bytes,
    report: FileReport,
    request: FixRequest,
    options: dict[str, Any],
    resolver: SettingsResolver,
    ranktable: RanktableInput | None,
    model_config: tuple[str, dict[str, object]] | None,
) -> FixOutcome:
    """Apply the fixes of one file when --fix or --diff is given, re-linting it with the
    same options between passes. A failed write is printed and marked as failed."""
    if not (request.write or request.diff):
        return FixOutcome(report, changed=False)

    def lint(changed: bytes) -> list[Finding]:
        fixed, _ = _lint_file(report.name, changed, options, resolver, ranktable, model_config)
        return fixed.findings

    # Imported here: most runs fix nothing.
    from mindie_epcheck.cli.fixing import fix_file

    lang = choose_language(options["lang"])
    try:
        return fix_file(path, data, report, lint, request, sys.stdout, lang)
    except OutputError as problem:
        print_error(problem.text, lang)
        return FixOutcome(report, changed=False, failed=True)


def _known_findings(baseline_path: str | None) -> Counter[tuple[str, str, str]] | None:
    """Read the baseline, or return None when the run is to create it or there is none."""
    if not baseline_path:
        return None
    if os.path.exists(baseline_path):
        return read_baseline(baseline_path)
    # The new baseline is written after the run, so check its folder before linting.
    check_new_baseline(baseline_path)
    return None


def _check_paths(paths: tuple[str, ...]) -> None:
    if not paths:
        raise UsageError(messages.NO_PATHS)
    if paths.count("-") > 1:
        raise UsageError(messages.STDIN_TWICE)


def _validate(options: dict[str, Any], resolver: SettingsResolver, lang: Lang) -> int:
    paths: tuple[str, ...] = options["paths"]
    _check_paths(paths)
    first_settings = resolver.for_file(options["stdin_filename"] if paths[0] == "-" else paths[0])
    settings = make_settings(merge_options(options, first_settings))
    ranktable_path = options["ranktable"] or ranktable_from_env(settings)
    targets: tuple[OutputTarget, ...] = options["output_targets"]
    baseline_path: str | None = options.get("baseline")
    inputs = [*paths, ranktable_path, options["model_config"], baseline_path]
    check_targets(targets, [path for path in inputs if path])
    select_rules(options["select"], options["ignore"])
    model_config = load_model_config(options["model_config"])
    known = _known_findings(baseline_path)

    reports: list[FileReport] = []
    rule_codes: dict[str, None] = {}
    ranktable: RanktableInput | None = None
    if ranktable_path:
        ranktable = ranktable_input(
            load(ranktable_path, read_option_file("--ranktable", ranktable_path))
        )
        ranktable_settings = resolver.for_file(ranktable_path)
        ranktable_options = merge_options(options, ranktable_settings)
        rules = select_rules(ranktable_options["select"], ranktable_options["ignore"])
        result = lint_document(
            ranktable.document,
            make_settings(ranktable_options),
            rules,
            given_as_ranktable=True,
        )
        findings = apply_settings(result.findings, ranktable_settings, result.name)
        reports.append(FileReport(result.name, result.kind, findings, result.text, result.notes))
        rule_codes.update(dict.fromkeys(declared.code for declared in rules))
    failed = False
    changed = False
    fixes = FixRequest(
        write=bool(options.get("fix")),
        diff=bool(options.get("diff")),
        unsafe=bool(options.get("unsafe_fixes")),
    )
    for path in paths:
        name = options["stdin_filename"] if path == "-" else path
        try:
            data = read_stdin() if path == "-" else read_file(path)
        except InputError as problem:
            print_error(problem.text, lang)
            failed = True
            continue
        report, rules = _lint_file(name, data, options, resolver, ranktable, model_config)
        outcome = _fix_file(path, data, report, fixes, options, resolver, ranktable, model_config)
        report = outcome.report
        changed = changed or outcome.changed
        failed = failed or outcome.failed
        reports.append(report)
        rule_codes.update(dict.fromkeys(declared.code for declared in rules))
    if not reports:
        return EXIT_USAGE

    if fixes.diff:
        # --diff prints only the diff, and its exit code shows whether --fix would change a file.
        if failed:
            return EXIT_USAGE
        return EXIT_FINDINGS if changed else EXIT_OK
    if baseline_path and known is not None:
        _subtract_baseline(reports, baseline_path, known, lang)
    # A new baseline records every finding; the reports list a limited number per rule.
    every_finding = [finding for report in reports for finding in report.findings]
    for report in reports:
        report.findings = limit_per_rule(report.findings)
    run = RunReport(
        reports,
        lang,
        rule_codes=list(rule_codes),
        show_statistics=options["statistics"],
    )
    # With `--fix -` the fixed text owns standard output, so the report goes to stderr.
    fixed_stdin = fixes.write and "-" in paths
    write_reports(run, targets, sys.stderr if fixed_stdin else sys.stdout)
    if failed:
        if baseline_path and known is None:
            print_error(settings_messages.BASELINE_NOT_RECORDED.format(path=baseline_path), lang)
        return EXIT_USAGE
    if baseline_path and known is None:
        write_baseline(baseline_path, every_finding)
        message = settings_messages.BASELINE_RECORDED.format(
            count=len(every_finding), path=baseline_path
        )
        print_notice(message, lang)
        return EXIT_OK
    threshold = Severity(options["fail_on"]).rank
    failing = any(finding.severity.rank >= threshold for finding in run.findings)
    return EXIT_FINDINGS if failing and not options["exit_zero"] else EXIT_OK


def _subtract_baseline(
    reports: list[FileReport], path: str, known: Counter[tuple[str, str, str]], lang: Lang
) -> None:
    """Drop the findings the baseline records from each report and count the findings dropped."""
    folder = os.path.dirname(os.path.abspath(path))
    suppressed = 0
    for report in reports:
        report.findings, dropped = subtract_baseline(report.findings, known, folder)
        suppressed += dropped
    message = settings_messages.BASELINE_SUPPRESSED.format(path=path, count=suppressed)
    print_notice(message, lang)


def list_rules(output_format: str, lang: Lang) -> int:
    from mindie_epcheck.report.rules_format import render_rules

    render_rules(all_rules(), output_format, lang, sys.stdout)
    return EXIT_OK


def explain(code: str, lang: Lang) -> int:
    from mindie_epcheck.report.rules_format import render_explain

    requested = code.strip().upper()
    for declared in all_rules():
        if declared.code == requested or declared.name == code.strip().lower():
            render_explain(declared, lang, sys.stdout)
            return EXIT_OK
    print_error(messages.UNKNOWN_CODE.format(code=code), lang)
    return EXIT_USAGE
