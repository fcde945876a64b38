"""Shared test helpers: where the shared test data lives, and running the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from mindie_epcheck.cli.main import build_cli

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REALWORLD = SHARED / "realworld"
SAMPLES = REPO / "samples"


def run_cli(*args: str, lang: str = "en", stdin: bytes | None = None) -> Result:
    runner = CliRunner()
    return runner.invoke(build_cli(lang), list(args), input=stdin, catch_exceptions=False)


def run_json(*args: str) -> tuple[int, dict[str, Any]]:
    """Run `epcheck validate ARGS --format json`; return the exit code and the report."""
    result = run_cli("validate", *args, "--format", "json")
    return result.exit_code, json.loads(result.stdout)
