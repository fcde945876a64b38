"""No config, however wrong its values, makes a rule crash (EP000) or the run raise."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from helpers import SAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mindie_epcheck.findings import Severity
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.context import Settings
from mindie_epcheck.pipeline import build_subject, lint_bytes
from mindie_epcheck.rules.registry import Hit, Rule, RuleDoc
from mindie_epcheck.rules.runner import run_rules
from mindie_epcheck.source.document import load

BASES = [json.loads(path.read_text()) for path in sorted((SAMPLES / "seed").glob("*.config.json"))]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["8", "8.0", "x.x.x.x", "-1", "", "true", "/path/to/w"]),
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def paths_of(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths_of(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths_of(child, (*prefix, index))
    return found


def replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copied = copy.deepcopy(value)
    parent = copied
    for token in path[:-1]:
        parent = parent[token]
    parent[path[-1]] = new
    return copied


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_config_never_crashes_a_rule(data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(BASES))
    mutated = base
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(paths_of(mutated)))
        mutated = replace(mutated, path, data.draw(values))
    text = json.dumps(mutated, indent=2).encode()
    for options in (Settings(), Settings(nodes=2, interconnect="direct", mindie_version="2.0")):
        result = lint_bytes("mutated.json", text, options)
        crashed = [f for f in result.findings if f.code == "EP000"]
        assert not crashed, crashed[0].message.en


def test_crashing_rule_becomes_finding(tmp_path: Path) -> None:
    def explode(subject: Any) -> list[Hit]:
        raise ZeroDivisionError("boom")

    doc = RuleDoc(Text("x", "x"), Text("x", "x"), "x", "x", Text("x", "x"))
    broken = Rule("EP999", "broken-rule", Severity.INFO, doc, explode)
    subject = build_subject(load("config.json", b"{}"), Settings())
    findings = run_rules(subject, [broken])
    assert [finding.code for finding in findings] == ["EP000"]
    assert "ZeroDivisionError" in findings[0].message.en
    assert "EP999" in findings[0].hint.en
