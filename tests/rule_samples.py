"""Shared helpers of the rule tests: the samples under samples/rules, and linting small configs.

A rule sample is a config.json named `<CODE>-<name>.bad.json` or `<CODE>-<name>.good.json`.
A sample that needs more command-line arguments has them in a sidecar file named after the
sample plus `.args`, one argument per line, paths relative to the repository root.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import REALWORLD, REPO, SAMPLES, run_cli

from mindie_epcheck.findings import Finding
from mindie_epcheck.model.context import ENV_KEYS, Settings
from mindie_epcheck.pipeline import lint_bytes, ranktable_input
from mindie_epcheck.source.document import load

RULE_SAMPLES = SAMPLES / "rules"

needs_realworld = pytest.mark.skipif(
    not REALWORLD.is_dir(),
    reason=f"the published configs are not checked out at {REALWORLD}",
)


# ---------------------------------------------------------------------------------------
# Samples through the CLI


@dataclass(frozen=True)
class Case:
    """A bad sample and the finding it must give: code, severity, pointer, and its line.

    The expected line is the `occurrence`-th line of the sample that contains `marker`,
    plus `offset`, so the test finds it without trusting the pointer resolution.
    """

    sample: str
    code: str
    severity: str
    pointer: str
    marker: str
    occurrence: int = 1
    offset: int = 0


def rule_samples(prefix: str, kind: str) -> list[Path]:
    """Return the `kind` ("bad" or "good") samples whose name starts with `prefix`, sorted."""
    return sorted(RULE_SAMPLES.glob(f"{prefix}*.{kind}.json"))


def sample_args(sample: Path) -> list[str]:
    """Read the extra CLI arguments from the sample's `.args` sidecar, one per non-blank line."""
    sidecar = sample.with_name(sample.name + ".args")
    if not sidecar.exists():
        return []
    return [line.strip() for line in sidecar.read_text().splitlines() if line.strip()]


def sample_findings(
    sample: Path, monkeypatch: pytest.MonkeyPatch, families: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Validate a sample with its sidecar arguments and return the JSON findings.

    The run starts in the repository root with every variable in ENV_KEYS unset, because the
    samples assume that none is set: HCCL_BUFFSIZE, MASTER_IP and MASTER_PORT, for example,
    change EP2xx and EP3xx findings. Without `families` every finding of every input comes
    back. With `families` only the findings on the sample itself whose code starts with one
    of those prefixes come back.
    """
    monkeypatch.chdir(REPO)
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    relative = str(sample.relative_to(REPO))
    arguments = [relative, *sample_args(sample), "--format", "json", "--lang", "en"]
    result = run_cli("validate", *arguments)
    assert result.exit_code in (0, 1), result.output
    findings: list[dict[str, Any]] = json.loads(result.stdout)["findings"]
    if not families:
        return findings
    return [
        finding
        for finding in findings
        if finding["file"] == relative and finding["code"].startswith(families)
    ]


def marker_line(sample: Path, marker: str, occurrence: int) -> int:
    """Return the 1-based number of the `occurrence`-th line of `sample` containing `marker`."""
    seen = 0
    for number, line in enumerate(sample.read_text().splitlines(), start=1):
        if marker in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{marker!r} occurs fewer than {occurrence} times in {sample.name}")


def assert_family_samples(family: str, count: int, cases: list[Case]) -> None:
    """Check that rules <family>01 to <family><count> each have a bad and a good sample, and
    that `cases` covers exactly those codes."""
    codes = {f"{family}{number:02d}" for number in range(1, count + 1)}
    for code in sorted(codes):
        assert rule_samples(code, "bad"), f"no bad sample for {code}"
        assert rule_samples(code, "good"), f"no good sample for {code}"
    assert {case.code for case in cases} == codes


def assert_bad_case(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    """Check that the case's sample gives its finding once, at the expected pointer and line."""
    sample = RULE_SAMPLES / case.sample
    findings = sample_findings(sample, monkeypatch)
    hits = [
        finding
        for finding in findings
        if finding["code"] == case.code and finding["file"].endswith(case.sample)
    ]

    assert len(hits) == 1, [finding["message"] for finding in hits]
    hit = hits[0]
    assert hit["severity"] == case.severity
    assert hit["pointer"] == case.pointer
    assert hit["line"] == marker_line(sample, case.marker, case.occurrence) + case.offset


def serious_findings(
    sample: Path, monkeypatch: pytest.MonkeyPatch, families: tuple[str, ...]
) -> list[str]:
    """Return the warnings and errors of `families` that a sample gives, one line each."""
    return [
        f"{finding['code']} {finding['file']}:{finding['line']} {finding['message']}"
        for finding in sample_findings(sample, monkeypatch)
        if finding["code"].startswith(families) and finding["severity"] in ("warning", "error")
    ]


def assert_bad_sample(
    sample: Path,
    monkeypatch: pytest.MonkeyPatch,
    expected: dict[str, tuple[str, str, int]],
    families: tuple[str, ...],
) -> None:
    """Check that a bad sample gives only its own rule's findings, the first at the
    (severity, pointer, line) that `expected` gives for its code."""
    code = sample.name[:5]
    severity, pointer, line = expected[code]
    findings = sample_findings(sample, monkeypatch, families)

    assert {finding["code"] for finding in findings} == {code}
    first = findings[0]
    assert first["severity"] == severity
    assert first["pointer"] == pointer
    assert first["line"] == line


# ---------------------------------------------------------------------------------------
# Small configs linted in process


def read_json(path: Path) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(path.read_text())
    return value


def entry_of(config: dict[str, Any]) -> dict[str, Any]:
    """Return the first ModelConfig entry of a config.json value."""
    entry: dict[str, Any] = config["BackendConfig"]["ModelDeployConfig"]["ModelConfig"][0]
    return entry


def config(entry: dict[str, Any], multi: bool = False) -> bytes:
    """Build a config.json with one ModelConfig entry, encoded with a 2-space indent."""
    document = {
        "BackendConfig": {
            "multiNodesInferEnabled": multi,
            "ModelDeployConfig": {"ModelConfig": [entry]},
        }
    }
    return json.dumps(document, indent=2).encode()


def lint(
    value: Any,
    settings: Settings | None = None,
    table: dict[str, Any] | None = None,
    name: str = "config.json",
) -> list[Finding]:
    """Lint `value` encoded with a 4-space indent as the file `name`, with `table` as rank table.

    The line numbers of the findings refer to that encoding.
    """
    ranktable = None
    if table is not None:
        ranktable = ranktable_input(load("ranktable.json", json.dumps(table).encode()))
    data = json.dumps(value, indent=4).encode()
    result = lint_bytes(name, data, settings or Settings(), ranktable=ranktable)
    return result.findings


def lint_families(
    data: bytes,
    families: tuple[str, ...],
    settings: Settings | None = None,
    ranktable: Path | None = None,
) -> list[Finding]:
    """Lint config.json bytes and return the findings whose code starts with one of `families`."""
    table = ranktable_input(load(str(ranktable), ranktable.read_bytes())) if ranktable else None
    result = lint_bytes("config.json", data, settings or Settings(), ranktable=table)
    return [finding for finding in result.findings if finding.code.startswith(families)]


def with_code(findings: list[Finding], code: str) -> list[Finding]:
    return [finding for finding in findings if finding.code == code]


def codes(findings: list[Finding]) -> list[str]:
    return [finding.code for finding in findings]


def only(findings: list[Finding], code: str) -> Finding:
    """Return the single finding with `code`, and fail listing every code when there is not one."""
    matching = with_code(findings, code)
    assert len(matching) == 1, codes(findings)
    return matching[0]
