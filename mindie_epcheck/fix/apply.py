"""Apply the fixes attached to findings, re-linting between passes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from mindie_epcheck.findings import Edit, Finding, Fix

# One fix can make another applicable, such as a duplicate key inside a removed member. A fix
# whose edits touch those of another waits for the next pass. A few passes settle both.
MAX_PASSES = 5


@dataclass(frozen=True, slots=True)
class FixResult:
    """The fixed text, how many fixes went in, and the findings of the fixed text."""

    text: str
    applied: int
    findings: list[Finding]


def applicable_fixes(findings: Iterable[Finding], unsafe: bool) -> list[Fix]:
    """Return the distinct fixes that may be applied, in the order of their first edit."""
    chosen: dict[Fix, None] = {}
    for finding in findings:
        fix = finding.fix
        if fix is not None and fix.edits and (fix.safe or unsafe):
            chosen[fix] = None
    return sorted(chosen, key=lambda fix: min(edit.start for edit in fix.edits))


def _touches(first: Edit, second: Edit) -> bool:
    # Adjacent edits count as touching: an insertion at the end of a replaced range would
    # otherwise depend on which of the two is applied first.
    return first.start <= second.end and second.start <= first.end


def apply_fixes(text: str, fixes: Iterable[Fix]) -> tuple[str, int]:
    """Apply each fix whose edits touch no edit of a fix taken before it.

    Return the new text and the number of fixes applied. A skipped fix is left for the
    next pass, where the rules compute it again on the changed text.
    """
    taken: list[Edit] = []
    applied = 0
    for fix in fixes:
        edits = list(fix.edits)
        clashes_within = any(
            _touches(first, second)
            for index, first in enumerate(edits)
            for second in edits[index + 1 :]
        )
        if clashes_within or any(_touches(edit, other) for edit in edits for other in taken):
            continue
        taken.extend(edits)
        applied += 1
    # From the end backwards, so the offsets of the edits still to apply stay valid.
    for edit in sorted(taken, key=lambda edit: edit.start, reverse=True):
        text = text[: edit.start] + edit.replacement + text[edit.end :]
    return text, applied


def fix_text(
    text: str,
    findings: list[Finding],
    lint: Callable[[str], list[Finding]],
    unsafe: bool = False,
) -> FixResult:
    """Apply the fixes of `findings` (the findings of `text`) pass after pass.

    `lint` returns the findings of a changed text. The loop stops when no applicable fix
    remains, when a pass changes nothing, or after MAX_PASSES passes.
    """
    applied = 0
    for _ in range(MAX_PASSES):
        fixes = applicable_fixes(findings, unsafe)
        if not fixes:
            break
        changed, count = apply_fixes(text, fixes)
        if changed == text:
            break
        text = changed
        applied += count
        findings = lint(text)
    return FixResult(text, applied, findings)
