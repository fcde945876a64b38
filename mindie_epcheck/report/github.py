"""`--format github`: GitHub Actions workflow commands, one per finding.

The runner turns each `::error file=F,line=L,...::message` line of a step's output into an
annotation on the run and on the pull request's diff. Message data and property values are
percent-encoded as the runner decodes them (actions/toolkit, packages/core/src/command.ts):
`%`, CR and LF everywhere, and also `:` and `,` in property values.
"""

from __future__ import annotations

from typing import TextIO

from mindie_epcheck.findings import Finding, Severity
from mindie_epcheck.i18n import Lang
from mindie_epcheck.report.base import RunReport
from mindie_epcheck.report.sanitize import printable, printable_keeping_breaks
from mindie_epcheck.report.text import COLON, HINT

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    # A file name may hold terminal escapes; CR and LF survive as %0D and %0A.
    return escape_data(printable_keeping_breaks(text)).replace(":", "%3A").replace(",", "%2C")


def location_properties(finding: Finding) -> list[tuple[str, str]]:
    properties = [("file", finding.file)]
    span = finding.span
    if span is None:
        return properties
    properties.append(("line", str(span.line)))
    # GitHub accepts columns only when the annotation starts and ends on the same line.
    same_line = span.line == span.end_line
    if same_line:
        properties.append(("col", str(span.column)))
    properties.append(("endLine", str(span.end_line)))
    if same_line:
        # GitHub's endColumn is inclusive (it defaults to col, which marks one character),
        # one before the exclusive end of a Span. An empty span (an empty file) marks col.
        properties.append(("endColumn", str(max(span.column, span.end_column - 1))))
    return properties


def workflow_command(finding: Finding, lang: Lang) -> str:
    properties = [*location_properties(finding), ("title", f"{finding.code} {finding.name}")]
    rendered = ",".join(f"{name}={escape_property(value)}" for name, value in properties)
    # printable() drops control characters that came from the file, so the only line break
    # left is the one added here, which the runner shows as the second line of the annotation.
    message = (
        printable(finding.message.get(lang))
        + "\n"
        + HINT.get(lang)
        + COLON.get(lang)
        + printable(finding.hint.get(lang))
    )
    return f"::{COMMANDS[finding.severity]} {rendered}::{escape_data(message)}"


class GithubReporter:
    def render(self, run: RunReport, stream: TextIO) -> None:
        for finding in run.findings:
            stream.write(workflow_command(finding, run.lang) + "\n")
