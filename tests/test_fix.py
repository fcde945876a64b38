"""`validate --fix`, `--unsafe-fixes` and `--diff` on copies of the rule samples."""

from __future__ import annotations

import codecs
import difflib
import json
import os
import stat
from pathlib import Path

import pytest
from helpers import REPO, run_cli
from rule_samples import RULE_SAMPLES, sample_args

from mindie_epcheck.cli.fixing import write_fixed
from mindie_epcheck.findings import Edit, Fix
from mindie_epcheck.fix.apply import apply_fixes
from mindie_epcheck.report.output import OutputError

# Each case: the sample, the code its fix removes, the extra options, and the most lines
# the fix may change (removed plus added, from difflib).
SAMPLE_CASES = [
    ("EP208-moe-ep-tp-product.bad.json", "EP208", [], 1),
    ("EP309-buffer-factors-order.bad.json", "EP309", [], 8),
    ("EP310-buffer-factors-tail.bad.json", "EP310", ["--unsafe-fixes"], 3),
]
CLEAN_SAMPLE = RULE_SAMPLES / "EP208-moe-ep-tp-product.good.json"
# A full config.json whose ModelDeployConfig sits at the top level, beside BackendConfig.
TOP_LEVEL_DEPLOY = REPO / "tests" / "cases" / "configs" / "mdc-top-level.json"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    # The `.args` sidecars name their files relative to the repository root.
    monkeypatch.chdir(REPO)


def copy_sample(name: str, folder: Path) -> tuple[Path, list[str]]:
    source = RULE_SAMPLES / name
    target = folder / name
    target.write_bytes(source.read_bytes())
    return target, sample_args(source)


def codes_of(path: Path, *args: str) -> list[str]:
    result = run_cli("validate", str(path), *args, "--format", "json")
    return [finding["code"] for finding in json.loads(result.stdout)["findings"]]


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True))
    return [line for line in diff if line[:1] in "+-"]


def fixes_of(path: Path, code: str) -> list[object]:
    """Return the "fix" field of each finding with `code`, None where it has no fix."""
    result = run_cli("validate", str(path), "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    return [finding["fix"] for finding in findings if finding["code"] == code]


def with_source_problems(text: str) -> str:
    """Add a trailing comma and a duplicate key to a valid sample config."""
    text = text.replace(
        '"maxSeqLen": 10000,', '"maxSeqLen": 4096,\n            "maxSeqLen": 10000,'
    )
    return text.replace('"openAiSupport": "vllm"', '"openAiSupport": "vllm",', 1)


@pytest.mark.parametrize(("name", "code", "extra", "most_lines"), SAMPLE_CASES)
def test_fix_sample(
    name: str, code: str, extra: list[str], most_lines: int, tmp_path: Path
) -> None:
    path, args = copy_sample(name, tmp_path)
    before = path.read_text(encoding="utf-8")
    assert code in codes_of(path, *args)

    result = run_cli("validate", str(path), *args, "--fix", *extra, "--format", "json")

    after = path.read_text(encoding="utf-8")
    json.loads(after)
    assert code not in [finding["code"] for finding in json.loads(result.stdout)["findings"]]
    assert code not in codes_of(path, *args)
    assert 0 < len(changed_lines(before, after)) <= most_lines


@pytest.mark.parametrize(("name", "code", "extra", "most_lines"), SAMPLE_CASES)
def test_fix_twice_changes_nothing(
    name: str, code: str, extra: list[str], most_lines: int, tmp_path: Path
) -> None:
    path, args = copy_sample(name, tmp_path)
    run_cli("validate", str(path), *args, "--fix", *extra)
    once = path.read_bytes()
    modified = path.stat().st_mtime_ns

    run_cli("validate", str(path), *args, "--fix", *extra)

    assert path.read_bytes() == once
    assert path.stat().st_mtime_ns == modified


def test_fix_trailing_comma_and_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    before = with_source_problems(CLEAN_SAMPLE.read_text(encoding="utf-8"))
    path.write_text(before, encoding="utf-8")
    assert {"EP003", "EP004"} <= set(codes_of(path))

    result = run_cli("validate", str(path), "--fix")

    after = path.read_text(encoding="utf-8")
    assert result.exit_code == 0
    assert json.loads(after)["BackendConfig"]["ModelDeployConfig"]["maxSeqLen"] == 10000
    assert after == CLEAN_SAMPLE.read_text(encoding="utf-8")
    assert changed_lines(before, after) == [
        '-         "openAiSupport": "vllm",\n',
        '+         "openAiSupport": "vllm"\n',
        '-             "maxSeqLen": 4096,\n',
    ]


def test_fix_keeps_crlf(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    text = with_source_problems(CLEAN_SAMPLE.read_text(encoding="utf-8"))
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))

    run_cli("validate", str(path), "--fix")

    fixed = path.read_bytes()
    assert fixed == CLEAN_SAMPLE.read_bytes().replace(b"\n", b"\r\n")


def test_fix_keeps_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(codecs.BOM_UTF8 + b'{"a": 1,}\n')

    run_cli("validate", str(path), "--fix")

    assert path.read_bytes() == codecs.BOM_UTF8 + b'{"a": 1}\n'


def test_fix_skips_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    data = b'{"a": "\xff", "b": 1,}\n'
    path.write_bytes(data)

    result = run_cli("validate", str(path), "--fix")

    assert path.read_bytes() == data
    assert "not valid UTF-8" in result.stderr


def test_fix_stdin_prints_fixed_text() -> None:
    result = run_cli("validate", "-", "--fix", stdin=b'{"a": 1, "a": 2,}')

    assert result.stdout == '{"a": 2}'
    assert "EP012" in result.stderr


def test_fix_leaves_clean_file_alone(tmp_path: Path) -> None:
    path, _ = copy_sample(CLEAN_SAMPLE.name, tmp_path)
    modified = path.stat().st_mtime_ns

    result = run_cli("validate", str(path), "--fix")

    assert result.exit_code == 0
    assert path.stat().st_mtime_ns == modified


def test_unsafe_fix_needs_option(tmp_path: Path) -> None:
    path, args = copy_sample("EP310-buffer-factors-tail.bad.json", tmp_path)
    before = path.read_bytes()

    run_cli("validate", str(path), *args, "--fix")

    assert path.read_bytes() == before


def test_diff_writes_nothing(tmp_path: Path) -> None:
    path, args = copy_sample("EP208-moe-ep-tp-product.bad.json", tmp_path)
    before = path.read_bytes()

    result = run_cli("validate", str(path), *args, "--diff")

    assert result.exit_code == 1
    assert path.read_bytes() == before
    assert f"+++ b/{path}" in result.stdout
    assert '+                    "moe_tp": 1,\n' in result.stdout


def test_diff_without_changes_exits_zero(tmp_path: Path) -> None:
    path, _ = copy_sample(CLEAN_SAMPLE.name, tmp_path)

    result = run_cli("validate", str(path), "--diff")

    assert result.exit_code == 0
    assert result.stdout == ""


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX file modes")
def test_fix_read_only_file(tmp_path: Path) -> None:
    path, args = copy_sample("EP208-moe-ep-tp-product.bad.json", tmp_path)
    before = path.read_bytes()
    path.chmod(stat.S_IRUSR | stat.S_IRGRP)

    result = run_cli("validate", str(path), *args, "--fix")

    assert result.exit_code == 2
    assert "read-only" in result.stderr
    assert path.read_bytes() == before


def test_fix_keeps_file_mode(tmp_path: Path) -> None:
    path, args = copy_sample("EP208-moe-ep-tp-product.bad.json", tmp_path)
    path.chmod(0o640)

    run_cli("validate", str(path), *args, "--fix")

    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_touching_fixes_wait_for_next_pass() -> None:
    first = Fix((Edit(0, 2, "x"),), safe=True)
    touching = Fix((Edit(2, 2, "y"),), safe=True)
    apart = Fix((Edit(4, 5, "z"),), safe=True)

    text, applied = apply_fixes("abcdef", [first, touching, apart])

    assert text == "xcdzf"
    assert applied == 2


def test_fix_moves_top_level_deploy_config(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    before = TOP_LEVEL_DEPLOY.read_text(encoding="utf-8")
    path.write_text(before, encoding="utf-8")
    original = json.loads(before)
    fixes = fixes_of(path, "EP105")
    assert len(fixes) == 1
    assert fixes[0] is not None

    run_cli("validate", str(path), "--fix")

    after = json.loads(path.read_text(encoding="utf-8"))
    assert "EP105" not in codes_of(path)
    assert "ModelDeployConfig" not in after
    assert after["BackendConfig"]["ModelDeployConfig"] == original["ModelDeployConfig"]
    assert after["ServerConfig"] == original["ServerConfig"]
    assert after["BackendConfig"]["ScheduleConfig"] == original["BackendConfig"]["ScheduleConfig"]


def test_fix_moved_section_is_reindented(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(TOP_LEVEL_DEPLOY.read_text(encoding="utf-8"), encoding="utf-8")

    run_cli("validate", str(path), "--fix")

    text = path.read_text(encoding="utf-8")
    assert '\n        "ModelDeployConfig": {\n            "maxSeqLen": 4096,' in text
    assert '\n                    "modelName": "DeepSeek-R1_w8a8",' in text


def test_fix_move_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(TOP_LEVEL_DEPLOY.read_text(encoding="utf-8"), encoding="utf-8")
    run_cli("validate", str(path), "--fix")
    once = path.read_bytes()
    modified = path.stat().st_mtime_ns

    run_cli("validate", str(path), "--fix")

    assert path.read_bytes() == once
    assert path.stat().st_mtime_ns == modified


def test_fix_moves_last_members_in_two_passes(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    before = (
        '{\n  "BackendConfig": {\n    "backendName": "x"\n  },\n'
        '  "ScheduleConfig": {"maxBatchSize": 1},\n'
        '  "ModelDeployConfig": {\n    "maxSeqLen": 1\n  }\n}\n'
    )
    path.write_text(before, encoding="utf-8")

    run_cli("validate", str(path), "--fix")

    after = path.read_text(encoding="utf-8")
    assert json.loads(after) == {
        "BackendConfig": {
            "backendName": "x",
            "ScheduleConfig": {"maxBatchSize": 1},
            "ModelDeployConfig": {"maxSeqLen": 1},
        }
    }
    assert '\n    "ModelDeployConfig": {\n      "maxSeqLen": 1\n    }\n  }\n}\n' in after
    assert "EP105" not in codes_of(path)


def test_fix_moves_model_config_into_deploy(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(
        '{"BackendConfig": {"ModelDeployConfig": {"maxSeqLen": 1}, '
        '"ModelConfig": [{"modelName": "a"}]}}',
        encoding="utf-8",
    )

    run_cli("validate", str(path), "--fix")

    assert path.read_text(encoding="utf-8") == (
        '{"BackendConfig": {"ModelDeployConfig": {"maxSeqLen": 1, '
        '"ModelConfig": [{"modelName": "a"}]}}}'
    )


@pytest.mark.parametrize(
    ("case", "text"),
    [
        (
            "target exists",
            '{"BackendConfig": {"ModelDeployConfig": {"maxSeqLen": 1}}, '
            '"ModelDeployConfig": {"maxSeqLen": 2}}',
        ),
        ("parent missing", '{"ServerConfig": {"port": 1025}, "ScheduleConfig": {}}'),
        (
            "model config parent missing",
            '{"BackendConfig": {"backendName": "x", "ModelConfig": [{"modelName": "a"}]}}',
        ),
        (
            "ep option in entry",
            '{"BackendConfig": {"ModelDeployConfig": {"ModelConfig": '
            '[{"modelName": "a", "ep_level": 2, "models": {"deepseekv2": {}}}]}}}',
        ),
    ],
)
def test_misplaced_key_without_fix(case: str, text: str, tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(text, encoding="utf-8")
    fixes = fixes_of(path, "EP105")
    assert fixes, case
    assert fixes == [None] * len(fixes), case

    run_cli("validate", str(path), "--fix")

    assert path.read_text(encoding="utf-8") == text


def test_write_fixed_reason_in_chinese(tmp_path: Path) -> None:
    missing = tmp_path / "gone.json"

    with pytest.raises(OutputError) as raised:
        write_fixed(str(missing), "{}")

    assert raised.value.text.en.endswith("cannot write the fixed file: No such file or directory")
    assert raised.value.text.zh.endswith("无法写入修复后的文件：文件或目录不存在")
