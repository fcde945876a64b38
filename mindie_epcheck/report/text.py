"""`--format text`: findings grouped by file, with the source line and the span marked."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, TextIO

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text as RichText

from mindie_epcheck.findings import Finding, Severity
from mindie_epcheck.i18n import Lang, Text
from mindie_epcheck.report.base import FileReport, RunReport
from mindie_epcheck.report.sanitize import printable

if TYPE_CHECKING:
    from rich.table import Table

STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
MAX_EXCERPT_LINES = 3
NON_TERMINAL_WIDTH = 160

SUMMARY = Text(
    "{errors} error(s), {warnings} warning(s), {infos} info in {files} file(s)",
    "{files} 个文件：{errors} 个错误，{warnings} 个警告，{infos} 个提示",
)
CLEAN = Text("no findings in {files} file(s)", "{files} 个文件均未发现问题")
HINT = Text("hint", "建议")
ASSUMED = Text("assumed", "假定")
POINTER = Text("pointer", "JSON 指针")
COLON = Text(": ", "：")
FIXABLE = {
    "safe": Text("fix: available, applied by --fix", "修复：可用，--fix 会自动应用"),
    "unsafe": Text(
        "fix: available but unsafe, applied by --fix --unsafe-fixes",
        "修复：可用但不安全，需 --fix --unsafe-fixes 才会应用",
    ),
}
STATISTICS_TITLE = Text("Findings per rule", "各规则的问题数")
STATISTICS_HEADERS = (Text("code", "编号"), Text("name", "名称"), Text("count", "数量"))


def make_console(stream: TextIO) -> Console:
    """Make a console that colours only a terminal and honours NO_COLOR (no-color.org)."""
    no_color = bool(os.environ.get("NO_COLOR"))
    is_terminal = getattr(stream, "isatty", lambda: False)()
    return Console(
        file=stream,
        highlight=False,
        soft_wrap=True,
        no_color=no_color,
        emoji=False,
        # Logs and files have no width; 80 columns would cut the cost tables.
        width=None if is_terminal else NON_TERMINAL_WIDTH,
    )


MAX_EXCERPT_CELLS = 100


def _window(source: str, start: int, end: int) -> tuple[str, int, int]:
    """Cut a long line to about MAX_EXCERPT_CELLS characters around [start, end)."""
    if len(source) <= MAX_EXCERPT_CELLS:
        return source, start, end
    left = max(0, min(start - 20, len(source) - MAX_EXCERPT_CELLS))
    right = min(len(source), left + MAX_EXCERPT_CELLS)
    prefix = "..." if left > 0 else ""
    suffix = "..." if right < len(source) else ""
    shift = left - len(prefix)
    clipped_end = min(end, right)
    return (
        prefix + source[left:right] + suffix,
        start - shift,
        max(clipped_end - shift, start - shift + 1),
    )


def excerpt(finding: Finding, lines: list[str]) -> list[RichText]:
    """Render the finding's source lines with the span underlined by carets."""
    span = finding.span
    if span is None or not lines or span.line > len(lines):
        return []
    rendered: list[RichText] = []
    last = min(span.end_line, span.line + MAX_EXCERPT_LINES - 1, len(lines))
    gutter = len(str(last))
    for number in range(span.line, last + 1):
        source = printable(lines[number - 1].rstrip("\r\n").replace("\t", " "))
        start = span.column - 1 if number == span.line else len(source) - len(source.lstrip())
        end = span.end_column - 1 if number == span.end_line else len(source)
        end = max(end, start + 1)
        source, start, end = _window(source, start, end)
        row = RichText(f"  {number:>{gutter}} | ", style="dim")
        row.append(source)
        rendered.append(row)
        marks = RichText(f"  {'':>{gutter}} | ", style="dim")
        marks.append(" " * cell_len(source[:start]))
        marks.append("^" * max(1, cell_len(source[start:end])), style=STYLES[finding.severity])
        rendered.append(marks)
    return rendered


def finding_lines(finding: Finding, lang: Lang, lines: list[str]) -> list[RichText]:
    span = finding.span
    where = f"{finding.file}:{span.line}:{span.column}" if span else finding.file
    head = RichText(printable(where), style="bold")
    head.append("  ")
    head.append(finding.severity.label.get(lang), style=STYLES[finding.severity])
    head.append(f"  {finding.code}", style="bold")
    head.append(f" [{finding.name}]", style="dim")
    head.append("  ")
    head.append(printable(finding.message.get(lang)))
    rows = [head, *excerpt(finding, lines)]
    hint = RichText(f"  = {HINT.get(lang)}{COLON.get(lang)}", style="green")
    hint.append(printable(finding.hint.get(lang)))
    rows.append(hint)
    if finding.fix is not None:
        rows.append(RichText(f"  = {FIXABLE[finding.fix.applicability].get(lang)}", style="green"))
    if finding.pointer:
        rows.append(
            RichText(
                f"  = {POINTER.get(lang)}{COLON.get(lang)}{printable(finding.pointer)}",
                style="dim",
            )
        )
    return rows


def file_title(report: FileReport, lang: Lang) -> RichText:
    title = RichText(printable(report.name), style="bold underline")
    if report.kind is not None:
        title.append(f"  ({report.kind.label.get(lang)})", style="dim")
    return title


def statistics_table(run: RunReport) -> Table:
    """Tabulate `--statistics`: the number of findings per rule code."""
    # Imported here: rich.table costs milliseconds, and only --statistics draws a table.
    from rich.table import Table

    table = Table(
        title=STATISTICS_TITLE.get(run.lang),
        title_justify="left",
        box=None,
        pad_edge=False,
        header_style="bold",
    )
    code, name, count = (header.get(run.lang) for header in STATISTICS_HEADERS)
    table.add_column(code)
    table.add_column(name)
    table.add_column(count, justify="right")
    names = {finding.code: finding.name for finding in run.findings}
    for rule_code, number in run.counts_by_code().items():
        table.add_row(rule_code, names[rule_code], str(number))
    return table


class TextReporter:
    def render(self, run: RunReport, stream: TextIO) -> None:
        console = make_console(stream)
        for report in run.files:
            if not report.findings and not report.notes:
                continue
            console.print(file_title(report, run.lang))
            if report.notes:
                assumed = RichText(f"  {ASSUMED.get(run.lang)}{COLON.get(run.lang)}", style="dim")
                separator = "；" if run.lang == "zh" else "; "
                assumed.append(
                    printable(separator.join(note.get(run.lang) for note in report.notes)),
                    style="dim",
                )
                console.print(assumed)
            lines = report.text.splitlines()
            for finding in report.findings:
                # One print per finding, its blank line included: each print costs rich a
                # measurable setup, which counts on a run over many files.
                rows = [*finding_lines(finding, run.lang, lines), RichText("")]
                console.print(RichText("\n").join(rows))
        if run.show_statistics and run.findings:
            console.print(statistics_table(run))
            console.print()
        console.print(self.summary(run))

    @staticmethod
    def summary(run: RunReport) -> RichText:
        counts = run.counts()
        if not run.findings:
            return RichText(CLEAN.get(run.lang).format(files=len(run.files)), style="green")
        line = SUMMARY.get(run.lang).format(
            errors=counts["error"],
            warnings=counts["warning"],
            infos=counts["info"],
            files=len(run.files),
        )
        return RichText(line, style="bold red" if counts["error"] else "bold yellow")
