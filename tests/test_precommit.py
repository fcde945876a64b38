"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit framework.

The end-to-end test builds the hook's Python environment once, which installs epcheck and its
dependencies from the package index into a temporary PRE_COMMIT_HOME.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, SAMPLES

pre_commit_clientlib = pytest.importorskip(
    "pre_commit.clientlib",
    reason="pre-commit is not installed; install the test extras: pip install -e '.[test]'",
)

HOOKS_FILE = REPO / ".pre-commit-hooks.yaml"
GIT = shutil.which("git")
# Identity and signing settings for the commits the tests make, whatever the user's git config.
GIT_CONFIG = [
    "-c",
    "user.name=epcheck tests",
    "-c",
    "user.email=tests@invalid",
    "-c",
    "commit.gpgsign=false",
]
# The first run builds the hook environment, which downloads and installs packages.
RUN_TIMEOUT_SECONDS = 900


def hook_patterns() -> dict[str, str]:
    manifest = pre_commit_clientlib.load_manifest(str(HOOKS_FILE))
    return {hook["id"]: hook["files"] for hook in manifest}


CONFIG_PATHS = [
    ("config.json", True),
    ("deploy/mindie-service/conf/config.json", True),
    ("myconfig.json", False),
    ("config.json.bak", False),
    ("conf/config.yaml", False),
]
RANKTABLE_PATHS = [
    ("ranktable.json", True),
    ("deploy/rank_table_2x8.json", True),
    ("hccl-rank-table.json", True),
    ("ranktable_file.json", True),
    ("ranktable.yaml", False),
    ("ranktables/config.json", False),
]


@pytest.mark.parametrize(("path", "matched"), CONFIG_PATHS)
def test_config_hook_files_pattern(path: str, matched: bool) -> None:
    assert bool(re.search(hook_patterns()["epcheck"], path)) is matched


@pytest.mark.parametrize(("path", "matched"), RANKTABLE_PATHS)
def test_ranktable_hook_files_pattern(path: str, matched: bool) -> None:
    assert bool(re.search(hook_patterns()["epcheck-ranktable"], path)) is matched


def test_hooks_run_epcheck_validate() -> None:
    manifest = pre_commit_clientlib.load_manifest(str(HOOKS_FILE))
    assert [hook["id"] for hook in manifest] == ["epcheck", "epcheck-ranktable"]
    for hook in manifest:
        assert hook["entry"] == "epcheck validate"
        assert hook["language"] == "python"


def git(*args: str, cwd: Path) -> str:
    assert GIT is not None
    done = subprocess.run(
        [GIT, *GIT_CONFIG, *args], cwd=cwd, check=True, capture_output=True, text=True
    )
    return done.stdout


def snapshot_repository(destination: Path) -> str:
    """Commit the working tree of this repository, uncommitted files too, into a new git repo.

    pre-commit installs a hook repository from a commit, and its try-repo command (4.7) adds only
    changes to files that are already tracked, so new hook files would be missing. Returns
    the commit id.
    """
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO)
    destination.mkdir()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        # A tracked file deleted from the working tree is listed but not there.
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git("init", "-q", cwd=destination)
    git("add", "-A", cwd=destination)
    git("commit", "-q", "-m", "Snapshot for the pre-commit test", cwd=destination)
    return git("rev-parse", "HEAD", cwd=destination).strip()


def run_pre_commit(project: Path, home: Path) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
    )


@pytest.mark.skipif(GIT is None, reason="git is not installed")
def test_hooks_fail_then_pass(tmp_path: Path) -> None:
    if not (REPO / ".git").exists():
        pytest.skip("the source tree is not a git checkout, so it cannot be a hook repository")
    hook_repo = tmp_path / "hook-repo"
    commit = snapshot_repository(hook_repo)

    # A project that uses the hooks the way the README shows, pinned to the snapshot commit.
    # `pre-commit try-repo` would build the hook environment in a fresh store on every call,
    # so the test writes the config itself and shares one PRE_COMMIT_HOME between both runs.
    project = tmp_path / "project"
    project.mkdir()
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n"
        f"  - repo: {hook_repo.as_posix()}\n"
        f"    rev: {commit}\n"
        f"    hooks:\n"
        f"      - id: epcheck\n"
        f"      - id: epcheck-ranktable\n",
        encoding="utf-8",
    )
    config = project / "mindie" / "conf" / "config.json"
    config.parent.mkdir(parents=True)
    ranktable = project / "mindie" / "ranktable.json"
    # moe_tp is not set, so it defaults to the world size: the EP208 trap.
    shutil.copy(SAMPLES / "rules" / "EP208-moe-ep-tp-product.bad.json", config)
    shutil.copy(SAMPLES / "rules" / "EP404-ranktable-server-count.bad.json", ranktable)
    # Invalid JSON that no hook's files pattern matches, so it must not fail the run.
    (project / "notes.json").write_text('{"unmatched": 1,}\n', encoding="utf-8")
    git("init", "-q", cwd=project)
    git("add", "-A", cwd=project)

    home = tmp_path / "pre-commit-home"
    failed = run_pre_commit(project, home)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "EP208" in output, output
    assert "EP404" in output, output
    assert "notes.json" not in output, output

    shutil.copy(SAMPLES / "rules" / "EP208-moe-ep-tp-product.good.json", config)
    shutil.copy(SAMPLES / "rules" / "EP404-ranktable-server-count.good.json", ranktable)
    git("add", "-A", cwd=project)
    passed = run_pre_commit(project, home)
    output = passed.stdout + passed.stderr
    assert passed.returncode == 0, output
    assert "EP208" not in output, output
