"""Bilingual texts (English and Simplified Chinese) and the choice of language."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Lang = Literal["en", "zh"]
LANGUAGES: tuple[Lang, ...] = ("en", "zh")
LANG_ENV = "EPCHECK_LANG"


@dataclass(frozen=True, slots=True)
class Text:
    """A text in both languages; `format` fills the same fields into each."""

    en: str
    zh: str

    def get(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en

    def format(self, **params: Any) -> Text:
        return Text(self.en.format(**params), self.zh.format(**params))

    def __add__(self, other: Text) -> Text:
        return Text(self.en + other.en, self.zh + other.zh)


def parse_language(value: str | None) -> Lang | None:
    """Map a language tag such as `zh_CN.UTF-8`, `zh-Hans` or `en_US` to a language."""
    if not value:
        return None
    tag = value.strip().lower()
    if tag.startswith("zh"):
        return "zh"
    if tag.startswith("en") or tag in ("c", "posix"):
        return "en"
    return None


def choose_language(option: str | None, env: Mapping[str, str] | None = None) -> Lang:
    """Pick the language from the option, then EPCHECK_LANG, then the locale variables."""
    environ = os.environ if env is None else env
    for candidate in (option, environ.get(LANG_ENV)):
        lang = parse_language(candidate)
        if lang:
            return lang
    # POSIX precedence: LC_ALL overrides LC_MESSAGES, which overrides LANG.
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return parse_language(value) or "en"
    return "en"
