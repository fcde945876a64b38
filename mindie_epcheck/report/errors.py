"""Usage and input errors, and notes of a run, printed to standard error in the user's
language. File names in them may hold any character, so control characters are replaced."""

from __future__ import annotations

import sys

from mindie_epcheck.i18n import Lang, Text
from mindie_epcheck.report.sanitize import printable

PREFIX = Text("epcheck: error: ", "epcheck：错误：")


def print_error(message: Text, lang: Lang) -> None:
    sys.stderr.write(PREFIX.get(lang) + printable(message.get(lang)) + "\n")


def print_notice(message: Text, lang: Lang) -> None:
    """Print one line about the run, such as the fixes applied to a file."""
    sys.stderr.write(printable(message.get(lang)) + "\n")
