"""The table of output formats; `--format` offers exactly these names, in this order."""

from __future__ import annotations

from mindie_epcheck.report.base import Reporter
from mindie_epcheck.report.concise import ConciseReporter
from mindie_epcheck.report.github import GithubReporter
from mindie_epcheck.report.gitlab import GitlabReporter
from mindie_epcheck.report.json_format import JsonReporter
from mindie_epcheck.report.jsonl import JsonLinesReporter
from mindie_epcheck.report.junit import JunitReporter
from mindie_epcheck.report.sarif import SarifReporter
from mindie_epcheck.report.text import TextReporter

REPORTERS: dict[str, type[Reporter]] = {
    "text": TextReporter,
    "concise": ConciseReporter,
    "json": JsonReporter,
    "jsonl": JsonLinesReporter,
    "sarif": SarifReporter,
    "github": GithubReporter,
    "gitlab": GitlabReporter,
    "junit": JunitReporter,
}


def make_reporter(name: str) -> Reporter:
    return REPORTERS[name]()
