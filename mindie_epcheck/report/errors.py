"""Usage and input errors, printed to standard error in the user's language."""

from __future__ import annotations

import sys

from mindie_epcheck.i18n import Lang, Text

PREFIX = Text("epcheck: error: ", "epcheck：错误：")


def print_error(message: Text, lang: Lang) -> None:
    sys.stderr.write(PREFIX.get(lang) + message.get(lang) + "\n")
