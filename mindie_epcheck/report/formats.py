"""The table of output formats; `--format` offers exactly these names."""

from __future__ import annotations

from mindie_epcheck.report.base import Reporter
from mindie_epcheck.report.json_format import JsonReporter
from mindie_epcheck.report.text import TextReporter

REPORTERS: dict[str, type[Reporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
}


def make_reporter(name: str) -> Reporter:
    return REPORTERS[name]()
