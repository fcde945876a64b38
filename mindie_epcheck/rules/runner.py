"""Run rules on a subject and turn their hits into located findings."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from mindie_epcheck.findings import MAX_HITS_PER_RULE, Finding, Severity, Span
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.context import Subject
from mindie_epcheck.rules.registry import Hit, Rule, all_rules

INTERNAL_ERROR_CODE = "EP000"


def to_finding(declared: Rule, hit: Hit, subject: Subject) -> Finding:
    document = subject.document
    span: Span | None
    if hit.offsets is not None:
        span = document.offset_span(*hit.offsets)
    elif document.root is not None:
        span = document.span(hit.pointer, hit.part)
    else:
        span = None
    return Finding(
        code=declared.code,
        name=declared.name,
        severity=hit.severity or declared.severity,
        message=hit.message,
        hint=hit.hint,
        file=document.name,
        pointer=hit.pointer,
        span=span,
        related=hit.related,
        fix=hit.fix,
    )


def _raised_at(error: Exception) -> str:
    """file:line of the innermost frame that raised `error`."""
    frame = error.__traceback__
    if frame is None:
        return "?"
    while frame.tb_next is not None:
        frame = frame.tb_next
    return f"{frame.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{frame.tb_lineno}"


def crash_finding(declared: Rule, error: Exception, subject: Subject) -> Finding:
    detail = f"{type(error).__name__}: {error} ({_raised_at(error)})"
    message = Text(
        "rule {code} ({name}) failed on this file: {detail}",
        "规则 {code}（{name}）检查本文件时出错：{detail}",
    ).format(code=declared.code, name=declared.name, detail=detail)
    hint = Text(
        "This is a bug in epcheck, not in your file. Please report it with the file; "
        "use --ignore {code} to skip the rule meanwhile.",
        "这是 epcheck 的缺陷，不是配置文件的问题。请附上该文件反馈；"
        "在修复前可用 --ignore {code} 跳过该规则。",
    ).format(code=declared.code)
    return Finding(
        INTERNAL_ERROR_CODE,
        "internal-error",
        Severity.ERROR,
        message,
        hint,
        subject.document.name,
        "",
        None,
    )


def run_rules(subject: Subject, rules: Iterable[Rule] | None = None) -> list[Finding]:
    """Run each rule; a rule that raises becomes an internal-error finding, never a crash."""
    findings: list[Finding] = []
    for declared in all_rules() if rules is None else rules:
        if declared.code == INTERNAL_ERROR_CODE:
            continue
        try:
            # One past the limit shows that a rule stopped early, so the report's note on the
            # listing (report/limits.py) says "more than" that count.
            hits = list(islice(declared.check(subject), MAX_HITS_PER_RULE + 1))
        except Exception as error:
            findings.append(crash_finding(declared, error, subject))
            continue
        findings.extend(to_finding(declared, hit, subject) for hit in hits)
    return sorted(findings, key=lambda finding: finding.sort_key)
