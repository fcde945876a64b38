"""The rule registry: every rule is documented in both languages and codes are unique."""

from __future__ import annotations

import pytest

from mindie_epcheck.findings import Severity
from mindie_epcheck.i18n import Text
from mindie_epcheck.rules.registry import RegistryError, all_rules, rule

RULES = all_rules()


def test_codes_unique() -> None:
    codes = [declared.code for declared in RULES]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("declared", RULES, ids=[declared.code for declared in RULES])
def test_rule_documented_in_both_languages(declared) -> None:  # type: ignore[no-untyped-def]
    doc = declared.doc
    for text in (doc.summary, doc.rationale, doc.fix):
        assert text.en.strip(), f"{declared.code} lacks an English text"
        assert text.zh.strip(), f"{declared.code} lacks a Chinese text"
        assert any("\u4e00" <= char <= "\u9fff" for char in text.zh), (
            f"{declared.code}: Chinese text has no Chinese characters: {text.zh!r}"
        )
    assert doc.bad.strip(), f"{declared.code} lacks a bad example"
    assert doc.good.strip(), f"{declared.code} lacks a good example"


def test_duplicate_code_rejected() -> None:
    existing = RULES[0]
    with pytest.raises(RegistryError, match="declared twice"):
        rule(
            existing.code,
            "some-new-name",
            Severity.INFO,
            summary=Text("x", "x"),
            rationale=Text("x", "x"),
            bad="x",
            good="x",
            fix=Text("x", "x"),
        )(lambda subject: iter(()))


def test_missing_chinese_rejected() -> None:
    with pytest.raises(RegistryError, match="Chinese"):
        rule(
            "EP099",
            "undocumented-rule",
            Severity.INFO,
            summary=Text("x", ""),
            rationale=Text("x", "x"),
            bad="x",
            good="x",
            fix=Text("x", "x"),
        )(lambda subject: iter(()))


def test_bad_code_rejected() -> None:
    with pytest.raises(RegistryError, match="three digits"):
        rule(
            "E12",
            "bad-code",
            Severity.INFO,
            summary=Text("x", "x"),
            rationale=Text("x", "x"),
            bad="x",
            good="x",
            fix=Text("x", "x"),
        )(lambda subject: iter(()))
