"""Help texts and error messages of settings files and baselines, in both languages."""

from __future__ import annotations

from typing import Any

from mindie_epcheck.i18n import Text


def fill(template: Text, **params: Any) -> Text:
    """Format `template`; a Text parameter gives its English to the English template and its
    Chinese to the Chinese one."""

    def pick(lang: str) -> dict[str, Any]:
        picked: dict[str, Any] = {}
        for name, value in params.items():
            if isinstance(value, Text):
                value = value.en if lang == "en" else value.zh
            picked[name] = value
        return picked

    return Text(template.en.format(**pick("en")), template.zh.format(**pick("zh")))


# Help of the validate options that choose the settings file and the baseline.
SETTINGS_HELP = {
    "config": Text(
        "Read settings from FILE (a pyproject.toml with [tool.epcheck], or an .epcheck.toml) "
        "instead of searching upward from each checked file.",
        "从该文件（含 [tool.epcheck] 的 pyproject.toml，或 .epcheck.toml）读取设置，"
        "而不是从每个被检查文件所在目录向上查找。",
    ),
    "isolated": Text(
        "Ignore every settings file; only the command-line options apply.",
        "忽略所有设置文件，只使用命令行选项。",
    ),
    "baseline": Text(
        "Baseline file of known findings. When FILE does not exist, write the current "
        "findings to it and exit with 0; when it exists, report only findings not in it.",
        "已知问题的基线文件。该文件不存在时，把当前的问题写入该文件并以 0 退出；"
        "该文件存在时，只报告其中没有的问题。",
    ),
}

SETTINGS_ERROR = Text("{path}: {key}: {problem}", "{path}：{key}：{problem}")
CONFIG_WITH_ISOLATED = Text(
    "--config and --isolated exclude each other; drop one of them",
    "--config 与 --isolated 不能同时使用；请去掉其中一个",
)
CONFIG_NOT_FOUND = Text("--config {path}: file not found", "--config {path}：文件不存在")
UNREADABLE = Text(
    "{path}: cannot read the settings file: {reason}", "{path}：无法读取设置文件：{reason}"
)
# {reason} is the TOML parser's own English message.
INVALID_TOML = Text(
    "{path}: invalid TOML: {reason}", "{path}：TOML 格式无效，解析器的原文为：{reason}"
)
# INVALID_TOML when the parser's message ends with where it stopped, such as " (at line 3,
# column 9)": {where} gives that position in the language of the text.
INVALID_TOML_AT = Text(
    "{path}: invalid TOML: {reason} ({where})",
    "{path}：{where}的 TOML 格式无效，解析器的原文为：{reason}",
)
TOML_AT_LINE = Text("at line {line}, column {column}", "第 {line} 行第 {column} 列")
TOML_AT_END = Text("at end of document", "文件末尾")
NO_TOOL_TABLE = Text(
    "{path}: no [tool.epcheck] table; add one, or pass an .epcheck.toml",
    "{path}：没有 [tool.epcheck] 表；请添加该表，或改用 .epcheck.toml",
)

# The {problem} part of SETTINGS_ERROR.
UNKNOWN_KEY = Text("unknown key; valid keys are {keys}", "未知的键；可用的键为 {keys}")
UNKNOWN_KEY_SPELLING = Text(
    "unknown key; did you mean {suggestion}?", "未知的键；是否应为 {suggestion}？"
)
WRONG_TYPE = Text("expected {expected}, got {actual}", "应为{expected}，实际为{actual}")
# The {actual} part of WRONG_TYPE: TOML's name of each type.
TOML_TYPES = {
    "string": Text("string", "字符串"),
    "integer": Text("integer", "整数"),
    "float": Text("float", "浮点数"),
    "boolean": Text("boolean", "布尔值"),
    "array": Text("array", "数组"),
    "table": Text("table", "表"),
    "datetime": Text("datetime", "日期时间"),
    "date": Text("date", "日期"),
    "time": Text("time", "时间"),
}
EXPECTED = {
    "codes": Text("a list of rule codes (strings)", "规则编号（字符串）列表"),
    "table": Text("a table", "表"),
    "string": Text("a string", "字符串"),
}
UNKNOWN_SELECTOR = Text(
    "{value} matches no rule code; codes look like EP301 or a prefix like EP3",
    "{value} 不匹配任何规则编号；编号形如 EP301，或前缀如 EP3",
)
NOT_A_CHOICE = Text("{value} is not one of {choices}", "{value} 不是 {choices} 之一")
INVALID_GLOB = Text("invalid glob {pattern}: {reason}", "glob 模式 {pattern} 无效：{reason}")
INVALID_POINTER = Text(
    'invalid JSON pointer {pointer}: it must be "" or start with "/", and "~" must be '
    "followed by 0 or 1",
    'JSON 指针 {pointer} 无效：必须为 "" 或以 "/" 开头，且 "~" 后只能跟 0 或 1',
)

# The {reason} part of INVALID_GLOB.
GLOB_EMPTY = Text("the pattern is empty", "模式为空")
GLOB_ABSOLUTE = Text(
    "the pattern must be relative to the settings file's folder",
    "模式必须是相对于设置文件所在目录的路径",
)
GLOB_SEGMENT = Text(
    'empty, "." and ".." path segments are not allowed', '不允许空的、"." 或 ".." 路径段'
)
GLOB_STARS = Text("** must be a whole path segment", "** 必须单独构成一个路径段")
GLOB_BRACKET = Text("[ has no closing ]", "[ 缺少对应的 ]")

# Baselines.
BASELINE_INVALID = Text(
    "{path}: invalid baseline: {problem}; delete the file to record a new baseline",
    "{path}：基线文件无效：{problem}；删除该文件即可重新记录基线",
)
BASELINE_UNREADABLE = Text(
    "{path}: cannot read the baseline: {reason}", "{path}：无法读取基线文件：{reason}"
)
BASELINE_UNWRITABLE = Text(
    "{path}: cannot write the baseline: {reason}", "{path}：无法写入基线文件：{reason}"
)
BASELINE_NO_FOLDER = Text(
    "{path}: cannot write the baseline: folder {folder} not found; create it or choose "
    "another path",
    "{path}：无法写入基线文件：目录 {folder} 不存在；请先创建该目录，或换一个路径",
)
BASELINE_NOT_RECORDED = Text(
    "{path}: baseline not written because some inputs could not be read",
    "{path}：部分输入无法读取，未写入基线文件",
)
BASELINE_RECORDED = Text(
    "epcheck: recorded {count} finding(s) in the new baseline {path}; later runs report "
    "only findings not in it",
    "epcheck：已将 {count} 个问题记录到新的基线文件 {path}；之后的运行只报告其中没有的问题",
)
BASELINE_SUPPRESSED = Text(
    "epcheck: baseline {path} suppressed {count} known finding(s)",
    "epcheck：基线文件 {path} 屏蔽了 {count} 个已知问题",
)
