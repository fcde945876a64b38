"""Settings files (.epcheck.toml, [tool.epcheck]) and baselines, through the command line."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from helpers import SAMPLES, run_cli

# The bad sample has EP208 (error) at MOE_EP and EP508 (info) at LOG_LEVEL.
BAD = SAMPLES / "rules" / "EP208-moe-ep-tp-product.bad.json"
MOE_EP = "/BackendConfig/ModelDeployConfig/ModelConfig/0/moe_ep"
LOG_LEVEL = "/LogConfig/logLevel"


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """A project folder with deploy/config.json, used as the current folder."""
    (tmp_path / "deploy").mkdir()
    shutil.copy(BAD, tmp_path / "deploy" / "config.json")
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


def validate(*args: str, lang: str = "en") -> Result:
    return run_cli("validate", *args, "--format", "json", lang=lang)


def codes(result: Result) -> list[str]:
    return [finding["code"] for finding in json.loads(result.stdout)["findings"]]


def findings(result: Result) -> list[dict[str, object]]:
    found: list[dict[str, object]] = json.loads(result.stdout)["findings"]
    return found


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


CONFIG = "deploy/config.json"


def test_no_settings_reports_both(project: Path) -> None:
    result = validate(CONFIG)
    assert result.exit_code == 1
    assert codes(result) == ["EP508", "EP208"]


# Discovery.


def test_epcheck_toml_found_upward(project: Path) -> None:
    write(project / ".epcheck.toml", 'ignore = ["EP208"]\n')
    result = validate(CONFIG)
    assert codes(result) == ["EP508"]
    assert result.exit_code == 0


def test_pyproject_tool_table_found(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.epcheck]\nignore = ["EP5"]\n')
    assert codes(validate(CONFIG)) == ["EP208"]


def test_pyproject_without_table_continues(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.epcheck]\nignore = ["EP5"]\n')
    write(project / "deploy" / "pyproject.toml", '[project]\nname = "x"\n')
    assert codes(validate(CONFIG)) == ["EP208"]


def test_nearest_folder_wins(project: Path) -> None:
    write(project / ".epcheck.toml", 'ignore = ["EP5"]\n')
    write(project / "deploy" / ".epcheck.toml", 'ignore = ["EP2"]\n')
    assert codes(validate(CONFIG)) == ["EP508"]


def test_epcheck_toml_beats_pyproject(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.epcheck]\nignore = ["EP5"]\n')
    write(project / ".epcheck.toml", 'ignore = ["EP2"]\n')
    assert codes(validate(CONFIG)) == ["EP508"]


def test_each_file_gets_own_settings(project: Path) -> None:
    shutil.copy(BAD, project / "other.json")
    write(project / "deploy" / ".epcheck.toml", 'ignore = ["EP2"]\n')
    result = validate(CONFIG, "other.json")
    by_file = [(finding["file"], finding["code"]) for finding in findings(result)]
    assert ("deploy/config.json", "EP208") not in by_file
    assert ("other.json", "EP208") in by_file


def test_config_option_replaces_search(project: Path) -> None:
    write(project / ".epcheck.toml", 'ignore = ["EP2"]\n')
    chosen = write(project / "elsewhere" / "lint.toml", 'ignore = ["EP5"]\n')
    assert codes(validate(CONFIG, "--config", str(chosen))) == ["EP208"]


def test_config_pyproject_needs_table(project: Path) -> None:
    chosen = write(project / "pyproject.toml", '[project]\nname = "x"\n')
    result = validate(CONFIG, "--config", str(chosen))
    assert result.exit_code == 2
    assert "[tool.epcheck]" in result.stderr


def test_config_missing_file(project: Path) -> None:
    result = validate(CONFIG, "--config", "missing.toml")
    assert result.exit_code == 2
    assert "missing.toml" in result.stderr


def test_isolated_ignores_settings(project: Path) -> None:
    write(project / ".epcheck.toml", 'ignore = ["EP2"]\n')
    assert codes(validate(CONFIG, "--isolated")) == ["EP508", "EP208"]


def test_isolated_with_config_rejected(project: Path) -> None:
    chosen = write(project / "lint.toml", "")
    result = validate(CONFIG, "--isolated", "--config", str(chosen))
    assert result.exit_code == 2
    assert "--isolated" in result.stderr


# Keys.


def test_select_key(project: Path) -> None:
    write(project / ".epcheck.toml", 'select = ["EP508"]\n')
    assert codes(validate(CONFIG)) == ["EP508"]


def test_select_on_command_line_wins(project: Path) -> None:
    write(project / ".epcheck.toml", 'select = ["EP508"]\n')
    assert codes(validate(CONFIG, "--select", "EP208")) == ["EP208"]


def test_ignore_on_command_line_wins(project: Path) -> None:
    write(project / ".epcheck.toml", 'ignore = ["EP208"]\n')
    assert codes(validate(CONFIG, "--ignore", "EP508")) == ["EP208"]


def test_per_file_ignores_glob(project: Path) -> None:
    shutil.copy(BAD, project / "other.json")
    write(project / ".epcheck.toml", '[per-file-ignores]\n"deploy/*.json" = ["EP208"]\n')
    result = validate(CONFIG, "other.json")
    by_file = [(finding["file"], finding["code"]) for finding in findings(result)]
    assert ("deploy/config.json", "EP208") not in by_file
    assert ("deploy/config.json", "EP508") in by_file
    assert ("other.json", "EP208") in by_file


def test_per_file_ignores_name_only(project: Path) -> None:
    write(project / ".epcheck.toml", '[per-file-ignores]\n"config.json" = ["EP2"]\n')
    assert codes(validate(CONFIG)) == ["EP508"]


def test_per_file_ignores_double_star(project: Path) -> None:
    write(project / ".epcheck.toml", '[per-file-ignores]\n"**/*.json" = ["EP5"]\n')
    assert codes(validate(CONFIG)) == ["EP208"]


def test_per_file_ignores_no_match(project: Path) -> None:
    write(project / ".epcheck.toml", '[per-file-ignores]\n"other/*.json" = ["EP208"]\n')
    assert codes(validate(CONFIG)) == ["EP508", "EP208"]


def test_per_pointer_ignores_exact(project: Path) -> None:
    write(project / ".epcheck.toml", f'[per-pointer-ignores]\n"{MOE_EP}" = ["EP208"]\n')
    assert codes(validate(CONFIG)) == ["EP508"]


def test_per_pointer_ignores_prefix(project: Path) -> None:
    write(project / ".epcheck.toml", '[per-pointer-ignores]\n"/LogConfig" = ["EP5"]\n')
    assert codes(validate(CONFIG)) == ["EP208"]


def test_per_pointer_prefix_whole_tokens(project: Path) -> None:
    write(project / ".epcheck.toml", '[per-pointer-ignores]\n"/LogConf" = ["EP5"]\n')
    assert codes(validate(CONFIG)) == ["EP508", "EP208"]


def test_per_pointer_ignores_other_code(project: Path) -> None:
    write(project / ".epcheck.toml", f'[per-pointer-ignores]\n"{MOE_EP}" = ["EP3"]\n')
    assert codes(validate(CONFIG)) == ["EP508", "EP208"]


def test_severity_override_lowers_exit(project: Path) -> None:
    write(project / ".epcheck.toml", '[severity]\nEP208 = "warning"\n')
    result = validate(CONFIG)
    assert result.exit_code == 0
    severities = {finding["code"]: finding["severity"] for finding in findings(result)}
    assert severities == {"EP208": "warning", "EP508": "info"}


def test_severity_override_raises_exit(project: Path) -> None:
    write(project / ".epcheck.toml", 'ignore = ["EP208"]\n[severity]\nEP5 = "error"\n')
    result = validate(CONFIG)
    assert result.exit_code == 1
    assert findings(result)[0]["severity"] == "error"


def test_severity_longest_selector_wins(project: Path) -> None:
    write(project / ".epcheck.toml", '[severity]\nEP5 = "error"\nEP508 = "warning"\n')
    severities = {finding["code"]: finding["severity"] for finding in findings(validate(CONFIG))}
    assert severities["EP508"] == "warning"


def test_fail_on_key(project: Path) -> None:
    write(project / ".epcheck.toml", 'ignore = ["EP208"]\nfail-on = "info"\n')
    assert validate(CONFIG).exit_code == 1


def test_fail_on_command_line_wins(project: Path) -> None:
    write(project / ".epcheck.toml", 'ignore = ["EP208"]\nfail-on = "info"\n')
    assert validate(CONFIG, "--fail-on", "error").exit_code == 0


def test_lang_key(project: Path) -> None:
    write(project / ".epcheck.toml", 'lang = "zh"\n')
    result = run_cli("validate", CONFIG, "--format", "concise")
    assert "必须等于全局卡数" in result.stdout


def test_lang_command_line_wins(project: Path) -> None:
    write(project / ".epcheck.toml", 'lang = "zh"\n')
    result = run_cli("validate", CONFIG, "--format", "concise", "--lang", "en")
    assert "must equal the world size" in result.stdout


def test_mindie_version_key(project: Path) -> None:
    # EP508 flags 2.x log keys for MindIE 3.0; with 2.2 as the target they are current.
    write(project / ".epcheck.toml", 'mindie-version = "2.2"\n')
    assert "EP508" not in codes(validate(CONFIG))


def test_mindie_version_command_line_wins(project: Path) -> None:
    write(project / ".epcheck.toml", 'mindie-version = "2.2"\n')
    assert "EP508" in codes(validate(CONFIG, "--mindie-version", "3.0"))


def test_hardware_key(project: Path) -> None:
    write(project / ".epcheck.toml", 'hardware = "atlas-800i-a3"\n')
    report = json.loads(validate(CONFIG).stdout)
    assert "atlas-800i-a3" in json.dumps(report)


def test_interconnect_key_accepted(project: Path) -> None:
    write(project / ".epcheck.toml", 'interconnect = "direct"\n')
    assert validate(CONFIG).exit_code == 1


# Validation errors: exit code 2, and the message names the file and the key.

INVALID = [
    ('colour = "red"\n', "colour", "unknown key"),
    ('fail_on = "info"\n', "fail_on", "fail-on"),
    ('select = "EP2"\n', "select", "got string"),
    ("ignore = [1]\n", "ignore", "got array"),
    ('ignore = ["EP9"]\n', "ignore", "matches no rule"),
    ('[severity]\nEP208 = "fatal"\n', 'severity."EP208"', "not one of"),
    ('[severity]\nXY1 = "error"\n', 'severity."XY1"', "matches no rule"),
    ('severity = "error"\n', "severity", "got string"),
    ('[per-file-ignores]\n"deploy/[ab.json" = ["EP2"]\n', "per-file-ignores", "invalid glob"),
    ('[per-file-ignores]\n"/abs/*.json" = ["EP2"]\n', "per-file-ignores", "invalid glob"),
    ('[per-file-ignores]\n"a**/b.json" = ["EP2"]\n', "per-file-ignores", "**"),
    ('[per-file-ignores]\n"../x.json" = ["EP2"]\n', "per-file-ignores", "invalid glob"),
    ('[per-file-ignores]\n"*.json" = ["EP9"]\n', "per-file-ignores", "matches no rule"),
    ('[per-pointer-ignores]\n"LogConfig" = ["EP5"]\n', "per-pointer-ignores", "JSON pointer"),
    ('[per-pointer-ignores]\n"/a~2" = ["EP5"]\n', "per-pointer-ignores", "JSON pointer"),
    ('hardware = "atlas-900"\n', "hardware", "not one of"),
    ('interconnect = "fibre"\n', "interconnect", "not one of"),
    ('mindie-version = "1.0"\n', "mindie-version", "not one of"),
    ("lang = 1\n", "lang", "got integer"),
    ('fail-on = "fatal"\n', "fail-on", "not one of"),
    ("select = [\n", "", "invalid TOML"),
]


@pytest.mark.parametrize(("text", "key", "problem"), INVALID)
def test_invalid_settings_exit_two(project: Path, text: str, key: str, problem: str) -> None:
    write(project / ".epcheck.toml", text)
    result = validate(CONFIG)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert ".epcheck.toml" in result.stderr
    assert key in result.stderr
    assert problem in result.stderr
    assert "Text(" not in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_pyproject_names_tool_key(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.epcheck]\ncolour = "red"\n')
    result = validate(CONFIG)
    assert result.exit_code == 2
    assert "pyproject.toml: tool.epcheck.colour: unknown key" in result.stderr


def test_tool_epcheck_not_table(project: Path) -> None:
    write(project / "pyproject.toml", "[tool]\nepcheck = 1\n")
    result = validate(CONFIG)
    assert result.exit_code == 2
    assert "tool.epcheck" in result.stderr
    assert "got integer" in result.stderr


def test_invalid_settings_in_chinese(project: Path) -> None:
    write(project / ".epcheck.toml", 'ignore = ["EP9"]\n')
    result = validate(CONFIG, "--lang", "zh")
    assert result.exit_code == 2
    assert "ignore" in result.stderr
    assert "不匹配任何规则编号" in result.stderr


@pytest.mark.parametrize(
    ("text", "expected_zh"),
    [
        ('select = "EP2"\n', "select：应为规则编号（字符串）列表，实际为字符串"),
        ("lang = 1\n", "lang：应为字符串，实际为整数"),
        ("ignore = 1.5\n", "实际为浮点数"),
        ("severity = [1]\n", "实际为数组"),
    ],
    ids=["select-string", "lang-integer", "ignore-float", "severity-array"],
)
def test_wrong_type_in_chinese(project: Path, text: str, expected_zh: str) -> None:
    write(project / ".epcheck.toml", text)
    result = validate(CONFIG, "--lang", "zh")
    assert result.exit_code == 2
    assert expected_zh in result.stderr


@pytest.mark.parametrize(
    ("text", "english", "chinese"),
    [
        (
            "select = [\n",
            "invalid TOML: Invalid value (at end of document)",
            "文件末尾的 TOML 格式无效，解析器的原文为：Invalid value",
        ),
        (
            "a = \n",
            "invalid TOML: Invalid value (at line 1, column 5)",
            "第 1 行第 5 列的 TOML 格式无效，解析器的原文为：Invalid value",
        ),
    ],
    ids=["end-of-document", "line-and-column"],
)
def test_invalid_toml_in_both_languages(
    project: Path, text: str, english: str, chinese: str
) -> None:
    write(project / ".epcheck.toml", text)
    assert english in validate(CONFIG).stderr
    result = validate(CONFIG, "--lang", "zh")
    assert result.exit_code == 2
    assert chinese in result.stderr
    assert "at end of document" not in result.stderr
    assert "at line" not in result.stderr


def test_isolated_skips_broken_settings(project: Path) -> None:
    write(project / ".epcheck.toml", "colour = 1\n")
    assert validate(CONFIG, "--isolated").exit_code == 1


# Baselines.


def test_baseline_records_then_suppresses(project: Path) -> None:
    recorded = validate(CONFIG, "--baseline", "baseline.json")
    assert recorded.exit_code == 0
    assert "recorded 2 finding(s)" in recorded.stderr
    stored = json.loads((project / "baseline.json").read_text(encoding="utf-8"))
    entries = [(entry["file"], entry["code"], entry["pointer"]) for entry in stored["findings"]]
    assert entries == [(CONFIG, "EP508", LOG_LEVEL), (CONFIG, "EP208", MOE_EP)]
    assert all(len(entry["fingerprint"]) == 64 for entry in stored["findings"])

    checked = validate(CONFIG, "--baseline", "baseline.json")
    assert checked.exit_code == 0
    assert codes(checked) == []
    assert "suppressed 2 known finding(s)" in checked.stderr


def test_baseline_survives_line_shift(project: Path) -> None:
    assert validate(CONFIG, "--baseline", "baseline.json").exit_code == 0
    config = project / CONFIG
    config.write_text("\n\n\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    result = validate(CONFIG, "--baseline", "baseline.json")
    assert result.exit_code == 0
    assert codes(result) == []


def test_baseline_reports_new_finding(project: Path) -> None:
    write(project / ".epcheck.toml", 'ignore = ["EP208"]\n')
    assert validate(CONFIG, "--baseline", "baseline.json").exit_code == 0
    (project / ".epcheck.toml").unlink()
    result = validate(CONFIG, "--baseline", "baseline.json")
    assert result.exit_code == 1
    assert codes(result) == ["EP208"]
    assert "suppressed 1 known finding(s)" in result.stderr


def test_baseline_paths_relative_to_its_folder(project: Path) -> None:
    (project / "ci").mkdir()
    assert validate(CONFIG, "--baseline", "ci/baseline.json").exit_code == 0
    stored = json.loads((project / "ci" / "baseline.json").read_text(encoding="utf-8"))
    assert stored["findings"][0]["file"] == "../deploy/config.json"
    os.chdir(project / "deploy")
    result = validate("config.json", "--baseline", "../ci/baseline.json")
    assert codes(result) == []


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"version": 2, "findings": []}',
        '{"version": 1, "findings": {}}',
        '{"version": 1, "findings": [{"file": "a.json", "code": "EP208"}]}',
    ],
)
def test_broken_baseline_exits_two(project: Path, text: str) -> None:
    write(project / "baseline.json", text)
    result = validate(CONFIG, "--baseline", "baseline.json")
    assert result.exit_code == 2
    assert "baseline.json: invalid baseline" in result.stderr
    assert result.stdout == ""


def test_baseline_not_written_on_input_error(project: Path) -> None:
    result = validate(CONFIG, "missing.json", "--baseline", "baseline.json")
    assert result.exit_code == 2
    assert not (project / "baseline.json").exists()


def test_baseline_as_output_rejected(project: Path) -> None:
    write(project / "baseline.json", '{"version": 1, "findings": []}')
    result = run_cli(
        "validate", CONFIG, "--baseline", "baseline.json", "--format", "json:baseline.json"
    )
    assert result.exit_code == 2
