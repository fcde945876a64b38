"""Map character offsets in a text to 1-based line:column positions."""

from __future__ import annotations

import bisect
import re

from mindie_epcheck.findings import Span

_NEWLINE = re.compile(r"\n")


class LineIndex:
    """Line starts of one text; columns count code points, as editors show them."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [match.end() for match in _NEWLINE.finditer(text)]
        self._length = len(text)

    def position(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, self._length))
        line = bisect.bisect_right(self._starts, offset) - 1
        return line + 1, offset - self._starts[line] + 1

    def span(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(max(end, start))
        return Span(line, column, end_line, end_column)

    def line_count(self) -> int:
        return len(self._starts)
