"""Property tests of the JSON parser, its tree and LineIndex.

Each property test runs 200 examples, or the loaded profile's max_examples when that is
larger. Set HYPOTHESIS_PROFILE=long to run 20,000 (conftest.py registers the profile).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mindie_epcheck.source.nodes import Node, join_pointer, split_pointer, walk_members
from mindie_epcheck.source.parser import ParseResult, ProblemKind, parse
from mindie_epcheck.source.positions import LineIndex

EXAMPLES = settings(max_examples=max(200, settings.default.max_examples), deadline=None)

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)

# Characters that drive the parser into its branches, for random JSON-like text.
JSON_ALPHABET = '{}[]",:0123456789-+.eE \t\r\n/*\\utrfalsnNIiy\x00é\ufeff'
# Fragments that a mutation inserts into a valid document.
JSON_FRAGMENTS = [
    "{", "}", "[", "]", '"', ",", ":", "//", "/*", "*/", "\\", "\\u", "\\ud800", "\\udc00",
    "NaN", "-Infinity", "1e999", "-", "0", "01", "true", "nul", "\n", "\x00", "\ufeff",
]  # fmt: skip


@st.composite
def json_documents(draw: st.DrawFn) -> tuple[str, Any]:
    """Draw a JSON value and its `json.dumps` text with random layout options."""
    value = draw(JSON_VALUES)
    indent = draw(st.sampled_from([None, 0, 2, "\t", "\r\n "]))
    item_separator = draw(st.sampled_from([",", ", ", " ,", "\t,\r\n"]))
    key_separator = draw(st.sampled_from([":", ": ", " :", "\n:\t"]))
    text = json.dumps(
        value,
        indent=indent,
        separators=(item_separator, key_separator),
        ensure_ascii=draw(st.booleans()),
        sort_keys=draw(st.booleans()),
    )
    padding = st.text(alphabet=" \t\r\n", max_size=3)
    return draw(padding) + text + draw(padding), value


@st.composite
def tolerant_documents(draw: st.DrawFn) -> tuple[str, Any, Counter[ProblemKind]]:
    """Draw a JSON value rendered with comments, trailing commas and shadowed duplicate keys.

    Return the text, the value it encodes (the last duplicate wins), and how many
    problems of each kind the parser must record.
    """
    value = draw(JSON_VALUES)
    expected: Counter[ProblemKind] = Counter()

    def gap() -> str:
        filler = draw(st.sampled_from(["", " ", "\n", "/* c */", "// c\n", "/**/\t"]))
        if filler.startswith("/"):
            expected[ProblemKind.COMMENT] += 1
        return filler

    def trailing_comma() -> str:
        if not draw(st.booleans()):
            return ""
        expected[ProblemKind.TRAILING_COMMA] += 1
        return "," + gap()

    def render(node: Any) -> str:
        if isinstance(node, list):
            items = [gap() + render(item) + gap() for item in node]
            tail = trailing_comma() if items else ""
            return "[" + ",".join(items) + tail + "]"
        if isinstance(node, dict):
            members = [
                gap() + json.dumps(key) + gap() + ":" + render(item) for key, item in node.items()
            ]
            if members and draw(st.booleans()):
                # An earlier member with the same key, which the real one must override.
                first_key = next(iter(node))
                members.insert(0, json.dumps(first_key) + ":null")
                expected[ProblemKind.DUPLICATE_KEY] += 1
            tail = trailing_comma() if members else ""
            return "{" + ",".join(members) + tail + "}"
        return gap() + json.dumps(node) + gap()

    return render(value), value, expected


@st.composite
def mutated_documents(draw: st.DrawFn) -> str:
    """Draw a valid document with one to four random deletions, insertions or replacements."""
    text, _ = draw(json_documents())
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        start = draw(st.integers(min_value=0, max_value=len(text)))
        end = draw(st.integers(min_value=start, max_value=min(len(text), start + 3)))
        fragment = draw(st.sampled_from(["", *JSON_FRAGMENTS]))
        text = text[:start] + fragment + text[end:]
    return text


def walk_nodes(root: Node) -> Iterator[Node]:
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        if node.members is not None:
            stack.extend(member.node for member in node.members)
        if node.items is not None:
            stack.extend(node.items)


def children_of(node: Node) -> list[Node]:
    if node.members is not None:
        return [member.node for member in node.members]
    return list(node.items or [])


def assert_well_formed(text: str, result: ParseResult) -> None:
    """Assert the invariants that every parse result keeps, whatever the input."""
    assert isinstance(result, ParseResult)
    assert (result.root is None) == (result.error is not None)
    if result.error is not None:
        assert 0 <= result.error.offset <= len(text)
        assert result.error.found
    if result.root is not None:
        assert 0 <= result.root.start <= result.root.end <= len(text)
    for problem in result.problems:
        assert 0 <= problem.start <= problem.end <= len(text)


def parse_both_ways(text: str) -> None:
    for members_only in (False, True):
        assert_well_formed(text, parse(text, members_only=members_only))


@EXAMPLES
@given(json_documents())
def test_dumps_output_round_trips(document: tuple[str, Any]) -> None:
    text, value = document
    result = parse(text)

    assert result.error is None
    assert result.problems == []
    assert result.root is not None
    assert result.root.value == value


@EXAMPLES
@given(json_documents())
def test_node_slices_parse_to_value(document: tuple[str, Any]) -> None:
    text, _ = document
    root = parse(text).root
    assert root is not None

    for node in walk_nodes(root):
        assert json.loads(text[node.start : node.end]) == node.value
        for member in node.members or []:
            assert json.loads(text[member.key_start : member.key_end]) == member.key
            assert member.key_end <= member.node.start


@EXAMPLES
@given(json_documents())
def test_child_spans_nest_in_order(document: tuple[str, Any]) -> None:
    text, _ = document
    root = parse(text).root
    assert root is not None

    for node in walk_nodes(root):
        previous_end = node.start + 1
        for child in children_of(node):
            assert previous_end <= child.start
            assert child.end <= node.end - 1
            previous_end = child.end


@EXAMPLES
@given(json_documents())
def test_pointers_resolve_to_members(document: tuple[str, Any]) -> None:
    text, _ = document
    root = parse(text).root
    assert root is not None

    for parent_pointer, member in walk_members(root):
        node: Node | None = root
        for token in split_pointer(join_pointer(parent_pointer, member.key)):
            assert node is not None
            node = node.child(token)
        assert node is member.node


@EXAMPLES
@given(st.lists(st.text(max_size=6), max_size=4))
def test_pointer_tokens_round_trip(tokens: list[str]) -> None:
    assert split_pointer(join_pointer("", *tokens)) == tokens


# Category Nd and No characters such as "²" pass str.isdigit() but not int().
INDEX_LIKE_TOKENS = st.text(max_size=4) | st.text(
    alphabet=st.characters(categories=("Nd", "No")), min_size=1, max_size=3
)


@EXAMPLES
@given(INDEX_LIKE_TOKENS)
def test_array_child_rejects_non_index(token: str) -> None:
    root = parse("[10, 11, 12]").root
    assert root is not None and root.items is not None

    child = root.child(token)

    if token.isascii() and token.isdigit() and int(token) < 3:
        assert child is root.items[int(token)]
    else:
        assert child is None


@EXAMPLES
@given(tolerant_documents())
def test_tolerated_deviations_recorded(document: tuple[str, Any, Counter[ProblemKind]]) -> None:
    text, value, expected = document
    result = parse(text)

    assert result.error is None
    assert result.root is not None
    assert result.root.value == value
    assert Counter(problem.kind for problem in result.problems) == expected
    for problem in result.problems:
        if problem.kind is ProblemKind.COMMENT:
            assert text.startswith(("//", "/*"), problem.start)
        if problem.kind is ProblemKind.TRAILING_COMMA:
            assert text[problem.start : problem.end] == ","


@EXAMPLES
@given(st.binary())
def test_any_bytes_parse_without_exception(raw: bytes) -> None:
    parse_both_ways(raw.decode("utf-8", errors="replace"))


@EXAMPLES
@given(st.text() | st.text(alphabet=JSON_ALPHABET))
def test_any_text_parses_without_exception(text: str) -> None:
    parse_both_ways(text)


@EXAMPLES
@given(mutated_documents())
def test_mutated_document_parses_without_exception(text: str) -> None:
    parse_both_ways(text)


def naive_position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    line_start = text.rfind("\n", 0, offset) + 1
    return line, offset - line_start + 1


LINE_TEXTS = st.text(alphabet="ab \t\r\n\u2028é😀", max_size=40)


@EXAMPLES
@given(LINE_TEXTS, st.data())
def test_line_index_matches_newline_count(text: str, data: st.DataObject) -> None:
    offset = data.draw(st.integers(min_value=0, max_value=len(text)), label="offset")
    index = LineIndex(text)

    assert index.position(offset) == naive_position(text, offset)
    assert index.line_count() == text.count("\n") + 1


@EXAMPLES
@given(LINE_TEXTS, st.integers(min_value=-5, max_value=50))
def test_line_index_clamps_offsets(text: str, offset: int) -> None:
    clamped = max(0, min(offset, len(text)))

    assert LineIndex(text).position(offset) == naive_position(text, clamped)


def test_line_index_known_positions() -> None:
    index = LineIndex("ab\ncd\r\nef")

    assert index.position(0) == (1, 1)
    assert index.position(3) == (2, 1)
    assert index.position(6) == (2, 4)
    assert index.position(7) == (3, 1)
    assert index.position(9) == (3, 3)
