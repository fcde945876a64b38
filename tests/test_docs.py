"""docs/rules.md and docs/rules.zh-CN.md: up to date, complete, and the targets of SARIF links."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest
from helpers import REPO, run_cli

from mindie_epcheck.i18n import LANGUAGES, Lang
from mindie_epcheck.report.rules_format import HEADINGS
from mindie_epcheck.report.sarif import RULE_DOCS_URL, help_uri
from mindie_epcheck.rules.registry import all_rules

# The sections every rule documents, in the order rules_format.markdown() writes them.
SECTIONS = ("summary", "rationale", "bad", "good", "fix")


def load_generator() -> ModuleType:
    """Import docs/generate.py, which is a script outside the package."""
    spec = importlib.util.spec_from_file_location("docs_generate", REPO / "docs" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATOR = load_generator()


def rule_sections(text: str) -> dict[str, str]:
    """Split a rule reference into the text under each `## CODE name` heading, keyed by CODE."""
    parts = re.split(r"^## (EP\d{3}) [^\n]*\n", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def github_anchor(heading: str) -> str:
    """Build the anchor GitHub gives a heading: lower case, punctuation dropped, spaces to '-'."""
    without_punctuation = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return without_punctuation.replace(" ", "-")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_rule_docs_up_to_date(lang: Lang) -> None:
    path: Path = GENERATOR.TARGETS[lang]
    assert path.exists(), f"{path} is missing; generate it with: {GENERATOR.COMMAND}"
    current = path.read_text(encoding="utf-8")
    assert current == GENERATOR.render(lang), (
        f"{path.name} is out of date with the rule registry; regenerate it with: "
        f"{GENERATOR.COMMAND}"
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_rule_docs_body_is_cli_output(lang: Lang) -> None:
    result = run_cli("rules", "--format", "markdown", "--lang", lang)
    assert result.exit_code == 0
    text = GENERATOR.TARGETS[lang].read_text(encoding="utf-8")
    assert text.endswith(result.stdout)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_rule_docs_list_every_rule(lang: Lang) -> None:
    sections = rule_sections(GENERATOR.TARGETS[lang].read_text(encoding="utf-8"))
    assert list(sections) == [declared.code for declared in all_rules()]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_rule_docs_have_every_section(lang: Lang) -> None:
    sections = rule_sections(GENERATOR.TARGETS[lang].read_text(encoding="utf-8"))
    for code, body in sections.items():
        for key in SECTIONS:
            label = HEADINGS[key].get(lang)
            if key in ("bad", "good"):
                # A bold label alone on its line, then a fenced example that is not empty.
                pattern = rf"^\*\*{re.escape(label)}\*\*\n\n```json\n[^`\n][^`]*\n```$"
            else:
                # A bold label, then the text on the same line.
                pattern = rf"^\*\*{re.escape(label)}\*\* \S"
            found = re.search(pattern, body, flags=re.MULTILINE)
            assert found, f"{code} has no {label!r} section in the {lang} rule reference"


def test_rule_texts_exist_in_both_languages() -> None:
    han = re.compile(r"[\u4e00-\u9fff]")
    for declared in all_rules():
        for key in ("summary", "rationale", "fix"):
            text = getattr(declared.doc, key)
            assert text.en.strip(), f"{declared.code} has an empty English {key}"
            assert text.zh.strip(), f"{declared.code} has an empty Chinese {key}"
            assert han.search(text.zh), f"{declared.code} {key} is not translated: {text.zh!r}"


def test_sarif_links_match_headings() -> None:
    assert RULE_DOCS_URL.endswith("/docs/rules.md")
    text = GENERATOR.TARGETS["en"].read_text(encoding="utf-8")
    anchors = {github_anchor(line[3:]) for line in text.splitlines() if line.startswith("## ")}
    for declared in all_rules():
        fragment = help_uri(declared).rsplit("#", 1)[1]
        assert fragment in anchors, f"{declared.code}: no heading in docs/rules.md has #{fragment}"


def test_github_anchor_example() -> None:
    assert github_anchor("EP208 moe-ep-tp-product") == "ep208-moe-ep-tp-product"


def test_generator_check_reports_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "rules.md"
    stale.write_text("# old\n", encoding="utf-8")
    fresh = tmp_path / "rules.zh-CN.md"
    fresh.write_text(GENERATOR.render("zh"), encoding="utf-8")
    monkeypatch.setattr(GENERATOR, "TARGETS", {"en": stale, "zh": fresh})
    assert GENERATOR.stale_files() == [stale]
    assert GENERATOR.main(["--check"]) == 1
