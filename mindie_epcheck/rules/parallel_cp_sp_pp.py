"""EP203-EP205: context, sequence and pipeline parallelism, which MindIE restricts."""

from __future__ import annotations

from collections.abc import Iterator

from mindie_epcheck.findings import Severity
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.context import Subject
from mindie_epcheck.rules.parallel import Target, sized_targets, tp_phrase
from mindie_epcheck.rules.registry import Hit, rule

# ---------------------------------------------------------------- EP203, EP204


@rule(
    "EP203",
    "cp-with-dp",
    Severity.ERROR,
    summary=Text(
        "Context parallelism (cp > 1) and data parallelism (dp > 1) are set together.",
        "同时设置了上下文并行（cp > 1）和数据并行（dp > 1）。",
    ),
    rationale=Text(
        "MindIE's layout allows cp > 1 only with dp = 1 and rejects the combination at start.",
        "MindIE 的并行切分只允许在 dp = 1 时使用 cp > 1，两者同时大于 1 会在启动时报错。",
    ),
    bad='{"worldSize": 8, "tp": 2, "dp": 2, "cp": 2, "moe_ep": 4, "moe_tp": 2}',
    good='{"worldSize": 8, "tp": 4, "cp": 2, "moe_ep": 2, "moe_tp": 4}',
    fix=Text(
        "Use either cp or dp: remove one of them and fold its factor into tp.",
        "cp 与 dp 二选一：删除其中一个，并把它的倍数并入 tp。",
    ),
)
def cp_with_dp(subject: Subject) -> Iterator[Hit]:
    for target in sized_targets(subject):
        layout = target.layout
        if layout.cp > 1 and layout.dp > 1:
            pointer, part = target.pointer("cp")
            yield Hit(
                pointer,
                Text(
                    "cp {cp} with dp {dp}: MindIE does not combine context parallelism with "
                    "data parallelism",
                    "cp {cp} 与 dp {dp} 同时设置：MindIE 不支持上下文并行与数据并行同时使用",
                ).format(cp=layout.cp, dp=layout.dp),
                Text(
                    'Remove "cp" (or "dp") and multiply tp by its value instead.',
                    '删除 "cp"（或 "dp"），并将 tp 乘以其值。',
                ),
                part=part,
                related=target.related("dp"),
            )


@rule(
    "EP204",
    "sp-not-equal-tp",
    Severity.ERROR,
    summary=Text(
        "Sequence parallelism (sp > 1) is set to a value other than tp.",
        "序列并行 sp > 1 但不等于 tp。",
    ),
    rationale=Text(
        "MindIE runs sequence parallelism inside the tensor-parallel group, so sp > 1 must equal "
        "tp; another value is rejected at start.",
        "MindIE 在张量并行组内执行序列并行，sp > 1 时必须等于 tp，否则启动时报错。",
    ),
    bad='{"worldSize": 8, "tp": 8, "sp": 4}',
    good='{"worldSize": 8, "tp": 8, "sp": 8}',
    fix=Text('Set "sp" to the value of tp, or remove it.', '将 "sp" 设为 tp 的值，或删除该项。'),
)
def sp_not_equal_tp(subject: Subject) -> Iterator[Hit]:
    for target in sized_targets(subject):
        layout = target.layout
        if layout.sp <= 1 or layout.tp is None or layout.sp == layout.tp:
            continue
        pointer, part = target.pointer("sp")
        yield Hit(
            pointer,
            Text(
                "sp {sp} differs from {tp_en}; sequence parallelism needs sp = tp",
                "sp {sp} 不等于 {tp_zh}；序列并行要求 sp = tp",
            ).format(sp=layout.sp, tp_en=tp_phrase(layout).en, tp_zh=tp_phrase(layout).zh),
            Text(
                'Set "sp": {tp}, or remove "sp" to turn sequence parallelism off.',
                '设置 "sp": {tp}，或删除 "sp" 以关闭序列并行。',
            ).format(tp=layout.tp),
            part=part,
            related=target.related("tp"),
        )


# ---------------------------------------------------------------- EP205


@rule(
    "EP205",
    "pipeline-parallel",
    Severity.WARNING,
    summary=Text(
        "pp > 1 turns on pipeline parallelism, which MindIE restricts.",
        "pp > 1 会开启流水线并行，MindIE 对其有诸多限制。",
    ),
    rationale=Text(
        "pp splits the layers into stages; it is not data parallelism (that is dp), though "
        "tools that generate configs have written pp 2 for a request of dp 2. MindIE rejects "
        "pp > 1 together with dp > 1, does not support it for DeepSeek models, and needs "
        "MASTER_IP and MASTER_PORT in the environment to connect the stages.",
        "pp 将模型的层切分为多个流水级，并非数据并行（数据并行是 dp）；曾有自动生成配置的工具在用户要求 "
        "dp 2 时写成了 pp 2。MindIE 不允许 pp > 1 与 dp > 1 同时使用，DeepSeek 模型不支持流水线并行，"
        "且流水级之间的连接需要环境变量 MASTER_IP 和 MASTER_PORT。",
    ),
    bad='{"modelName": "deepseekr1", "worldSize": 8, "pp": 2, "tp": 4}',
    good='{"modelName": "deepseekr1", "worldSize": 8, "dp": 2, "tp": 4, "moe_ep": 2, "moe_tp": 4}',
    fix=Text(
        'For data parallelism write "dp", not "pp"; for pipeline parallelism on a supported '
        "model export MASTER_IP and MASTER_PORT.",
        '需要数据并行时应写 "dp" 而不是 "pp"；在支持的模型上使用流水线并行时需设置 MASTER_IP 和 '
        "MASTER_PORT。",
    ),
)
def pipeline_parallel(subject: Subject) -> Iterator[Hit]:
    for target in sized_targets(subject):
        layout = target.layout
        if layout.pp <= 1:
            continue
        facts = subject.facts_for(target.entry)
        reasons: list[Text] = []
        severity = Severity.WARNING
        if facts is not None and facts.is_deepseek_moe:
            reasons.append(
                Text(
                    "MindIE does not support it for DeepSeek models",
                    "MindIE 的 DeepSeek 模型不支持流水线并行",
                )
            )
            severity = Severity.ERROR
        if layout.dp > 1:
            reasons.append(
                Text(
                    "MindIE rejects it together with dp {dp}", "MindIE 不允许其与 dp {dp} 同时使用"
                ).format(dp=layout.dp)
            )
            severity = Severity.ERROR
        missing = [
            name for name in ("MASTER_IP", "MASTER_PORT") if not subject.settings.env.get(name)
        ]
        if missing:
            reasons.append(
                Text(
                    "it needs {names_en} in the environment, which are not set here",
                    "它需要环境变量 {names_zh}，当前未设置",
                ).format(names_en=" and ".join(missing), names_zh=" 和 ".join(missing))
            )
        yield _pipeline_hit(target, reasons, severity)


def _pipeline_hit(target: Target, reasons: list[Text], severity: Severity) -> Hit:
    message = Text(
        "pp {pp} turns on pipeline parallelism (the layers split into {pp} stages), not data "
        "parallelism, which is dp",
        "pp {pp} 会开启流水线并行（模型层切分为 {pp} 个流水级），而不是数据并行（数据并行是 dp）",
    ).format(pp=target.layout.pp)
    for reason in reasons:
        message = message + Text("; ", "；") + reason
    hint = Text(
        'If you meant data parallelism, replace "pp" with "dp" and set tp so that '
        'tp x dp = W; otherwise remove "pp".',
        '如需数据并行，请将 "pp" 改为 "dp"，并设置 tp 使 tp x dp = W；否则删除 "pp"。',
    )
    pointer, part = target.pointer("pp")
    return Hit(pointer, message, hint, part=part, severity=severity, related=target.related("dp"))
