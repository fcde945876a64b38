"""Text helpers that rules use to build edits which keep the file's layout."""

from __future__ import annotations

from mindie_epcheck.findings import Edit
from mindie_epcheck.source.nodes import Member, Node

_BLANKS = " \t"


def line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def line_end(text: str, offset: int) -> int:
    """Return the offset just past the line break that ends the line of `offset`."""
    found = text.find("\n", offset)
    return len(text) if found < 0 else found + 1


def indentation(text: str, offset: int) -> str:
    """Return the blanks that start the line of `offset`."""
    start = line_start(text, offset)
    end = start
    while end < len(text) and text[end] in _BLANKS:
        end += 1
    return text[start:end]


def line_break(text: str, offset: int) -> str:
    """Return the line break the line of `offset` ends with: \\r\\n, or else \\n."""
    end = line_end(text, offset)
    return "\r\n" if text[max(0, end - 2) : end] == "\r\n" else "\n"


def skip_blanks(text: str, offset: int) -> int:
    while offset < len(text) and text[offset] in " \t\r\n":
        offset += 1
    return offset


def owns_lines(text: str, start: int, end: int) -> bool:
    """Tell whether only blanks share the lines of text[start:end] with it."""
    before = text[line_start(text, start) : start]
    after = text[end : line_end(text, end)]
    return not before.strip(_BLANKS) and not after.strip(" \t\r\n")


def remove_member(text: str, member: Member) -> Edit | None:
    """Return an edit that deletes `member` and the comma after it.

    A member alone on its lines goes with those lines. Return None when no comma follows
    the member (it is the last one) or a comment sits between its value and the comma.
    """
    comma = skip_blanks(text, member.node.end)
    if comma >= len(text) or text[comma] != ",":
        return None
    end = comma + 1
    if owns_lines(text, member.key_start, end):
        return Edit(line_start(text, member.key_start), line_end(text, end), "")
    return Edit(member.key_start, skip_blanks(text, end), "")


def remove_last_member(text: str, member: Member) -> Edit | None:
    """Return an edit that deletes `member` (the last in its object) and the comma before it.

    Return None when no comma precedes the key, as for the only member of an object. Also
    return None when a comment sits between the comma and the key or after the value.
    """
    before = member.key_start
    while before > 0 and text[before - 1] in " \t\r\n":
        before -= 1
    if before == 0 or text[before - 1] != ",":
        return None
    after = skip_blanks(text, member.node.end)
    if after < len(text) and text[after] != "}":
        return None
    end = member.node.end
    while end < len(text) and text[end] in _BLANKS:
        end += 1
    return Edit(before - 1, end, "")


def rebased_member_text(text: str, member: Member, indent: str) -> str:
    """Return '"key": value' of `member` verbatim, re-indented to start at `indent`.

    Each later line that starts with the indentation of the key's line gets `indent` in
    its place, and other lines stay unchanged. JSON strings cannot span lines, so only
    whitespace between tokens changes.
    """
    old_indent = indentation(text, member.key_start)
    first, *rest = text[member.key_start : member.node.end].split("\n")
    lines = [first]
    for line in rest:
        if line.startswith(old_indent):
            line = indent + line[len(old_indent) :]
        lines.append(line)
    return "\n".join(lines)


def insert_member_after(text: str, member: Member, entry: str) -> Edit:
    """Return an edit that inserts `entry` ('"key": value') as the next member.

    When `member` is alone on its lines, the new member gets a line of its own with the
    same indentation and line break. Otherwise it follows on the same line.
    """
    after_value = skip_blanks(text, member.node.end)
    has_comma = after_value < len(text) and text[after_value] == ","
    end = after_value + 1 if has_comma else member.node.end
    if owns_lines(text, member.key_start, end):
        new_line = line_break(text, member.key_start) + indentation(text, member.key_start)
        if has_comma:
            return Edit(end, end, f"{new_line}{entry},")
        return Edit(end, end, f",{new_line}{entry}")
    return Edit(member.node.end, member.node.end, f", {entry}")


def append_item(text: str, array: Node, item: str) -> Edit:
    """Return an edit that appends `item` (JSON text) to a non-empty `array`.

    The separator copies the one between the last two items, or the blanks before the
    only item, so a list with one item per line keeps that layout.
    """
    assert array.items
    last = array.items[-1]
    if len(array.items) > 1:
        separator = text[array.items[-2].end : last.start]
    else:
        separator = "," + text[array.start + 1 : last.start]
    if separator.strip(" \t\r\n") != "," or separator == ",":
        # A comment in the separator, or no blank at all: use the compact form.
        separator = ", "
    return Edit(last.end, last.end, separator + item)
