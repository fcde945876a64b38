"""EP317-EP319: which EP block MindIE reads, and the HCCL buffer of the expert-parallel group."""

from __future__ import annotations

import json
from collections.abc import Iterator

from mindie_epcheck.findings import Severity
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.context import EpBlock, Subject
from mindie_epcheck.model.facts import ModelFacts, last_path_part
from mindie_epcheck.model.view import EntryView
from mindie_epcheck.rules.expert_common import ModelKind, active_targets, is_number, model_kind
from mindie_epcheck.rules.registry import Hit, rule

BLOCK_KEY = "deepseekv2"
# MindIE's floor for hccl_moe_ep_buffer in MB, and HCCL's own default HCCL_BUFFSIZE in MB.
MIN_MOE_EP_BUFFER_MB = 512
DEFAULT_HCCL_BUFFSIZE_MB = 200


# ---------------------------------------------------------------- EP317 - EP319: the block


@rule(
    "EP317",
    "ep-block-ignored",
    Severity.WARNING,
    summary=Text(
        "models.deepseekv2 is set for a model that is not DeepSeek, which ignores it.",
        "为非 DeepSeek 模型设置了 models.deepseekv2，该配置会被忽略。",
    ),
    rationale=Text(
        "Only MindIE's DeepSeek-V2/V3/R1 code reads models.deepseekv2. Configs copied from a "
        "DeepSeek deployment keep the block on Qwen, Llama or GLM models, where its ep_level "
        "and buffer options change nothing.",
        "只有 MindIE 的 DeepSeek-V2/V3/R1 代码读取 models.deepseekv2。从 DeepSeek 部署复制来的配置"
        "在 Qwen、Llama、GLM 等模型上保留了该块，其中的 ep_level 与 buffer 参数不起任何作用。",
    ),
    bad='{"modelName": "qwen3", "models": {"deepseekv2": {"ep_level": 1}}}',
    good='{"modelName": "qwen3"}',
    fix=Text(
        "Remove models.deepseekv2, and use the options of the model's own family.",
        "删除 models.deepseekv2，改用该模型所属系列的参数。",
    ),
)
def ep_block_ignored(subject: Subject) -> Iterator[Hit]:
    for _, entry in subject.entries():
        if not entry.blocks or model_kind(subject, entry) != ModelKind.OTHER:
            continue
        model = _model_label(subject, entry)
        for key in entry.blocks:
            yield Hit(
                entry.at("models", key),
                Text(
                    "models.{key} has no effect: {model} is not a DeepSeek-V2/V3/R1 model, and "
                    "only MindIE's DeepSeek code reads this block",
                    "models.{key} 不生效：{model} 不是 DeepSeek-V2/V3/R1 模型，只有 MindIE 的 "
                    "DeepSeek 代码读取该块",
                ).format(key=key, model=model),
                Text(
                    "Remove models.{key}; set parallelism with tp, dp, moe_ep and moe_tp only.",
                    "删除 models.{key}；仅通过 tp、dp、moe_ep、moe_tp 设置并行。",
                ).format(key=key),
                part="key",
            )


def _model_label(subject: Subject, entry: EntryView) -> str:
    facts = subject.facts_for(entry)
    if facts is not None:
        return f"{facts.name} (model_type {facts.model_type})"
    names = [entry.entry.model_name, last_path_part(entry.entry.model_weight_path)]
    return " / ".join(json.dumps(name, ensure_ascii=False) for name in names if name)


@rule(
    "EP318",
    "hccl-moe-ep-buffer",
    Severity.WARNING,
    summary=Text(
        "parallel_options.hccl_moe_ep_buffer is below max(512, HCCL_BUFFSIZE) MB.",
        "parallel_options.hccl_moe_ep_buffer 小于 max(512, HCCL_BUFFSIZE) MB。",
    ),
    rationale=Text(
        "hccl_moe_ep_buffer (MB) sizes the HCCL buffer of the expert-parallel group. MindIE "
        "expects at least 512 MB and at least HCCL_BUFFSIZE (MB, 200 by default). For "
        "ep_level 2 MindIE raises a smaller value to its own minimum at start and logs a "
        "warning, so the configured value is ignored.",
        "hccl_moe_ep_buffer（MB）决定专家并行通信组的 HCCL buffer 大小，MindIE 要求其不小于 512 MB，"
        "也不小于 HCCL_BUFFSIZE（MB，默认 200）。ep_level 2 时 MindIE 会在启动时把过小的值提高到"
        "自身计算的下限并打印警告，配置的值因此被忽略。",
    ),
    bad='"deepseekv2": {"parallel_options": {"hccl_moe_ep_buffer": 256}}',
    good='"deepseekv2": {"parallel_options": {"hccl_moe_ep_buffer": 512}}',
    fix=Text(
        "Raise hccl_moe_ep_buffer to at least max(512, HCCL_BUFFSIZE), or remove it.",
        "将 hccl_moe_ep_buffer 提高到至少 max(512, HCCL_BUFFSIZE)，或删除该项。",
    ),
)
def hccl_moe_ep_buffer(subject: Subject) -> Iterator[Hit]:
    buffsize, source = hccl_buffsize(subject)
    minimum = max(MIN_MOE_EP_BUFFER_MB, buffsize)
    for target in active_targets(subject):
        # NOTE: MindIE's model-side config keeps parallel_options under `llm`. This checks only
        # the copy in the service's EP block. Whether MindIE reads it there is unverified.
        options = target.option("parallel_options")
        value = options.get("hccl_moe_ep_buffer") if isinstance(options, dict) else None
        if not is_number(value) or value >= minimum:
            continue
        yield Hit(
            target.at("parallel_options", "hccl_moe_ep_buffer"),
            Text(
                "hccl_moe_ep_buffer {value} MB is below the minimum {minimum} MB = max(512, "
                "HCCL_BUFFSIZE {buffsize} MB {source_en})",
                "hccl_moe_ep_buffer {value} MB 小于下限 {minimum} MB = max(512, HCCL_BUFFSIZE "
                "{buffsize} MB{source_zh})",
            ).format(
                value=value,
                minimum=minimum,
                buffsize=buffsize,
                source_en=source.en,
                source_zh=source.zh,
            ),
            Text(
                'Set "hccl_moe_ep_buffer": {minimum} or more, or remove it to use the default.',
                '设置 "hccl_moe_ep_buffer": {minimum} 或更大，或删除该项使用默认值。',
            ).format(minimum=minimum),
        )


def hccl_buffsize(subject: Subject) -> tuple[int, Text]:
    """Return HCCL_BUFFSIZE in MB and a note on where it came from."""
    raw = subject.settings.env.get("HCCL_BUFFSIZE")
    if raw is not None and raw.strip().isdigit():
        return int(raw), Text("from the environment", "，来自环境变量")
    return DEFAULT_HCCL_BUFFSIZE_MB, Text("by default, not set", "，未设置时的默认值")


@rule(
    "EP319",
    "ep-block-shadowed",
    Severity.WARNING,
    summary=Text(
        "models.deepseekv2 and a block named after the weights' model_type are both present.",
        "同时存在 models.deepseekv2 和以权重 model_type 命名的块。",
    ),
    rationale=Text(
        "MindIE reads the block whose key equals the weights' model_type (deepseek_v2 or "
        "deepseek_v3) when it exists and ignores models.deepseekv2 entirely; a model_type block "
        "that does not match the weights is ignored as well. Edits to the ignored block have "
        "no effect.",
        "若存在键名等于权重 model_type（deepseek_v2 或 deepseek_v3）的块，MindIE 读取该块并完全忽略 "
        "models.deepseekv2；与权重不符的 model_type 块同样被忽略。修改被忽略的块不会生效。",
    ),
    bad='{"modelName": "DeepSeek-R1", "models": {"deepseekv2": {"ep_level": 2}, '
    '"deepseek_v3": {"ep_level": 1}}}',
    good='{"modelName": "DeepSeek-R1", "models": {"deepseekv2": {"ep_level": 2}}}',
    fix=Text(
        "Keep one block: models.deepseekv2, or the one named after the weights' model_type.",
        "只保留一个块：models.deepseekv2，或以权重 model_type 命名的块。",
    ),
)
def ep_block_shadowed(subject: Subject) -> Iterator[Hit]:
    for _, entry in subject.entries():
        if len(entry.blocks) < 1 or model_kind(subject, entry) == ModelKind.OTHER:
            continue
        facts = subject.facts_for(entry)
        if facts is None:
            yield from _unknown_weights_hits(entry)
            continue
        read = subject.ep_block(entry)
        for key in entry.blocks:
            if read is not None and key == read.key:
                continue
            yield _ignored_block_hit(entry, key, read, facts)


def _ignored_block_hit(entry: EntryView, key: str, read: EpBlock | None, facts: ModelFacts) -> Hit:
    if read is not None and key == BLOCK_KEY:
        message = Text(
            "models.{key} is ignored: MindIE reads models.{read}, the key equal to the weights' "
            "model_type",
            "models.{key} 被忽略：MindIE 读取与权重 model_type 同名的 models.{read}",
        ).format(key=key, read=read.key)
    else:
        message = Text(
            "models.{key} is ignored: the weights' model_type is {model_type}",
            "models.{key} 被忽略：权重的 model_type 为 {model_type}",
        ).format(key=key, model_type=facts.model_type)
    hint = Text(
        "Merge the options you need into models.{target} and delete models.{key}.",
        "将需要的参数合并到 models.{target}，并删除 models.{key}。",
    ).format(target=read.key if read is not None else BLOCK_KEY, key=key)
    related = (read.pointer,) if read is not None else ()
    return Hit(entry.at("models", key), message, hint, part="key", related=related)


def _unknown_weights_hits(entry: EntryView) -> Iterator[Hit]:
    if BLOCK_KEY not in entry.blocks:
        return
    for key in entry.blocks:
        if key == BLOCK_KEY:
            continue
        yield Hit(
            entry.at("models", BLOCK_KEY),
            Text(
                "models.{block} and models.{key} are both set; if the weights' model_type is "
                "{key}, MindIE reads models.{key} and ignores models.{block}",
                "同时设置了 models.{block} 和 models.{key}；若权重的 model_type 为 {key}，"
                "MindIE 读取 models.{key} 并忽略 models.{block}",
            ).format(block=BLOCK_KEY, key=key),
            Text("Keep one of the two blocks.", "两个块只保留一个。"),
            part="key",
            related=(entry.at("models", key),),
        )
