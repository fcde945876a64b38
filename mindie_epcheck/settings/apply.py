"""Applying per-file ignores, per-pointer ignores and severity overrides to findings."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import replace

from mindie_epcheck.findings import Finding, Severity
from mindie_epcheck.settings.schema import FileSettings


def matches(code: str, selectors: Iterable[str]) -> bool:
    """Tell whether a rule code matches any selector, a code (EP301) or a prefix (EP3)."""
    return any(code.startswith(selector) for selector in selectors)


def within_pointer(pointer: str, prefix: str) -> bool:
    """Tell whether `pointer` is `prefix` or lies below it, token by token."""
    return pointer == prefix or pointer.startswith(prefix + "/")


def relative_path(name: str, folder: str) -> str | None:
    """Return `name` relative to `folder` with `/` separators, or None outside the folder."""
    relative = os.path.relpath(os.path.abspath(name), folder)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return None
    return relative.replace(os.sep, "/")


def file_ignores(settings: FileSettings, name: str) -> list[str]:
    """Return the codes that `per-file-ignores` skips for the file shown as `name`."""
    if not settings.per_file_ignores or settings.folder is None:
        return []
    relative = relative_path(name, settings.folder)
    if relative is None:
        return []
    return [
        code
        for ignore in settings.per_file_ignores
        if ignore.regex.fullmatch(relative)
        for code in ignore.codes
    ]


def override_severity(code: str, overrides: dict[str, Severity]) -> Severity | None:
    """Return the severity set for `code`; the longest matching code or prefix wins."""
    best: str | None = None
    for selector in overrides:
        if code.startswith(selector) and (best is None or len(selector) > len(best)):
            best = selector
    return overrides[best] if best is not None else None


def apply_settings(findings: Sequence[Finding], settings: FileSettings, name: str) -> list[Finding]:
    """Drop the findings of file `name` that the settings ignore; give the rest their set
    severity."""
    skipped_by_file = file_ignores(settings, name)
    overrides = dict(settings.severity)
    kept: list[Finding] = []
    for finding in findings:
        if matches(finding.code, skipped_by_file):
            continue
        if any(
            within_pointer(finding.pointer, pointer) and matches(finding.code, codes)
            for pointer, codes in settings.per_pointer_ignores
        ):
            continue
        severity = override_severity(finding.code, overrides)
        if severity is not None and severity is not finding.severity:
            finding = replace(finding, severity=severity)
        kept.append(finding)
    return kept
