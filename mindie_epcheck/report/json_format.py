"""`--format json`: one JSON document with every finding and a summary."""

from __future__ import annotations

import json
from typing import Any, TextIO

from mindie_epcheck import __version__
from mindie_epcheck.findings import Finding, Fix
from mindie_epcheck.i18n import Lang
from mindie_epcheck.report.base import RunReport


def finding_record(finding: Finding, lang: Lang) -> dict[str, Any]:
    span = finding.span
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.value,
        "message": finding.message.get(lang),
        "hint": finding.hint.get(lang),
        "file": finding.file,
        "pointer": finding.pointer,
        "line": span.line if span else None,
        "column": span.column if span else None,
        "end_line": span.end_line if span else None,
        "end_column": span.end_column if span else None,
        "related": list(finding.related),
        "url": f"epcheck explain {finding.code}",
        "fix": fix_record(finding.fix) if finding.fix is not None else None,
    }


def fix_record(fix: Fix) -> dict[str, Any]:
    """Describe a fix; edit offsets count code points of the text after any UTF-8 BOM."""
    return {
        "applicability": fix.applicability,
        "edits": [
            {"start": edit.start, "end": edit.end, "replacement": edit.replacement}
            for edit in fix.edits
        ],
    }


class JsonReporter:
    def render(self, run: RunReport, stream: TextIO) -> None:
        summary: dict[str, Any] = {
            "files": len(run.files),
            **run.counts(),
            "assumptions": {
                report.name: [note.get(run.lang) for note in report.notes] for report in run.files
            },
            "kinds": {
                report.name: report.kind.value if report.kind else None for report in run.files
            },
        }
        if run.show_statistics:
            summary["statistics"] = run.counts_by_code()
        document = {
            "version": __version__,
            "findings": [finding_record(finding, run.lang) for finding in run.findings],
            "summary": summary,
        }
        json.dump(document, stream, ensure_ascii=False, indent=2)
        stream.write("\n")
