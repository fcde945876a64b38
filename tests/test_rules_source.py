"""EP0xx wording: duplicate keys, and the problems past the parser's limit per file."""

from __future__ import annotations

from mindie_epcheck.findings import Finding, Severity
from mindie_epcheck.model.context import Settings
from mindie_epcheck.pipeline import lint_bytes
from mindie_epcheck.source.parser import MAX_PROBLEMS, ProblemKind, parse


def findings_of(text: str, code: str) -> list[Finding]:
    result = lint_bytes("config.json", text.encode(), Settings())
    return [finding for finding in result.findings if finding.code == code]


def test_duplicate_key_three_times() -> None:
    text = '{\n  "Version": "1.0.0",\n  "Version": "1.0.1",\n  "Version": "1.0.2"\n}\n'

    middle, last = findings_of(text, "EP004")

    assert middle.span is not None and middle.span.line == 3
    assert middle.message.en == (
        "key 'Version' also appears on line 2:3 and again on line 4:3; MindIE ignores this "
        "value (line 3) and uses the last one (line 4)"
    )
    assert "MindIE 忽略此处（第 3 行）的值，使用第 4 行的最后一个值" in middle.message.zh
    assert last.span is not None and last.span.line == 4
    assert last.message.en == (
        "key 'Version' also appears on line 3:3; MindIE uses this last one (line 4) and "
        "ignores the earlier values"
    )
    assert "3 times" in middle.hint.en
    assert "3 times" in last.hint.en
    assert "共出现 3 次" in last.hint.zh


def test_duplicate_key_twice_unchanged() -> None:
    text = '{\n  "Version": "1.0.0",\n  "Version": "1.0.1"\n}\n'

    (finding,) = findings_of(text, "EP004")

    assert finding.message.en == (
        "key 'Version' also appears on line 2:3; MindIE uses this last one (line 3) and "
        "ignores the earlier value"
    )
    assert finding.hint.en == "Delete one of the two; keep the value you mean."


def test_parser_counts_problems_past_limit() -> None:
    extra = 25
    text = "[" + ", ".join(f"{index} /* c */" for index in range(MAX_PROBLEMS + extra)) + "]"

    result = parse(text)

    assert len(result.problems) == MAX_PROBLEMS
    dropped = result.dropped[ProblemKind.COMMENT]
    assert dropped.count == extra
    first_dropped = text.index(f"{MAX_PROBLEMS} /* c */") + len(str(MAX_PROBLEMS)) + 1
    assert dropped.first.start == first_dropped


def test_parser_below_limit_drops_nothing() -> None:
    text = "[" + ", ".join(f"{index} /* c */" for index in range(MAX_PROBLEMS)) + "]"

    assert parse(text).dropped == {}


def is_dropped_note(finding: Finding) -> bool:
    """Tell the parser's note on dropped problems from the runner's note on a long list."""
    return finding.severity == Severity.INFO and "not reported" in finding.message.en


def test_dropped_problems_reported_once_per_kind() -> None:
    comments = "".join(f'  "c{index}": {index}, // note\n' for index in range(MAX_PROBLEMS))
    text = "{\n" + comments + '  "a": [1,],\n  "b": [2,]\n}\n'

    commas = findings_of(text, "EP003")
    notes = [finding for finding in commas if finding.severity == Severity.INFO]

    # Every trailing comma is past the limit, so only the note reports them.
    assert len(commas) == 1
    (note,) = notes
    assert note.span is not None and note.span.line == MAX_PROBLEMS + 2
    assert note.message.en == (
        "2 more trailing commas are not reported, the first of them here: epcheck records at "
        "most 1,000 JSON problems per file"
    )
    assert note.message.zh.startswith("另有 2 处多余的逗号未报告")
    assert "run epcheck again" in note.hint.en
    assert not [f for f in findings_of(text, "EP002") if is_dropped_note(f)]


def test_dropped_note_survives_per_rule_limit() -> None:
    # More comments than the runner lists per rule, and more than the parser keeps.
    lines = "".join(f'  "c{index}": {index}, // note\n' for index in range(MAX_PROBLEMS + 1))
    text = "{\n" + lines + '  "end": 0\n}\n'

    notes = [f for f in findings_of(text, "EP002") if is_dropped_note(f)]

    (note,) = notes
    assert note.message.en.startswith("1 more comment is not reported, the one here")
    assert note.span is not None and note.span.line == MAX_PROBLEMS + 2


def test_top_level_type_in_chinese() -> None:
    (finding,) = findings_of("[1, 2]", "EP011")

    assert finding.message.en == "the top level is array, expected an object"
    assert finding.message.zh == "顶层是数组，应为对象"
