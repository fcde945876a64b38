"""The JSON tree the parser builds: every value and key keeps its character offsets."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True, eq=False)
class Member:
    key: str
    key_start: int
    key_end: int
    node: Node


@dataclass(slots=True, eq=False)
class Node:
    """A JSON value at [start, end) of the text.

    `value` is the plain Python value. For objects it is a dict that keeps the LAST of
    duplicate keys, as MindIE's parser (nlohmann::json) does; `members` keeps all of them
    in source order.
    """

    start: int
    end: int
    value: Any
    members: list[Member] | None = None
    items: list[Node] | None = None
    # Key -> last member, for objects only: most values are scalars and need no dict.
    _index: dict[str, Member] | None = field(default=None, repr=False)

    @property
    def is_object(self) -> bool:
        return self.members is not None

    @property
    def is_array(self) -> bool:
        return self.items is not None

    def member(self, key: str) -> Member | None:
        """Return the member MindIE uses for `key` (the last one), if any."""
        return self._index.get(key) if self._index is not None else None

    def child(self, token: str) -> Node | None:
        if self.members is not None:
            found = self.member(token)
            return found.node if found else None
        if self.items is not None and token.isascii() and token.isdigit():
            index = int(token)
            return self.items[index] if index < len(self.items) else None
        return None


def escape_token(token: str) -> str:
    """Escape one reference token for an RFC 6901 JSON pointer."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join_pointer(base: str, *tokens: str | int) -> str:
    return base + "".join("/" + escape_token(str(token)) for token in tokens)


def split_pointer(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [unescape_token(token) for token in pointer.split("/")[1:]]


def walk_members(root: Node, base: str = "") -> Iterator[tuple[str, Member]]:
    """Yield (pointer of the parent, member) for every object member, duplicates included."""
    stack: list[tuple[str, Node]] = [(base, root)]
    while stack:
        pointer, node = stack.pop()
        if node.members is not None:
            for member in node.members:
                yield pointer, member
                stack.append((join_pointer(pointer, member.key), member.node))
        elif node.items is not None:
            for index, item in enumerate(node.items):
                stack.append((join_pointer(pointer, index), item))
