"""`--format gitlab`: a GitLab Code Quality report, the JSON array that a CI job uploads
as its `artifacts:reports:codequality` file.

GitLab compares the fingerprints of the merge request's report with those of the target
branch to tell new findings from fixed ones, so each fingerprint must stay the same while
the finding stays, and differ between findings (see fingerprints.py).
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from mindie_epcheck.findings import Finding, Severity
from mindie_epcheck.i18n import Lang
from mindie_epcheck.report.base import RunReport
from mindie_epcheck.report.fingerprints import fingerprints

# GitLab's scale is info, minor, major, critical, blocker. epcheck has three severities and
# maps them to the lower three steps, leaving critical and blocker unused.
SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def code_quality_issue(finding: Finding, fingerprint: str, lang: Lang) -> dict[str, Any]:
    span = finding.span
    # GitLab requires a begin line; a finding without a position is shown on line 1.
    begin = span.line if span else 1
    end = span.end_line if span else 1
    return {
        "description": f"{finding.code} [{finding.name}] {finding.message.get(lang)}",
        "check_name": finding.code,
        "fingerprint": fingerprint,
        "severity": SEVERITIES[finding.severity],
        "location": {"path": finding.file, "lines": {"begin": begin, "end": end}},
    }


class GitlabReporter:
    def render(self, run: RunReport, stream: TextIO) -> None:
        findings = run.findings
        issues = [
            code_quality_issue(finding, fingerprint, run.lang)
            for finding, fingerprint in zip(findings, fingerprints(findings), strict=True)
        ]
        json.dump(issues, stream, ensure_ascii=False, indent=2)
        stream.write("\n")
