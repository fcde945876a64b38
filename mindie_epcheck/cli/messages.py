"""Help texts and CLI messages in both languages."""

from __future__ import annotations

from mindie_epcheck.i18n import Text

GROUP_HELP = Text(
    "Lint MindIE Service config.json files for expert parallelism (EP) and estimate what "
    "each EP level costs, before the service loads its weights.",
    "在 MindIE Service 加载权重之前，检查 config.json 中专家并行（EP）等配置的错误，并估算各 EP "
    "级别的开销。",
)
VALIDATE_HELP = Text(
    "Check config files and report every mistake with file, line:column, JSON pointer, code "
    "and a fix. PATH may be - to read standard input. Exit codes: 0 no finding at or above "
    "--fail-on, 1 findings, 2 usage or input error.",
    "检查配置文件，报告每个问题的文件、行:列、JSON 指针、规则编号和修改建议。PATH 为 - 时从标准输入"
    "读取。退出码：0 表示没有达到 --fail-on 级别的问题，1 表示有问题，2 表示用法或输入错误。",
)
SIMULATE_HELP = Text(
    "Estimate, for ep_level 1 and 2 side by side, the device memory (HBM) by component, "
    "the communication per MoE layer and per forward, and the token dispatch imbalance, and "
    "recommend alltoall_ep_buffer_scale_factors. Every figure is an estimate.",
    "并排估算 ep_level 1 和 2 的每卡显存（HBM）构成、每个 MoE 层及每次前向的通信量与耗时、token "
    "分发的负载不均衡程度，并给出推荐的 alltoall_ep_buffer_scale_factors。所有数值均为估算。",
)
RULES_HELP = Text(
    "List every rule with its code, name and severity.", "列出全部规则及其编号、名称和级别。"
)
EXPLAIN_HELP = Text(
    "Explain one rule: what it checks, why, a bad and a good example, and the fix.",
    "解释一条规则：检查什么、原因、错误与正确示例及修改方法。",
)
OPTION_HELP = {
    "fix": Text(
        "Apply the safe fixes, rewrite each file they change, then report the findings that "
        "remain. A file without an applicable fix is not touched. With PATH -, the fixed "
        "text goes to standard output and the report to standard error.",
        "应用安全的修复，改写有变化的文件，然后报告剩余的问题。没有可用修复的文件不会被改动。"
        "PATH 为 - 时，修复后的文本写到标准输出，检查报告写到标准错误。",
    ),
    "unsafe_fixes": Text(
        "With --fix or --diff, also apply the unsafe fixes, which replace a value you wrote "
        "or guess one for you (such as the [0, c] item of EP310).",
        "与 --fix 或 --diff 一起使用时，同时应用不安全的修复：它们会替换你写的值或替你猜测一个值"
        "（如 EP310 追加的 [0, c] 项）。",
    ),
    "diff": Text(
        "Print a unified diff of what --fix would change and write no file. Exit codes: 0 "
        "no change, 1 changes, 2 usage or input error.",
        "以 unified diff 格式输出 --fix 将做的修改，不写任何文件。退出码：0 表示无修改，1 表示有修改，"
        "2 表示用法或输入错误。",
    ),
    "lang": Text(
        "Language of messages: en or zh (default: EPCHECK_LANG, then the locale).",
        "输出语言：en 或 zh（默认取 EPCHECK_LANG，其次取系统 locale）。",
    ),
    "ranktable": Text(
        "HCCL rank table of a multi-node deployment (the file RANK_TABLE_FILE names); "
        "checked itself and against the config.",
        "多机部署的 HCCL rank table（即 RANK_TABLE_FILE 指向的文件）；既检查其本身，也检查与配置的一致性。",
    ),
    "model_config": Text(
        "The model's Hugging Face config.json, used when modelWeightPath is not on this machine.",
        "模型权重中的 Hugging Face config.json，在本机没有 modelWeightPath 目录时使用。",
    ),
    "hardware": Text(
        "Hardware profile (default: inferred from the devices per node, and said so).",
        "硬件型号（默认根据单节点卡数推断，并在结果中说明）。",
    ),
    "interconnect": Text(
        "How the nodes are cabled: switch, or direct (back to back). ep_level 2 on two "
        "nodes needs a switch.",
        "节点间的连接方式：switch（交换机）或 direct（直连）。双机 ep_level 2 必须经交换机连接。",
    ),
    "mindie_version": Text(
        "Target MindIE version for version-dependent checks.",
        "目标 MindIE 版本，用于与版本相关的检查。",
    ),
    "nodes": Text(
        "Node count of a multi-node deployment when no rank table is given.",
        "未提供 rank table 时，多机部署的节点数。",
    ),
    "format": Text("Output format.", "输出格式。"),
    "env": Text(
        "Set a MindIE environment variable for the checks, such as NPU_MEMORY_FRACTION=0.92 "
        "or HCCL_BUFFSIZE=512; repeatable. Without it, the variables of this shell are used.",
        "为检查设置 MindIE 环境变量，如 NPU_MEMORY_FRACTION=0.92 或 HCCL_BUFFSIZE=512；可重复使用。"
        "未设置时使用当前 shell 中的同名变量。",
    ),
    "fail_on": Text(
        "Lowest severity that makes the exit code 1.",
        "导致退出码为 1 的最低级别。",
    ),
    "select": Text(
        "Only run these rule codes or code prefixes, comma-separated (e.g. EP2,EP301).",
        "只运行这些规则编号或前缀，逗号分隔（如 EP2,EP301）。",
    ),
    "ignore": Text(
        "Skip these rule codes or code prefixes, comma-separated.",
        "跳过这些规则编号或前缀，逗号分隔。",
    ),
    "stdin_filename": Text(
        "Name to show for standard input (PATH -).", "从标准输入（PATH 为 -）读取时显示的文件名。"
    ),
    "wrap_fragment": Text(
        'Lint a documentation fragment such as `"ModelDeployConfig" : {...},` as if it were '
        "wrapped in { }; positions stay true.",
        '把 `"ModelDeployConfig" : {...},` 这类文档片段视为已用 { } 包裹后检查，位置信息保持不变。',
    ),
    "level": Text("EP level(s) to estimate.", "要估算的 EP 级别。"),
    "tokens": Text(
        "Tokens routed by the EP group in one forward, for the dispatch simulation; "
        "repeatable (default: 128, 1024, 8192, 65536 and the config's own).",
        "分发仿真时 EP 组单次前向路由的 token 数；可重复使用（默认：128、1024、8192、65536 及配置"
        "本身的值）。",
    ),
    "skew": Text(
        "Expert popularity: uniform, dirichlet:ALPHA (e.g. dirichlet:8), or histogram:FILE "
        "(a JSON list of per-expert loads, as MindIE dumps them).",
        "专家热度分布：uniform、dirichlet:ALPHA（如 dirichlet:8）或 histogram:文件（每个专家负载的 "
        "JSON 列表，即 MindIE 导出的热点数据）。",
    ),
    "trials": Text("Simulated batches per length.", "每个长度仿真的批次数。"),
    "seed": Text(
        "Random seed; the same seed gives the same figures.", "随机种子；相同种子结果相同。"
    ),
    "mode": Text(
        "fast: statistical approximation; exact: routes every token (slower).",
        "fast：统计近似；exact：逐 token 路由（较慢）。",
    ),
    "target": Text(
        "Overflow probability the recommended buffer factors keep under.",
        "推荐的 buffer 系数所保证的溢出概率上限。",
    ),
    "plot": Text(
        "Write an SVG picture of the HBM breakdown and of gamma against length to FILE.",
        "将显存构成及 gamma 随长度变化的 SVG 图写入该文件。",
    ),
    "rules_format": Text("Output format of the rule list.", "规则列表的输出格式。"),
}
# The value placeholder of each option in --help, by option. The English ones are those
# click prints by default; the Chinese help texts call a 文件 placeholder 该文件.
_FILE = Text("FILE", "文件")
METAVARS = {
    "ranktable": _FILE,
    "model_config": _FILE,
    "config": _FILE,
    "baseline": _FILE,
    "plot": _FILE,
    "output": _FILE,
    "nodes": Text("INTEGER RANGE", "整数"),
    "trials": Text("INTEGER RANGE", "整数"),
    "seed": Text("INTEGER", "整数"),
    "target": Text("FLOAT RANGE", "数值"),
    "skew": Text("TEXT", "分布"),
    "stdin_filename": Text("TEXT", "文件名"),
}
INVALID_ENV = Text(
    "--env {value}: expected NAME=VALUE with NAME one of {names}",
    "--env {value}：格式应为 NAME=VALUE，NAME 取 {names} 之一",
)
ENV_ANY_VALUE = Text("a value that is not empty", "非空的值")
INVALID_ENV_VALUE = Text("--env {value}: invalid value; expected ", "--env {value}：取值无效；应为")
# The values epcheck accepts for each numeric variable in --env.
ENV_VALUES = {
    "NPU_MEMORY_FRACTION": Text("a number in (0, 1], such as 0.92", "(0, 1] 内的数，如 0.92"),
    "HCCL_BUFFSIZE": Text(
        "a whole number of MB up to 1048576, such as 200",
        "不超过 1048576 的 MB 数（正整数），如 200",
    ),
    "MASTER_PORT": Text("a port from 1 to 65535", "1 到 65535 之间的端口号"),
    "DP_MOVE_UP_ENABLE": Text("0 or 1", "0 或 1"),
}
NO_ESTIMATE = Text(
    "{pointer}: cannot estimate: {reason}",
    "{pointer}：无法估算：{reason}",
)
NO_ESTIMATE_REASONS = {
    "model": Text(
        "the model is unknown or not DeepSeek-V2/V3/R1; pass --model-config with the weights' "
        "config.json",
        "模型未知或不是 DeepSeek-V2/V3/R1；请用 --model-config 传入权重的 config.json",
    ),
    "layout": Text(
        "the world size is unknown; pass --ranktable or --nodes",
        "全局卡数未知；请传入 --ranktable 或 --nodes",
    ),
    "world_size": Text(
        "worldSize is missing or not a positive integer; run epcheck validate on the file "
        "for the finding",
        "worldSize 缺失或不是正整数；请对该文件运行 epcheck validate 查看具体问题",
    ),
    "parallel": Text(
        "the parallel sizes (tp, moe_tp, moe_ep, dp) or the lengths are out of range or do not "
        "give a valid layout; run epcheck validate on the file for the finding",
        "并行规模（tp、moe_tp、moe_ep、dp）或长度超出范围，或无法构成有效的切分；请对该文件运行 "
        "epcheck validate 查看具体问题",
    ),
    "entries": Text("the file has no ModelConfig entry", "文件中没有 ModelConfig 条目"),
}
STDIN_TWICE = Text(
    "- (standard input) is given more than once; it can be read only once",
    "- （标准输入）出现了不止一次；标准输入只能读取一次",
)
LAYOUT_ERRORS = Text(
    "epcheck: warning: {path} has errors that stop MindIE ({codes}); the estimate describes "
    "the layout as written. Run epcheck validate {path} for the fixes.",
    "epcheck：警告：{path} 存在会使 MindIE 无法启动的错误（{codes}）；以下估算按文件所写的切分计算。"
    "请运行 epcheck validate {path} 查看修改建议。",
)
PLOT_IS_INPUT = Text(
    "--plot {path}: the file is an input of this run and would be overwritten; choose another file",
    "--plot {path}：该文件是本次运行的输入，会被覆盖；请换一个文件",
)
PLOT_FORMAT = Text("--plot {path}: only .svg is supported", "--plot {path}：仅支持 .svg 格式")
UNKNOWN_CODE = Text(
    "unknown rule code {code}; run `epcheck rules` for the list",
    "未知的规则编号 {code}；运行 `epcheck rules` 查看全部规则",
)
UNKNOWN_SELECTOR = Text(
    "--{option}: {value} matches no rule code; codes look like EP301 or a prefix like EP3",
    "--{option}：{value} 不匹配任何规则编号；编号形如 EP301，或前缀如 EP3",
)
NO_PATHS = Text(
    "no PATH given; pass a config file or - for standard input",
    "未提供 PATH；请传入配置文件，或用 - 表示标准输入",
)
NOT_JSON = Text(
    "the file is not valid JSON (epcheck validate FILE shows where)",
    "该文件不是合法的 JSON（epcheck validate FILE 会指出位置）",
)
NOT_JSON_OBJECT = Text("the top level is not a JSON object", "顶层不是 JSON 对象")
INVALID_MODEL_CONFIG = Text(
    "--model-config {path}: cannot read the model's facts from it: {problems}; pass the "
    "config.json of DeepSeek-V2/V3/R1 weights",
    "--model-config {path}：无法从中读取模型参数：{problems}；请传入 DeepSeek-V2/V3/R1 权重的 "
    "config.json",
)
