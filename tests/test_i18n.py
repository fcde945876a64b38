"""Every text a user can see exists in English and Chinese."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REALWORLD, SAMPLES

from mindie_epcheck.cli import messages
from mindie_epcheck.cli.click_zh import ChineseTextWrapper
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.context import Settings
from mindie_epcheck.pipeline import lint_bytes
from mindie_epcheck.source.kinds import KIND_TITLES


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def inputs() -> list[Path]:
    files = sorted(path for path in SAMPLES.rglob("*.json") if ".expected." not in path.name)
    if REALWORLD.is_dir():
        files += sorted(REALWORLD.glob("*.json"))
    return files


@pytest.mark.parametrize("path", inputs(), ids=lambda path: path.name)
def test_findings_have_chinese_texts(path: Path) -> None:
    result = lint_bytes(path.name, path.read_bytes(), Settings())
    for finding in result.findings:
        assert has_chinese(finding.message.zh), f"{finding.code}: {finding.message.zh!r}"
        assert has_chinese(finding.hint.zh), f"{finding.code}: {finding.hint.zh!r}"
        assert finding.message.en and finding.hint.en
    for note in result.notes:
        assert note.en and note.zh


def cli_texts() -> list[tuple[str, Text]]:
    found = [(name, value) for name, value in vars(messages).items() if isinstance(value, Text)]
    found += [(f"OPTION_HELP[{key}]", value) for key, value in messages.OPTION_HELP.items()]
    found += [(kind.value, title) for kind, title in KIND_TITLES.items()]
    return found


@pytest.mark.parametrize(("name", "text"), cli_texts(), ids=lambda item: str(item)[:40])
def test_cli_text_in_both_languages(name: str, text: Text) -> None:
    assert text.en.strip(), name
    assert has_chinese(text.zh), name


def ascii_words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9_][A-Za-z0-9_.:=,-]*", text)


@pytest.mark.parametrize("key", sorted(messages.OPTION_HELP))
def test_chinese_wrapper_keeps_english_words(key: str) -> None:
    text = messages.OPTION_HELP[key].zh
    # From 30 columns on, every English word fits on a line; a narrower width cuts the longest.
    for width in range(30, 61):
        lines = ChineseTextWrapper(width).wrap(text)

        wrapped = [word for line in lines for word in ascii_words(line)]
        assert wrapped == ascii_words(text), (width, lines)
        assert not any(line.startswith(("，", "。", "；", "：", "、", "）")) for line in lines)


def test_metavars_in_both_languages() -> None:
    for key, text in messages.METAVARS.items():
        assert text.en.isupper(), key
        assert has_chinese(text.zh), key


def test_click_choice_and_number_errors_in_chinese() -> None:
    script = "import sys\nfrom mindie_epcheck.cli.main import main\nmain(sys.argv[1:])\n"
    for args, expected in (
        (["validate", "x", "--hardware", "foo", "--lang", "zh"], "之一"),
        (["simulate", "x", "--trials", "abc", "--lang", "zh"], "不是合法的整数"),
    ):
        result = subprocess.run(
            [sys.executable, "-c", script, *args], capture_output=True, text=True, check=False
        )
        assert result.returncode == 2
        assert expected in result.stderr, result.stderr
        assert "is not" not in result.stderr
