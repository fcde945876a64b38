"""What `epcheck validate` imports: only what a lint needs, so a pre-commit run starts fast.

Each heavy module below costs milliseconds to import and serves another command or option:
`schema` needs pydantic, `simulate` numpy, report files tempfile. bench/bench_validate.py
measures the whole run.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers import REPO, SAMPLES

SAMPLE = SAMPLES / "seed" / "ep-level-2-dual-node.config.json"
NOT_FOR_VALIDATE = (
    "pydantic",
    "numpy",
    "jsonschema",
    "mindie_epcheck.schema.generate",
    "mindie_epcheck.cli.simulate",
    "mindie_epcheck.cli.fixing",
    "mindie_epcheck.report.sarif",
    "rich.table",
    "tempfile",
    "hashlib",
)


def modules_after(*args: str) -> set[str]:
    """Run the command line in a fresh interpreter and return the modules it loaded.

    Modules that the interpreter loaded before (such as those of .pth files) do not count.
    """
    script = (
        "import json, sys\n"
        "before = set(sys.modules)\n"
        "from mindie_epcheck.cli.main import main\n"
        "try:\n"
        f"    main({list(args)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=REPO
    )
    loaded: list[str] = json.loads(result.stderr.strip().splitlines()[-1])
    return set(loaded)


@pytest.fixture(scope="module")
def validate_modules() -> set[str]:
    return modules_after("validate", str(SAMPLE))


@pytest.mark.parametrize("module", NOT_FOR_VALIDATE)
def test_validate_skips_module(validate_modules: set[str], module: str) -> None:
    assert module not in validate_modules


def test_schema_command_loads_pydantic() -> None:
    assert "pydantic" in modules_after("schema", "--kind", "ranktable")


def test_concise_format_skips_rich() -> None:
    loaded = modules_after("validate", str(SAMPLE), "--format", "concise")
    assert "rich" not in loaded
