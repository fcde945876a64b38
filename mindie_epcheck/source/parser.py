"""A tolerant, position-keeping JSON parser.

Strict RFC 8259 JSON, like MindIE's parser (nlohmann::json), with four exceptions. The
parser records comments, trailing commas, NaN/Infinity and duplicate keys (kept in the
tree, last one wins) as problems and parses past them, so that one run reports every
mistake.
Anything else ends the parse with one `JsonSyntaxError`.

The parser keeps its own stack instead of recursing, so deep nesting cannot exhaust
Python's stack; `MAX_DEPTH` bounds it anyway.
"""

from __future__ import annotations

import json
import json.decoder
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from mindie_epcheck.source.nodes import Member, Node

# nlohmann::json has no depth limit; no MindIE file nests deeper than about ten levels.
MAX_DEPTH = 512
# A MindIE config has hundreds of values and a 60-server rank table a few thousand. Past this
# count the file is no config; stopping bounds the time and memory a 10 MB file can take.
MAX_VALUES = 100_000
# Recoverable problems (comments, duplicate keys, ...) kept per file. A thousand findings are
# already more than anyone reads, and 100,000 duplicate keys must not make 100,000 findings.
# Past the limit the parser only counts them (ParseResult.dropped).
MAX_PROBLEMS = 1000

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
# The shortest integer token that can exceed the largest double (about 1.8e308): 309 digits.
_MIN_OVERFLOW_CHARS = 309
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_NON_FINITE = (("-Infinity", float("-inf")), ("Infinity", float("inf")), ("NaN", float("nan")))
_LITERALS = (("true", True), ("false", False), ("null", None))

# The C implementation behind json.loads: (text, offset after the opening quote, strict)
# -> (decoded string, offset after the closing quote). typeshed does not declare it.
_scanstring: Callable[[str, int, bool], tuple[str, int]] = vars(json.decoder)["scanstring"]


class ProblemKind(str, Enum):
    COMMENT = "comment"
    TRAILING_COMMA = "trailing_comma"
    NON_FINITE = "non_finite"
    DUPLICATE_KEY = "duplicate_key"
    NUMBER_RANGE = "number_range"


@dataclass(frozen=True, slots=True)
class Problem:
    """A recoverable deviation from strict JSON, at [start, end) of the text."""

    kind: ProblemKind
    start: int
    end: int
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class DroppedProblems:
    """The problems of one kind past MAX_PROBLEMS: how many, and the one nearest the start."""

    first: Problem
    count: int = 1


class SyntaxReason(str, Enum):
    EXPECTED_VALUE = "expected_value"
    EXPECTED_KEY = "expected_key"
    EXPECTED_COLON = "expected_colon"
    EXPECTED_COMMA_OR_OBJECT_END = "expected_comma_or_object_end"
    EXPECTED_COMMA_OR_ARRAY_END = "expected_comma_or_array_end"
    EXPECTED_END = "expected_end"
    UNTERMINATED_STRING = "unterminated_string"
    CONTROL_CHARACTER = "control_character"
    INVALID_ESCAPE = "invalid_escape"
    LONE_SURROGATE = "lone_surrogate"
    UNTERMINATED_COMMENT = "unterminated_comment"
    TOO_DEEP = "too_deep"
    TOO_MANY_VALUES = "too_many_values"


class JsonSyntaxError(Exception):
    """A fatal syntax error at `offset`; `found` describes the text there."""

    def __init__(self, reason: SyntaxReason, offset: int, found: str) -> None:
        super().__init__(f"{reason.value} at offset {offset}: found {found}")
        self.reason = reason
        self.offset = offset
        self.found = found


@dataclass(slots=True)
class ParseResult:
    root: Node | None
    problems: list[Problem]
    error: JsonSyntaxError | None
    dropped: dict[ProblemKind, DroppedProblems] = field(default_factory=dict)


@dataclass(slots=True, eq=False)
class _Frame:
    node: Node
    braced: bool = True
    pending_key: tuple[str, int, int] | None = None


def describe(text: str, offset: int) -> str:
    """Describe the text at `offset` for an error message: a quoted character or EOF."""
    if offset >= len(text):
        return "EOF"
    char = text[offset]
    if char.isprintable() and not char.isspace():
        return repr(char)
    return f"U+{ord(char):04X}"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.length = len(text)
        self.problems: list[Problem] = []
        self.dropped: dict[ProblemKind, DroppedProblems] = {}
        self.stack: list[_Frame] = []
        self.root: Node | None = None
        self.values = 0

    def report(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
            return
        dropped = self.dropped.get(problem.kind)
        if dropped is None:
            self.dropped[problem.kind] = DroppedProblems(problem)
            return
        dropped.count += 1
        # A duplicate key is reported when its value ends, after the problems inside it.
        if problem.start < dropped.first.start:
            dropped.first = problem

    # ---- whitespace and comments -------------------------------------------------------

    def skip(self, offset: int) -> int:
        text = self.text
        while True:
            match = _WHITESPACE.match(text, offset)
            offset = match.end() if match else offset
            if not text.startswith("/", offset):
                return offset
            if text.startswith("//", offset):
                end = text.find("\n", offset)
                end = self.length if end < 0 else end
            elif text.startswith("/*", offset):
                close = text.find("*/", offset + 2)
                if close < 0:
                    raise JsonSyntaxError(SyntaxReason.UNTERMINATED_COMMENT, offset, "EOF")
                end = close + 2
            else:
                return offset
            self.report(Problem(ProblemKind.COMMENT, offset, end))
            offset = end

    # ---- scalars -----------------------------------------------------------------------

    def string(self, offset: int) -> tuple[str, int]:
        """Parse the string whose opening quote is at `offset`; return it and its end."""
        try:
            value, end = _scanstring(self.text, offset + 1, True)
        except json.JSONDecodeError as error:
            raise self._string_error(error) from None
        if _SURROGATE_ESCAPE.search(self.text, offset, end) and _has_lone_surrogate(value):
            # nlohmann::json rejects an unpaired \uD800-\uDFFF escape, so MindIE would too.
            raise JsonSyntaxError(SyntaxReason.LONE_SURROGATE, offset, "\\u")
        return value, end

    def _string_error(self, error: json.JSONDecodeError) -> JsonSyntaxError:
        message = error.msg
        if message.startswith("Invalid control character"):
            reason = SyntaxReason.CONTROL_CHARACTER
        elif message.startswith("Invalid"):
            reason = SyntaxReason.INVALID_ESCAPE
        else:
            reason = SyntaxReason.UNTERMINATED_STRING
        return JsonSyntaxError(reason, error.pos, describe(self.text, error.pos))

    def number(self, offset: int) -> tuple[Node, int]:
        match = _NUMBER.match(self.text, offset)
        if not match:
            raise JsonSyntaxError(SyntaxReason.EXPECTED_VALUE, offset, describe(self.text, offset))
        token = match.group(0)
        end = match.end()
        value: int | float
        if match.group(1) is not None or match.group(2) is not None:
            value = float(token)
        elif len(token) < _MIN_OVERFLOW_CHARS:
            value = int(token)
        else:
            # nlohmann::json converts an integer too big for int64 and uint64 with strtod
            # (lexer::scan_number) and rejects a result that is not finite (out_of_range.406).
            # float() rounds the same way, and trying it first keeps int() off tokens over
            # Python's 4,300-digit limit.
            value = float(token)
            if not math.isinf(value):
                value = int(token)
        if value in (float("inf"), float("-inf")):
            self.report(Problem(ProblemKind.NUMBER_RANGE, offset, end, {"token": token}))
        return Node(offset, end, value), end

    def scalar(self, offset: int) -> tuple[Node, int]:
        text = self.text
        char = text[offset] if offset < self.length else ""
        if char == '"':
            value, end = self.string(offset)
            return Node(offset, end, value), end
        if char == "-" or char.isdigit():
            if text.startswith("-Infinity", offset):
                return self.non_finite(offset, "-Infinity", float("-inf"))
            return self.number(offset)
        for word, literal in _LITERALS:
            if text.startswith(word, offset):
                return Node(offset, offset + len(word), literal), offset + len(word)
        for word, number in _NON_FINITE:
            if text.startswith(word, offset):
                return self.non_finite(offset, word, number)
        raise JsonSyntaxError(SyntaxReason.EXPECTED_VALUE, offset, describe(text, offset))

    def non_finite(self, offset: int, word: str, value: float) -> tuple[Node, int]:
        end = offset + len(word)
        self.report(Problem(ProblemKind.NON_FINITE, offset, end, {"token": word}))
        return Node(offset, end, value), end

    # ---- containers --------------------------------------------------------------------

    def open(self, offset: int, braced: bool = True) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise JsonSyntaxError(SyntaxReason.TOO_DEEP, offset, describe(self.text, offset))
        is_object = not braced or self.text[offset] == "{"
        node = Node(offset, offset, {} if is_object else [])
        if is_object:
            node.members = []
            node._index = {}
        else:
            node.items = []
        self.stack.append(_Frame(node, braced))

    def key(self, offset: int) -> int:
        """Parse `"key" :` at `offset` into the open object; return the offset after ':'."""
        if not self.text.startswith('"', offset):
            raise JsonSyntaxError(SyntaxReason.EXPECTED_KEY, offset, describe(self.text, offset))
        key, end = self.string(offset)
        self.stack[-1].pending_key = (key, offset, end)
        colon = self.skip(end)
        if not self.text.startswith(":", colon):
            raise JsonSyntaxError(SyntaxReason.EXPECTED_COLON, colon, describe(self.text, colon))
        return colon + 1

    def attach(self, child: Node) -> None:
        self.values += 1
        if self.values > MAX_VALUES:
            raise JsonSyntaxError(
                SyntaxReason.TOO_MANY_VALUES, child.start, describe(self.text, child.start)
            )
        if not self.stack:
            self.root = child
            return
        frame = self.stack[-1]
        node = frame.node
        if node.items is not None:
            node.items.append(child)
            node.value.append(child.value)
            return
        assert frame.pending_key is not None and node.members is not None
        assert node._index is not None
        key, key_start, key_end = frame.pending_key
        frame.pending_key = None
        member = Member(key, key_start, key_end, child)
        earlier = node._index.get(key)
        if earlier is not None:
            detail = {
                "key": key,
                "first_start": earlier.key_start,
                "first_end": earlier.key_end,
                "same_value": earlier.node.value == child.value,
            }
            self.report(Problem(ProblemKind.DUPLICATE_KEY, key_start, key_end, detail))
        node.members.append(member)
        node._index[key] = member
        node.value[key] = child.value

    def close(self, end: int) -> None:
        frame = self.stack.pop()
        frame.node.end = end
        self.attach(frame.node)

    # ---- driver ------------------------------------------------------------------------

    def run(self, members_only: bool) -> None:
        offset = 0
        need_value = True
        if members_only:
            self.open(0, braced=False)
            offset, need_value = self.after_open(0)
        while True:
            offset = self.skip(offset)
            if need_value:
                offset, need_value = self.value(offset)
            elif self.stack:
                offset, need_value = self.after_value(offset)
            elif offset < self.length:
                raise JsonSyntaxError(
                    SyntaxReason.EXPECTED_END, offset, describe(self.text, offset)
                )
            else:
                return

    def value(self, offset: int) -> tuple[int, bool]:
        """Parse the start of a value; return the next offset and whether a value follows."""
        char = self.text[offset] if offset < self.length else ""
        if char and char in "{[":
            self.open(offset)
            return self.after_open(offset + 1)
        node, end = self.scalar(offset)
        self.attach(node)
        return end, False

    def after_open(self, offset: int) -> tuple[int, bool]:
        """Handle what follows `{` or `[`: an empty container, a first key, or a value."""
        frame = self.stack[-1]
        offset = self.skip(offset)
        is_object = frame.node.members is not None
        if frame.braced and self.text.startswith("}" if is_object else "]", offset):
            self.close(offset + 1)
            return offset + 1, False
        if not frame.braced and offset >= self.length:
            self.close(offset)
            return offset, False
        if is_object:
            return self.key(offset), True
        return offset, True

    def after_value(self, offset: int) -> tuple[int, bool]:
        """Handle what follows a value inside a container: `,` or the closing bracket."""
        frame = self.stack[-1]
        is_object = frame.node.members is not None
        closer = "}" if is_object else "]"
        char = self.text[offset] if offset < self.length else ""
        if char == ",":
            return self.after_comma(offset)
        if frame.braced and char == closer:
            self.close(offset + 1)
            return offset + 1, False
        if not frame.braced and offset >= self.length:
            self.close(offset)
            return offset, False
        reason = (
            SyntaxReason.EXPECTED_COMMA_OR_OBJECT_END
            if is_object
            else SyntaxReason.EXPECTED_COMMA_OR_ARRAY_END
        )
        raise JsonSyntaxError(reason, offset, describe(self.text, offset))

    def after_comma(self, comma: int) -> tuple[int, bool]:
        frame = self.stack[-1]
        is_object = frame.node.members is not None
        offset = self.skip(comma + 1)
        closer = "}" if is_object else "]"
        at_close = self.text.startswith(closer, offset) if frame.braced else offset >= self.length
        if at_close:
            if frame.braced:
                self.report(Problem(ProblemKind.TRAILING_COMMA, comma, comma + 1))
            end = offset + 1 if frame.braced else offset
            self.close(end)
            return end, False
        if is_object:
            return self.key(offset), True
        return offset, True


def _has_lone_surrogate(value: str) -> bool:
    return any(0xD800 <= ord(char) <= 0xDFFF for char in value)


def parse(text: str, members_only: bool = False) -> ParseResult:
    """Parse `text`; with `members_only`, parse `"key": value, ...` as the members of an
    object without braces (a documentation fragment), keeping offsets into `text`."""
    parser = _Parser(text)
    try:
        parser.run(members_only)
    except JsonSyntaxError as error:
        return ParseResult(None, parser.problems, error, parser.dropped)
    return ParseResult(parser.root, parser.problems, None, parser.dropped)
