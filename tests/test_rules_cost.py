"""EP6xx: cost findings in validate, and the simulate command end to end."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from helpers import REPO, SAMPLES, run_cli, run_json
from rule_samples import sample_args

from mindie_epcheck.report.plot_svg import nice_step

COST_SAMPLES = sorted(
    path for path in (SAMPLES / "rules").glob("EP6*.json") if ".expected." not in path.name
)
DUAL_NODE = SAMPLES / "seed" / "ep-level-2-dual-node.config.json"
RANKTABLE = SAMPLES / "seed" / "ranktable-2x8.json"


@pytest.mark.parametrize("sample", COST_SAMPLES, ids=lambda path: path.name)
def test_cost_sample(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code = sample.name[:5]
    _, report = run_json(str(sample.relative_to(REPO)), *sample_args(sample))
    mine = [f for f in report["findings"] if f["code"] == code]
    if ".bad." in sample.name:
        assert len(mine) == 1, report["findings"]
    else:
        assert mine == []


def test_r1_w8a8_on_one_a2_does_not_fit() -> None:
    sample = SAMPLES / "seed" / "ep-level-2-single-node-fixed.config.json"
    _, report = run_json(str(sample))
    finding = next(f for f in report["findings"] if f["code"] == "EP601")
    assert finding["severity"] == "error"
    assert "82.4 GiB" in finding["message"]
    assert "47.0 GiB" in finding["message"]


def test_memory_fraction_from_env_option() -> None:
    sample = SAMPLES / "seed" / "ep-level-1-long-seq-dual-node.config.json"
    args = ("--ranktable", str(RANKTABLE))
    _, default = run_json(str(sample), *args)
    _, recipe = run_json(str(sample), *args, "--env", "NPU_MEMORY_FRACTION=0.92")
    assert [f["severity"] for f in default["findings"] if f["code"] == "EP601"] == ["warning"]
    assert [f for f in recipe["findings"] if f["code"] == "EP601"] == []


def test_validate_does_not_import_numpy() -> None:
    script = (
        "import sys\n"
        "from mindie_epcheck.cli.main import main\n"
        "try:\n"
        f"    main(['validate', {str(DUAL_NODE)!r}, '--nodes', '2'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('numpy' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=REPO
    )
    assert result.stdout.strip().splitlines()[-1] == "False"


def simulate_json(*args: str) -> dict[str, object]:
    result = run_cli("simulate", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    loaded: dict[str, object] = json.loads(result.stdout)
    return loaded


def test_simulate_json_fields() -> None:
    report = simulate_json(str(DUAL_NODE), "--ranktable", str(RANKTABLE), "--trials", "200")
    levels = report["levels"]
    assert isinstance(levels, list)
    assert [level["ep_level"] for level in levels] == [1, 2]
    for level in levels:
        for key in ("weights", "routed_buffer", "hccl", "activations", "kv_cache_free", "total"):
            assert key in level["hbm_bytes"]
        assert "kv_cache_tokens" in level
        assert {"bytes_per_moe_layer", "seconds_per_forward"} <= set(level["comm"])
        assert {"gamma_p99", "overflow_probability"} <= set(level["dispatch"])
    factors = report["recommended_buffer_scale_factors"]
    assert isinstance(factors, list) and factors[-1][0] == 0
    thresholds = [pair[0] for pair in factors]
    assert thresholds == sorted(thresholds, reverse=True)
    assert "assumptions" in report


def test_simulate_is_reproducible() -> None:
    args = (str(DUAL_NODE), "--nodes", "2", "--trials", "200", "--seed", "5", "--tokens", "1024")
    assert simulate_json(*args) == simulate_json(*args)


def test_simulate_plot_is_svg(tmp_path: Path) -> None:
    plot = tmp_path / "cost.svg"
    result = run_cli(
        "simulate", str(DUAL_NODE), "--nodes", "2", "--trials", "100", "--plot", str(plot)
    )
    assert result.exit_code == 0, result.stderr
    root = ElementTree.parse(plot).getroot()
    assert root.tag.endswith("svg")
    assert "estimate" in plot.read_text()


def svg_labels(path: Path) -> list[str]:
    root = ElementTree.parse(path).getroot()
    return [element.text or "" for element in root.iter() if element.tag.endswith("text")]


def test_simulate_plot_follows_language(tmp_path: Path) -> None:
    plot = tmp_path / "cost.svg"
    args = ("simulate", str(DUAL_NODE), "--nodes", "2", "--trials", "100", "--plot", str(plot))
    result = run_cli(*args, "--lang", "zh")
    assert result.exit_code == 0, result.stderr
    labels = svg_labels(plot)
    assert "单卡 HBM 分项（GiB，估算）" in labels
    assert "权重" in labels


def test_simulate_plot_has_axis_ticks(tmp_path: Path) -> None:
    plot = tmp_path / "cost.svg"
    result = run_cli(
        "simulate", str(DUAL_NODE), "--nodes", "2", "--trials", "100", "--plot", str(plot)
    )
    assert result.exit_code == 0, result.stderr
    numbers = [label for label in svg_labels(plot) if label.replace(".", "").isdigit()]
    # Two axes, each from 0 with at least three round ticks.
    assert numbers.count("0") >= 2
    assert len(numbers) >= 6


@pytest.mark.parametrize(
    ("top", "step"), [(64.0, 20.0), (1.65, 0.5), (10.0, 2.0), (0.0, 2e-10), (300.0, 100.0)]
)
def test_plot_tick_step_is_round(top: float, step: float) -> None:
    assert nice_step(top) == pytest.approx(step)


def test_simulate_bad_skew_is_usage_error(tmp_path: Path) -> None:
    histogram = tmp_path / "load.json"
    histogram.write_text("[1, 2, 3]")
    result = run_cli("simulate", str(DUAL_NODE), "--nodes", "2", "--skew", f"histogram:{histogram}")
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr


def test_simulate_unknown_model_is_usage_error(tmp_path: Path) -> None:
    config = json.loads(DUAL_NODE.read_text())
    entry = config["BackendConfig"]["ModelDeployConfig"]["ModelConfig"][0]
    entry["modelName"] = "llama_65b"
    entry["modelWeightPath"] = "/data/llama_65b"
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    result = run_cli("simulate", str(path), "--nodes", "2")
    assert result.exit_code == 2
    assert "--model-config" in result.stderr


def test_simulate_table_marks_estimates() -> None:
    result = run_cli("simulate", str(DUAL_NODE), "--nodes", "2", "--trials", "100")
    assert result.exit_code == 0, result.stderr
    assert "estimate" in result.stdout
    assert "GiB" in result.stdout
    chinese = run_cli("simulate", str(DUAL_NODE), "--nodes", "2", "--trials", "100", "--lang", "zh")
    assert "估算" in chinese.stdout


def test_simulate_unwritable_plot_is_usage_error(tmp_path: Path) -> None:
    plot = tmp_path / "missing" / "cost.svg"
    result = run_cli(
        "simulate", str(DUAL_NODE), "--nodes", "2", "--trials", "50", "--plot", str(plot)
    )
    assert result.exit_code == 2
    assert "--plot" in result.stderr


def test_simulate_unwritable_plot_in_chinese(tmp_path: Path) -> None:
    plot = tmp_path / "missing" / "cost.svg"
    arguments = ["simulate", str(DUAL_NODE), "--nodes", "2", "--trials", "50", "--plot", str(plot)]
    result = run_cli(*arguments, "--lang", "zh")
    assert result.exit_code == 2
    assert "无法写入图片：文件或目录不存在" in result.stderr
    assert "No such file" not in result.stderr


# --skew values, the content of the histogram file (None: no file), and text the error contains.
BAD_SKEWS = [
    pytest.param(
        "foo",
        None,
        "expected uniform, dirichlet:ALPHA or histogram:FILE",
        "应为 uniform、dirichlet:ALPHA 或 histogram:文件",
        id="unknown-kind",
    ),
    pytest.param(
        "dirichlet:-1",
        None,
        "must be a number from 0.01 to 10000",
        "必须是 0.01 到 10000 之间的数",
        id="negative-alpha",
    ),
    pytest.param(
        "histogram:{missing}",
        None,
        "cannot read the histogram file",
        "无法读取直方图文件",
        id="missing-file",
    ),
    pytest.param("histogram:{file}", "[1, 2", "is not valid JSON", "不是合法的 JSON", id="json"),
    pytest.param(
        "histogram:{file}", '[1, "a"]', "entry 1 (counting from 0)", "第 1 项", id="string-load"
    ),
    pytest.param(
        "histogram:{file}", "[1, 1" + "0" * 400 + "]", "entry 1", "第 1 项", id="huge-integer"
    ),
    pytest.param("histogram:{file}", "[]", "has no loads", "没有任何负载", id="empty"),
    pytest.param("histogram:{file}", "[0, 0]", "are zero", "全部为 0", id="zeros"),
    pytest.param(
        "histogram:{file}", "[1, 2, 3]", "256 routed experts", "256 个路由专家", id="size"
    ),
]


@pytest.mark.parametrize(("skew", "content", "english", "chinese"), BAD_SKEWS)
def test_simulate_bad_skew_in_both_languages(
    tmp_path: Path, skew: str, content: str | None, english: str, chinese: str
) -> None:
    histogram = tmp_path / "load.json"
    if content is not None:
        histogram.write_text(content)
    value = skew.format(file=histogram, missing=tmp_path / "missing.json")
    arguments = ["simulate", str(DUAL_NODE), "--nodes", "2", "--trials", "50", "--skew", value]

    result = run_cli(*arguments)
    chinese_result = run_cli(*arguments, "--lang", "zh")

    assert result.exit_code == 2
    assert english in result.stderr
    assert chinese_result.exit_code == 2
    assert f"--skew {value}：" in chinese_result.stderr
    assert chinese in chinese_result.stderr
    assert english not in chinese_result.stderr


def test_simulate_ignores_huge_coefficient(tmp_path: Path) -> None:
    # EP3 rules report such factors; the estimate goes on as if none were configured.
    config = json.loads(DUAL_NODE.read_text())
    block = config["BackendConfig"]["ModelDeployConfig"]["ModelConfig"][0]["models"]["deepseekv2"]
    block["alltoall_ep_buffer_scale_factors"] = [[0, 1e300]]
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    result = run_cli("simulate", str(path), "--nodes", "2", "--trials", "50")
    assert result.exit_code == 0, result.stderr
    assert "configured c" not in result.stdout


@pytest.mark.parametrize(
    "options",
    [
        '"ep_level": 1, "enable_init_routing_cutoff": true, "topk_scaling_factor": Infinity',
        '"ep_level": 1, "enable_init_routing_cutoff": true, "topk_scaling_factor": NaN',
        '"ep_level": 2, "alltoall_ep_buffer_scale_factors": [[1024, NaN], [0, Infinity]]',
    ],
    ids=["topk-infinity", "topk-nan", "factors-non-finite"],
)
def test_non_finite_ep_options_skip_cost_rules(tmp_path: Path, options: str) -> None:
    config = tmp_path / "config.json"
    config.write_text(DUAL_NODE.read_text().replace('"ep_level": 2', options))

    _, report = run_json(str(config))
    codes = [finding["code"] for finding in report["findings"]]
    assert "EP005" in codes
    assert "EP000" not in codes
    simulated = run_cli("simulate", str(config), "--trials", "100")
    assert simulated.exit_code == 0, simulated.stderr


def test_simulate_names_invalid_world_size(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(DUAL_NODE.read_text().replace('"worldSize": 8', '"worldSize": "8"'))

    result = run_cli("simulate", str(config), "--nodes", "2")

    assert result.exit_code == 2
    assert "worldSize is missing or not a positive integer" in result.stderr
    assert str(config) in result.stderr


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            '"ep_level": 2',
            '"ep_level": 1, "enable_init_routing_cutoff": true, "topk_scaling_factor": 1e308',
        ),
        ('"ep_level": 2', '"ep_level": 2, "alltoall_ep_buffer_scale_factors": [[1e308, 1e308]]'),
        ('"moe_ep": 16', '"moe_ep": 1e308'),
        ('"dp": 2', '"dp": 1e308'),
    ],
    ids=["topk-huge", "factors-huge", "moe-ep-huge", "dp-huge"],
)
def test_huge_values_skip_cost_rules(tmp_path: Path, old: str, new: str) -> None:
    text = DUAL_NODE.read_text()
    assert old in text
    config = tmp_path / "config.json"
    config.write_text(text.replace(old, new))

    _, report = run_json(str(config))
    assert "EP000" not in [finding["code"] for finding in report["findings"]]
    simulated = run_cli("simulate", str(config), "--trials", "100")
    assert simulated.exit_code in (0, 2)
    assert "Python" not in simulated.stderr
    assert "convert" not in simulated.stderr


def test_simulate_plot_over_input_is_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "config.svg"
    config.write_text(DUAL_NODE.read_text())
    result = run_cli("simulate", str(config), "--plot", str(config))
    assert result.exit_code == 2
    assert "would be overwritten" in result.stderr
    assert config.read_text() == DUAL_NODE.read_text()


def test_simulate_plot_marks_single_length(tmp_path: Path) -> None:
    plot = tmp_path / "cost.svg"
    args = ("simulate", str(DUAL_NODE), "--nodes", "2", "--trials", "100", "--tokens", "1024")
    result = run_cli(*args, "--plot", str(plot))
    assert result.exit_code == 0, result.stderr
    root = ElementTree.parse(plot).getroot()
    assert [element for element in root.iter() if element.tag.endswith("circle")]


def test_simulate_warns_of_layout_errors() -> None:
    trap = SAMPLES / "seed" / "ep-level-2-single-node.config.json"
    fixed = SAMPLES / "seed" / "ep-level-2-single-node-fixed.config.json"

    warned = run_cli("simulate", str(trap), "--trials", "100")
    clean = run_cli("simulate", str(fixed), "--trials", "100")

    assert warned.exit_code == 0, warned.stderr
    assert "EP208" in warned.stderr
    assert "warning" not in clean.stderr
