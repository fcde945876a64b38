"""Text from files and file names made safe to print on a terminal."""

from __future__ import annotations

# C0 and C1 control characters (and DEL) from a file must not reach the terminal, because
# they could move the cursor or retitle the window. Each becomes one visible character.
_CONTROLS = {code: "\ufffd" for code in [*range(0x20), *range(0x7F, 0xA0)]}


def printable(text: str) -> str:
    """Replace each control character of `text`, line breaks included, with U+FFFD."""
    return text.translate(_CONTROLS)


# The same, but keeping line breaks, for formats that encode them (GitHub's %0A).
_CONTROLS_BUT_BREAKS = {code: "\ufffd" for code in _CONTROLS if code not in (0x0A, 0x0D)}


def printable_keeping_breaks(text: str) -> str:
    """Replace each control character of `text` but CR and LF with U+FFFD."""
    return text.translate(_CONTROLS_BUT_BREAKS)
