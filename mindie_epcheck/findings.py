"""The finding: one located, coded, bilingual result of a rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from mindie_epcheck.i18n import Text


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 1, "warning": 2, "error": 3}[self.value]

    @property
    def label(self) -> Text:
        return SEVERITY_LABELS[self]


SEVERITY_LABELS = {
    Severity.ERROR: Text("error", "错误"),
    Severity.WARNING: Text("warning", "警告"),
    Severity.INFO: Text("info", "提示"),
}


# Findings a rule may give per file before epcheck stops asking it for more: a bound on the
# time and memory of a generated or broken file. Reports list fewer (report/limits.py).
MAX_HITS_PER_RULE = 1_000


@dataclass(frozen=True, slots=True)
class Span:
    """A 1-based, inclusive-start and exclusive-end range of line:column positions.

    Columns count Unicode code points, not bytes.
    """

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class Edit:
    """A replacement of text[start:end] of the decoded file text by `replacement`.

    Offsets count Unicode code points of the text after a UTF-8 BOM is removed. An edit
    with start == end inserts.
    """

    start: int
    end: int
    replacement: str


@dataclass(frozen=True, slots=True)
class Fix:
    """The edits that resolve one finding; they are applied all together or not at all.

    A safe fix keeps what MindIE does with the file except for the reported problem. An
    unsafe fix changes a value the user wrote or chooses one for them, so `--fix` applies
    it only with `--unsafe-fixes`.
    """

    edits: tuple[Edit, ...]
    safe: bool

    @property
    def applicability(self) -> str:
        return "safe" if self.safe else "unsafe"


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    name: str
    severity: Severity
    message: Text
    hint: Text
    file: str
    pointer: str
    span: Span | None
    related: tuple[str, ...] = field(default=())
    fix: Fix | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        line = self.span.line if self.span else 0
        column = self.span.column if self.span else 0
        return (self.file, line, column, self.code)
