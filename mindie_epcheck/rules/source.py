"""EP0xx: the file's bytes and JSON syntax, as MindIE's parser (nlohmann::json) reads them."""

from __future__ import annotations

from collections.abc import Iterator

from mindie_epcheck.findings import Edit, Fix, Severity
from mindie_epcheck.fix.edits import remove_member
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.context import Subject
from mindie_epcheck.rules.registry import Hit, rule
from mindie_epcheck.source.document import MAX_FILE_BYTES, Notice, NoticeKind
from mindie_epcheck.source.kinds import DocumentKind
from mindie_epcheck.source.nodes import walk_members
from mindie_epcheck.source.parser import (
    MAX_PROBLEMS,
    JsonSyntaxError,
    Problem,
    ProblemKind,
    SyntaxReason,
)

_EXPECTED = {
    SyntaxReason.EXPECTED_VALUE: Text("a value", "一个值"),
    SyntaxReason.EXPECTED_KEY: Text(
        'a key in double quotes, such as "maxSeqLen"', '双引号括起的键名，例如 "maxSeqLen"'
    ),
    SyntaxReason.EXPECTED_COLON: Text("':' after the key", "键名后的 ':'"),
    SyntaxReason.EXPECTED_COMMA_OR_OBJECT_END: Text("',' or '}'", "',' 或 '}'"),
    SyntaxReason.EXPECTED_COMMA_OR_ARRAY_END: Text("',' or ']'", "',' 或 ']'"),
    SyntaxReason.EXPECTED_END: Text("the end of the file", "文件结束"),
    SyntaxReason.UNTERMINATED_STRING: Text("a closing '\"'", "结束的 '\"'"),
    SyntaxReason.CONTROL_CHARACTER: Text(
        "no raw control character inside a string (write \\n or \\t)",
        "字符串内不能有原始控制字符（应写作 \\n 或 \\t）",
    ),
    SyntaxReason.INVALID_ESCAPE: Text(
        'a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)',
        '合法的转义（\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX）',
    ),
    SyntaxReason.LONE_SURROGATE: Text(
        "a \\uD800-\\uDBFF escape followed by a \\uDC00-\\uDFFF escape",
        "\\uD800-\\uDBFF 转义后紧跟 \\uDC00-\\uDFFF 转义",
    ),
    SyntaxReason.UNTERMINATED_COMMENT: Text("'*/' closing the comment", "结束注释的 '*/'"),
    SyntaxReason.TOO_DEEP: Text("at most 512 levels of nesting", "嵌套不超过 512 层"),
    SyntaxReason.TOO_MANY_VALUES: Text("at most 100,000 values", "不超过 100,000 个值"),
}


def _has_notice(subject: Subject, kind: NoticeKind) -> Notice | None:
    return next((notice for notice in subject.document.notices if notice.kind == kind), None)


def _problems(subject: Subject, kind: ProblemKind) -> Iterator[Problem]:
    return (problem for problem in subject.document.problems if problem.kind == kind)


# Problem kind -> its name in English (singular, plural) and in Chinese.
_PROBLEM_NOUNS = {
    ProblemKind.COMMENT: ("comment", "comments", "注释"),
    ProblemKind.TRAILING_COMMA: ("trailing comma", "trailing commas", "多余的逗号"),
    ProblemKind.DUPLICATE_KEY: ("duplicate key", "duplicate keys", "重复的键"),
    ProblemKind.NON_FINITE: (
        "NaN or Infinity value",
        "NaN or Infinity values",
        "NaN 或 Infinity 值",
    ),
    ProblemKind.NUMBER_RANGE: ("out-of-range number", "out-of-range numbers", "超出范围的数字"),
}
_DROPPED_ONE = Text(
    "1 more {noun} is not reported, the one here: epcheck records at most {limit:,} JSON "
    "problems per file",
    "另有 1 处{noun_zh}未报告，即此处：epcheck 每个文件最多记录 {limit:,} 个 JSON 问题",
)
_DROPPED_MANY = Text(
    "{count:,} more {noun} are not reported, the first of them here: epcheck records at most "
    "{limit:,} JSON problems per file",
    "另有 {count:,} 处{noun_zh}未报告，第一处在此：epcheck 每个文件最多记录 {limit:,} 个 JSON 问题",
)


def _dropped(subject: Subject, kind: ProblemKind) -> Iterator[Hit]:
    """Yield the note that problems of `kind` past the parser's MAX_PROBLEMS go unreported.

    Each rule yields it before its other hits, so that the runner's limit on the findings of
    one rule cannot cut it off.
    """
    for notice in subject.document.notices:
        if notice.kind != NoticeKind.PROBLEMS_DROPPED or notice.detail["kind"] != kind:
            continue
        count = notice.detail["count"]
        singular, plural, noun_zh = _PROBLEM_NOUNS[kind]
        message = (_DROPPED_ONE if count == 1 else _DROPPED_MANY).format(
            count=count,
            noun=singular if count == 1 else plural,
            noun_zh=noun_zh,
            limit=MAX_PROBLEMS,
        )
        yield Hit(
            subject.document.pointer_at(notice.start),
            message,
            Text(
                "Fix the reported problems and run epcheck again to see the rest.",
                "修正已报告的问题后再次运行 epcheck，即可看到其余问题。",
            ),
            severity=Severity.INFO,
            offsets=(notice.start, notice.end),
        )


@rule(
    "EP000",
    "internal-error",
    Severity.ERROR,
    summary=Text(
        "A rule of epcheck failed on this file.", "epcheck 的某条规则在检查本文件时出错。"
    ),
    rationale=Text(
        "A bug in one rule must not hide the findings of the others, so it is reported as a "
        "finding and the run goes on.",
        "单条规则的缺陷不应掩盖其他规则的结果，因此作为一条检查结果报告，检查继续进行。",
    ),
    bad="(any file that triggers a bug in a rule)",
    good="(the same file once the rule is fixed)",
    fix=Text(
        "Report the bug with the file; skip the rule with --ignore meanwhile.",
        "请附上文件反馈该缺陷；修复前可用 --ignore 跳过该规则。",
    ),
)
def internal_error(subject: Subject) -> Iterator[Hit]:
    return iter(())


@rule(
    "EP001",
    "invalid-json",
    Severity.ERROR,
    summary=Text("The file is not valid JSON.", "文件不是合法的 JSON。"),
    rationale=Text(
        "MindIE parses config.json with nlohmann::json and stops at the first syntax error, "
        "after printing only a byte offset.",
        "MindIE 使用 nlohmann::json 解析 config.json，遇到第一个语法错误即退出，且只给出字节偏移。",
    ),
    bad='{"maxSeqLen": 2560 "maxInputTokenLen": 2048}',
    good='{"maxSeqLen": 2560, "maxInputTokenLen": 2048}',
    fix=Text("Correct the syntax at the reported position.", "在报告的位置修正语法。"),
)
def invalid_json(subject: Subject) -> Iterator[Hit]:
    error = subject.document.error
    if error is None or _has_notice(subject, NoticeKind.FRAGMENT):
        return
    yield _syntax_hit(error)


def _syntax_hit(error: JsonSyntaxError) -> Hit:
    expected = _EXPECTED[error.reason]
    message = Text(
        "invalid JSON: expected {expected_en}, found {found}",
        "JSON 语法错误：此处应为{expected_zh}，实际为 {found}",
    ).format(expected_en=expected.en, expected_zh=expected.zh, found=error.found)
    hint = Text(
        "Insert or remove the character at this position so that the file is strict JSON.",
        "在此位置补上或删除字符，使文件成为严格的 JSON。",
    )
    if error.reason == SyntaxReason.TOO_DEEP:
        message = Text(
            "the file nests arrays or objects deeper than 512 levels; epcheck does not parse "
            "past that, and no MindIE file nests more than a few levels",
            "文件中数组或对象的嵌套超过 512 层；epcheck 不再继续解析，MindIE 的配置文件通常只有几层嵌套",
        )
        hint = Text(
            "Check that this is a MindIE config, rank table or model config.",
            "请确认这是 MindIE 的配置文件、rank table 或模型配置。",
        )
    if error.reason == SyntaxReason.TOO_MANY_VALUES:
        message = Text(
            "the file contains more than 100,000 JSON values; epcheck stops parsing here, because "
            "a MindIE config has hundreds and a rank table a few thousand",
            "文件中的 JSON 值超过 100,000 个；epcheck 在此停止解析，MindIE 的配置文件通常只有几百个值，"
            "rank table 也只有几千个",
        )
        hint = Text(
            "Check that this is a MindIE config, rank table or model config.",
            "请确认这是 MindIE 的配置文件、rank table 或模型配置。",
        )
    if error.reason == SyntaxReason.EXPECTED_COMMA_OR_OBJECT_END and error.found.startswith("'\"'"):
        hint = Text(
            "Add the missing ',' at the end of the previous member.",
            "在上一个成员末尾补上缺少的 ','。",
        )
    return Hit("", message, hint, offsets=(error.offset, error.offset + 1))


@rule(
    "EP002",
    "comment",
    Severity.ERROR,
    summary=Text(
        "JSON has no comments; MindIE rejects the file.", "JSON 不支持注释，MindIE 会拒绝该文件。"
    ),
    rationale=Text(
        "Example configs in READMEs carry // notes; copied as they are, the service fails to "
        "parse its config and does not start.",
        "README 中的示例配置常带有 // 说明，原样复制后服务无法解析配置，无法启动。",
    ),
    bad='"maxLinkNum" : 1000, // 4 nodes: 300',
    good='"maxLinkNum" : 1000,',
    fix=Text(
        "Delete the comment; keep notes in a separate file.", "删除注释，把说明写到单独的文件中。"
    ),
)
def comment(subject: Subject) -> Iterator[Hit]:
    yield from _dropped(subject, ProblemKind.COMMENT)
    for problem in _problems(subject, ProblemKind.COMMENT):
        text = subject.document.text[problem.start : problem.end]
        shown = text if len(text) <= 40 else text[:37] + "..."
        yield Hit(
            subject.document.pointer_at(problem.start),
            Text(
                "comment {text!r}: JSON does not allow comments", "注释 {text!r}：JSON 不允许注释"
            ).format(text=shown),
            Text("Delete the comment.", "删除该注释。"),
            offsets=(problem.start, problem.end),
        )


@rule(
    "EP003",
    "trailing-comma",
    Severity.ERROR,
    summary=Text(
        "A comma before '}' or ']' is not JSON; MindIE rejects the file.",
        "'}' 或 ']' 前的逗号不符合 JSON 语法，MindIE 会拒绝该文件。",
    ),
    rationale=Text(
        "Python and JavaScript accept a trailing comma, so it slips in when a member is "
        "deleted; nlohmann::json does not.",
        "Python 和 JavaScript 允许尾随逗号，删除成员时容易遗留；nlohmann::json 不接受。",
    ),
    bad='{"e2eTimeout": 3600,}',
    good='{"e2eTimeout": 3600}',
    fix=Text("Delete the comma.", "删除该逗号。"),
    autofix="safe",
)
def trailing_comma(subject: Subject) -> Iterator[Hit]:
    yield from _dropped(subject, ProblemKind.TRAILING_COMMA)
    for problem in _problems(subject, ProblemKind.TRAILING_COMMA):
        yield Hit(
            subject.document.pointer_at(problem.start),
            Text("trailing comma before the closing bracket", "右括号前有多余的逗号"),
            Text("Delete this comma.", "删除此逗号。"),
            offsets=(problem.start, problem.end),
            fix=Fix((Edit(problem.start, problem.end, ""),), safe=True),
        )


@rule(
    "EP004",
    "duplicate-key",
    Severity.ERROR,
    summary=Text(
        "A key appears twice in one object; MindIE silently uses the last one.",
        "同一对象中键名重复；MindIE 静默使用最后一个。",
    ),
    rationale=Text(
        "nlohmann::json keeps the last value without a message, so an edit to the first "
        "occurrence has no effect. Identical values are only a warning.",
        "nlohmann::json 静默保留最后一个值，修改第一个出现处不会生效。值相同时仅为警告。",
    ),
    bad='{"maxSeqLen": 4096, "maxSeqLen": 2560}',
    good='{"maxSeqLen": 4096}',
    fix=Text("Keep one occurrence of the key.", "只保留该键的一处。"),
    autofix="safe",
)
def duplicate_key(subject: Subject) -> Iterator[Hit]:
    yield from _dropped(subject, ProblemKind.DUPLICATE_KEY)
    duplicates = list(_problems(subject, ProblemKind.DUPLICATE_KEY))
    occurrences = _occurrences(duplicates)
    for problem in duplicates:
        chain = occurrences[problem.start]
        yield Hit(
            subject.document.pointer_at(problem.start),
            _duplicate_message(subject, problem, chain),
            _duplicate_hint(len(chain)),
            severity=Severity.WARNING if problem.detail["same_value"] else None,
            offsets=(problem.start, problem.end),
            fix=_remove_earlier(subject, problem.detail["first_start"]),
        )


def _duplicate_message(subject: Subject, problem: Problem, chain: list[int]) -> Text:
    """Word the duplicate at `problem`, given the key starts of all occurrences of its key.

    The last occurrence is the one MindIE uses, and each one before it is ignored. Both
    wordings name the occurrence just before this one, which the fix deletes.
    """
    lines = subject.document.lines
    previous_line, previous_column = lines.position(problem.detail["first_start"])
    line, _ = lines.position(problem.start)
    last_line, last_column = lines.position(chain[-1])
    if chain[-1] == problem.start:
        message = Text(
            "key {key!r} also appears on line {previous_line}:{previous_column}; MindIE uses this "
            "last one (line {line}) and ignores the earlier {values}",
            "键 {key!r} 已在第 {previous_line} 行第 {previous_column} 列出现；MindIE 使用此处"
            "（第 {line} 行）的最后一个值，忽略前面的值",
        )
    else:
        message = Text(
            "key {key!r} also appears on line {previous_line}:{previous_column} and again on line "
            "{last_line}:{last_column}; MindIE ignores this value (line {line}) and uses the "
            "last one (line {last_line})",
            "键 {key!r} 已在第 {previous_line} 行第 {previous_column} 列出现，之后又在第 {last_line} "
            "行第 {last_column} 列出现；MindIE 忽略此处（第 {line} 行）的值，使用第 {last_line} "
            "行的最后一个值",
        )
    return message.format(
        key=problem.detail["key"],
        previous_line=previous_line,
        previous_column=previous_column,
        line=line,
        last_line=last_line,
        last_column=last_column,
        values="value" if len(chain) == 2 else "values",
    )


def _duplicate_hint(count: int) -> Text:
    if count == 2:
        return Text(
            "Delete one of the two; keep the value you mean.", "删除其中一处，保留你想要的值。"
        )
    return Text(
        "The key appears {count} times; delete all but the one with the value you mean.",
        "该键共出现 {count} 次；只保留值正确的那一处，删除其余各处。",
    ).format(count=count)


def _occurrences(duplicates: list[Problem]) -> dict[int, list[int]]:
    """Map the key start of each duplicate to the key starts of every occurrence of that key
    in its object, in source order.

    Each duplicate records the occurrence just before it, so the occurrences of one key form
    a chain from the first to the last, the one MindIE uses. Past the parser's limit on
    problems the chain ends early, at the last duplicate it recorded.
    """
    following = {problem.detail["first_start"]: problem.start for problem in duplicates}
    repeated = {problem.start for problem in duplicates}
    occurrences: dict[int, list[int]] = {}
    for first in following.keys() - repeated:
        chain = [first]
        while chain[-1] in following:
            chain.append(following[chain[-1]])
        for start in chain:
            occurrences[start] = chain
    return occurrences


def _remove_earlier(subject: Subject, key_start: int) -> Fix | None:
    """Return the fix that deletes the earlier member, keeping the one MindIE uses."""
    root = subject.document.root
    if root is None:
        return None
    for _, member in walk_members(root):
        if member.key_start == key_start:
            edit = remove_member(subject.document.text, member)
            return Fix((edit,), safe=True) if edit is not None else None
    return None


@rule(
    "EP005",
    "non-finite-number",
    Severity.ERROR,
    summary=Text(
        "NaN and Infinity are not JSON numbers.", "NaN 和 Infinity 不是合法的 JSON 数字。"
    ),
    rationale=Text(
        "Python's json module writes them by default, but nlohmann::json rejects the file.",
        "Python 的 json 模块默认会输出它们，但 nlohmann::json 会拒绝该文件。",
    ),
    bad='{"topk_scaling_factor": NaN}',
    good='{"topk_scaling_factor": 0.5}',
    fix=Text("Write a finite number or remove the key.", "改为有限的数字或删除该键。"),
)
def non_finite(subject: Subject) -> Iterator[Hit]:
    yield from _dropped(subject, ProblemKind.NON_FINITE)
    for problem in _problems(subject, ProblemKind.NON_FINITE):
        yield Hit(
            subject.document.pointer_at(problem.start),
            Text("{token} is not a JSON number", "{token} 不是合法的 JSON 数字").format(
                **problem.detail
            ),
            Text("Write a finite number or remove the key.", "改为有限的数字或删除该键。"),
            offsets=(problem.start, problem.end),
        )


@rule(
    "EP006",
    "number-out-of-range",
    Severity.ERROR,
    summary=Text("A number is too large for a double.", "数字超出双精度浮点数范围。"),
    rationale=Text(
        "nlohmann::json, MindIE's parser, rejects a number beyond about 1.8e308 (error "
        "out_of_range.406, number overflow), so the service does not load the file; no config "
        "value needs one, so it is a typo.",
        "MindIE 使用的 nlohmann::json 会拒绝超过约 1.8e308 的数字（错误 out_of_range.406，"
        "数字溢出），服务无法加载该文件；没有配置项需要这样的值，多为笔误。",
    ),
    bad='{"maxSeqLen": 1e400}',
    good='{"maxSeqLen": 4096}',
    fix=Text("Write the number you mean.", "改为实际需要的数值。"),
)
def number_out_of_range(subject: Subject) -> Iterator[Hit]:
    yield from _dropped(subject, ProblemKind.NUMBER_RANGE)
    for problem in _problems(subject, ProblemKind.NUMBER_RANGE):
        token = problem.detail["token"]
        shown = token if len(token) <= 24 else token[:21] + "..."
        yield Hit(
            subject.document.pointer_at(problem.start),
            Text(
                "number {token} is out of the range of a double",
                "数字 {token} 超出双精度浮点数范围",
            ).format(token=shown),
            Text("Write the number you mean.", "改为实际需要的数值。"),
            offsets=(problem.start, problem.end),
        )


@rule(
    "EP007",
    "encoding",
    Severity.ERROR,
    summary=Text("The file is not plain UTF-8.", "文件不是纯 UTF-8 编码。"),
    rationale=Text(
        "MindIE reads UTF-8. Invalid bytes or a UTF-16 file stop it; a UTF-8 byte order mark "
        "is skipped by nlohmann::json but rejected by Python's json.loads, so it is a warning.",
        "MindIE 按 UTF-8 读取。非法字节或 UTF-16 文件会导致失败；UTF-8 BOM 会被 nlohmann::json "
        "跳过，但 Python 的 json.loads 会拒绝，因此为警告。",
    ),
    bad="(a file saved as UTF-16 by a Windows editor)",
    good="(the same file saved as UTF-8 without BOM)",
    fix=Text("Save the file as UTF-8 without BOM.", "将文件另存为无 BOM 的 UTF-8。"),
)
def encoding(subject: Subject) -> Iterator[Hit]:
    hint = Text(
        "Save the file as UTF-8 without BOM, e.g. `iconv -f GBK -t UTF-8` for GBK text.",
        "将文件另存为无 BOM 的 UTF-8，GBK 文本可用 `iconv -f GBK -t UTF-8` 转换。",
    )
    for notice in subject.document.notices:
        if notice.kind == NoticeKind.UTF8_BOM:
            yield Hit(
                "",
                Text(
                    "the file starts with a UTF-8 byte order mark (BOM)",
                    "文件以 UTF-8 BOM（字节顺序标记）开头",
                ),
                hint,
                severity=Severity.WARNING,
                offsets=(0, 0),
            )
        elif notice.kind == NoticeKind.WIDE_ENCODING:
            yield Hit(
                "",
                Text(
                    "the file is encoded as {encoding}; MindIE reads UTF-8",
                    "文件编码为 {encoding}；MindIE 只读取 UTF-8",
                ).format(**notice.detail),
                hint,
                offsets=(0, 0),
            )
        elif notice.kind == NoticeKind.INVALID_UTF8:
            yield Hit(
                "",
                Text("byte {byte} is not valid UTF-8", "字节 {byte} 不是合法的 UTF-8").format(
                    **notice.detail
                ),
                hint,
                offsets=(notice.start, notice.end),
            )


@rule(
    "EP008",
    "file-too-large",
    Severity.ERROR,
    summary=Text(
        "The file is larger than MindIE's 10 MB limit.", "文件超过 MindIE 的 10 MB 上限。"
    ),
    rationale=Text(
        "MindIE refuses a config or rank table over 10 MB; epcheck does not parse it either.",
        "MindIE 拒绝超过 10 MB 的配置文件或 rank table；epcheck 同样不再解析。",
    ),
    bad="(a 12 MB config.json)",
    good="(a config.json of a few KB)",
    fix=Text(
        "Pass the right file; a config.json is a few KB.",
        "请确认文件是否正确；config.json 通常只有几 KB。",
    ),
)
def file_too_large(subject: Subject) -> Iterator[Hit]:
    notice = _has_notice(subject, NoticeKind.TOO_LARGE)
    if notice is not None:
        yield Hit(
            "",
            Text(
                "the file is larger than {limit:,} bytes (10 MB), the most MindIE accepts",
                "文件超过 {limit:,} 字节（10 MB），超出 MindIE 的上限",
            ).format(limit=MAX_FILE_BYTES),
            Text("Check that this is the config.json you meant.", "请确认这是正确的 config.json。"),
            offsets=(0, 0),
        )


@rule(
    "EP009",
    "empty-file",
    Severity.ERROR,
    summary=Text("The file is empty.", "文件为空。"),
    rationale=Text("MindIE refuses an empty config file.", "MindIE 拒绝空的配置文件。"),
    bad="(a file of zero bytes)",
    good='{"Version": "1.0.0", ...}',
    fix=Text("Write the configuration into the file.", "在文件中写入配置。"),
)
def empty_file(subject: Subject) -> Iterator[Hit]:
    if _has_notice(subject, NoticeKind.EMPTY):
        yield Hit(
            "",
            Text("the file is empty", "文件为空"),
            Text(
                "Copy MindIE's default config.json and edit it.",
                "复制 MindIE 默认的 config.json 后再修改。",
            ),
            offsets=(0, 0),
        )


@rule(
    "EP010",
    "documentation-fragment",
    Severity.ERROR,
    summary=Text(
        'The file is a fragment such as `"ModelDeployConfig" : {...},` copied from the docs.',
        '文件是从文档复制的片段，如 `"ModelDeployConfig" : {...},`。',
    ),
    rationale=Text(
        'MindIE\'s documentation prints sections as `"key" : {...},`, which is not JSON on its '
        "own. Pasted into a file it cannot be parsed; pasted into config.json at the top level "
        "MindIE ignores it, because the section belongs under BackendConfig.",
        'MindIE 文档以 `"键" : {...},` 的形式给出配置段，单独存放不是合法 JSON；'
        "若粘贴到 config.json 顶层，MindIE 会忽略它，因为该段应位于 BackendConfig 下。",
    ),
    bad='"ModelDeployConfig" : { "maxSeqLen" : 2560 },',
    good='{ "ModelDeployConfig" : { "maxSeqLen" : 2560 } }',
    fix=Text(
        "Wrap the fragment in { } and drop the trailing comma, or merge it into config.json "
        "under BackendConfig; `--wrap-fragment` lints it as it is.",
        "用 { } 包裹片段并删除末尾逗号，或将其合并到 config.json 的 BackendConfig 下；"
        "使用 `--wrap-fragment` 可直接检查该片段。",
    ),
)
def documentation_fragment(subject: Subject) -> Iterator[Hit]:
    notice = _has_notice(subject, NoticeKind.FRAGMENT)
    if notice is None:
        return
    key = notice.detail["key"]
    if subject.document.wrapped:
        yield Hit(
            "",
            Text(
                "linted the documentation fragment {key!r} as if wrapped in {{ }}",
                "已将文档片段 {key!r} 视为用 {{ }} 包裹后进行检查",
            ).format(key=key),
            Text(
                "Merge it into config.json under BackendConfig before use.",
                "使用前请将其合并到 config.json 的 BackendConfig 下。",
            ),
            severity=Severity.INFO,
            offsets=(0, 0),
        )
        return
    start = subject.document.text.index('"')
    yield Hit(
        "",
        Text(
            'the file is a documentation fragment `"{key}" : ...`, not a JSON document',
            '文件是文档片段 `"{key}" : ...`，不是完整的 JSON 文档',
        ).format(key=key),
        Text(
            'Wrap it as {{ "{key}" : ... }} without the trailing comma, or merge it into '
            "config.json under BackendConfig; or run with --wrap-fragment to lint it as it is.",
            '改写为 {{ "{key}" : ... }} 并删除末尾逗号，或合并到 config.json 的 BackendConfig 下；'
            "也可加 --wrap-fragment 直接检查。",
        ).format(key=key),
        offsets=(start, start + len(key) + 2),
    )


@rule(
    "EP011",
    "not-an-object",
    Severity.ERROR,
    summary=Text("The top level is not a JSON object.", "顶层不是 JSON 对象。"),
    rationale=Text(
        "Every MindIE config and rank table is an object at the top level.",
        "MindIE 的配置文件和 rank table 顶层都是对象。",
    ),
    bad='[{"modelName": "deepseekr1"}]',
    good='{"modelName": "deepseekr1"}',
    fix=Text("Make the top level an object { ... }.", "将顶层改为对象 { ... }。"),
)
def not_an_object(subject: Subject) -> Iterator[Hit]:
    if subject.document.root is not None and subject.kind == DocumentKind.NOT_OBJECT:
        found = type(subject.document.value).__name__
        names = {
            "list": Text("array", "数组"),
            "str": Text("string", "字符串"),
            "int": Text("number", "数字"),
            "float": Text("number", "数字"),
            "bool": Text("boolean", "布尔值"),
            "NoneType": Text("null", "空值（null）"),
        }
        name = names.get(found, Text(found, found))
        yield Hit(
            "",
            Text(
                "the top level is {found}, expected an object", "顶层是{found_zh}，应为对象"
            ).format(found=name.en, found_zh=name.zh),
            Text("Make the top level an object { ... }.", "将顶层改为对象 { ... }。"),
            part="start",
        )


@rule(
    "EP012",
    "other-file-kind",
    Severity.INFO,
    summary=Text(
        "The file is a MindIE file of another kind, not a service config.json.",
        "文件是 MindIE 的其他类型文件，不是服务化 config.json。",
    ),
    rationale=Text(
        "Rank tables, MindIE-MS deployment files and the ATB model-side config have their own "
        "keys; epcheck names the kind and checks what applies instead of listing every "
        "config.json key as missing.",
        "rank table、MindIE-MS 部署文件和 ATB 模型侧配置各有自己的字段；epcheck 指明文件类型并"
        "只做适用的检查，而不是把 config.json 的字段全部报为缺失。",
    ),
    bad="epcheck validate ranktable.json",
    good="epcheck validate config.json --ranktable ranktable.json",
    fix=Text(
        "Pass a rank table with --ranktable next to its config.json.",
        "rank table 请通过 --ranktable 与对应的 config.json 一起传入。",
    ),
)
def other_file_kind(subject: Subject) -> Iterator[Hit]:
    kind = subject.kind
    if subject.given_as_ranktable and kind == DocumentKind.RANKTABLE:
        return
    if subject.document.root is None or kind in (
        DocumentKind.SERVICE_CONFIG,
        DocumentKind.MODEL_DEPLOY_CONFIG,
        DocumentKind.MODEL_CONFIG_ENTRY,
        DocumentKind.MODEL_CONFIG_LIST,
        DocumentKind.NOT_OBJECT,
    ):
        return
    if kind == DocumentKind.UNKNOWN:
        yield Hit(
            "",
            Text(
                "not recognised as a MindIE config.json, rank table or MindIE-MS file",
                "无法识别为 MindIE 的 config.json、rank table 或 MindIE-MS 文件",
            ),
            Text(
                "Check the path; a config.json has ServerConfig and BackendConfig at the top.",
                "请检查路径；config.json 顶层应包含 ServerConfig 和 BackendConfig。",
            ),
            severity=Severity.WARNING,
            part="start",
        )
        return
    yield Hit(
        "",
        Text(
            "this file is {title_en}, not a MindIE Service config.json; checked as such",
            "该文件是{title_zh}，不是 MindIE Service 的 config.json；按其类型检查",
        ).format(title_en=kind.label.en, title_zh=kind.label.zh),
        _kind_hint(kind),
        part="start",
    )


def _kind_hint(kind: DocumentKind) -> Text:
    if kind in (DocumentKind.RANKTABLE, DocumentKind.RANKTABLE_SERVER):
        return Text(
            "Check it with its config: epcheck validate config.json --ranktable FILE.",
            "请与配置一起检查：epcheck validate config.json --ranktable FILE。",
        )
    if kind == DocumentKind.MS_USER_CONFIG:
        return Text(
            "The embedded mindie_server_*_config sections are checked as service configs.",
            "其中的 mindie_server_*_config 段按服务化配置检查。",
        )
    return Text(
        "Only the checks that apply to this kind of file run.", "仅运行适用于该类文件的检查。"
    )
