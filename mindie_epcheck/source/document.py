"""Load a file's bytes into a parsed document that maps JSON pointers to source spans."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from mindie_epcheck.findings import Span
from mindie_epcheck.source.nodes import Member, Node, join_pointer, split_pointer
from mindie_epcheck.source.parser import JsonSyntaxError, Problem, parse
from mindie_epcheck.source.positions import LineIndex

# MindIE Service rejects a config.json or rank table larger than 10 MB (file checks in
# MindIE-LLM 3.0's config loader). epcheck does not parse past that either, which also
# bounds its own time and memory.
MAX_FILE_BYTES = 10 * 1024 * 1024

_FRAGMENT = re.compile(r'\s*"[^"\\\n]{1,64}"\s*:')
_UTF16_32_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class NoticeKind(str, Enum):
    UTF8_BOM = "utf8_bom"
    WIDE_ENCODING = "wide_encoding"
    INVALID_UTF8 = "invalid_utf8"
    TOO_LARGE = "too_large"
    EMPTY = "empty"
    FRAGMENT = "fragment"
    # Problems of one kind that the parser counted past MAX_PROBLEMS but did not keep.
    PROBLEMS_DROPPED = "problems_dropped"


@dataclass(frozen=True, slots=True)
class Notice:
    """A fact about the file as a whole or its bytes, at [start, end) of the text."""

    kind: NoticeKind
    start: int = 0
    end: int = 0
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SourceDocument:
    name: str
    text: str
    lines: LineIndex
    root: Node | None
    problems: list[Problem]
    notices: list[Notice]
    error: JsonSyntaxError | None
    wrapped: bool = False

    @property
    def value(self) -> Any:
        return self.root.value if self.root is not None else None

    def resolve(self, pointer: str) -> tuple[Node | None, Member | None, int]:
        """Walk `pointer`; return the deepest node reached, its member, and the tokens left."""
        node = self.root
        member: Member | None = None
        tokens = split_pointer(pointer)
        for depth, token in enumerate(tokens):
            if node is None:
                return None, None, len(tokens) - depth
            child_member = node.member(token) if node.is_object else None
            child = child_member.node if child_member else node.child(token)
            if child is None:
                return node, member, len(tokens) - depth
            node, member = child, child_member
        return node, member, 0

    def span(self, pointer: str, part: str = "value") -> Span | None:
        """Return the source span of `pointer`: its value, its key, or its first line.

        A pointer that does not exist (a missing key) falls back to the key of the deepest
        object that does, so that the finding lands where the key belongs.
        """
        node, member, missing = self.resolve(pointer)
        if node is None:
            return None
        if member is not None and (part == "key" or missing):
            return self.lines.span(member.key_start, member.key_end)
        if missing or part in ("start", "key"):
            return self.lines.span(node.start, node.start + 1)
        return self.lines.span(node.start, node.end)

    def pointer_at(self, offset: int) -> str:
        """Return the pointer of the innermost value or key that contains `offset`."""
        tokens: list[str] = []
        node = self.root
        while node is not None:
            child: Node | None = None
            if node.members is not None:
                for member in node.members:
                    if member.key_start <= offset < member.node.end:
                        tokens.append(member.key)
                        child = member.node
            elif node.items is not None:
                for index, item in enumerate(node.items):
                    if item.start <= offset < item.end:
                        tokens.append(str(index))
                        child = item
            if child is None or child is node:
                break
            node = child
        return join_pointer("", *tokens)

    def offset_span(self, start: int, end: int) -> Span:
        return self.lines.span(start, end)


def decode(data: bytes) -> tuple[str, list[Notice]]:
    """Decode file bytes the way MindIE's parser reads them (UTF-8), noting every deviation."""
    notices: list[Notice] = []
    for bom, codec in _UTF16_32_BOMS:
        if data.startswith(bom):
            notices.append(Notice(NoticeKind.WIDE_ENCODING, detail={"encoding": codec.upper()}))
            return data.decode(codec, errors="replace"), notices
    if data.startswith(codecs.BOM_UTF8):
        notices.append(Notice(NoticeKind.UTF8_BOM))
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), notices
    except UnicodeDecodeError as failure:
        offset = len(data[: failure.start].decode("utf-8", errors="replace"))
        byte = data[failure.start]
        notices.append(
            Notice(NoticeKind.INVALID_UTF8, offset, offset + 1, {"byte": f"0x{byte:02X}"})
        )
        return data.decode("utf-8", errors="replace"), notices


def load(name: str, data: bytes, wrap_fragment: bool = False) -> SourceDocument:
    """Decode and parse `data`; a fatal problem leaves `root` None with notices saying why."""
    if len(data) > MAX_FILE_BYTES:
        notice = Notice(NoticeKind.TOO_LARGE, detail={"size": len(data)})
        return SourceDocument(name, "", LineIndex(""), None, [], [notice], None)
    text, notices = decode(data)
    if not text.strip():
        notices.append(Notice(NoticeKind.EMPTY))
        return SourceDocument(name, text, LineIndex(text), None, [], notices, None)
    result = parse(text)
    wrapped = False
    if result.error is not None and _FRAGMENT.match(text):
        notices.append(Notice(NoticeKind.FRAGMENT, 0, len(text), {"key": _fragment_key(text)}))
        if wrap_fragment:
            result = parse(text, members_only=True)
            wrapped = result.error is None
    for kind, dropped in result.dropped.items():
        first = dropped.first
        notices.append(
            Notice(
                NoticeKind.PROBLEMS_DROPPED,
                first.start,
                first.end,
                {"kind": kind, "count": dropped.count},
            )
        )
    return SourceDocument(
        name, text, LineIndex(text), result.root, result.problems, notices, result.error, wrapped
    )


def _fragment_key(text: str) -> str:
    start = text.index('"') + 1
    return text[start : text.index('"', start)]
