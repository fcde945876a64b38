"""The fix options of a run and the outcome for one file, apart from the fixing code that
only `--fix` and `--diff` load."""

from __future__ import annotations

from dataclasses import dataclass

from mindie_epcheck.report.base import FileReport


@dataclass(frozen=True, slots=True)
class FixRequest:
    """The fix options of one run: --fix, --diff and --unsafe-fixes."""

    write: bool
    diff: bool
    unsafe: bool


@dataclass(slots=True)
class FixOutcome:
    """The report of the file after fixing, whether its text changed, and whether
    writing it failed."""

    report: FileReport
    changed: bool
    failed: bool = False
