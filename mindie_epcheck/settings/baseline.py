"""Baselines: a JSON file of known findings, so that a run reports only new ones.

A finding matches a baseline entry by file (relative to the baseline's folder), rule code,
JSON pointer and occurrence among findings with the same three, never by line, so edits
above a finding keep it matched.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import TextIO

from mindie_epcheck.findings import Finding
from mindie_epcheck.i18n import Text
from mindie_epcheck.os_errors import os_reason
from mindie_epcheck.report.fingerprints import fingerprints
from mindie_epcheck.report.output import OutputError, OutputTarget, write_atomic
from mindie_epcheck.settings import messages
from mindie_epcheck.settings.schema import SettingsError

BASELINE_VERSION = 1
ENTRY_FIELDS = ("file", "code", "pointer", "fingerprint")

BaselineKey = tuple[str, str, str]


def baseline_name(name: str, folder: str) -> str:
    """Return the file name as a baseline stores it: relative to `folder`, with `/`."""
    return os.path.relpath(os.path.abspath(name), folder).replace(os.sep, "/")


def _relocated(findings: Sequence[Finding], folder: str) -> list[Finding]:
    return [replace(finding, file=baseline_name(finding.file, folder)) for finding in findings]


def write_baseline(path: str, findings: Sequence[Finding]) -> None:
    """Write the findings to `path` through a temporary file, so that a reader never sees a
    half-written baseline."""
    folder = os.path.dirname(os.path.abspath(path))
    relocated = _relocated(findings, folder)
    entries = [
        {
            "file": finding.file,
            "code": finding.code,
            "pointer": finding.pointer,
            "fingerprint": digest,
        }
        for finding, digest in zip(relocated, fingerprints(relocated), strict=True)
    ]
    text = json.dumps({"version": BASELINE_VERSION, "findings": entries}, indent=2) + "\n"

    def render(stream: TextIO) -> None:
        stream.write(text)

    try:
        write_atomic(OutputTarget("--baseline", path), render, messages.BASELINE_UNWRITABLE)
    except OutputError as error:
        raise SettingsError(error.text) from None


def check_new_baseline(path: str) -> None:
    """Raise SettingsError when the folder of a baseline to be created is missing, so that the
    run stops before linting rather than after."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise SettingsError(messages.BASELINE_NO_FOLDER.format(path=path, folder=folder))


def read_baseline(path: str) -> Counter[BaselineKey]:
    """Read a baseline; return how many findings it records per (file, code, pointer)."""
    try:
        with open(path, encoding="utf-8") as stream:
            document = json.load(stream)
    except OSError as error:
        reason = os_reason(error)
        raise SettingsError(
            messages.fill(messages.BASELINE_UNREADABLE, path=path, reason=reason)
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _invalid(
            path, Text(f"not valid JSON ({error})", f"不是有效的 JSON（{error}）")
        ) from None

    if not isinstance(document, dict) or document.get("version") != BASELINE_VERSION:
        raise _invalid(
            path,
            Text(
                f'expected a JSON object with "version": {BASELINE_VERSION}',
                f'应为含 "version": {BASELINE_VERSION} 的 JSON 对象',
            ),
        )
    entries = document.get("findings")
    if not isinstance(entries, list):
        raise _invalid(path, Text('"findings" must be an array', '"findings" 必须是数组'))
    counts: Counter[BaselineKey] = Counter()
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(name), str) for name in ENTRY_FIELDS
        ):
            raise _invalid(
                path,
                Text(
                    f"findings[{index}] must be an object with the strings "
                    f"{', '.join(ENTRY_FIELDS)}",
                    f"findings[{index}] 必须是含字符串字段 {', '.join(ENTRY_FIELDS)} 的对象",
                ),
            )
        counts[(entry["file"], entry["code"], entry["pointer"])] += 1
    return counts


def _invalid(path: str, problem: Text) -> SettingsError:
    return SettingsError(messages.fill(messages.BASELINE_INVALID, path=path, problem=problem))


def subtract_baseline(
    findings: Sequence[Finding], known: Counter[BaselineKey], folder: str
) -> tuple[list[Finding], int]:
    """Drop the findings the baseline records; return the rest and the number dropped.

    `known` is used up as findings match, so it must be shared by every file of one run.
    Findings are matched in the order given, which must be the report order that
    `write_baseline` saw.
    """
    kept: list[Finding] = []
    suppressed = 0
    for finding in findings:
        key = (baseline_name(finding.file, folder), finding.code, finding.pointer)
        if known[key] > 0:
            known[key] -= 1
            suppressed += 1
            continue
        kept.append(finding)
    return kept, suppressed
