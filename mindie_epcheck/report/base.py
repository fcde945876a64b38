"""The reporter interface and the data every reporter receives."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from mindie_epcheck.findings import Finding, Severity
from mindie_epcheck.i18n import Lang, Text
from mindie_epcheck.source.kinds import DocumentKind


@dataclass(slots=True)
class FileReport:
    name: str
    kind: DocumentKind | None
    findings: list[Finding]
    text: str = ""
    notes: list[Text] = field(default_factory=list)


@dataclass(slots=True)
class RunReport:
    files: list[FileReport]
    lang: Lang
    input_errors: list[str] = field(default_factory=list)
    # Codes of the rules that ran on every file; the JUnit report lists each as a test case.
    rule_codes: list[str] = field(default_factory=list)
    # `--statistics`: the text and JSON reports add the number of findings per code.
    show_statistics: bool = False

    @property
    def findings(self) -> list[Finding]:
        return [finding for report in self.files for finding in report.findings]

    def counts(self) -> dict[str, int]:
        counter = Counter(finding.severity.value for finding in self.findings)
        return {severity.value: counter.get(severity.value, 0) for severity in Severity}

    def counts_by_code(self) -> dict[str, int]:
        """Count the findings of each rule code, in code order."""
        counter = Counter(finding.code for finding in self.findings)
        return dict(sorted(counter.items()))


class Reporter(Protocol):
    def render(self, run: RunReport, stream: TextIO) -> None: ...
