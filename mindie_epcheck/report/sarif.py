"""`--format sarif`: a SARIF 2.1.0 log, the OASIS format that GitHub code scanning accepts.

The log has one run. Its tool.driver.rules describe every registered rule, so a viewer can
show a rule's documentation even for rules without results. Columns count Unicode code
points (run.columnKind), as Span does, and endColumn is exclusive in both.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from mindie_epcheck import __version__
from mindie_epcheck.findings import Finding, Severity
from mindie_epcheck.i18n import Lang
from mindie_epcheck.report.base import RunReport
from mindie_epcheck.report.fingerprints import fingerprints
from mindie_epcheck.report.rules_format import HEADINGS, markdown
from mindie_epcheck.report.text import COLON, HINT
from mindie_epcheck.rules.registry import Rule, all_rules

SARIF_VERSION = "2.1.0"
SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
# NOTE: the project has no published URL and no docs/rules.md yet. Both links assume
# github.com/epcheck/epcheck, with docs/rules.md holding `epcheck rules --format markdown`,
# whose headings give the anchors that help_uri() links to.
PROJECT_URL = "https://github.com/epcheck/epcheck"
RULE_DOCS_URL = f"{PROJECT_URL}/blob/main/docs/rules.md"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# RFC 5646 tags of the languages that messages and rule texts are written in.
LANGUAGE_TAGS: dict[Lang, str] = {"en": "en-US", "zh": "zh-CN"}
FINGERPRINT_KEY = "epcheckFindingId/v1"


def help_uri(declared: Rule) -> str:
    """Return the link to the rule's section: GitHub's anchor for `## EP208 moe-ep-tp-product`."""
    return f"{RULE_DOCS_URL}#{declared.code.lower()}-{declared.name}"


def help_text(declared: Rule, lang: Lang) -> str:
    colon = COLON.get(lang)
    sections = [
        declared.doc.summary.get(lang),
        HEADINGS["rationale"].get(lang) + colon + declared.doc.rationale.get(lang),
        HEADINGS["fix"].get(lang) + colon + declared.doc.fix.get(lang),
        HEADINGS["bad"].get(lang) + colon + "\n" + declared.doc.bad,
        HEADINGS["good"].get(lang) + colon + "\n" + declared.doc.good,
    ]
    return "\n\n".join(sections)


def reporting_descriptor(declared: Rule, lang: Lang) -> dict[str, Any]:
    return {
        "id": declared.code,
        "name": declared.name,
        "shortDescription": {"text": declared.doc.summary.get(lang)},
        "fullDescription": {"text": declared.doc.rationale.get(lang)},
        "help": {"text": help_text(declared, lang), "markdown": markdown(declared, lang)},
        "helpUri": help_uri(declared),
        "defaultConfiguration": {"level": LEVELS[declared.severity]},
        # Tags are filter keys in viewers, so they stay English in both languages.
        "properties": {"tags": [declared.family.en]},
    }


def artifact_uri(path: str) -> str:
    """Return `path` as a URI: file:// for an absolute path, else a relative reference."""
    if os.path.isabs(path):
        return Path(path).as_uri()
    # quote() also encodes ':', so a relative name such as `c:x.json` is not read as a scheme.
    return quote(path.replace(os.sep, "/"), safe="/")


def location(finding: Finding) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(finding.file)}}
    span = finding.span
    if span is not None:
        physical["region"] = {
            "startLine": span.line,
            "startColumn": span.column,
            "endLine": span.end_line,
            "endColumn": span.end_column,
        }
    located: dict[str, Any] = {"physicalLocation": physical}
    if finding.pointer:
        located["logicalLocations"] = [{"fullyQualifiedName": finding.pointer, "kind": "value"}]
    return located


def result(
    finding: Finding, fingerprint: str, rule_index: dict[str, int], lang: Lang
) -> dict[str, Any]:
    message = finding.message.get(lang) + "\n" + HINT.get(lang) + COLON.get(lang)
    entry: dict[str, Any] = {
        "ruleId": finding.code,
        "level": LEVELS[finding.severity],
        "message": {"text": message + finding.hint.get(lang)},
        "locations": [location(finding)],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": {"pointer": finding.pointer, "related": list(finding.related)},
    }
    if finding.code in rule_index:
        entry["ruleIndex"] = rule_index[finding.code]
    return entry


def sarif_log(run: RunReport) -> dict[str, Any]:
    rules = all_rules()
    rule_index = {declared.code: index for index, declared in enumerate(rules)}
    findings = run.findings
    results = [
        result(finding, fingerprint, rule_index, run.lang)
        for finding, fingerprint in zip(findings, fingerprints(findings), strict=True)
    ]
    driver = {
        "name": "epcheck",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": PROJECT_URL,
        "rules": [reporting_descriptor(declared, run.lang) for declared in rules],
    }
    return {
        "$schema": SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "language": LANGUAGE_TAGS[run.lang],
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


class SarifReporter:
    def render(self, run: RunReport, stream: TextIO) -> None:
        json.dump(sarif_log(run), stream, ensure_ascii=False, indent=2)
        stream.write("\n")
