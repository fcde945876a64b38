"""Chinese for the texts click itself prints (usage line, option list, usage errors).

click marks these strings for gettext but ships no translations. Each of its modules binds
`_` at import, so switching to Chinese rebinds `_` in those modules to this table.

click's help layout also assumes English: it breaks lines only at spaces and counts one
column per character. Switching to Chinese also replaces the line breaker and the width.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

import click
import click._textwrap
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.types

CLICK_ZH = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "default: {default}": "默认值：{default}",
    "env var: {var}": "环境变量：{var}",
    "Show this message and exit.": "显示此帮助信息并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Error: {message}": "错误：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不接受取值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是合法的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是目录。",
    "file": "文件",
    "path": "路径",
    "directory": "目录",
    "Aborted!": "已中止！",
}

# click's messages with a plural form (ngettext); one Chinese text serves both forms.
CLICK_ZH_PLURAL = {
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不是 {choices} 之一。",
}

# Names of click's parameter types, which its messages insert ("is not a valid integer").
TYPE_NAMES_ZH: dict[type[Any], str] = {
    click.types.IntParamType: "整数",
    click.types.FloatParamType: "数值",
    click.types.IntRange: "整数",
    click.types.FloatRange: "数值",
}

_MODULES = (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.types,
)


# Characters that a line may break before or after: CJK ideographs and kana.
_IDEOGRAPHS = "\u2e80-\u2fdf\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Full-width punctuation that stays with the character after it (opening) or before it
# (closing), so that no line starts with "，" or ends with "（".
_OPENING = "（《「『“‘【〈"
_CLOSING = "，。；：、！？）》」』”’】〉"
# A chunk that no line break splits: a run of spaces, one ideograph, or a run of other
# characters (an English word, an option, a number), with the punctuation that clings to
# it. ASCII "(" and "[" cling like _OPENING, and ASCII ")]" and ",.:;!?" like _CLOSING.
_CHUNK = (
    rf"\s+"
    rf"|[{_OPENING}(\[]*(?:[{_IDEOGRAPHS}]|[^\s{_IDEOGRAPHS}{_OPENING}{_CLOSING}]+)"
    rf"[{_CLOSING}),.:;!?\]]*"
    rf"|[{_OPENING}{_CLOSING}]+"
)


@functools.cache
def _chunk_pattern() -> re.Pattern[str]:
    # Compiled on first use: English runs never wrap Chinese, and compiling costs start-up.
    return re.compile(_CHUNK)


class ChineseTextWrapper(click._textwrap.TextWrapper):
    """click's wrapper that may break a line between any two Chinese characters.

    textwrap breaks only at spaces, so it takes a Chinese sentence for one long word and cuts
    it at the width, even in the middle of an English word inside it (`PA` / `TH`).
    """

    def _split(self, text: str) -> list[str]:
        return _chunk_pattern().findall(text)


def display_width(text: str) -> int:
    """Return the terminal columns `text` takes: two for each wide (East Asian) character."""
    return sum(
        2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in click.unstyle(text)
    )


def translate(message: str) -> str:
    return CLICK_ZH.get(message, message)


def translate_plural(singular: str, plural: str, count: int) -> str:
    chosen = singular if count == 1 else plural
    return CLICK_ZH_PLURAL.get(chosen, chosen)


def use_chinese() -> None:
    """Make click print its own texts in Chinese, and lay out Chinese help, for the rest of
    this process."""
    for module in _MODULES:
        if hasattr(module, "_"):
            module._ = translate  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = translate_plural  # type: ignore[attr-defined]
    for param_type, name in TYPE_NAMES_ZH.items():
        param_type.name = name
    # click's wrap_text imports TextWrapper from click._textwrap on each call.
    click._textwrap.TextWrapper = ChineseTextWrapper  # type: ignore[misc]
    # The option list pads its first column by term_len. click 8.4 and later also wrap by
    # it; older versions wrap by characters, so their Chinese lines come out wider.
    for module in (click.formatting, click._textwrap):
        if hasattr(module, "term_len"):
            module.term_len = display_width  # type: ignore[attr-defined]
