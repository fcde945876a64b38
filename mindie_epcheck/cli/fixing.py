"""`validate --fix` and `--diff`: apply the fixes of one file and write or show the result."""

from __future__ import annotations

import codecs
import difflib
import os
import stat
import sys
from collections.abc import Callable
from typing import TextIO

from mindie_epcheck.cli.fix_request import FixOutcome, FixRequest
from mindie_epcheck.findings import Finding
from mindie_epcheck.fix.apply import applicable_fixes, fix_text
from mindie_epcheck.i18n import Lang, Text
from mindie_epcheck.os_errors import os_reason
from mindie_epcheck.report.base import FileReport
from mindie_epcheck.report.errors import print_notice
from mindie_epcheck.report.output import OutputError, OutputTarget, write_atomic
from mindie_epcheck.source.document import NoticeKind, decode

FIXED = Text("{path}: applied {count} fix(es)", "{path}：已应用 {count} 处修复")
NOT_UTF8 = Text(
    "{path}: not fixed, because the file is not valid UTF-8; epcheck rewrites only UTF-8 "
    "files. Convert it to UTF-8 first.",
    "{path}：未修复，因为该文件不是合法的 UTF-8；epcheck 只改写 UTF-8 文件，请先将其转换为 UTF-8。",
)
READ_ONLY = Text(
    "{path}: cannot apply fixes, because the file is read-only; make it writable or use "
    "--diff to see the changes",
    "{path}：无法应用修复，因为该文件是只读的；请将其设为可写，或用 --diff 查看修改",
)
WRITE_FAILED = Text(
    "{path}: cannot write the fixed file: {reason}", "{path}：无法写入修复后的文件：{reason}"
)


def fix_file(
    path: str,
    data: bytes,
    report: FileReport,
    lint: Callable[[bytes], list[Finding]],
    request: FixRequest,
    stdout: TextIO,
    lang: Lang,
) -> FixOutcome:
    """Apply the fixes of `report` to `data`, then write the file, print it or diff it.

    `path` is "-" for standard input. `lint` returns the findings of changed file bytes.
    Raise OutputError when the fixed file cannot be written.
    """
    from_stdin = path == "-"
    unchanged = FixOutcome(report, changed=False)
    text, notices = decode(data)
    fixable = applicable_fixes(report.findings, request.unsafe)
    encoding_ok = not any(
        notice.kind in (NoticeKind.INVALID_UTF8, NoticeKind.WIDE_ENCODING) for notice in notices
    )
    if fixable and not encoding_ok:
        print_notice(NOT_UTF8.format(path=report.name), lang)
    if not fixable or not encoding_ok:
        if from_stdin and request.write and not request.diff:
            stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        return unchanged

    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""

    def lint_text(changed: str) -> list[Finding]:
        return lint(bom + changed.encode("utf-8"))

    result = fix_text(text, report.findings, lint_text, request.unsafe)
    fixed_report = FileReport(report.name, report.kind, result.findings, result.text, report.notes)
    if request.diff:
        stdout.write(unified_diff(report.name, text, result.text))
        return FixOutcome(fixed_report, changed=result.text != text)
    if from_stdin:
        stdout.flush()
        sys.stdout.buffer.write(bom + result.text.encode("utf-8"))
        sys.stdout.buffer.flush()
        return FixOutcome(fixed_report, changed=result.text != text)
    if result.text == text:
        return unchanged
    write_fixed(path, bom.decode("utf-8") + result.text)
    print_notice(FIXED.format(path=report.name, count=result.applied), lang)
    return FixOutcome(fixed_report, changed=True)


def write_fixed(path: str, text: str) -> None:
    """Replace the file at `path` (following symbolic links) with `text` atomically."""
    real = os.path.realpath(path)
    try:
        mode = stat.S_IMODE(os.stat(real).st_mode)
    except OSError as error:
        reason = os_reason(error)
        raise OutputError(
            Text(
                WRITE_FAILED.en.format(path=path, reason=reason.en),
                WRITE_FAILED.zh.format(path=path, reason=reason.zh),
            )
        ) from None
    # os.access alone passes for root; a file without any write bit is read-only on purpose.
    if not os.access(real, os.W_OK) or not mode & 0o222:
        raise OutputError(READ_ONLY.format(path=path))

    def render(stream: TextIO) -> None:
        stream.write(text)

    write_atomic(OutputTarget("--fix", real), render, failure=WRITE_FAILED)


def unified_diff(name: str, before: str, after: str) -> str:
    """Return a unified diff of two texts; line breaks, \\r\\n included, stay as they are."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{name}",
        tofile=f"b/{name}",
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
