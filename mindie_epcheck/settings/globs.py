"""Path globs of `per-file-ignores`, matched against paths relative to the settings folder.

`*` and `?` match within one path segment, `[...]` is a character class (`[!...]` negates),
and a `**` segment matches any number of folders. A pattern without `/` matches the file
name in any folder, as in .gitignore.
"""

from __future__ import annotations

import re

from mindie_epcheck.i18n import Text
from mindie_epcheck.settings import messages

ANY_FOLDERS = "(?:[^/]+/)*"


class GlobError(ValueError):
    def __init__(self, reason: Text) -> None:
        super().__init__(reason.en)
        self.reason = reason


def compile_glob(pattern: str) -> re.Pattern[str]:
    """Translate a glob into a regular expression for `fullmatch`; raise GlobError if invalid."""
    if not pattern:
        raise GlobError(messages.GLOB_EMPTY)
    if pattern.startswith("/") or re.match(r"^[A-Za-z]:", pattern):
        raise GlobError(messages.GLOB_ABSOLUTE)
    body = pattern.removeprefix("./")
    segments = body.split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        raise GlobError(messages.GLOB_SEGMENT)

    parts: list[str] = [] if "/" in body else [ANY_FOLDERS]
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            parts.append(".*" if last else ANY_FOLDERS)
            continue
        if "**" in segment:
            raise GlobError(messages.GLOB_STARS)
        parts.append(_translate_segment(segment) + ("" if last else "/"))
    return re.compile("".join(parts))


def _translate_segment(segment: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(segment):
        char = segment[index]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            index, char_class = _character_class(segment, index)
            out.append(char_class)
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


def _character_class(segment: str, start: int) -> tuple[int, str]:
    """Translate the class that opens at `start`; return the index of its `]` and the regex."""
    index = start + 1
    negate = index < len(segment) and segment[index] in "!^"
    if negate:
        index += 1
    # A `]` right after the opening bracket is a literal member, as in shell globs.
    first = index
    while index < len(segment) and (segment[index] != "]" or index == first):
        index += 1
    if index >= len(segment):
        raise GlobError(messages.GLOB_BRACKET)
    members = "".join("\\" + char if char in "\\^[]" else char for char in segment[first:index])
    return index, ("[^/" if negate else "[") + members + "]"
