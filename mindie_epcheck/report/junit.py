"""`--format junit`: JUnit XML, the test report that GitLab, Jenkins and other CI systems
show as a list of passed and failed tests.

Each file is a <testsuite>, and each rule code that ran on the file or reported on it is a
<testcase> named `CODE name`. Every error or warning finding adds a <failure> element to
its rule's test case. Info findings are listed in the test case's <system-out> and do not
fail it. As in Ant's JUnit report, `failures` counts failed test cases, not <failure>
elements, so it never exceeds `tests`.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ElementTree
from typing import TextIO

from mindie_epcheck.findings import Finding, Severity
from mindie_epcheck.i18n import Lang
from mindie_epcheck.report.base import FileReport, RunReport
from mindie_epcheck.report.concise import concise_line
from mindie_epcheck.report.text import COLON, HINT, POINTER
from mindie_epcheck.rules.registry import all_rules

FAILING = (Severity.ERROR, Severity.WARNING)
# XML 1.0 allows tab, LF, CR and the characters from U+0020 up, except surrogates, U+FFFE
# and U+FFFF. A key or value of the linted file may contain others, even escaped.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def failure_body(finding: Finding, lang: Lang) -> str:
    span = finding.span
    lines = [f"{finding.file}:{span.line}:{span.column}" if span else finding.file]
    if finding.pointer:
        lines.append(POINTER.get(lang) + COLON.get(lang) + finding.pointer)
    lines.append(HINT.get(lang) + COLON.get(lang) + finding.hint.get(lang))
    return "\n".join(lines)


def testcase_element(
    report: FileReport, code: str, name: str, findings: list[Finding], lang: Lang
) -> ElementTree.Element:
    case = ElementTree.Element("testcase", classname=xml_text(report.name), name=f"{code} {name}")
    for finding in findings:
        if finding.severity in FAILING:
            failure = ElementTree.SubElement(
                case,
                "failure",
                message=xml_text(finding.message.get(lang)),
                type=finding.severity.value,
            )
            failure.text = xml_text(failure_body(finding, lang))
    infos = [finding for finding in findings if finding.severity not in FAILING]
    if infos:
        output = ElementTree.SubElement(case, "system-out")
        output.text = xml_text("\n".join(concise_line(finding, lang) for finding in infos))
    return case


def testsuite_element(
    report: FileReport, rule_codes: list[str], names: dict[str, str], lang: Lang
) -> ElementTree.Element:
    by_code: dict[str, list[Finding]] = {code: [] for code in rule_codes}
    for finding in report.findings:
        by_code.setdefault(finding.code, []).append(finding)
    cases = []
    for code in sorted(by_code):
        findings = by_code[code]
        name = findings[0].name if findings else names.get(code, "")
        cases.append(testcase_element(report, code, name, findings, lang))
    failed = sum(1 for case in cases if case.find("failure") is not None)
    suite = ElementTree.Element(
        "testsuite",
        name=xml_text(report.name),
        tests=str(len(cases)),
        failures=str(failed),
        errors="0",
        skipped="0",
    )
    suite.extend(cases)
    return suite


def junit_tree(run: RunReport) -> ElementTree.Element:
    names = {declared.code: declared.name for declared in all_rules()}
    suites = [testsuite_element(report, run.rule_codes, names, run.lang) for report in run.files]
    root = ElementTree.Element(
        "testsuites",
        name="epcheck",
        tests=str(sum(int(suite.get("tests", "0")) for suite in suites)),
        failures=str(sum(int(suite.get("failures", "0")) for suite in suites)),
        errors="0",
    )
    root.extend(suites)
    ElementTree.indent(root)
    return root


def is_utf8(stream: TextIO) -> bool:
    encoding = getattr(stream, "encoding", None) or "utf-8"
    return codecs.lookup(encoding).name == "utf-8"


class JunitReporter:
    def render(self, run: RunReport, stream: TextIO) -> None:
        document = ElementTree.tostring(junit_tree(run), encoding="unicode")
        if is_utf8(stream):
            stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        else:
            # A console in another encoding gets ASCII, with character references for the
            # rest, so that the declared encoding is true and every character survives.
            document = document.encode("ascii", "xmlcharrefreplace").decode("ascii")
            stream.write('<?xml version="1.0" encoding="US-ASCII"?>\n')
        stream.write(document + "\n")
