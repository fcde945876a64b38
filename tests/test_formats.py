"""Output formats: every sample under samples/ through every reporter, and `--format FMT:PATH`.

Each sample is linted once with `--format json` on standard output, which gives the expected
findings, and every other format written to a file in the same run. The SARIF checks read
the OASIS SARIF 2.1.0 schema from the shared test data next to the repository. Without that
file they are skipped with a reason.
"""

from __future__ import annotations

import errno
import json
import os
import re
import sys
import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest
from helpers import REPO, SAMPLES, run_cli

from mindie_epcheck.findings import Finding, Severity, Span
from mindie_epcheck.i18n import Text
from mindie_epcheck.report import output
from mindie_epcheck.report.base import FileReport, RunReport
from mindie_epcheck.report.formats import REPORTERS, make_reporter
from mindie_epcheck.report.github import workflow_command
from mindie_epcheck.report.junit import JunitReporter
from mindie_epcheck.rules.registry import all_rules

SARIF_SCHEMA = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "conformance"
    / "sarif"
    / "sarif-schema-2.1.0.json"
)
FILE_FORMATS = ("concise", "jsonl", "sarif", "github", "gitlab", "junit")
SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
GITHUB_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}
GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}
CONCISE_LINE = re.compile(
    r"(?P<file>.+?)(?::(?P<line>\d+):(?P<column>\d+))?: "
    r"(?P<code>EP\d{3}) \[(?P<severity>error|warning|info)\] (?P<message>.+)"
)
# `::command key=value,...::data`. Property values may not contain a raw ',' or ':', and
# '%' appears in values and data only as the start of an escape.
WORKFLOW_COMMAND = re.compile(
    r"::(?P<command>error|warning|notice) (?P<properties>[^:]*)::(?P<data>.*)"
)
PROPERTY = re.compile(r"(?P<name>file|line|col|endLine|endColumn|title)=(?P<value>[^,:]*)")
PROPERTY_VALUE = re.compile(r"(?:[^%\r\n,:]|%25|%0D|%0A|%3A|%2C)*")
DATA = re.compile(r"(?:[^%\r\n]|%25|%0D|%0A)*")
# Characters that RFC 3986 allows in a URI, with '%' only as the start of an escape.
URI_CHARACTERS = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+")


def sample_files() -> list[Path]:
    return sorted(
        path for path in SAMPLES.rglob("*.json") if not path.name.endswith(".expected.json")
    )


def args_for(sample: Path) -> list[str]:
    for candidate in (sample.with_suffix(".args"), Path(str(sample) + ".args")):
        if candidate.exists():
            return [line.strip() for line in candidate.read_text().splitlines() if line.strip()]
    return []


SAMPLE_FILES = sample_files()
SAMPLE_IDS = [str(path.relative_to(SAMPLES)) for path in SAMPLE_FILES]


@dataclass
class SampleRun:
    """One `epcheck validate` of a sample: the JSON report and every other format's file."""

    exit_code: int
    findings: list[dict[str, Any]]
    outputs: dict[str, str]


def run_formats(sample: Path, folder: Path, formats: tuple[str, ...]) -> SampleRun:
    relative = str(sample.relative_to(REPO))
    targets = [f"--format={name}:{folder / name}" for name in formats]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REPO)
        result = run_cli("validate", relative, *args_for(sample), "--format", "json", *targets)
    assert result.exit_code in (0, 1), result.stderr
    outputs = {name: (folder / name).read_text(encoding="utf-8") for name in formats}
    return SampleRun(result.exit_code, json.loads(result.stdout)["findings"], outputs)


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], SampleRun]:
    """Lint each sample once, on first use, with every format; later tests reuse the run."""
    runs: dict[Path, SampleRun] = {}

    def get(sample: Path) -> SampleRun:
        if sample not in runs:
            folder = tmp_path_factory.mktemp("formats")
            runs[sample] = run_formats(sample, folder, FILE_FORMATS)
        return runs[sample]

    return get


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    if not SARIF_SCHEMA.exists():
        pytest.skip(f"the SARIF 2.1.0 schema is not at {SARIF_SCHEMA}")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


def is_uri(text: str) -> bool:
    return URI_CHARACTERS.fullmatch(text) is not None


def is_absolute_uri(text: str) -> bool:
    parts = urlsplit(text)
    return is_uri(text) and parts.scheme in ("http", "https") and bool(parts.netloc)


def lines_of(text: str) -> list[str]:
    # Split on LF only: str.splitlines() would also split at U+2028, which JSON leaves raw.
    return text.split("\n")[:-1] if text else []


def test_sample_list_not_empty() -> None:
    assert len(SAMPLE_FILES) > 10


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=SAMPLE_IDS)
def test_sarif_matches_schema(
    sample: Path,
    sample_run: Callable[[Path], SampleRun],
    sarif_validator: jsonschema.protocols.Validator,
) -> None:
    run = sample_run(sample)
    log = json.loads(run.outputs["sarif"])
    errors = [error.message for error in sarif_validator.iter_errors(log)]
    assert errors == []
    assert log["version"] == "2.1.0"
    assert is_absolute_uri(log["$schema"])


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=SAMPLE_IDS)
def test_sarif_results_match_findings(
    sample: Path, sample_run: Callable[[Path], SampleRun]
) -> None:
    run = sample_run(sample)
    sarif_run = json.loads(run.outputs["sarif"])["runs"][0]
    rules = sarif_run["tool"]["driver"]["rules"]
    results = sarif_run["results"]
    assert len(results) == len(run.findings)
    for result, finding in zip(results, run.findings, strict=True):
        assert result["ruleId"] == finding["code"]
        assert rules[result["ruleIndex"]]["id"] == finding["code"]
        assert result["level"] == SARIF_LEVELS[finding["severity"]]
        assert result["message"]["text"].startswith(finding["message"])
        assert result["properties"]["pointer"] == finding["pointer"]
        location = result["locations"][0]
        uri = location["physicalLocation"]["artifactLocation"]["uri"]
        assert is_uri(uri)
        assert unquote(uri) == finding["file"]
        region = location["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (finding["line"], finding["column"])
        assert (region["endLine"], region["endColumn"]) == (
            finding["end_line"],
            finding["end_column"],
        )


def test_sarif_rules_from_registry(sample_run: Callable[[Path], SampleRun]) -> None:
    sample = SAMPLES / "seed" / "ep-level-2-single-node.config.json"
    driver = json.loads(sample_run(sample).outputs["sarif"])["runs"][0]["tool"]["driver"]
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids == [declared.code for declared in all_rules()]
    assert is_absolute_uri(driver["informationUri"])
    for rule in driver["rules"]:
        assert is_absolute_uri(rule["helpUri"]), rule["helpUri"]
        assert urlsplit(rule["helpUri"]).fragment.startswith(rule["id"].lower())
        assert rule["shortDescription"]["text"]
        assert rule["fullDescription"]["text"]
        assert rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=SAMPLE_IDS)
def test_gitlab_fingerprints_stable_and_unique(
    sample: Path, sample_run: Callable[[Path], SampleRun], tmp_path: Path
) -> None:
    first = json.loads(sample_run(sample).outputs["gitlab"])
    second = json.loads(run_formats(sample, tmp_path, ("gitlab",)).outputs["gitlab"])
    fingerprints = [issue["fingerprint"] for issue in first]
    assert fingerprints == [issue["fingerprint"] for issue in second]
    assert len(set(fingerprints)) == len(fingerprints)


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=SAMPLE_IDS)
def test_gitlab_issues_match_findings(
    sample: Path, sample_run: Callable[[Path], SampleRun]
) -> None:
    run = sample_run(sample)
    issues = json.loads(run.outputs["gitlab"])
    assert isinstance(issues, list)
    assert len(issues) == len(run.findings)
    for issue, finding in zip(issues, run.findings, strict=True):
        assert issue["check_name"] == finding["code"]
        assert finding["message"] in issue["description"]
        assert issue["severity"] in GITLAB_SEVERITIES
        assert issue["location"]["path"] == finding["file"]
        assert issue["location"]["lines"]["begin"] == finding["line"]
        assert issue["location"]["lines"]["end"] == finding["end_line"]


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=SAMPLE_IDS)
def test_junit_failure_counts(sample: Path, sample_run: Callable[[Path], SampleRun]) -> None:
    run = sample_run(sample)
    root = ElementTree.fromstring(run.outputs["junit"])
    suites = root.findall("testsuite")
    failing = Counter(
        finding["file"] for finding in run.findings if finding["severity"] in ("error", "warning")
    )
    assert root.tag == "testsuites"
    assert {suite.get("name") for suite in suites} >= set(failing)
    for suite in suites:
        cases = suite.findall("testcase")
        failed_cases = [case for case in cases if case.find("failure") is not None]
        assert suite.get("tests") == str(len(cases))
        assert suite.get("failures") == str(len(failed_cases))
        assert len(suite.findall("testcase/failure")) == failing[suite.get("name")]
        names = [case.get("name") for case in cases]
        assert len(names) == len(set(names))
    assert root.get("tests") == str(sum(int(suite.get("tests", "")) for suite in suites))
    assert root.get("failures") == str(sum(int(suite.get("failures", "")) for suite in suites))


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=SAMPLE_IDS)
def test_github_commands_grammar(sample: Path, sample_run: Callable[[Path], SampleRun]) -> None:
    run = sample_run(sample)
    lines = lines_of(run.outputs["github"])
    assert len(lines) == len(run.findings)
    for line, finding in zip(lines, run.findings, strict=True):
        command = WORKFLOW_COMMAND.fullmatch(line)
        assert command, line
        assert command["command"] == GITHUB_COMMANDS[finding["severity"]]
        assert DATA.fullmatch(command["data"]), command["data"]
        properties = {}
        for part in command["properties"].split(","):
            match = PROPERTY.fullmatch(part)
            assert match, part
            assert PROPERTY_VALUE.fullmatch(match["value"]), part
            properties[match["name"]] = unquote(match["value"])
        assert properties["file"] == finding["file"]
        assert properties["line"] == str(finding["line"])
        assert properties["title"] == f"{finding['code']} {finding['name']}"
        if "col" in properties:
            assert finding["line"] == finding["end_line"]


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=SAMPLE_IDS)
def test_concise_one_line_per_finding(
    sample: Path, sample_run: Callable[[Path], SampleRun]
) -> None:
    run = sample_run(sample)
    lines = lines_of(run.outputs["concise"])
    assert len(lines) == len(run.findings)
    for line, finding in zip(lines, run.findings, strict=True):
        match = CONCISE_LINE.fullmatch(line)
        assert match, line
        assert match["file"] == finding["file"]
        assert match["line"] == str(finding["line"])
        assert match["column"] == str(finding["column"])
        assert match["code"] == finding["code"]
        assert match["severity"] == finding["severity"]


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=SAMPLE_IDS)
def test_jsonl_records_equal_json(sample: Path, sample_run: Callable[[Path], SampleRun]) -> None:
    run = sample_run(sample)
    records = [json.loads(line) for line in lines_of(run.outputs["jsonl"])]
    assert records == run.findings


def test_format_with_path_keeps_terminal_output(tmp_path: Path) -> None:
    config = SAMPLES / "seed" / "ep-level-2-single-node.config.json"
    report = tmp_path / "epcheck.sarif"
    alone = run_cli("validate", str(config))
    both = run_cli("validate", str(config), "--format", "text", "--format", f"sarif:{report}")
    log = json.loads(report.read_text(encoding="utf-8"))
    assert both.exit_code == alone.exit_code == 1
    assert both.stdout == alone.stdout
    assert "2 error(s)" in both.stdout
    assert len(log["runs"][0]["results"]) == 2
    assert [path.name for path in tmp_path.iterdir()] == ["epcheck.sarif"]


def test_only_file_targets_leave_stdout_empty(tmp_path: Path) -> None:
    config = SAMPLES / "seed" / "ep-level-2-single-node.config.json"
    result = run_cli("validate", str(config), "--format", f"junit:{tmp_path / 'junit.xml'}")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert (tmp_path / "junit.xml").exists()


def test_format_path_with_colon(tmp_path: Path) -> None:
    config = SAMPLES / "seed" / "ep-level-2-single-node.config.json"
    report = tmp_path / "a:b.json"
    result = run_cli("validate", str(config), "--format", f"json:{report}")
    assert result.exit_code == 1
    assert len(json.loads(report.read_text(encoding="utf-8"))["findings"]) == 2


@pytest.mark.parametrize(
    ("formats", "message"),
    [
        (["text", "json"], "both write to standard output"),
        (["text", "text"], "both write to standard output"),
        (["xml"], "'xml' is not an output format"),
        (["json:"], "empty PATH"),
        (["json:{tmp}/a.json", "sarif:{tmp}/a.json"], "write the same file"),
        (["json:{tmp}/missing/a.json"], "not found"),
        (["json:{tmp}"], "is a directory"),
        (["json:{config}"], "would be overwritten"),
    ],
    ids=[
        "two-stdout",
        "same-format-twice",
        "unknown-format",
        "empty-path",
        "same-path",
        "missing-folder",
        "directory",
        "input-file",
    ],
)
def test_format_usage_errors(tmp_path: Path, formats: list[str], message: str) -> None:
    config = tmp_path / "config.json"
    config.write_text("{}", encoding="utf-8")
    options: list[str] = []
    for value in formats:
        options += ["--format", value.format(tmp=tmp_path, config=config)]
    result = run_cli("validate", str(config), *options)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert sorted(path.name for path in tmp_path.iterdir()) == ["config.json"]


def test_format_error_in_chinese() -> None:
    result = run_cli(
        "validate", "x.json", "--format", "text", "--format", "json", "--lang", "zh", lang="zh"
    )
    assert result.exit_code == 2
    assert "都写到标准输出" in result.stderr


def test_failed_write_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = SAMPLES / "seed" / "ep-level-2-single-node.config.json"
    report = tmp_path / "report.json"
    report.write_text("old", encoding="utf-8")

    def fail_replace(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "replace", fail_replace)
    result = run_cli("validate", str(config), "--format", f"json:{report}")
    assert result.exit_code == 2
    assert "cannot write" in result.stderr
    assert "No space left on device" in result.stderr
    assert report.read_text(encoding="utf-8") == "old"
    assert [path.name for path in tmp_path.iterdir()] == ["report.json"]


@pytest.mark.parametrize(
    ("number", "english", "chinese"),
    [
        (errno.ENOSPC, "No space left on device", "磁盘空间不足"),
        (errno.ENOENT, "No such file or directory", "文件或目录不存在"),
        (errno.EROFS, "Read-only file system", "文件系统是只读的"),
        # An errno without a translation keeps the OS's words after the Chinese lead-in.
        (errno.ETIMEDOUT, "Connection timed out", "Connection timed out"),
    ],
    ids=["no-space", "not-found", "read-only", "untranslated"],
)
def test_failed_write_reason_in_chinese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, number: int, english: str, chinese: str
) -> None:
    config = SAMPLES / "seed" / "ep-level-2-single-node.config.json"
    report = tmp_path / "report.json"

    def fail_replace(source: str, target: str) -> None:
        raise OSError(number, english)

    monkeypatch.setattr(output.os, "replace", fail_replace)
    arguments = ["validate", str(config), "--format", f"json:{report}"]
    result = run_cli(*arguments, "--lang", "zh", lang="zh")
    assert result.exit_code == 2
    assert f"无法写入 {report}：{chinese}" in result.stderr
    if chinese != english:
        assert english not in result.stderr
    assert english in run_cli(*arguments).stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_report_file_mode_follows_umask(tmp_path: Path) -> None:
    config = SAMPLES / "seed" / "ep-level-2-single-node.config.json"
    report = tmp_path / "report.json"
    previous = os.umask(0o027)
    try:
        run_cli("validate", str(config), "--format", f"json:{report}")
    finally:
        os.umask(previous)
    assert report.stat().st_mode & 0o777 == 0o640


def test_exit_zero_with_findings() -> None:
    config = SAMPLES / "seed" / "ep-level-2-single-node.config.json"
    result = run_cli("validate", str(config), "--exit-zero")
    assert result.exit_code == 0
    assert "EP208" in result.stdout


def test_exit_zero_keeps_input_error_exit(tmp_path: Path) -> None:
    config = SAMPLES / "seed" / "ep-level-2-single-node.config.json"
    missing = tmp_path / "missing.json"
    result = run_cli("validate", str(config), str(missing), "--exit-zero")
    assert result.exit_code == 2
    assert "EP208" in result.stdout


def test_exit_zero_keeps_usage_error_exit() -> None:
    result = run_cli("validate", "--exit-zero")
    assert result.exit_code == 2


def test_statistics_in_text() -> None:
    config = SAMPLES / "seed" / "ep-level-2-single-node.config.json"
    plain = run_cli("validate", str(config))
    counted = run_cli("validate", str(config), "--statistics")
    table = counted.stdout.split("Findings per rule", 1)[1]
    assert "Findings per rule" not in plain.stdout
    assert re.search(r"EP208\s+moe-ep-tp-product\s+1\n", table)
    assert re.search(r"EP315\s+level-2-needs-moe-tp-1\s+1\n", table)
    assert counted.exit_code == plain.exit_code == 1


def test_statistics_in_json() -> None:
    config = SAMPLES / "seed" / "ep-level-2-single-node.config.json"
    plain = json.loads(run_cli("validate", str(config), "--format", "json").stdout)
    counted = json.loads(
        run_cli("validate", str(config), "--format", "json", "--statistics").stdout
    )
    assert "statistics" not in plain["summary"]
    assert counted["summary"]["statistics"] == {"EP208": 1, "EP315": 1}


def test_gitlab_fingerprint_ignores_lines_and_language(tmp_path: Path) -> None:
    original = SAMPLES / "seed" / "ep-level-2-single-node.config.json"
    config = tmp_path / "config.json"
    config.write_text(original.read_text(encoding="utf-8"), encoding="utf-8")
    before = json.loads(run_cli("validate", str(config), "--format", "gitlab").stdout)
    config.write_text("\n\n\n" + original.read_text(encoding="utf-8"), encoding="utf-8")
    shifted = json.loads(run_cli("validate", str(config), "--format", "gitlab").stdout)
    chinese = json.loads(
        run_cli("validate", str(config), "--format", "gitlab", "--lang", "zh", lang="zh").stdout
    )
    assert [issue["location"]["lines"]["begin"] for issue in shifted] == [
        issue["location"]["lines"]["begin"] + 3 for issue in before
    ]
    assert [issue["fingerprint"] for issue in shifted] == [issue["fingerprint"] for issue in before]
    assert chinese[0]["description"] != before[0]["description"]
    assert [issue["fingerprint"] for issue in chinese] == [issue["fingerprint"] for issue in before]


def test_sarif_chinese_and_stdin(sarif_validator: jsonschema.protocols.Validator) -> None:
    config = SAMPLES / "seed" / "ep-level-2-single-node.config.json"
    result = run_cli(
        "validate", "-", "--format", "sarif", "--lang", "zh", stdin=config.read_bytes(), lang="zh"
    )
    log = json.loads(result.stdout)
    sarif_run = log["runs"][0]
    uri = sarif_run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert list(sarif_validator.iter_errors(log)) == []
    assert sarif_run["language"] == "zh-CN"
    assert uri == "%3Cstdin%3E"


def test_sarif_absolute_path_is_file_uri(sarif_validator: jsonschema.protocols.Validator) -> None:
    config = (SAMPLES / "seed" / "ep-level-2-single-node.config.json").resolve()
    log = json.loads(run_cli("validate", str(config), "--format", "sarif").stdout)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"][
        "uri"
    ]
    assert list(sarif_validator.iter_errors(log)) == []
    assert uri == config.as_uri()


def odd_finding(severity: Severity = Severity.ERROR) -> Finding:
    """Return a finding whose file, message and pointer hold characters that formats escape."""
    return Finding(
        code="EP104",
        name="unknown-key",
        severity=severity,
        message=Text("key a\x01b,:%0A is unknown\nsecond line", "未知键 a\x01b"),
        hint=Text("Remove it; 100% sure.", "删除它。"),
        file="dir/a,b:c%.json",
        pointer="/ServerConfig/a\x01b,:%0A",
        span=Span(2, 3, 4, 5),
    )


def test_github_escapes_properties_and_data() -> None:
    command = workflow_command(odd_finding(), "en")
    header, data = command.split("::")[1:]
    assert command.startswith("::error file=dir/a%2Cb%3Ac%25.json,line=2,endLine=4,title=")
    assert "col=" not in header
    assert "\n" not in command
    assert "%250A" in data
    assert "100%25 sure" in data
    assert "%0Ahint: Remove it" in data


def test_junit_replaces_characters_invalid_in_xml() -> None:
    report = FileReport("dir/a,b:c%.json", None, [odd_finding(), odd_finding(Severity.INFO)])
    stream = StringIO()
    JunitReporter().render(RunReport([report], "en", rule_codes=["EP104"]), stream)
    root = ElementTree.fromstring(stream.getvalue().split("\n", 1)[1])
    case = root.find("testsuite/testcase")
    assert case is not None
    assert case.get("name") == "EP104 unknown-key"
    assert len(case.findall("failure")) == 1
    assert "\ufffd" in (case.findtext("system-out") or "")


def test_every_format_renders_empty_run() -> None:
    run = RunReport([FileReport("empty.json", None, [])], "en", rule_codes=["EP001"])
    for name in REPORTERS:
        stream = StringIO()
        make_reporter(name).render(run, stream)
        if name in ("concise", "jsonl", "github"):
            assert stream.getvalue() == "", name
        else:
            assert stream.getvalue(), name


class ClosedPipe(StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_report_file_written_before_stdout(tmp_path: Path) -> None:
    run = RunReport([FileReport("a.json", None, [odd_finding()])], "en")
    path = tmp_path / "report.json"
    # Not text: rich handles a broken pipe itself by pointing file descriptor 1 at /dev/null.
    targets = [output.OutputTarget("concise"), output.OutputTarget("json", str(path))]
    with pytest.raises(BrokenPipeError):
        output.write_reports(run, targets, ClosedPipe())
    assert len(json.loads(path.read_text(encoding="utf-8"))["findings"]) == 1


def test_github_file_property_hides_escapes() -> None:
    finding = Finding(
        "EP001",
        "invalid-json",
        Severity.ERROR,
        Text("m", "m"),
        Text("h", "h"),
        "a\x1b[31mb.json",
        "",
        None,
    )
    run = RunReport([FileReport("a\x1b[31mb.json", None, [finding])], "en", rule_codes=["EP001"])
    stream = StringIO()
    make_reporter("github").render(run, stream)
    assert "\x1b" not in stream.getvalue()
