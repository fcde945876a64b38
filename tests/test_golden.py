"""Golden reports: every sample under samples/ is linted and compared with its report.

A sample `X.json` has its expected report in `X.expected.json` and, optionally, extra
command-line arguments in `X.args` (one per line, paths relative to the repository root).
Regenerate after an intended change with `EPCHECK_UPDATE_GOLDEN=1 python3 -m pytest
tests/test_golden.py` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO, SAMPLES, run_cli

UPDATE = os.environ.get("EPCHECK_UPDATE_GOLDEN") == "1"
FIELDS = ("code", "severity", "pointer", "line", "column", "end_line", "end_column", "message")


def sample_files() -> list[Path]:
    return sorted(
        path for path in SAMPLES.rglob("*.json") if not path.name.endswith(".expected.json")
    )


def args_for(sample: Path) -> list[str]:
    for candidate in (sample.with_suffix(".args"), Path(str(sample) + ".args")):
        if candidate.exists():
            return [line.strip() for line in candidate.read_text().splitlines() if line.strip()]
    return []


def golden_path(sample: Path) -> Path:
    return sample.with_name(sample.name.removesuffix(".json") + ".expected.json")


def report_for(sample: Path) -> dict[str, Any]:
    relative = str(sample.relative_to(REPO))
    result = run_cli("validate", relative, *args_for(sample), "--format", "json")
    report = json.loads(result.stdout)
    findings = [
        {field: finding[field] for field in FIELDS}
        for finding in report["findings"]
        if finding["file"] == relative
    ]
    return {"exit_code": result.exit_code, "findings": findings}


@pytest.mark.parametrize(
    "sample", sample_files(), ids=[str(path.relative_to(SAMPLES)) for path in sample_files()]
)
def test_sample_matches_golden(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    actual = report_for(sample)
    golden = golden_path(sample)
    if UPDATE or not golden.exists():
        if not UPDATE:
            pytest.fail(f"{golden.name} is missing; run with EPCHECK_UPDATE_GOLDEN=1 to create it")
        golden.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
        return
    expected = json.loads(golden.read_text())
    assert actual["exit_code"] == expected["exit_code"]
    assert actual["findings"] == expected["findings"]
