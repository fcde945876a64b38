"""EP1xx: keys and value types, as MindIE's C++ config parser reads them."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from typing import Any

from mindie_epcheck.findings import Fix, Severity
from mindie_epcheck.fix.edits import (
    indentation,
    insert_member_after,
    rebased_member_text,
    remove_last_member,
    remove_member,
)
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.build import StructuralError, missing_fields
from mindie_epcheck.model.compiled import DEEPSEEK_V2_OPTIONS, MODEL_ENTRY
from mindie_epcheck.model.context import SectionCheck, Subject
from mindie_epcheck.model.layout import PARALLEL_KEYS, ExtraStatus, read_extra
from mindie_epcheck.model.sections import known_keys
from mindie_epcheck.model.spec import Choice, Kind, ListOf, ModelRef, TypeNode
from mindie_epcheck.rules.registry import Hit, rule
from mindie_epcheck.rules.structure_tables import (
    EXAMPLE_VALUES,
    KNOWN_EP_BLOCK_KEYS,
    KNOWN_EXTRAS,
    MISPLACED,
    PLACEHOLDERS,
    TYPE_NAMES,
)
from mindie_epcheck.source.kinds import DocumentKind
from mindie_epcheck.source.nodes import join_pointer, split_pointer, walk_members


def _key_of(pointer: str) -> str:
    """Name the value at `pointer` as a reader would: `worldSize`, `ModelConfig[0]`, or
    `npuDeviceIds[0][2]` for an item of a nested list."""
    tokens = split_pointer(pointer)
    if not tokens:
        return "(top level)"
    indexes: list[str] = []
    while tokens and tokens[-1].isdigit():
        indexes.insert(0, tokens.pop())
    name = tokens[-1] if tokens else ""
    return name + "".join(f"[{index}]" for index in indexes)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"' if len(value) <= 40 else f'"{value[:37]}..."'
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, (list, dict)):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return text if len(text) <= 40 else text[:37] + "..."
    return str(value)


@rule(
    "EP101",
    "missing-required-key",
    Severity.ERROR,
    summary=Text("A key that MindIE requires is missing.", "缺少 MindIE 必需的键。"),
    rationale=Text(
        "MindIE's C++ config parser refuses to start without modelName, modelWeightPath, "
        "worldSize, cpuMemSize, npuMemSize, backendType and trustRemoteCode in each ModelConfig "
        "entry (trustRemoteCode is documented as optional, but the 3.0 code requires it).",
        "MindIE 的 C++ 配置解析器要求每个 ModelConfig 条目包含 modelName、modelWeightPath、"
        "worldSize、cpuMemSize、npuMemSize、backendType 和 trustRemoteCode，否则无法启动"
        "（文档称 trustRemoteCode 可选，但 3.0 代码要求必填）。",
    ),
    bad='{"modelName": "deepseekr1", "worldSize": 8}',
    good='{"modelName": "deepseekr1", "modelWeightPath": "/data/weights/DeepSeek-R1_w8a8", '
    '"worldSize": 8, "cpuMemSize": 5, "npuMemSize": -1, "backendType": "atb", '
    '"trustRemoteCode": false}',
    fix=Text("Add the missing keys.", "补充缺少的键。"),
)
def missing_required_key(subject: Subject) -> Iterator[Hit]:
    for check in subject.sections:
        if not check.required:
            continue
        ref = check.ref
        keys = [missing.key for missing in missing_fields(ref.model, ref.raw, ref.pointer)]
        if keys:
            yield _missing_hit(ref.pointer, keys)


def _missing_hit(pointer: str, keys: list[str]) -> Hit:
    listed = ", ".join(keys)
    example = ", ".join(f'"{key}": {EXAMPLE_VALUES.get(key, "...")}' for key in keys)
    where = _key_of(pointer) if pointer else "the top level"
    where_zh = _key_of(pointer) if pointer else "顶层"
    return Hit(
        pointer,
        Text(
            "{where} lacks the required key(s) {keys}; MindIE will not start",
            "{where_zh} 缺少必需的键 {keys}；MindIE 无法启动",
        ).format(where=where, where_zh=where_zh, keys=listed),
        Text("Add {example}.", "补充 {example}。").format(example=example),
        part="key" if pointer else "start",
    )


@rule(
    "EP102",
    "wrong-type",
    Severity.ERROR,
    summary=Text("A value has the wrong JSON type.", "值的 JSON 类型错误。"),
    rationale=Text(
        'MindIE\'s C++ parser checks the JSON type of each known key: 8 and "8" differ, and '
        'true and "true" differ. A wrong type stops the service at start.',
        'MindIE 的 C++ 解析器会检查每个已知键的 JSON 类型：8 与 "8" 不同，true 与 "true" 不同。'
        "类型错误会导致服务启动失败。",
    ),
    bad='{"worldSize": "8", "trustRemoteCode": "false"}',
    good='{"worldSize": 8, "trustRemoteCode": false}',
    fix=Text("Write the value with the expected type.", "按期望的类型填写该值。"),
)
def wrong_type(subject: Subject) -> Iterator[Hit]:
    for error in subject.errors:
        if error.category == "type" and not _reported_elsewhere(subject, error):
            yield _type_hit(error)
    for check in subject.sections:
        fields = {field.key: field for field in check.ref.model.fields}
        for key, value in check.ref.raw.items():
            if value is None and key in fields:
                pointer = join_pointer(check.ref.pointer, key)
                expected = _kind_names(fields[key].type) or ("not_null",)
                yield _type_hit(StructuralError(pointer, "type", None, expected))


def _kind_names(node: TypeNode) -> tuple[str, ...]:
    """Name the JSON types that `node` accepts, as keys of TYPE_NAMES; () for any value."""
    if isinstance(node, Kind):
        return () if node.name == "any" else (node.name,)
    if isinstance(node, Choice):
        return ("str",)
    if isinstance(node, ListOf):
        return ("list",)
    if isinstance(node, ModelRef):
        return ("model",)
    return tuple(name for member in node.members for name in _kind_names(member))


def _reported_elsewhere(subject: Subject, error: StructuralError) -> bool:
    """NaN and Infinity have their own source rules, and a rank-table value that is not a
    string EP403 (a wrong container stays here)."""
    value = error.value
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return True
    return subject.own_ranktable is not None and error.expected == ("string",)


def _expected_names(error: StructuralError) -> tuple[str, str]:
    kinds = [TYPE_NAMES.get(name, Text(name, name)) for name in dict.fromkeys(error.expected)]
    # "a number" already includes the integers, so "a number or an integer" is redundant.
    if TYPE_NAMES["float"] in kinds and TYPE_NAMES["int"] in kinds:
        kinds.remove(TYPE_NAMES["int"])
    names = list(dict.fromkeys(kinds))
    return " or ".join(name.en for name in names), "或".join(name.zh for name in names)


def _type_hit(error: StructuralError) -> Hit:
    expected_en, expected_zh = _expected_names(error)
    key = _key_of(error.pointer)
    message = Text(
        "{key} is {value}, expected {expected_en}", "{key} 的值为 {value}，应为{expected_zh}"
    ).format(key=key, value=_show(error.value), expected_en=expected_en, expected_zh=expected_zh)
    suggestion = _suggest(error)
    if suggestion is not None and isinstance(error.value, str):
        hint = Text("Write {suggestion} (no quotes).", "改为 {suggestion}（不加引号）。").format(
            suggestion=suggestion
        )
    elif suggestion is not None:
        hint = Text("Write {suggestion}.", "改为 {suggestion}。").format(suggestion=suggestion)
    else:
        hint = Text("Write {expected_en}.", "改为{expected_zh}。").format(
            expected_en=expected_en, expected_zh=expected_zh
        )
    return Hit(error.pointer, message, hint)


def _suggest(error: StructuralError) -> str | None:
    value = error.value
    if "bool" in error.expected and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower()
    if "int" in error.expected and isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return value.strip()
    if "int" in error.expected and isinstance(value, float) and value.is_integer():
        return str(int(value))
    if (
        "float" in error.expected
        and isinstance(value, str)
        and _JSON_NUMBER.fullmatch(value.strip())
    ):
        return value.strip()
    return None


_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


@rule(
    "EP103",
    "value-out-of-range",
    Severity.ERROR,
    summary=Text(
        "A value is outside the range or set MindIE accepts.",
        "值超出 MindIE 接受的范围或取值集合。",
    ),
    rationale=Text(
        "MindIE validates ranges at start, such as worldSize > 0, maxInputTokenLen in "
        "[1, 4194304], ports in [1024, 65535], backendType one of atb, ms, torch, and the "
        "modelName pattern.",
        "MindIE 启动时会校验取值范围，例如 worldSize > 0、maxInputTokenLen 在 [1, 4194304] 内、"
        "端口在 [1024, 65535] 内、backendType 为 atb、ms、torch 之一，以及 modelName 的格式。",
    ),
    bad='{"backendType": "ATB", "worldSize": 0}',
    good='{"backendType": "atb", "worldSize": 8}',
    fix=Text("Use a value inside the accepted range.", "改为允许范围内的值。"),
)
def value_out_of_range(subject: Subject) -> Iterator[Hit]:
    for error in subject.errors:
        if error.category != "type" and not _reported_elsewhere(subject, error):
            yield _range_hit(error)


_MODEL_NAME_PATTERN = Text(
    "1-256 characters of letters, digits, '_', '.' or '-', starting and ending with a letter "
    "or digit",
    "由 1~256 个字母、数字、'_'、'.' 或 '-' 组成，且首尾为字母或数字",
)

# Comparison of a StructuralError -> (the message's end, the hint). {limit} is the bound,
# or the list of choices in the language of the text.
_RANGE_TEXTS = {
    "gt": (
        Text("expected greater than {limit}", "应大于 {limit}"),
        Text("Change {key} to a value greater than {limit}.", "将 {key} 改为大于 {limit} 的值。"),
    ),
    "ge": (
        Text("expected at least {limit}", "应不小于 {limit}"),
        Text("Change {key} to a value of at least {limit}.", "将 {key} 改为不小于 {limit} 的值。"),
    ),
    "lt": (
        Text("expected less than {limit}", "应小于 {limit}"),
        Text("Change {key} to a value less than {limit}.", "将 {key} 改为小于 {limit} 的值。"),
    ),
    "le": (
        Text("expected at most {limit}", "应不大于 {limit}"),
        Text("Change {key} to a value of at most {limit}.", "将 {key} 改为不大于 {limit} 的值。"),
    ),
    "expected": (
        Text("expected one of {limit}", "应为 {limit} 之一"),
        Text("Change {key} to one of {limit}.", "将 {key} 改为 {limit} 之一。"),
    ),
    "int64": (
        Text(
            "beyond the 64-bit integers, so MindIE's JSON library reads it as a floating-point "
            "number, not an integer",
            "超出 64 位整数的范围，MindIE 的 JSON 库会把它读作浮点数而不是整数",
        ),
        Text("Change {key} to the intended whole number.", "将 {key} 改为预期的整数。"),
    ),
    "pattern": (
        Text("expected ", "应") + _MODEL_NAME_PATTERN,
        Text("Change {key} to ", "将 {key} 改为") + _MODEL_NAME_PATTERN + Text(".", "的值。"),
    ),
}


def _range_hit(error: StructuralError) -> Hit:
    comparison = error.expected[0] if error.expected else "expected"
    expected, hint = _RANGE_TEXTS.get(comparison, _RANGE_TEXTS["expected"])
    limit = _choice_list(error) if comparison == "expected" else Text(*[str(error.limit)] * 2)
    key = _key_of(error.pointer)
    message = Text("{key} is {value}, ", "{key} 的值为 {value}，") + expected
    return Hit(
        error.pointer,
        _fill(message, key=key, value=_show(error.value), limit=limit),
        _fill(hint, key=key, limit=limit),
    )


def _fill(template: Text, **params: str | Text) -> Text:
    """Format `template`, giving a Text parameter's English to the English template and its
    Chinese to the Chinese one."""
    english = {
        name: value.en if isinstance(value, Text) else value for name, value in params.items()
    }
    chinese = {
        name: value.zh if isinstance(value, Text) else value for name, value in params.items()
    }
    return Text(template.en.format(**english), template.zh.format(**chinese))


def _choice_list(error: StructuralError) -> Text:
    """Render the choices of a "choice" error in each language: `'a', 'b' or 'c'` and
    `'a'、'b' 或 'c'`."""
    if not error.choices:
        text = str(error.limit)
        return Text(text, text)
    quoted = [repr(choice) for choice in error.choices]
    if len(quoted) == 1:
        return Text(quoted[0], quoted[0])
    return Text(
        f"{', '.join(quoted[:-1])} or {quoted[-1]}", f"{'、'.join(quoted[:-1])} 或 {quoted[-1]}"
    )


@rule(
    "EP104",
    "unknown-key",
    Severity.WARNING,
    summary=Text(
        "An unknown key looks like a misspelt known key.",
        "未知的键与某个已知键名相近，疑似拼写错误。",
    ),
    rationale=Text(
        "Keys are case-sensitive and MindIE ignores keys it does not know, so a misspelt key "
        "leaves the real one at its default without a message. The official DeepSeek README "
        "once printed `npudeviceIds`.",
        "键名区分大小写，MindIE 会忽略不认识的键，拼错的键会让真正的键保持默认值且没有任何提示。"
        "DeepSeek 官方 README 曾写成 `npudeviceIds`。",
    ),
    bad='{"npudeviceIds": [[0,1,2,3,4,5,6,7]]}',
    good='{"npuDeviceIds": [[0,1,2,3,4,5,6,7]]}',
    fix=Text("Rename the key to the known one.", "将键名改为正确的已知键名。"),
)
def unknown_key(subject: Subject) -> Iterator[Hit]:
    for check in subject.sections:
        known = _known(check)
        for key in check.ref.raw:
            if key in known:
                continue
            # epcheck's own attribute name (model_config_list for ModelConfig) is a near miss
            # too, though it shares too few letters with the key.
            attributes = {field.attr: field.key for field in check.ref.model.fields}
            match = _near_miss(key, known) or attributes.get(key)
            if match is not None:
                yield _unknown_hit(check, key, match)


def _known(check: SectionCheck) -> frozenset[str]:
    model = check.ref.model
    known = known_keys(model)
    if model is MODEL_ENTRY:
        return known | KNOWN_EXTRAS
    if model is DEEPSEEK_V2_OPTIONS:
        return known | KNOWN_EP_BLOCK_KEYS
    return known


def _near_miss(key: str, known: frozenset[str]) -> str | None:
    folded = {name.lower().replace("_", ""): name for name in known}
    exact = folded.get(key.lower().replace("_", ""))
    if exact is not None:
        return exact
    matches = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.84)
    return matches[0] if matches else None


def _unknown_hit(check: SectionCheck, key: str, match: str) -> Hit:
    pointer = join_pointer(check.ref.pointer, key)
    present = match in check.ref.raw
    if present:
        tail = Text(
            " ({match} is also set, so this key has no effect)",
            "（{match} 也已设置，因此该键无效）",
        ).format(match=match)
    else:
        tail = Text(" ({match} keeps its default)", "（{match} 保持默认值）").format(match=match)
    message = (
        Text(
            "unknown key {key!r}: did you mean {match!r}? MindIE ignores unknown keys",
            "未知的键 {key!r}：是否应为 {match!r}？MindIE 会忽略未知的键",
        ).format(key=key, match=match)
        + tail
    )
    hint = Text("Rename {key!r} to {match!r}.", "将 {key!r} 改为 {match!r}。").format(
        key=key, match=match
    )
    return Hit(pointer, message, hint, part="key")


@rule(
    "EP105",
    "misplaced-key",
    Severity.ERROR,
    summary=Text(
        "A section or option sits at a level where MindIE does not read it.",
        "配置段或选项放在了 MindIE 不读取的层级。",
    ),
    rationale=Text(
        "ModelDeployConfig and ScheduleConfig belong under BackendConfig; EP options belong "
        "under ModelConfig[i].models.deepseekv2, parallel sizes directly in ModelConfig[i]. "
        "Elsewhere MindIE ignores them without a message.",
        "ModelDeployConfig 和 ScheduleConfig 应位于 BackendConfig 下；EP 选项应位于 "
        "ModelConfig[i].models.deepseekv2 下，并行规模直接写在 ModelConfig[i] 中。放在其他位置时 "
        "MindIE 会静默忽略。",
    ),
    bad='{"BackendConfig": {...}, "ModelDeployConfig": {...}}',
    good='{"BackendConfig": {"ModelDeployConfig": {...}}}',
    fix=Text("Move the key to where MindIE reads it.", "将该键移动到 MindIE 读取的位置。"),
    autofix="sometimes",
)
def misplaced_key(subject: Subject) -> Iterator[Hit]:
    for check in subject.sections:
        placements = MISPLACED.get(check.ref.model.name, {})
        for key in check.ref.raw:
            if key in placements:
                right, severity = placements[key]
                fix = _move_section_fix(subject, check, key)
                yield _misplaced_hit(check, key, right, severity, fix)


# Whole sections that EP105 moves: (model class of the object they sit in, key) -> the
# member of that object which is the target parent. Other misplaced keys get no fix.
_MOVABLE_SECTIONS = {
    ("ServiceConfig", "ModelDeployConfig"): "BackendConfig",
    ("ServiceConfig", "ScheduleConfig"): "BackendConfig",
    ("BackendConfig", "ModelConfig"): "ModelDeployConfig",
}


def _move_section_fix(subject: Subject, check: SectionCheck, key: str) -> Fix | None:
    """Return the fix that moves section `key` into its target parent, if that is safe.

    The member text moves verbatim, re-indented to the target level. Return None when the
    target parent is missing, is not an object or is empty. Also return None when it
    already has `key`, because the user must merge the two by hand. The same goes for
    `key` written twice in this object and for a comment that blocks a clean removal.
    """
    parent_key = _MOVABLE_SECTIONS.get((check.ref.model.name, key))
    if parent_key is None:
        return None
    document = subject.document
    text = document.text
    section, _, missing = document.resolve(check.ref.pointer)
    if section is None or missing or section.members is None:
        return None
    if sum(1 for member in section.members if member.key == key) != 1:
        return None
    moved = section.member(key)
    target = section.member(parent_key)
    if moved is None or target is None or not target.node.members:
        return None
    if target.node.member(key) is not None:
        return None
    # NOTE: a comment on the lines above the key is not part of the member and stays behind.
    removal = remove_member(text, moved) or remove_last_member(text, moved)
    if removal is None:
        return None
    last = target.node.members[-1]
    entry = rebased_member_text(text, moved, indentation(text, last.key_start))
    return Fix((removal, insert_member_after(text, last, entry)), safe=True)


def _misplaced_hit(
    check: SectionCheck, key: str, right: str, severity: Severity, fix: Fix | None
) -> Hit:
    pointer = join_pointer(check.ref.pointer, key)
    here = check.ref.pointer or "/"
    return Hit(
        pointer,
        Text(
            "{key} at {here} is ignored by MindIE; it belongs at {right}",
            "{key} 位于 {here}，MindIE 不会读取；应放在 {right}",
        ).format(key=key, here=here, right=right),
        Text("Move {key} to {right}.", "将 {key} 移到 {right}。").format(key=key, right=right),
        part="key",
        severity=severity,
        fix=fix,
    )


@rule(
    "EP106",
    "placeholder-value",
    Severity.ERROR,
    summary=Text(
        "A value is a placeholder copied from an example.", "值是从示例中复制来的占位符。"
    ),
    rationale=Text(
        'Examples write "x.x.x.x", "-.-.-.-", "/path/to/..." or "改成主节点IP" where a '
        "real value goes. An IP placeholder stops the service; a path placeholder makes "
        "loading fail later, so it is a warning.",
        '示例中常用 "x.x.x.x"、"-.-.-.-"、"/path/to/..." 或 "改成主节点IP" 占位。IP 占位符'
        "会导致服务无法启动；路径占位符会在之后加载时失败，因此为警告。",
    ),
    bad='{"ipAddress": "x.x.x.x"}',
    good='{"ipAddress": "192.0.2.10"}',
    fix=Text("Replace the placeholder with the real value.", "将占位符替换为真实值。"),
)
def placeholder_value(subject: Subject) -> Iterator[Hit]:
    root = subject.document.root
    # Rank-table addresses have their own rules (EP407, EP409), which quote MindIE's error.
    if root is None or subject.own_ranktable is not None:
        return
    for parent, member in walk_members(root):
        value = member.node.value
        if not isinstance(value, str):
            continue
        for pattern, kind in PLACEHOLDERS:
            if pattern.search(value):
                yield _placeholder_hit(join_pointer(parent, member.key), member.key, value, kind)
                break


_KIND_NAMES = {
    "ip": Text("IP address", "IP 地址"),
    "path": Text("path", "路径"),
    "value": Text("value", "值"),
}


def _placeholder_hit(pointer: str, key: str, value: str, kind: str) -> Hit:
    severity = Severity.WARNING if kind == "path" else None
    return Hit(
        pointer,
        Text(
            "{key} is the placeholder {value}, not a real {kind}",
            "{key} 的值 {value} 是占位符，不是真实的{kind_zh}",
        ).format(
            key=key,
            value=_show(value),
            kind=_KIND_NAMES.get(kind, _KIND_NAMES["value"]).en,
            kind_zh=_KIND_NAMES.get(kind, _KIND_NAMES["value"]).zh,
        ),
        Text(
            "Replace it with the real {kind} of this deployment.", "替换为本次部署真实的{kind_zh}。"
        ).format(
            kind=_KIND_NAMES.get(kind, _KIND_NAMES["value"]).en,
            kind_zh=_KIND_NAMES.get(kind, _KIND_NAMES["value"]).zh,
        ),
        severity=severity,
    )


@rule(
    "EP107",
    "coerced-parallel-size",
    Severity.WARNING,
    summary=Text(
        "A parallel size (tp, dp, moe_ep, ...) is not a plain integer and MindIE converts it.",
        "并行规模（tp、dp、moe_ep 等）不是普通整数，MindIE 会对其做类型转换。",
    ),
    rationale=Text(
        "MindIE passes ModelConfig extras to Python as strings: a number is cast to int32 "
        "(2.5 becomes 2), true becomes 1, arrays and objects are dropped, and int() of a word "
        'stops the service. 8.0 and "8" work.',
        "MindIE 以字符串形式把 ModelConfig 的扩展字段传给 Python：数字先转换为 int32（2.5 变为 2），"
        'true 变为 1，数组和对象被丢弃，非数字字符串在 int() 时导致服务启动失败。8.0 和 "8" 可以正常使用。',
    ),
    bad='{"moe_ep": 2.5, "tp": true}',
    good='{"moe_ep": 2, "tp": 8}',
    fix=Text("Write the size as a plain integer.", "将并行规模写成普通整数。"),
)
def coerced_parallel_size(subject: Subject) -> Iterator[Hit]:
    for _, entry in subject.entries():
        for key in PARALLEL_KEYS:
            if key not in entry.raw:
                continue
            hit = _coercion_hit(entry.at(key), key, entry.raw[key])
            if hit is not None:
                yield hit


_COERCIONS: dict[ExtraStatus, tuple[Severity, Text]] = {
    ExtraStatus.INTEGRAL_FLOAT: (
        Severity.INFO,
        Text(
            "{key} is {value}; MindIE casts it to {effective}",
            "{key} 为 {value}；MindIE 将其转换为 {effective}",
        ),
    ),
    ExtraStatus.NUMERIC_STRING: (
        Severity.INFO,
        Text(
            "{key} is the string {value}; MindIE converts it to {effective}",
            "{key} 是字符串 {value}；MindIE 将其转换为 {effective}",
        ),
    ),
    ExtraStatus.TRUNCATED: (
        Severity.WARNING,
        Text(
            "{key} is {value}; MindIE truncates it to {effective} without a message",
            "{key} 为 {value}；MindIE 会静默截断为 {effective}",
        ),
    ),
    ExtraStatus.BOOL: (
        Severity.ERROR,
        Text(
            "{key} is {value}; MindIE turns a boolean into {effective}, which is surely not meant",
            "{key} 为 {value}；MindIE 会把布尔值转换为 {effective}，这显然不是本意",
        ),
    ),
    ExtraStatus.DROPPED: (
        Severity.ERROR,
        Text(
            "{key} is {value}; MindIE drops it and uses the default",
            "{key} 为 {value}；MindIE 会丢弃它并使用默认值",
        ),
    ),
    ExtraStatus.INVALID: (
        Severity.ERROR,
        Text(
            "{key} is {value}; MindIE's int() conversion fails and the service does not start",
            "{key} 为 {value}；MindIE 的 int() 转换失败，服务无法启动",
        ),
    ),
}


def _coercion_hit(pointer: str, key: str, raw: Any) -> Hit | None:
    extra = read_extra({key: raw}, key)
    found = _COERCIONS.get(extra.status)
    if found is None:
        return None
    severity, template = found
    effective = extra.value if extra.value is not None else "-"
    message = template.format(key=key, value=_show(raw), effective=effective)
    if extra.value is not None:
        hint = Text('Write "{key}": {effective}.', '改为 "{key}": {effective}。').format(
            key=key, effective=extra.value
        )
    else:
        hint = Text(
            'Write {key} as an integer, such as "{key}": 1, or remove it.',
            '将 {key} 写成整数，如 "{key}": 1，或删除该键。',
        ).format(key=key)
    return Hit(pointer, message, hint, severity=severity)


@rule(
    "EP108",
    "string-boolean",
    Severity.WARNING,
    summary=Text(
        'A boolean option is written as the string "true" or "false".',
        '布尔选项被写成了字符串 "true" 或 "false"。',
    ),
    rationale=Text(
        'MindIE\'s ATB model-side config ships some switches as strings ("enable_mc2": "true") '
        'although its own validator types them as bool; a string "false" is truthy in Python.',
        'MindIE ATB 模型侧配置中有些开关以字符串形式给出（"enable_mc2": "true"），而其校验器把它们'
        '定义为 bool；在 Python 中字符串 "false" 的真值为 True。',
    ),
    bad='{"enable_mc2": "true", "micro_batch": "false"}',
    good='{"enable_mc2": true, "micro_batch": false}',
    fix=Text("Write true or false without quotes.", "改为不加引号的 true 或 false。"),
)
def string_boolean(subject: Subject) -> Iterator[Hit]:
    root = subject.document.root
    if root is None or subject.kind not in (DocumentKind.ATB_MODEL_CONFIG,):
        return
    for parent, member in walk_members(root):
        value = member.node.value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            yield Hit(
                join_pointer(parent, member.key),
                Text(
                    "{key} is the string {value}, expected a boolean",
                    "{key} 是字符串 {value}，应为布尔值",
                ).format(key=member.key, value=_show(value)),
                Text("Write {literal} without quotes.", "改为不加引号的 {literal}。").format(
                    literal=value.lower()
                ),
            )
