"""Rule declarations and the registry that checks them when they are defined."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mindie_epcheck.findings import Fix, Severity
from mindie_epcheck.i18n import Text

if TYPE_CHECKING:
    from mindie_epcheck.model.context import Subject

_CODE = re.compile(r"^EP[0-9]{3}$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")

FAMILIES = {
    "EP0": Text("source", "源文件"),
    "EP1": Text("structure", "结构"),
    "EP2": Text("parallel layout", "并行切分"),
    "EP3": Text("expert parallelism", "专家并行"),
    "EP4": Text("multi-node and rank table", "多机与组网表"),
    "EP5": Text("lengths and scheduling", "长度与调度"),
    "EP6": Text("cost", "开销"),
}


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule's report: where, what, and how to fix it.

    `part` picks the span: "value" (default), "key", or "start" (the first line of the
    value). `offsets`, when set, is an exact character range in the text and wins. `fix`,
    when set, contains the edits that `validate --fix` may apply.
    """

    pointer: str
    message: Text
    hint: Text
    part: str = "value"
    severity: Severity | None = None
    related: tuple[str, ...] = ()
    offsets: tuple[int, int] | None = None
    fix: Fix | None = None


@dataclass(frozen=True, slots=True)
class RuleDoc:
    summary: Text
    rationale: Text
    bad: str
    good: str
    fix: Text
    # What `--fix` does: "none", "safe" (applied by --fix), "unsafe" (needs --unsafe-fixes),
    # or "sometimes" (safe in some cases, unsafe or absent in others).
    autofix: str = "none"


AUTOFIX_KINDS = ("none", "safe", "unsafe", "sometimes")


Check = Callable[["Subject"], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    severity: Severity
    doc: RuleDoc
    check: Check

    @property
    def family(self) -> Text:
        return FAMILIES[self.code[:3]]


class RegistryError(Exception):
    """A rule declaration is invalid: raised at import, never in a user's run."""


RULES: dict[str, Rule] = {}


def _validate(rule: Rule) -> None:
    if not _CODE.match(rule.code) or rule.code[:3] not in FAMILIES:
        raise RegistryError(f"rule code {rule.code!r} is not EP followed by three digits")
    if rule.code in RULES:
        raise RegistryError(f"rule code {rule.code} is declared twice")
    if not _NAME.match(rule.name):
        raise RegistryError(f"rule name {rule.name!r} is not lowercase-with-hyphens")
    if any(other.name == rule.name for other in RULES.values()):
        raise RegistryError(f"rule name {rule.name} is declared twice")
    texts = (rule.doc.summary, rule.doc.rationale, rule.doc.fix)
    if any(not text.en.strip() or not text.zh.strip() for text in texts):
        raise RegistryError(f"rule {rule.code} lacks an English or Chinese text")
    if rule.doc.autofix not in AUTOFIX_KINDS:
        raise RegistryError(f"rule {rule.code} has autofix {rule.doc.autofix!r}")
    if not rule.doc.bad.strip() or not rule.doc.good.strip():
        raise RegistryError(f"rule {rule.code} lacks a bad or good example")


def rule(
    code: str,
    name: str,
    severity: Severity,
    *,
    summary: Text,
    rationale: Text,
    bad: str,
    good: str,
    fix: Text,
    autofix: str = "none",
) -> Callable[[Check], Check]:
    """Register the decorated check function as a rule with its documentation."""

    def register(check: Check) -> Check:
        doc = RuleDoc(summary, rationale, bad, good, fix, autofix)
        declared = Rule(code, name, severity, doc, check)
        _validate(declared)
        RULES[code] = declared
        return check

    return register


def all_rules() -> list[Rule]:
    """Return every rule, importing the rule modules once."""
    from mindie_epcheck.rules import catalogue  # noqa: F401  (imports register the rules)

    return sorted(RULES.values(), key=lambda declared: declared.code)
