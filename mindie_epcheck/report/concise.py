"""`--format concise`: one line per finding, `file:line:col: CODE [severity] message`.

Editors and grep read this layout as is. The severity stays an English keyword in both
languages, like the code, so that patterns written for one language match the other.
A finding without a position has `file:` alone in place of `file:line:col:`.
"""

from __future__ import annotations

from typing import TextIO

from mindie_epcheck.findings import Finding
from mindie_epcheck.i18n import Lang
from mindie_epcheck.report.base import RunReport
from mindie_epcheck.report.sanitize import printable


def concise_line(finding: Finding, lang: Lang) -> str:
    span = finding.span
    where = f"{finding.file}:{span.line}:{span.column}" if span else finding.file
    message = finding.message.get(lang)
    # printable() also turns line breaks into one character, so each finding stays one line.
    return printable(f"{where}: {finding.code} [{finding.severity.value}] {message}")


class ConciseReporter:
    def render(self, run: RunReport, stream: TextIO) -> None:
        for finding in run.findings:
            stream.write(concise_line(finding, run.lang) + "\n")
