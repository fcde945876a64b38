"""Independent end-to-end cases: realistic mistakes, valid deployments and hostile input.

The files under tests/cases/ were written by hand by someone other than epcheck's authors:
each config carries one realistic mistake or none. The expected findings come from MindIE's
documented and coded behaviour, not from epcheck's output, so a case where epcheck still
disagrees is marked xfail(strict=True) with the reason, which keeps the gap visible and makes
the test fail once the gap is closed.

Every case runs `epcheck validate PATH --format json` from the repository root.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from _pytest.mark.structures import ParameterSet
from click.testing import Result
from helpers import REPO, run_cli

CASES = Path("tests/cases")
CONFIGS = CASES / "configs"
RANKTABLES = CASES / "ranktables"
MODEL_CONFIGS = CASES / "model-configs"
HOSTILE = CASES / "hostile"

# JSON pointers of the sections that most expected findings point into.
ENTRY = "/BackendConfig/ModelDeployConfig/ModelConfig/0"
DEEPSEEK = ENTRY + "/models/deepseekv2"
FACTORS = DEEPSEEK + "/alltoall_ep_buffer_scale_factors"
DEPLOY = "/BackendConfig/ModelDeployConfig"
SCHEDULE = "/BackendConfig/ScheduleConfig"

# Environment variables that change what a config means to MindIE or to epcheck. The tests
# clear them so that the shell running pytest cannot change a verdict.
MINDIE_ENV = (
    "RANK_TABLE_FILE",
    "RANKTABLEFILE",
    "MIES_CONTAINER_IP",
    "MASTER_IP",
    "MASTER_PORT",
    "NPU_MEMORY_FRACTION",
    "HCCL_BUFFSIZE",
    "DP_MOVE_UP_ENABLE",
    "EPCHECK_LANG",
)

# DeepSeek-R1 W8A8 needs at least two Atlas 800I A2 servers, and with tp 1 every device keeps
# a full copy of the attention weights. So the memory rules rightly reject some layouts that
# are otherwise valid, and the cases that check only the layout turn the cost rules off.
NO_COST = ("--ignore", "EP6")


@dataclass(frozen=True)
class Place:
    """Where a finding may point: a JSON pointer and its 1-based line; None is not checked."""

    pointer: str | None = None
    line: int | None = None


def at(pointer: str | None = None, line: int | None = None) -> tuple[Place, ...]:
    """Return one accepted place; join alternatives with `+`."""
    return (Place(pointer, line),)


@dataclass(frozen=True)
class Expect:
    """A finding that must appear: a code or code prefix, its severity and where it points.

    `severity` None accepts any severity, and a tuple accepts each listed one. `places` lists
    the accepted (pointer, line) pairs, for cases where more than one value can be the one to
    change. `file` names the input the finding belongs to when it is not the config itself.
    `mentions` is text that the message or the hint must contain (case-insensitive).
    """

    code: str
    severity: str | tuple[str, ...] | None = None
    places: tuple[Place, ...] = (Place(),)
    file: Path | None = None
    column: int | None = None
    mentions: str | None = None


@dataclass(frozen=True)
class Case:
    """One epcheck run: the input file, its options and environment, and the verdict.

    `valid` forbids any error-level finding. `usage_error` expects exit 2 and no report.
    `exits` lists the exit codes a hostile input may end with.
    """

    path: Path
    expect: tuple[Expect, ...] = ()
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    valid: bool = False
    usage_error: bool = False
    exits: tuple[int, ...] = (1, 2)


def case(
    name: str,
    path: Path,
    *expect: Expect,
    args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    valid: bool = False,
    usage_error: bool = False,
    exits: tuple[int, ...] = (1, 2),
    xfail: str | None = None,
) -> ParameterSet:
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    test_case = Case(path, expect, args, env or {}, valid, usage_error, exits)
    return pytest.param(test_case, id=name, marks=marks)


def config(name: str) -> Path:
    return CONFIGS / f"{name}.json"


def ranktable(name: str) -> str:
    return str(RANKTABLES / f"{name}.json")


def hostile(name: str) -> Path:
    return HOSTILE / f"{name}.json"


# ---------------------------------------------------------------------------------------
# Valid deployments and one mistake per config


VALID = [
    case("base-single-node-ep2", config("base-single-node-ep2"), args=NO_COST, valid=True),
    case(
        "dual-node-dp2-tp8-ep4-mtp4-level1",
        config("dual-node-dp2-tp8-ep4-mtp4-level1"),
        args=("--ranktable", ranktable("2x8")),
        valid=True,
    ),
    case("a3-single-node-ws16-ep2", config("a3-single-node-ws16-ep2"), valid=True),
    case(
        "dual-node-ep2-switch",
        config("dual-node-ep2-switch"),
        args=("--ranktable", ranktable("2x8"), "--interconnect", "switch"),
        valid=True,
    ),
    case(
        "dual-node-pure-tp",
        config("dual-node-pure-tp"),
        args=("--ranktable", ranktable("2x8")),
        valid=True,
    ),
    # dp 16 with worldSize 8 is valid on two nodes because the world size is 2 x 8 = 16.
    case(
        "dual-node-dp16-worldsize8",
        config("dual-node-dp16-worldsize8"),
        args=("--ranktable", ranktable("2x8"), "--interconnect", "switch", *NO_COST),
        valid=True,
    ),
    case("single-node-dp2-tp4", config("single-node-dp2-tp4"), args=NO_COST, valid=True),
    # MindIE casts tp 8.0, "8" and 8e0 to 8, so these work: at most an info.
    case(
        "tp-float-8.0",
        config("tp-float-8.0"),
        Expect("EP107", "info", at(ENTRY + "/tp", 54)),
        args=NO_COST,
        valid=True,
    ),
    case(
        "tp-string-8",
        config("tp-string-8"),
        Expect("EP107", "info", at(ENTRY + "/tp", 54)),
        args=NO_COST,
        valid=True,
    ),
    case(
        "tp-exponent-8e0",
        config("tp-exponent-8e0"),
        Expect("EP107", "info", at(ENTRY + "/tp", 54)),
        args=NO_COST,
        valid=True,
    ),
    case(
        "factors-int-coefficients",
        config("factors-int-coefficients"),
        args=NO_COST,
        valid=True,
    ),
    case(
        "custom-name-preset-source",
        config("custom-name-preset-source"),
        args=NO_COST,
        valid=True,
    ),
    case("custom-name-unknown-model", config("custom-name-unknown-model"), valid=True),
    # MindIE 3.0 still accepts a bool truncation, so no finding is needed.
    case("truncation-bool-3.0", config("truncation-bool-3.0"), args=NO_COST, valid=True),
    # nlohmann::json skips a UTF-8 byte order mark, so MindIE starts: a warning at most.
    case(
        "utf8-bom",
        config("utf8-bom"),
        Expect("EP007", "warning", at(line=1)),
        args=NO_COST,
        valid=True,
    ),
    case(
        "ep-64-grouped-matmul",
        config("ep-64-grouped-matmul"),
        Expect("EP316", "info"),
        args=("--nodes", "8"),
        valid=True,
    ),
    case(
        "qwen3-with-deepseekv2-block",
        config("qwen3-with-deepseekv2-block"),
        Expect("EP317", "warning", at(DEEPSEEK, 58)),
        valid=True,
    ),
]

MISTAKES = [
    # The cost rules themselves: DeepSeek-R1 W8A8 does not fit on one A2 server.
    case(
        "single-a2-r1-w8a8-exceeds-memory",
        config("base-single-node-ep2"),
        Expect("EP601", "error"),
    ),
    # Parallel layout. Where moe_ep and moe_tp conflict, either can be the value to change.
    case(
        "dual-node-moe-ep-product",
        config("dual-node-moe-ep-product"),
        Expect("EP208", "error", at(ENTRY + "/moe_ep", 55) + at(ENTRY + "/moe_tp", 56)),
        args=("--ranktable", ranktable("2x8")),
    ),
    case(
        "ep-page-trap-level1",
        config("ep-page-trap-level1"),
        Expect("EP208", "error", at(ENTRY + "/moe_ep", 54), mentions='"moe_tp": 1'),
    ),
    case(
        "level2-moe-tp-2",
        config("level2-moe-tp-2"),
        Expect("EP315", "error", at(ENTRY + "/moe_tp", 56)),
    ),
    case("dp-minus-one", config("dp-minus-one"), Expect("EP209", "error", at(ENTRY + "/dp", 62))),
    case(
        "tp-string-eight",
        config("tp-string-eight"),
        Expect("EP1", "error", at(ENTRY + "/tp", 54)),
    ),
    case("tp-8.5", config("tp-8.5"), Expect("EP107", "warning", at(ENTRY + "/tp", 54))),
    # tp 2.5 becomes 2, and 2 x dp 1 != 8: the truncated value breaks a rule, so an error.
    case("tp-2.5", config("tp-2.5"), Expect("EP", "error", at(ENTRY + "/tp", 54))),
    case(
        "tp-4.5-dp2",
        config("tp-4.5-dp2"),
        Expect("EP107", "warning", at(ENTRY + "/tp", 54)),
    ),
    case("tp-true", config("tp-true"), Expect("EP1", "error", at(ENTRY + "/tp", 54))),
    case(
        "256-experts-moe-ep-12",
        config("256-experts-moe-ep-12"),
        Expect("EP314", "error", at(ENTRY + "/moe_ep", 59)),
        args=("--hardware", "atlas-800i-a3"),
    ),
    case(
        "moe-ep-array",
        config("moe-ep-array"),
        Expect("EP1", "error", at(ENTRY + "/moe_ep", 55)),
    ),
    case(
        "tp-16-spans-nodes",
        config("tp-16-spans-nodes"),
        Expect("EP206", "error", at(ENTRY + "/tp", 54)),
        args=("--nodes", "4", "--interconnect", "switch"),
    ),
    case(
        "moe-tp-16-spans-nodes",
        config("moe-tp-16-spans-nodes"),
        Expect("EP207", "error", at(ENTRY + "/moe_tp", 56)),
        args=("--nodes", "4"),
    ),
    case(
        "moe-ep-16-single-node",
        config("moe-ep-16-single-node"),
        Expect("EP208", "error", at(ENTRY + "/moe_ep", 55)),
    ),
    case("cp-with-dp", config("cp-with-dp"), Expect("EP203", "error")),
    case("sp-not-tp", config("sp-not-tp"), Expect("EP204", "error", at(ENTRY + "/sp", 62))),
    # pp 2 needs MASTER_IP and MASTER_PORT, which the tests leave unset.
    case("pp2", config("pp2"), Expect("EP205", "error", at(ENTRY + "/pp", 62))),
    case("pp2-dp2", config("pp2-dp2"), Expect("EP20", "error", at(ENTRY + "/pp", 63))),
    case(
        "dual-node-4-cards-each",
        config("dual-node-4-cards-each"),
        Expect("EP208", "error", at(ENTRY + "/moe_ep", 51)),
        args=("--ranktable", ranktable("2x4"), "--interconnect", "switch"),
    ),
    # Expert-parallel options.
    case(
        "cutoff-level2",
        config("cutoff-level2"),
        Expect("EP304", "warning", at(DEEPSEEK + "/enable_init_routing_cutoff", 60)),
    ),
    case(
        "topk-0.1-cutoff",
        config("topk-0.1-cutoff"),
        Expect("EP305", "error", at(DEEPSEEK + "/topk_scaling_factor", 61)),
    ),
    case(
        "topk-0.3-floor",
        config("topk-0.3-floor"),
        Expect("EP307", "warning", at(DEEPSEEK + "/topk_scaling_factor", 61)),
    ),
    case(
        "topk-without-cutoff",
        config("topk-without-cutoff"),
        Expect("EP306", "warning", at(DEEPSEEK + "/topk_scaling_factor", 60)),
    ),
    case(
        "factors-ascending",
        config("factors-ascending"),
        Expect("EP309", "error", at(FACTORS, 60) + at(FACTORS + "/1", 65)),
    ),
    case(
        "factors-no-tail",
        config("factors-no-tail"),
        Expect("EP310", "warning", at(FACTORS, 60) + at(FACTORS + "/5", 81)),
    ),
    case(
        "factor-coefficient-0.8",
        config("factor-coefficient-0.8"),
        Expect("EP311", "error", at(FACTORS + "/2/1", 71)),
    ),
    case(
        "level1-with-factors",
        config("level1-with-factors"),
        Expect("EP313", "warning", at(FACTORS, 60)),
    ),
    case(
        "factors-shape",
        config("factors-shape"),
        Expect("EP308", "error", at(FACTORS + "/1", 65)),
    ),
    case(
        "factors-duplicate-threshold",
        config("factors-duplicate-threshold"),
        Expect("EP309", "error", at(FACTORS + "/2", 69)),
    ),
    case(
        "factors-float-threshold",
        config("factors-float-threshold"),
        Expect("EP308", None, at(FACTORS + "/0", 61)),
    ),
    case(
        "factors-negative-threshold",
        config("factors-negative-threshold"),
        Expect("EP308", "error", at(FACTORS + "/1/0", 66) + at(FACTORS + "/1", 65)),
    ),
    case(
        "ep-levle-typo",
        config("ep-levle-typo"),
        Expect("EP104", "warning", at(DEEPSEEK + "/ep_levle", 59)),
    ),
    case(
        "topk-scale-factor-typo",
        config("topk-scale-factor-typo"),
        Expect("EP104", "warning", at(DEEPSEEK + "/topk_scale_factor", 61)),
    ),
    # The service docs list ep_level 1 and 2, but MindIE-LLM's DeepSeek code is reported to
    # accept 3 as well. Until that is settled, a warning passes as well as an error.
    case(
        "ep-level-3",
        config("ep-level-3"),
        Expect("EP301", ("warning", "error"), at(DEEPSEEK + "/ep_level", 59)),
    ),
    case(
        "ep-level-string",
        config("ep-level-string"),
        Expect("EP", None, at(DEEPSEEK + "/ep_level", 59)),
    ),
    case(
        "ep-level-without-ep",
        config("ep-level-without-ep"),
        Expect("EP303", "warning", at(DEEPSEEK + "/ep_level", 59)),
    ),
    case(
        "model-type-block-level2-mtp2",
        config("model-type-block-level2-mtp2"),
        Expect("EP315", "error", at(ENTRY + "/moe_tp", 56)),
    ),
    case(
        "cutoff-string-true",
        config("cutoff-string-true"),
        Expect("EP10", None, at(DEEPSEEK + "/enable_init_routing_cutoff", 60)),
    ),
    case("hccl-buffer-256", config("hccl-buffer-256"), Expect("EP318", "warning")),
    case(
        "hccl-buffer-vs-env",
        config("hccl-buffer-vs-env"),
        Expect("EP318", "warning"),
        env={"HCCL_BUFFSIZE": "1024"},
    ),
    case("shadowed-block", config("shadowed-block"), Expect("EP319", "warning")),
    # Structure.
    case(
        "npudeviceids-typo",
        config("npudeviceids-typo"),
        Expect("EP104", "warning", at("/BackendConfig/npudeviceIds", 69)),
    ),
    case(
        "mdc-top-level",
        config("mdc-top-level"),
        Expect("EP105", "error", at("/ModelDeployConfig", 21)),
    ),
    case(
        "placeholder-path",
        config("placeholder-path"),
        # A path placeholder is a warning by design: published configs replace real paths
        # with /path/to/... when they anonymise them, and those must get no error.
        Expect("EP106", "warning", at(ENTRY + "/modelWeightPath", 48)),
    ),
    case(
        "placeholder-ip",
        config("placeholder-ip"),
        Expect("EP106", "error", at("/ServerConfig/ipAddress", 4)),
    ),
    case(
        "placeholder-zh",
        config("placeholder-zh"),
        Expect("EP106", "error", at("/ServerConfig/ipAddress", 4)),
    ),
    case(
        "model-name-space",
        config("model-name-space"),
        Expect("EP103", "error", at(ENTRY + "/modelName", 47)),
    ),
    case(
        "npumemsize-0",
        config("npumemsize-0"),
        Expect("EP511", "error", at(ENTRY + "/npuMemSize", 51)),
    ),
    case(
        "modelconfig-object",
        config("modelconfig-object"),
        Expect("EP102", "error", at(DEPLOY + "/ModelConfig", 44)),
    ),
    case(
        "modelconfig-empty",
        config("modelconfig-empty"),
        Expect("EP509", "error", at(DEPLOY + "/ModelConfig", 44)),
    ),
    case(
        "two-standard-entries",
        config("two-standard-entries"),
        Expect(
            "EP509", "error", at(DEPLOY + "/ModelConfig", 44) + at(DEPLOY + "/ModelConfig/1", 63)
        ),
    ),
    case(
        "trustremotecode-missing",
        config("trustremotecode-missing"),
        Expect("EP101", "error", at(ENTRY, 45)),
    ),
    case(
        "trustremotecode-string",
        config("trustremotecode-string"),
        Expect("EP10", "error", at(ENTRY + "/trustRemoteCode", 53)),
    ),
    case(
        "backendtype-case",
        config("backendtype-case"),
        Expect("EP103", "error", at(ENTRY + "/backendType", 52)),
    ),
    case(
        "worldsize-zero",
        config("worldsize-zero"),
        Expect("EP1", "error", at(ENTRY + "/worldSize", 49)),
    ),
    case(
        "moeep-camelcase",
        config("moeep-camelcase"),
        Expect("EP104", "warning", at(ENTRY + "/moeEp", 61)),
    ),
    case(
        "npu-ids-duplicate",
        config("npu-ids-duplicate"),
        Expect("EP510", "error", at("/BackendConfig/npuDeviceIds/0/7", 33)),
    ),
    case(
        "npu-ids-short",
        config("npu-ids-short"),
        Expect("EP510", "error", at("/BackendConfig/npuDeviceIds/0", 25)),
    ),
    case(
        "instances-2-one-id-list",
        config("instances-2-one-id-list"),
        Expect("EP510", "error", at("/BackendConfig/npuDeviceIds", 24)),
    ),
    # Lengths, scheduling and ports.
    case(
        "prefill-below-input",
        config("prefill-below-input"),
        Expect("EP502", "error", at(SCHEDULE + "/maxPrefillTokens", 70)),
    ),
    case(
        "itertimes-above-seqlen",
        config("itertimes-above-seqlen"),
        Expect("EP503", "error", at(SCHEDULE + "/maxIterTimes", 76)),
    ),
    case(
        "ports-equal",
        config("ports-equal"),
        Expect("EP506", "error", at("/BackendConfig/multiNodesInferPort", 38)),
    ),
    case("preempt-without-cpu-mem", config("preempt-without-cpu-mem"), Expect("EP505", "error")),
    case(
        "max-input-zero",
        config("max-input-zero"),
        Expect("EP103", "error", at(DEPLOY + "/maxInputTokenLen", 42)),
    ),
    case(
        "max-input-too-large",
        config("max-input-too-large"),
        Expect("EP103", "error", at(DEPLOY + "/maxInputTokenLen", 42)),
    ),
    case(
        "input-equals-seqlen",
        config("input-equals-seqlen"),
        Expect("EP501", "warning", at(DEPLOY + "/maxInputTokenLen", 42)),
    ),
    # Multi-node and rank tables.
    case(
        "dual-node-ep2-direct",
        config("dual-node-ep2-direct"),
        Expect("EP401", "error", at(DEEPSEEK + "/ep_level", 59)),
        args=("--ranktable", ranktable("2x8"), "--interconnect", "direct"),
    ),
    case(
        "dual-node-ep2-unknown",
        config("dual-node-ep2-unknown"),
        Expect("EP401", "warning", at(DEEPSEEK + "/ep_level", 59), mentions="--interconnect"),
        args=("--ranktable", ranktable("2x8")),
    ),
    case(
        "ranktable-numeric-device-id",
        config("ranktable-numeric-device-id"),
        Expect(
            "EP403",
            "error",
            at("/server_list/0/device/0/device_id", 9),
            file=RANKTABLES / "numeric-device-id.json",
        ),
        args=("--ranktable", ranktable("numeric-device-id")),
    ),
    case(
        "ranktable-8-plus-7",
        config("ranktable-8-plus-7"),
        Expect(
            "EP405",
            "error",
            at("/server_list/1/device", 53),
            file=RANKTABLES / "8-plus-7.json",
        ),
        args=("--ranktable", ranktable("8-plus-7")),
    ),
    case(
        "ranktable-placeholder-ip",
        config("ranktable-placeholder-ip"),
        Expect(
            "EP407",
            "error",
            at("/server_list/1/device/0/device_ip", 56),
            file=RANKTABLES / "placeholder-device-ip.json",
        ),
        args=("--ranktable", ranktable("placeholder-device-ip")),
    ),
    case(
        "ranktable-2x16-worldsize-8",
        config("ranktable-2x16-worldsize-8"),
        Expect("EP410", "error", at(ENTRY + "/worldSize", 49)),
        args=("--ranktable", ranktable("2x16")),
    ),
    case(
        "forgot-multinode-flag",
        config("forgot-multinode-flag"),
        Expect("EP412", "warning", at("/BackendConfig/multiNodesInferEnabled", 37)),
        args=("--ranktable", ranktable("2x8")),
    ),
    case("multinode-no-ranktable", config("multinode-no-ranktable"), Expect("EP210", "info")),
    # Without a rank table or --nodes, tp 8 x dp 3 is a consistent 3-node layout, so only
    # the unknown node count and the expert split can be reported.
    case(
        "multinode-no-rt-dp3",
        config("multinode-no-rt-dp3"),
        Expect("EP210", "info"),
        Expect("EP314", "error", at(ENTRY + "/moe_ep", 55)),
    ),
    case(
        "ranktable-from-env",
        config("ranktable-from-env"),
        Expect("EP208", "error"),
        env={"RANK_TABLE_FILE": ranktable("2x8")},
    ),
    case(
        "env-ranktable-8-plus-7",
        config("env-ranktable-8-plus-7"),
        Expect(
            "EP405",
            "error",
            at("/server_list/1/device", 53),
            file=RANKTABLES / "8-plus-7.json",
        ),
        env={"RANK_TABLE_FILE": ranktable("8-plus-7")},
    ),
    # Snippets: a bare ModelDeployConfig, a bare ModelConfig entry, documentation fragments.
    case(
        "bare-mdc-trap",
        config("bare-mdc-trap"),
        Expect("EP208", "error", at("/ModelConfig/0/moe_ep", 15)),
    ),
    case(
        "bare-modelconfig-dp0",
        config("bare-modelconfig-dp0"),
        Expect("EP209", "error", at("/dp", 18)),
    ),
    case(
        "bare-modelconfig-level2-mtp2",
        config("bare-modelconfig-level2-mtp2"),
        Expect("EP315", "error", at("/moe_tp", 12)),
    ),
    case(
        "bare-modelconfig-array",
        config("bare-modelconfig-array"),
        Expect("EP208", "error", at("/0/moe_ep", 11)),
    ),
    case(
        "doc-fragment",
        config("doc-fragment"),
        Expect("EP010", "error", at(line=1), mentions="wrap"),
    ),
    case(
        "doc-fragment-wrapped",
        config("doc-fragment-wrapped"),
        Expect("EP208", "error", at("/ModelDeployConfig/ModelConfig/0/moe_ep", 16)),
        args=("--wrap-fragment",),
    ),
    case(
        "fragment-modelconfig-wrapped",
        config("fragment-modelconfig-wrapped"),
        Expect("EP208", "error", at("/ModelConfig/0/moe_ep", 11)),
        args=("--wrap-fragment",),
    ),
    # Source: syntax and numbers that MindIE's JSON parser treats differently.
    case(
        "duplicate-key",
        config("duplicate-key"),
        Expect("EP004", "error", at(ENTRY + "/tp", 55), mentions="54"),
    ),
    case("comment", config("comment"), Expect("EP002", "error", at(line=55))),
    case("trailing-comma", config("trailing-comma"), Expect("EP003", "error", at(line=59))),
    case("nan", config("nan"), Expect("EP005", "error", at("/ServerConfig/tokenTimeout", 17))),
    case("1e400", config("1e400"), Expect("EP006", "error", at("/ServerConfig/e2eTimeout", 18))),
    case(
        "minified-one-line",
        config("minified-one-line"),
        Expect("EP208", "error", at(ENTRY + "/moe_ep", 1)),
        Expect("EP503", "error", at(SCHEDULE + "/maxIterTimes", 1)),
    ),
    # Columns count code points, also after CJK characters and an emoji outside the BMP.
    case(
        "cjk-emoji-column",
        config("cjk-emoji-column"),
        Expect("EP107", "warning", at(ENTRY + "/tp", 54), column=42),
    ),
    # The model: a complete --model-config is used, an incomplete one is a usage error.
    case(
        "full-model-config-100",
        config("full-model-config-100"),
        Expect("EP314", "error", at(ENTRY + "/moe_ep", 55)),
        args=("--model-config", str(MODEL_CONFIGS / "100-experts.json")),
    ),
    case(
        "partial-model-config",
        config("partial-model-config"),
        args=("--model-config", str(MODEL_CONFIGS / "partial-100-experts.json")),
        usage_error=True,
    ),
]


# ---------------------------------------------------------------------------------------
# Hostile input: broken encodings, bytes, numbers and sizes. Each must end in a report or a
# usage error (exit 1 or 2), never in a traceback or a crashed rule.

BASE = config("base-single-node-ep2")
DUAL_NODE = config("dual-node-dp2-tp8-ep4-mtp4-level1")


def model_config_case(name: str) -> ParameterSet:
    return case(
        f"model-config-{name}",
        BASE,
        args=("--model-config", str(hostile(f"model-config-{name}"))),
        exits=(2,),
    )


HOSTILE_CASES = [
    case("empty", hostile("empty"), Expect("EP009", "error", at(line=1))),
    case("random-bytes", hostile("random-bytes"), Expect("EP001", "error", at(line=1))),
    case("utf16-bom", hostile("utf16-bom"), Expect("EP007", "error", at(line=1))),
    case("gbk-bytes-in-value", hostile("gbk-bytes-in-value"), Expect("EP007", "error", at(line=4))),
    case("lone-surrogate-key", hostile("lone-surrogate-key"), Expect("EP001", "error", at(line=1))),
    case(
        "lone-surrogate-value",
        hostile("lone-surrogate-value"),
        Expect("EP001", "error", at(line=47)),
    ),
    case("nul-in-key", hostile("nul-in-key"), Expect("EP001", "error", at(line=2))),
    case(
        "nul-after-document", hostile("nul-after-document"), Expect("EP001", "error", at(line=87))
    ),
    case(
        "terminal-escape-in-string",
        hostile("terminal-escape-in-string"),
        Expect("EP001", "error", at(line=13)),
    ),
    case(
        "nested-100k-unclosed",
        hostile("nested-100k-unclosed"),
        Expect("EP001", "error", at(line=1)),
    ),
    case("valid-2000-levels-deep", hostile("valid-2000-levels-deep")),
    case("top-level-1e400", hostile("top-level-1e400"), Expect("EP006", "error", at("/x", 1))),
    case(
        "tp-5000-digits", hostile("tp-5000-digits"), Expect("EP006", "error", at(ENTRY + "/tp", 54))
    ),
    case(
        "maxlinknum-5000-digits",
        hostile("maxlinknum-5000-digits"),
        Expect("EP006", "error", at("/ServerConfig/maxLinkNum", 10)),
    ),
    case("tp-4294967304", hostile("tp-4294967304"), exits=(1,)),
    case(
        "tp-negative-zero",
        hostile("tp-negative-zero"),
        Expect("EP209", "error", at(ENTRY + "/tp", 54)),
    ),
    case(
        "rich-markup-in-values",
        hostile("rich-markup-in-values"),
        Expect("EP103", "error", at(ENTRY + "/modelName", 47)),
    ),
    case(
        "png-bytes-ranktable",
        DUAL_NODE,
        Expect("EP001", "error", at(line=1), file=hostile("png-bytes-ranktable")),
        args=("--ranktable", str(hostile("png-bytes-ranktable"))),
        exits=(1,),
    ),
    case(
        "truncated-model-config",
        BASE,
        args=("--model-config", str(hostile("truncated-model-config"))),
        exits=(2,),
    ),
    model_config_case("experts-zero"),
    model_config_case("experts-string"),
    model_config_case("experts-negative"),
    model_config_case("experts-null"),
    model_config_case("experts-bool"),
    model_config_case("1e308"),
    model_config_case("topk-fraction"),
    model_config_case("type-array"),
    model_config_case("qwen3-moe"),
    model_config_case("full-experts-null"),
    case("worldsize-1e8-single-node", hostile("worldsize-1e8-single-node"), exits=(1,)),
    # NOTE: EP413 must not build a list of worldSize device ids. If it does again, the 1e8 and
    # 2e9 cases take minutes and many GB of memory instead of failing fast.
    case(
        "worldsize-1e8-multinode",
        hostile("worldsize-1e8-multinode"),
        exits=(1,),
    ),
    case(
        "worldsize-2e9-multinode",
        hostile("worldsize-2e9-multinode"),
        exits=(1,),
    ),
    case(
        "worldsize-2e63-multinode",
        hostile("worldsize-2e63-multinode"),
        exits=(1,),
    ),
]


# ---------------------------------------------------------------------------------------
# Running and checking


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    for name in MINDIE_ENV:
        monkeypatch.delenv(name, raising=False)


def run_case(test_case: Case, monkeypatch: pytest.MonkeyPatch) -> Result:
    for name, value in test_case.env.items():
        monkeypatch.setenv(name, value)
    return run_cli("validate", str(test_case.path), *test_case.args, "--format", "json")


def describe(findings: list[dict[str, Any]]) -> list[str]:
    return [
        f"{f['code']} {f['severity']} {f['pointer']!r} {f['line']}:{f['column']}" for f in findings
    ]


def severity_matches(finding: dict[str, Any], severity: str | tuple[str, ...] | None) -> bool:
    if severity is None:
        return True
    allowed = (severity,) if isinstance(severity, str) else severity
    return finding["severity"] in allowed


def check_expected(findings: list[dict[str, Any]], expect: Expect, config_path: Path) -> None:
    """Assert that one finding has the expected code, pointer, severity, line and text.

    Each step narrows the candidates and has its own assert, so a failure names one cause.
    """
    target = expect.file or config_path
    in_file = [f for f in findings if Path(f["file"]) == target]
    with_code = [f for f in in_file if f["code"].startswith(expect.code)]
    assert with_code, f"no {expect.code} finding in {target}; found {describe(in_file)}"

    pointers = {place.pointer for place in expect.places if place.pointer is not None}
    if pointers:
        found = [f["pointer"] for f in with_code]
        with_code = [f for f in with_code if f["pointer"] in pointers]
        assert with_code, f"{expect.code} points at {found}, expected one of {sorted(pointers)}"

    with_severity = [f for f in with_code if severity_matches(f, expect.severity)]
    assert with_severity, (
        f"{expect.code} has severity {[f['severity'] for f in with_code]}, "
        f"expected {expect.severity}"
    )

    placed = [
        f
        for f in with_severity
        if any(
            (place.pointer is None or f["pointer"] == place.pointer)
            and (place.line is None or f["line"] == place.line)
            for place in expect.places
        )
    ]
    assert placed, f"{expect.code} is on the wrong line: {describe(with_severity)}"

    if expect.column is not None:
        columns = [f["column"] for f in placed]
        assert expect.column in columns, (
            f"{expect.code} columns {columns}, expected {expect.column}"
        )

    if expect.mentions is not None:
        texts = [f"{f['message']} {f['hint']}".lower() for f in placed]
        assert any(expect.mentions.lower() in text for text in texts), (
            f"{expect.code} does not mention {expect.mentions!r}: {texts}"
        )


@pytest.mark.parametrize("test_case", VALID + MISTAKES)
def test_config_case(test_case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_case(test_case, monkeypatch)
    assert "Traceback" not in result.stderr

    if test_case.usage_error:
        assert result.exit_code == 2, result.stdout
        assert test_case.args[-1] in result.stderr
        return

    report = json.loads(result.stdout)
    findings = report["findings"]
    errors = [f for f in findings if f["severity"] == "error"]
    assert result.exit_code == (1 if errors else 0), result.stderr

    for expect in test_case.expect:
        check_expected(findings, expect, test_case.path)

    if test_case.valid:
        assert not errors, f"error findings on a valid deployment: {describe(errors)}"


@pytest.mark.parametrize("test_case", HOSTILE_CASES)
def test_hostile_input(test_case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_case(test_case, monkeypatch)
    assert "Traceback" not in result.stderr
    if result.exit_code == 2:
        assert 2 in test_case.exits, f"usage error: {result.stderr}"
        assert result.stderr.strip(), "a usage error must say what is wrong"
        return

    findings = json.loads(result.stdout)["findings"]
    assert result.exit_code in test_case.exits, describe(findings)
    crashed = [f["message"] for f in findings if f["code"] == "EP000"]
    assert not crashed, f"a rule crashed: {crashed}"
    for expect in test_case.expect:
        check_expected(findings, expect, test_case.path)


def test_text_report_escapes_control_characters() -> None:
    result = run_cli("validate", str(hostile("terminal-escape-in-string")))
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout
    assert "\x07" not in result.stdout
