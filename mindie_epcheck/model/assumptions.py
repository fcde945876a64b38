"""Assumptions of a run about a file, stated so that the user can correct them."""

from __future__ import annotations

from mindie_epcheck.i18n import Text
from mindie_epcheck.model.context import Subject
from mindie_epcheck.model.facts import FactsSource
from mindie_epcheck.model.layout import NodeSource

_NODE_SOURCES = {
    NodeSource.SINGLE: Text(
        "1 node (multiNodesInferEnabled is off)", "1 个节点（未开启 multiNodesInferEnabled）"
    ),
    NodeSource.OPTION: Text("{nodes} nodes (--nodes)", "{nodes} 个节点（--nodes）"),
    NodeSource.RANKTABLE: Text("{nodes} nodes (rank table)", "{nodes} 个节点（rank table）"),
    NodeSource.PODS: Text(
        "{nodes} nodes (MindIE-MS pod counts)", "{nodes} 个节点（MindIE-MS pod 数）"
    ),
    NodeSource.INFERRED: Text(
        "{nodes} nodes, inferred from the layout (pass --ranktable to check)",
        "{nodes} 个节点，根据并行配置推断（可用 --ranktable 核对）",
    ),
    NodeSource.UNKNOWN: Text(
        "node count unknown (pass --ranktable or --nodes)",
        "节点数未知（请传入 --ranktable 或 --nodes）",
    ),
}
_FACTS_SOURCES = {
    FactsSource.WEIGHTS_CONFIG: Text("from {detail}", "来自 {detail}"),
    FactsSource.MODEL_CONFIG_OPTION: Text(
        "from --model-config {detail}", "来自 --model-config {detail}"
    ),
    FactsSource.PRESET: Text(
        "built-in preset chosen from modelName", "按 modelName 选择的内置预设"
    ),
}


def assumptions(subject: Subject) -> list[Text]:
    """List each fact that came from a default or a guess rather than from the file."""
    notes: list[Text] = []
    entries = subject.entries()
    if not entries:
        return notes
    hardware = subject.hardware
    if hardware.name is not None:
        template = (
            Text(
                "hardware {name} (inferred from devices per node; set --hardware)",
                "硬件 {name}（根据单节点卡数推断；可用 --hardware 指定）",
            )
            if hardware.inferred
            else Text("hardware {name}", "硬件 {name}")
        )
        notes.append(template.format(name=hardware.name))
    notes.append(
        Text("MindIE {version}", "MindIE {version}").format(version=subject.settings.mindie_version)
    )
    for name, value in subject.settings.ignored_env.items():
        notes.append(
            Text(
                "{name}={value} from the environment ignored as invalid, so its default applies",
                "环境变量 {name}={value} 无效，已忽略，按默认值计算",
            ).format(name=name, value=value)
        )
    for view, entry in entries:
        layout = subject.layout(view, entry)
        notes.append(_NODE_SOURCES[layout.node_source].format(nodes=layout.nodes))
        notes.append(_model_note(subject, entry.pointer))
        problem = subject.facts_problems.get(entry.pointer)
        if problem is not None and subject.facts.get(entry.pointer) is not None:
            notes.append(
                Text(
                    "weights' config.json not used: {en}", "未使用权重的 config.json：{zh}"
                ).format(en=problem.en, zh=problem.zh)
            )
    return list(dict.fromkeys(notes))


def _model_note(subject: Subject, pointer: str) -> Text:
    facts = subject.facts.get(pointer)
    problem = subject.facts_problems.get(pointer)
    if facts is None and problem is not None:
        return Text(
            "model unknown: {problem_en}; checks that need the expert count were skipped",
            "模型未知：{problem_zh}；已跳过需要专家数的检查",
        ).format(problem_en=problem.en, problem_zh=problem.zh)
    if facts is None:
        return Text(
            "model unknown: checks that need the expert count were skipped "
            "(pass --model-config with the weights' config.json)",
            "模型未知：已跳过需要专家数的检查（可用 --model-config 传入权重的 config.json）",
        )
    source = _FACTS_SOURCES.get(facts.source, Text("", "")).format(detail=facts.source_detail)
    quantization = facts.quantization or "unknown"
    return Text(
        "model {name}, {quant} ({source_en})", "模型 {name}，{quant}（{source_zh}）"
    ).format(name=facts.name, quant=quantization, source_en=source.en, source_zh=source.zh)
