"""`epcheck rules` and `epcheck explain`: the rule catalogue as text, JSON or Markdown."""

from __future__ import annotations

import json
from typing import Any, TextIO

from rich.text import Text as RichText

from mindie_epcheck.i18n import Lang, Text
from mindie_epcheck.report.text import STYLES, make_console
from mindie_epcheck.rules.registry import Rule

HEADINGS = {
    "summary": Text("What it checks", "检查内容"),
    "rationale": Text("Why", "原因"),
    "bad": Text("Bad", "错误示例"),
    "good": Text("Good", "正确示例"),
    "fix": Text("Fix", "修改方法"),
    "severity": Text("Default severity", "默认级别"),
    "family": Text("Family", "类别"),
    "autofix": Text("Automatic fix", "自动修复"),
}
AUTOFIX = {
    "none": Text("none; change the value by hand.", "无；请手动修改。"),
    "safe": Text("safe, applied by `--fix`.", "安全，`--fix` 会自动应用。"),
    "unsafe": Text(
        "unsafe, applied only with `--fix --unsafe-fixes`; review the result.",
        "不安全，仅在 `--fix --unsafe-fixes` 时应用；请检查结果。",
    ),
    "sometimes": Text(
        "in some cases: safe ones with `--fix`, unsafe ones with `--unsafe-fixes`; the "
        "finding says which.",
        "部分情况下可自动修复：安全的用 `--fix`，不安全的需 `--unsafe-fixes`；以检查结果中的说明为准。",
    ),
}
COLON = Text(": ", "：")
STOP = Text(". ", "。")


def rule_record(declared: Rule, lang: Lang) -> dict[str, Any]:
    return {
        "code": declared.code,
        "name": declared.name,
        "severity": declared.severity.value,
        "family": declared.family.get(lang),
        "summary": declared.doc.summary.get(lang),
        "rationale": declared.doc.rationale.get(lang),
        "bad": declared.doc.bad,
        "good": declared.doc.good,
        "fix": declared.doc.fix.get(lang),
        "autofix": declared.doc.autofix,
    }


def markdown(declared: Rule, lang: Lang) -> str:
    record = rule_record(declared, lang)
    title = HEADINGS
    return "\n".join(
        [
            f"## {declared.code} {declared.name}",
            "",
            f"{title['severity'].get(lang)}{COLON.get(lang)}{record['severity']}{STOP.get(lang)}"
            f"{title['family'].get(lang)}{COLON.get(lang)}{record['family']}{STOP.get(lang)}",
            "",
            f"**{title['summary'].get(lang)}** {record['summary']}",
            "",
            f"**{title['rationale'].get(lang)}** {record['rationale']}",
            "",
            f"**{title['bad'].get(lang)}**",
            "",
            "```json",
            declared.doc.bad,
            "```",
            "",
            f"**{title['good'].get(lang)}**",
            "",
            "```json",
            declared.doc.good,
            "```",
            "",
            f"**{title['fix'].get(lang)}** {record['fix']}",
            "",
            f"**{title['autofix'].get(lang)}** {AUTOFIX[declared.doc.autofix].get(lang)}",
            "",
        ]
    )


def render_rules(rules: list[Rule], output_format: str, lang: Lang, stream: TextIO) -> None:
    if output_format == "json":
        json.dump(
            [rule_record(declared, lang) for declared in rules],
            stream,
            ensure_ascii=False,
            indent=2,
        )
        stream.write("\n")
    elif output_format == "markdown":
        stream.write("\n".join(markdown(declared, lang) for declared in rules))
    else:
        console = make_console(stream)
        for declared in rules:
            row = RichText(f"{declared.code}  {declared.name:<34} ")
            row.append(f"{declared.severity.value:<8}", style=STYLES[declared.severity])
            row.append(f" {declared.doc.summary.get(lang)}")
            console.print(row)


def render_explain(declared: Rule, lang: Lang, stream: TextIO) -> None:
    stream.write(markdown(declared, lang))
