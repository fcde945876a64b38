"""How many findings of one rule a report lists.

Thousands of findings of one rule come from a generated or broken file; listing them all
takes minutes and buries the rest. The limit applies after settings and the baseline have
removed what the user ignores, so that it never hides a finding they did not ignore.
"""

from __future__ import annotations

from collections import Counter

from mindie_epcheck.findings import MAX_HITS_PER_RULE, Finding, Severity
from mindie_epcheck.i18n import Text

MAX_LISTED_PER_RULE = 100
MORE_FINDINGS = Text(
    "{code} found {count} problems in this file; epcheck lists the first {limit}",
    "{code} 在本文件中发现 {count} 处问题；epcheck 只列出前 {limit} 处",
)
MORE_THAN = Text("more than {count}", "超过 {count}")
MORE_FINDINGS_HINT = Text(
    "Fix the listed ones and run epcheck again, or check that this file is a MindIE config.",
    "请先修复已列出的问题后重新运行 epcheck，或确认该文件是 MindIE 的配置文件。",
)


def limit_per_rule(findings: list[Finding], limit: int = MAX_LISTED_PER_RULE) -> list[Finding]:
    """Keep the first `limit` findings of each rule code, and add a note with each rule's count."""
    counts = Counter(finding.code for finding in findings)
    if all(count <= limit for count in counts.values()):
        return findings
    listed: Counter[str] = Counter()
    listed_findings: list[Finding] = []
    notes: dict[str, Finding] = {}
    for finding in findings:
        listed[finding.code] += 1
        if listed[finding.code] <= limit:
            listed_findings.append(finding)
        elif finding.code not in notes:
            notes[finding.code] = _note(finding, counts[finding.code], limit)
    return sorted([*listed_findings, *notes.values()], key=lambda finding: finding.sort_key)


def _note(first_unlisted: Finding, count: int, limit: int) -> Finding:
    # Past MAX_HITS_PER_RULE the runner stopped the rule, so the count is a floor.
    if count > MAX_HITS_PER_RULE:
        counted = MORE_THAN.format(count=f"{MAX_HITS_PER_RULE:,}")
    else:
        counted = Text(f"{count:,}", f"{count:,}")
    message = Text(
        MORE_FINDINGS.en.format(code=first_unlisted.code, count=counted.en, limit=limit),
        MORE_FINDINGS.zh.format(code=first_unlisted.code, count=counted.zh, limit=limit),
    )
    return Finding(
        first_unlisted.code,
        first_unlisted.name,
        Severity.INFO,
        message,
        MORE_FINDINGS_HINT,
        first_unlisted.file,
        "",
        None,
    )
