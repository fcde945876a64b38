"""The table of output formats; `--format` offers exactly these names, in this order.

Each reporter is imported when a run requests it, so that a run pays only for its formats.
"""

from __future__ import annotations

import importlib

from mindie_epcheck.report.base import Reporter

# Format name -> (module under mindie_epcheck.report, class).
REPORTER_CLASSES: dict[str, tuple[str, str]] = {
    "text": ("text", "TextReporter"),
    "concise": ("concise", "ConciseReporter"),
    "json": ("json_format", "JsonReporter"),
    "jsonl": ("jsonl", "JsonLinesReporter"),
    "sarif": ("sarif", "SarifReporter"),
    "github": ("github", "GithubReporter"),
    "gitlab": ("gitlab", "GitlabReporter"),
    "junit": ("junit", "JunitReporter"),
}
REPORTERS: tuple[str, ...] = tuple(REPORTER_CLASSES)


def reporter_class(name: str) -> type[Reporter]:
    module, cls = REPORTER_CLASSES[name]
    found: type[Reporter] = getattr(importlib.import_module(f"mindie_epcheck.report.{module}"), cls)
    return found


def make_reporter(name: str) -> Reporter:
    return reporter_class(name)()
