"""Run the JSON parser on every file of the JSONTestSuite parsing corpus.

The corpus sits outside the repository, in `shared/conformance/JSONTestSuite/test_parsing/`
next to the repository root. The file tests are skipped when that folder is missing.

Each file is decoded by the product's `decode`: a UTF-8 byte order mark is stripped, a
UTF-16 or UTF-32 byte order mark selects that encoding, and invalid UTF-8 is replaced by
U+FFFD. The product reports an encoding finding for the files listed in `ENCODING_CASES`,
so for them these tests only check that parsing returns without an exception.

- `y_` files (valid JSON) must parse with no comment, trailing-comma or NaN/Infinity
  problem, and to the same value as Python's `json.loads`. Duplicate keys are allowed.
- `n_` files (invalid JSON) must end in a syntax error at an offset inside the text, or
  parse with at least one recoverable problem (comment, trailing comma, NaN/Infinity).
- `i_` files (implementation-defined) must not raise. `I_OUTCOMES` records the defined
  result of each one, so any change of behaviour fails a test.

These `n_` files are accepted only through a recorded problem:

- trailing comma: n_array_extra_comma, n_array_number_and_comma, n_object_trailing_comma
- comment: n_object_trailing_comment, n_object_trailing_comment_slash_open,
  n_structure_object_with_comment
- NaN/Infinity: n_number_NaN, n_number_infinity, n_number_minus_infinity

n_object_lone_continuation_byte_in_key_and_trailing_comma is an encoding case, and it also
parses with a trailing-comma problem.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from mindie_epcheck.source.document import NoticeKind, decode
from mindie_epcheck.source.parser import (
    MAX_DEPTH,
    ParseResult,
    ProblemKind,
    SyntaxReason,
    parse,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SUITE = SHARED / "conformance" / "JSONTestSuite" / "test_parsing"

RECOVERABLE_SYNTAX = frozenset(
    {ProblemKind.COMMENT, ProblemKind.TRAILING_COMMA, ProblemKind.NON_FINITE}
)

N_ACCEPTED_WITH_PROBLEM = frozenset(
    {
        "n_array_extra_comma.json",
        "n_array_number_and_comma.json",
        "n_number_NaN.json",
        "n_number_infinity.json",
        "n_number_minus_infinity.json",
        "n_object_trailing_comma.json",
        "n_object_trailing_comment.json",
        "n_object_trailing_comment_slash_open.json",
        "n_structure_object_with_comment.json",
    }
)

ENCODING_NOTICES = frozenset({NoticeKind.INVALID_UTF8, NoticeKind.WIDE_ENCODING})

# The files that `decode` reports as invalid UTF-8 or as UTF-16.
ENCODING_CASES = frozenset(
    {
        "i_string_UTF-16LE_with_BOM.json",
        "i_string_UTF-8_invalid_sequence.json",
        "i_string_UTF8_surrogate_U+D800.json",
        "i_string_invalid_utf-8.json",
        "i_string_iso_latin_1.json",
        "i_string_lone_utf8_continuation_byte.json",
        "i_string_not_in_unicode_range.json",
        "i_string_overlong_sequence_2_bytes.json",
        "i_string_overlong_sequence_6_bytes.json",
        "i_string_overlong_sequence_6_bytes_null.json",
        "i_string_truncated-utf-8.json",
        "i_string_utf16BE_no_BOM.json",
        "i_string_utf16LE_no_BOM.json",
        "n_array_a_invalid_utf8.json",
        "n_array_invalid_utf8.json",
        "n_number_invalid-utf-8-in-bigger-int.json",
        "n_number_invalid-utf-8-in-exponent.json",
        "n_number_invalid-utf-8-in-int.json",
        "n_number_real_with_invalid_utf8_after_e.json",
        "n_object_lone_continuation_byte_in_key_and_trailing_comma.json",
        "n_string_invalid-utf-8-in-escape.json",
        "n_string_invalid_utf8_after_escape.json",
        "n_structure_incomplete_UTF8_BOM.json",
        "n_structure_lone-invalid-utf-8.json",
        "n_structure_single_eacute.json",
    }
)

# The defined result of every i_ file, as `describe_outcome` writes it.
I_OUTCOMES = {
    # Integers keep their exact value as Python ints. One too big for a double (309 digits
    # or more) becomes +-inf with a number_range problem, as nlohmann::json rejects it.
    "i_number_too_big_neg_int.json": "accepted",
    "i_number_too_big_pos_int.json": "accepted",
    "i_number_very_big_negative_int.json": "accepted",
    # A float that underflows becomes 0.0 with no problem.
    "i_number_double_huge_neg_exp.json": "accepted",
    "i_number_real_underflow.json": "accepted",
    # A float that overflows becomes +-inf and is recorded as out of range. nlohmann::json
    # rejects such numbers (out_of_range.406, "number overflow parsing", in its parser tests).
    "i_number_huge_exp.json": "accepted with problem number_range",
    "i_number_neg_int_huge_exp.json": "accepted with problem number_range",
    "i_number_pos_double_huge_exp.json": "accepted with problem number_range",
    "i_number_real_neg_overflow.json": "accepted with problem number_range",
    "i_number_real_pos_overflow.json": "accepted with problem number_range",
    # An unpaired \uD800-\uDFFF escape is rejected.
    "i_object_key_lone_2nd_surrogate.json": "rejected: lone_surrogate",
    "i_string_1st_surrogate_but_2nd_missing.json": "rejected: lone_surrogate",
    "i_string_1st_valid_surrogate_2nd_invalid.json": "rejected: lone_surrogate",
    "i_string_incomplete_surrogate_and_escape_valid.json": "rejected: lone_surrogate",
    "i_string_incomplete_surrogate_pair.json": "rejected: lone_surrogate",
    "i_string_incomplete_surrogates_escape_valid.json": "rejected: lone_surrogate",
    "i_string_invalid_lonely_surrogate.json": "rejected: lone_surrogate",
    "i_string_invalid_surrogate.json": "rejected: lone_surrogate",
    "i_string_inverted_surrogates_U+1D11E.json": "rejected: lone_surrogate",
    "i_string_lone_second_surrogate.json": "rejected: lone_surrogate",
    # Not valid UTF-8: each invalid sequence inside a string becomes U+FFFD, so the JSON
    # parses, and the product reports the encoding separately.
    "i_string_UTF-8_invalid_sequence.json": "accepted",
    "i_string_UTF8_surrogate_U+D800.json": "accepted",
    "i_string_invalid_utf-8.json": "accepted",
    "i_string_iso_latin_1.json": "accepted",
    "i_string_lone_utf8_continuation_byte.json": "accepted",
    "i_string_not_in_unicode_range.json": "accepted",
    "i_string_overlong_sequence_2_bytes.json": "accepted",
    "i_string_overlong_sequence_6_bytes.json": "accepted",
    "i_string_overlong_sequence_6_bytes_null.json": "accepted",
    "i_string_truncated-utf-8.json": "accepted",
    # The UTF-16 byte order mark makes `decode` read the file as UTF-16.
    "i_string_UTF-16LE_with_BOM.json": "accepted",
    # UTF-16 without a byte order mark is read as UTF-8, so U+FFFD and NUL characters come
    # where JSON expects a value.
    "i_string_utf16BE_no_BOM.json": "rejected: expected_value",
    "i_string_utf16LE_no_BOM.json": "rejected: expected_value",
    # 500 levels are within MAX_DEPTH.
    "i_structure_500_nested_arrays.json": "accepted",
    # The byte order mark is stripped before parsing.
    "i_structure_UTF-8_BOM_empty_object.json": "accepted",
}


def describe_outcome(result: ParseResult) -> str:
    """Summarise a parse result in the words of `I_OUTCOMES`."""
    if result.error is not None:
        return f"rejected: {result.error.reason.value}"
    kinds = sorted({problem.kind.value for problem in result.problems})
    if kinds:
        return "accepted with problem " + ", ".join(kinds)
    return "accepted"


def suite_files(prefix: str) -> list[object]:
    """Return one pytest param per corpus file starting with `prefix`.

    When the corpus is missing, return a single skipped param that names the missing folder.
    """
    if not SUITE.is_dir():
        reason = f"JSONTestSuite corpus not found at {SUITE}"
        return [pytest.param(None, id=f"{prefix}corpus-missing", marks=pytest.mark.skip(reason))]
    paths = sorted(SUITE.glob(f"{prefix}*.json"))
    return [pytest.param(path, id=path.stem) for path in paths]


def read_case(path: Path) -> tuple[str, bool]:
    """Decode a corpus file; return the text and whether the product reports its encoding."""
    text, notices = decode(path.read_bytes())
    return text, any(notice.kind in ENCODING_NOTICES for notice in notices)


@pytest.mark.parametrize("path", suite_files("y_"))
def test_valid_file_parses(path: Path) -> None:
    text, is_encoding_case = read_case(path)
    result = parse(text)

    assert not is_encoding_case
    assert result.error is None
    assert result.root is not None
    recoverable = [p for p in result.problems if p.kind in RECOVERABLE_SYNTAX]
    assert recoverable == []
    assert result.root.value == json.loads(text)


@pytest.mark.parametrize("path", suite_files("n_"))
def test_invalid_file_is_caught(path: Path) -> None:
    text, is_encoding_case = read_case(path)
    result = parse(text)

    assert isinstance(result, ParseResult)
    assert is_encoding_case == (path.name in ENCODING_CASES)
    if is_encoding_case:
        return
    if result.error is not None:
        assert path.name not in N_ACCEPTED_WITH_PROBLEM
        assert 0 <= result.error.offset <= len(text)
        assert result.root is None
    else:
        assert path.name in N_ACCEPTED_WITH_PROBLEM
        kinds = {problem.kind for problem in result.problems}
        assert kinds & RECOVERABLE_SYNTAX


@pytest.mark.parametrize("path", suite_files("i_"))
def test_implementation_defined_outcome(path: Path) -> None:
    text, is_encoding_case = read_case(path)
    result = parse(text)

    assert is_encoding_case == (path.name in ENCODING_CASES)
    assert describe_outcome(result) == I_OUTCOMES.get(path.name, "missing from I_OUTCOMES")


@pytest.mark.skipif(not SUITE.is_dir(), reason=f"JSONTestSuite corpus not found at {SUITE}")
def test_tables_name_existing_files() -> None:
    names = {path.name for path in SUITE.glob("*.json")}

    assert {name for name in names if name.startswith("i_")} == set(I_OUTCOMES)
    assert names >= N_ACCEPTED_WITH_PROBLEM
    assert names >= ENCODING_CASES


def parse_timed(text: str) -> tuple[ParseResult, float]:
    started = time.perf_counter()
    result = parse(text)
    return result, time.perf_counter() - started


# The parser stops at the first container beyond MAX_DEPTH, so it reads at most a few
# thousand characters of these inputs. The one-second bound is far above that, so it fails
# only for a parser that reads the whole input.
@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[" * 100_000, id="open-arrays"),
        pytest.param("[" * 100_000 + "]" * 100_000, id="balanced-arrays"),
        pytest.param('{"a":' * 100_000, id="open-objects"),
        pytest.param('[{"":' * 50_000, id="arrays-and-objects"),
    ],
)
def test_deep_nesting_rejected_quickly(text: str) -> None:
    result, seconds = parse_timed(text)

    assert result.error is not None
    assert result.error.reason is SyntaxReason.TOO_DEEP
    assert seconds < 1.0


def test_deep_nesting_stops_at_limit() -> None:
    result = parse("[" * 100_000)

    assert result.error is not None
    assert result.error.offset == MAX_DEPTH


@pytest.mark.parametrize("opener, closer", [("[", "]"), ('{"k":', "}")], ids=["array", "object"])
def test_nesting_at_limit_accepted(opener: str, closer: str) -> None:
    at_limit = parse(opener * MAX_DEPTH + "0" + closer * MAX_DEPTH)
    beyond = parse(opener * (MAX_DEPTH + 1) + "0" + closer * (MAX_DEPTH + 1))

    assert at_limit.error is None
    assert beyond.error is not None
    assert beyond.error.reason is SyntaxReason.TOO_DEEP
