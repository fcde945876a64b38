"""End-to-end behaviour of the command line: exit codes, input errors, languages."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import SAMPLES, run_cli, run_json

from mindie_epcheck.cli.click_zh import display_width
from mindie_epcheck.cli.main import prescan_language
from mindie_epcheck.i18n import choose_language

CLEAN = SAMPLES / "rules" / "EP208-moe-ep-tp-product.good.json"


def test_clean_sample_exits_zero() -> None:
    result = run_cli("validate", str(CLEAN))
    assert result.exit_code == 0, result.stdout


def test_missing_file_exits_two() -> None:
    result = run_cli("validate", "no/such/config.json")
    assert result.exit_code == 2
    assert "file not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_message_in_chinese() -> None:
    result = run_cli("validate", "no/such/config.json", "--lang", "zh")
    assert result.exit_code == 2
    assert "文件不存在" in result.stderr


def test_directory_exits_two(tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path))
    assert result.exit_code == 2
    assert "directory" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_exits_two(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("{}")
    path.chmod(0)
    result = run_cli("validate", str(path))
    assert result.exit_code == 2


def test_fifo_rejected_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    result = run_cli("validate", str(fifo))
    assert result.exit_code == 2
    assert "FIFO" in result.stderr


def test_no_paths_is_usage_error() -> None:
    result = run_cli("validate")
    assert result.exit_code == 2


def test_unknown_select_code_is_usage_error() -> None:
    result = run_cli("validate", str(CLEAN), "--select", "XY9")
    assert result.exit_code == 2
    assert "matches no rule" in result.stderr


def test_stdin_with_filename() -> None:
    result = run_cli(
        "validate",
        "-",
        "--stdin-filename",
        "piped.json",
        "--format",
        "json",
        stdin=b'{"a": 1,}',
    )
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert {finding["file"] for finding in report["findings"]} == {"piped.json"}


def test_json_report_fields(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{\n  "ServerConfig": {},\n  "ServerConfig": {}\n}\n')
    code, report = run_json(str(path))
    duplicate = next(f for f in report["findings"] if f["code"] == "EP004")
    assert code == 1
    for key in (
        "code",
        "name",
        "severity",
        "message",
        "hint",
        "file",
        "pointer",
        "line",
        "column",
        "end_line",
        "end_column",
    ):
        assert key in duplicate
    assert (duplicate["line"], duplicate["column"]) == (3, 3)
    assert report["summary"]["files"] == 1


def test_fail_on_warning_counts_warnings(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(b"\xef\xbb\xbf" + CLEAN.read_bytes())
    assert run_cli("validate", str(path)).exit_code == 0
    assert run_cli("validate", str(path), "--fail-on", "warning").exit_code == 1


def test_ignore_removes_code(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"a": 1,}')
    _, report = run_json(str(path), "--ignore", "EP003,EP012")
    assert all(finding["code"] != "EP003" for finding in report["findings"])


def test_rules_and_explain() -> None:
    listed = run_cli("rules", "--format", "json")
    codes = {entry["code"] for entry in json.loads(listed.stdout)}
    assert "EP001" in codes
    explained = run_cli("explain", "EP002", "--lang", "zh")
    assert explained.exit_code == 0
    assert "注释" in explained.stdout
    assert run_cli("explain", "EP999").exit_code == 2


def test_help_in_chinese() -> None:
    result = run_cli("validate", "--help", lang="zh")
    assert "退出码" in result.stdout


def help_output(command: str, lang: str) -> str:
    """Return `epcheck COMMAND --help` at 80 columns, from a child process, because the switch
    of click to Chinese lasts for the rest of the process."""
    result = subprocess.run(
        [sys.executable, "-m", "mindie_epcheck", command, "--lang", lang, "--help"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "COLUMNS": "80"},
        check=True,
    )
    return result.stdout


HELP_COMMANDS = ["validate", "simulate", "schema"]


@pytest.mark.parametrize("command", HELP_COMMANDS)
def test_chinese_help_placeholders(command: str) -> None:
    chinese = help_output(command, "zh")

    # click's own placeholders, and FILE where it is not part of a name like RANK_TABLE_FILE.
    assert re.search(r"\b(?:INTEGER|TEXT|FLOAT)\b", chinese) is None, chinese
    assert re.search(r"(?<![A-Z_])FILE\b", chinese) is None, chinese


def option_help(output: str, option: str) -> str:
    """Return the row of `option` in a help output with its wrapped lines joined."""
    block = re.search(rf"^  {option} .*?(?=^  -)", output, re.MULTILINE | re.DOTALL)
    assert block is not None, output
    return re.sub(r"\s*\n\s*", "", block.group(0).strip())


def test_chinese_help_plot_placeholder_matches_text() -> None:
    row = option_help(help_output("simulate", "zh"), "--plot")

    assert re.match(r"--plot 文件 +将.*写入该文件。$", row), row


@pytest.mark.parametrize("command", HELP_COMMANDS)
def test_chinese_help_keeps_words_whole(command: str) -> None:
    chinese = help_output(command, "zh")
    english = help_output(command, "en")

    # Every English word of the Chinese help (PATH, RANK_TABLE_FILE, --fail-on) is also a
    # word of the English help. A word cut at the line end, like PA and TH, is not.
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9_]+", english))
    cut = set(re.findall(r"[A-Za-z][A-Za-z0-9_]+", chinese)) - words
    assert not cut, chinese


@pytest.mark.parametrize("command", HELP_COMMANDS)
def test_chinese_help_columns_aligned(command: str) -> None:
    chinese = help_output(command, "zh")

    rows = re.finditer(r"^  (-\S.*?\S) {2,}(\S.*)$", chinese, re.MULTILINE)
    starts = {display_width(row.string[row.start() : row.start(2)]) for row in rows}
    assert len(starts) == 1, chinese


@pytest.mark.parametrize(
    ("option", "env", "expected"),
    [
        (None, {}, "en"),
        ("zh", {}, "zh"),
        (None, {"EPCHECK_LANG": "zh"}, "zh"),
        ("en", {"EPCHECK_LANG": "zh"}, "en"),
        (None, {"LANG": "zh_CN.UTF-8"}, "zh"),
        (None, {"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
    ],
)
def test_language_choice(option: str | None, env: dict[str, str], expected: str) -> None:
    assert choose_language(option, env) == expected


def test_prescan_finds_lang() -> None:
    assert prescan_language(["validate", "--lang", "zh", "--help"]) == "zh"
    assert prescan_language(["validate", "--lang=zh"]) == "zh"


def test_weights_config_read_from_model_weight_path(tmp_path: Path) -> None:
    weights = tmp_path / "weights"
    weights.mkdir()
    preset = json.loads(
        (SAMPLES.parent / "mindie_epcheck/model/data/presets/deepseek-v2.json").read_text()
    )
    (weights / "config.json").write_text(json.dumps(preset))
    config = json.loads(CLEAN.read_text())
    entry = config["BackendConfig"]["ModelDeployConfig"]["ModelConfig"][0]
    entry["modelWeightPath"] = str(weights)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    _, report = run_json(str(path))
    assumptions = report["summary"]["assumptions"][str(path)]
    assert any("DeepSeek-V2" in note and str(weights) in note for note in assumptions), assumptions


def test_unusable_model_config_is_usage_error(tmp_path: Path) -> None:
    model = tmp_path / "model.json"
    model.write_text('{"model_type": "qwen3", "hidden_size": 1024}')
    result = run_cli("validate", str(CLEAN), "--model-config", str(model))
    assert result.exit_code == 2
    assert "n_routed_experts" in result.stderr


def test_wrap_fragment_lints_documentation_fragment(tmp_path: Path) -> None:
    fragment = tmp_path / "fragment.json"
    fragment.write_text(
        '"ModelDeployConfig" :\n{\n  "maxSeqLen" : 2560,\n  "ModelConfig" : [\n'
        '    {"modelName": "DeepSeek-R1_w8a8", "modelWeightPath": "/data/DeepSeek-R1_w8a8",\n'
        '     "worldSize": 8, "cpuMemSize": 5, "npuMemSize": -1, "backendType": "atb",\n'
        '     "trustRemoteCode": false, "moe_ep": 8,\n'
        '     "models": {"deepseekv2": {"ep_level": 2}}}\n  ]\n},\n'
    )
    _, plain = run_json(str(fragment))
    assert [f["code"] for f in plain["findings"]] == ["EP010"]
    _, wrapped = run_json(str(fragment), "--wrap-fragment")
    trap = next(f for f in wrapped["findings"] if f["code"] == "EP208")
    assert trap["line"] == 7
    assert trap["pointer"] == "/ModelDeployConfig/ModelConfig/0/moe_ep"


def test_error_hides_control_characters_of_file_name(tmp_path: Path) -> None:
    # A file name can carry terminal escapes; a hook must not replay them on the terminal.
    name = tmp_path / "x\x1b]0;title\x07\x1b[2J.json"
    result = run_cli("validate", str(name))
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr
    assert "\x07" not in result.stderr
    assert "file not found" in result.stderr


@pytest.mark.parametrize(
    "pair",
    [
        "NPU_MEMORY_FRACTION=abc",
        "NPU_MEMORY_FRACTION=nan",
        "NPU_MEMORY_FRACTION=1.5",
        "HCCL_BUFFSIZE=abc",
        "MASTER_PORT=70000",
        "DP_MOVE_UP_ENABLE=2",
    ],
)
def test_env_value_out_of_range_is_usage_error(pair: str) -> None:
    result = run_cli("validate", str(CLEAN), "--env", pair)
    assert result.exit_code == 2
    assert "invalid value" in result.stderr


def test_env_valid_values_accepted() -> None:
    pairs = ("NPU_MEMORY_FRACTION=0.92", "HCCL_BUFFSIZE=200", "MASTER_PORT=8080")
    args = [part for pair in pairs for part in ("--env", pair)]
    result = run_cli("validate", str(CLEAN), *args)
    assert result.exit_code in (0, 1), result.stderr


def test_stdin_given_twice_is_usage_error() -> None:
    result = run_cli("validate", "-", "-", stdin=b"{}")
    assert result.exit_code == 2
    assert "more than once" in result.stderr


@pytest.mark.parametrize("option", ["--ranktable", "--model-config"])
def test_option_file_error_names_option(tmp_path: Path, option: str) -> None:
    result = run_cli("validate", str(CLEAN), option, str(tmp_path / "missing.json"))
    assert result.exit_code == 2
    assert f"{option} {tmp_path / 'missing.json'}" in result.stderr


def test_listing_limit_applies_after_ignores(tmp_path: Path) -> None:
    # 150 ignored findings of one rule must not hide a new one of the same rule.
    config = json.loads(CLEAN.read_text())
    config["ServerConfig"]["tlsCaFile"] = [1] * 150
    config["BackendConfig"]["ScheduleConfig"]["maxBatchSize"] = "x"
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config, indent=2))
    (tmp_path / ".epcheck.toml").write_text(
        '[per-pointer-ignores]\n"/ServerConfig/tlsCaFile" = ["EP102"]\n'
    )

    result = run_cli("validate", str(path), "--select", "EP102", "--format", "json")

    findings = json.loads(result.stdout)["findings"]
    assert [finding["pointer"] for finding in findings] == [
        "/BackendConfig/ScheduleConfig/maxBatchSize"
    ]
    assert result.exit_code == 1


def test_model_config_not_json_says_so(tmp_path: Path) -> None:
    model = tmp_path / "config.json"
    model.write_text("{not json")
    result = run_cli("validate", str(CLEAN), "--model-config", str(model))
    assert result.exit_code == 2
    assert "not valid JSON" in result.stderr


def test_weights_config_without_facts_is_named(tmp_path: Path) -> None:
    weights = tmp_path / "DeepSeek-R1"
    weights.mkdir()
    (weights / "config.json").write_text('{"model_type": "deepseek_v3", "n_routed_experts": "x"}')
    config = json.loads(CLEAN.read_text())
    entry = config["BackendConfig"]["ModelDeployConfig"]["ModelConfig"][0]
    entry["modelWeightPath"] = str(weights)
    path = tmp_path / "service.json"
    path.write_text(json.dumps(config, indent=2))

    result = run_cli("validate", str(path), "--format", "json")

    notes = json.loads(result.stdout)["summary"]["assumptions"][str(path)]
    assert any("gives no model facts" in note for note in notes), notes


def test_invalid_shell_env_value_is_noted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NPU_MEMORY_FRACTION", "abc")
    result = run_cli("validate", str(CLEAN), "--format", "json")
    notes = json.loads(result.stdout)["summary"]["assumptions"][str(CLEAN)]
    assert any("NPU_MEMORY_FRACTION=abc" in note for note in notes), notes


@pytest.mark.parametrize("pair", ["NPU_MEMORY_FRACTION=", "MASTER_IP=", "HCCL_BUFFSIZE=99999999"])
def test_env_empty_or_huge_value_is_invalid(pair: str) -> None:
    result = run_cli("validate", str(CLEAN), "--env", pair)
    assert result.exit_code == 2
    assert "invalid value" in result.stderr
