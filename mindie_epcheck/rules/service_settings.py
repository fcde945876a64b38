"""EP505-EP511: scheduling limits, memory sizes, device lists, ports and version-bound fields.

Sources, all MindIE-LLM 3.0:
- src/config_manager/config_manager_impl.cpp: cpuMemSize with maxPreemptCount, port
  against multiNodesInferPort;
- src/config_manager/model_deploy_config.cpp: one ModelConfig entry for templateType
  "Standard", the accepted npuMemSize values;
- the service parameter documentation: the shape of npuDeviceIds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mindie_epcheck.findings import Severity
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.context import Subject
from mindie_epcheck.model.view import MAX_CHECKED_ENTRIES, ServiceView
from mindie_epcheck.rules.registry import Hit, rule
from mindie_epcheck.source.nodes import join_pointer

# Defaults of MindIE 3.0 when the key is absent (service parameter documentation).
DEFAULT_MULTI_NODES_INFER_PORT = 1120
DEFAULT_INTER_COMM_PORT = 1121
DEFAULT_MODEL_INSTANCES = 1
TRUNCATION_VALUES = (-1, 0, 1)
LOG_KEYS_2X = ("logLevel", "logFileSize", "logFileNum", "logPath")
LOG_KEYS_3X = ("dynamicLogLevel", "dynamicLogLevelValidHours", "dynamicLogLevelValidTime")


_MISSING = object()


def _raw_at(subject: Subject, pointer: str) -> Any:
    """Return the JSON value at `pointer`, or _MISSING when the document has no such value."""
    node, _, missing = subject.document.resolve(pointer)
    if node is None or missing:
        return _MISSING
    return node.value


def _major_version(version: str) -> int:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else 0


# ---------------------------------------------------------------------------------------
# Scheduling and memory


@rule(
    "EP505",
    "preempt-needs-cpu-mem",
    Severity.ERROR,
    summary=Text(
        "maxPreemptCount > 0 needs cpuMemSize > 0.",
        "maxPreemptCount 大于 0 时，cpuMemSize 不能为 0。",
    ),
    rationale=Text(
        "Preempted requests move their KV cache to CPU memory, whose size cpuMemSize sets in "
        'GB; 0 turns swapping off. MindIE fails to start with "The value of '
        'modelParam.cpuMemSize can not be 0 when maxPreemptCount is not 0."',
        "被抢占请求的 KV cache 会换出到 CPU 内存，大小由 cpuMemSize（GB）决定，0 表示关闭换出。"
        '此时 MindIE 报 "The value of modelParam.cpuMemSize can not be 0 when maxPreemptCount '
        'is not 0." 并拒绝启动。',
    ),
    bad='"cpuMemSize": 0 ... "maxPreemptCount": 4',
    good='"cpuMemSize": 5 ... "maxPreemptCount": 4',
    fix=Text(
        "Set cpuMemSize above 0 (5 is MindIE's default), or maxPreemptCount to 0.",
        "将 cpuMemSize 设为大于 0（MindIE 默认 5），或将 maxPreemptCount 设为 0。",
    ),
)
def preempt_needs_cpu_mem(subject: Subject) -> Iterator[Hit]:
    for view in subject.views:
        preempt = view.schedule.max_preempt_count if view.schedule is not None else None
        if not preempt:
            continue
        for entry in view.entries:
            if entry.entry.cpu_mem_size != 0:
                continue
            yield Hit(
                entry.at("cpuMemSize"),
                Text(
                    "cpuMemSize is 0 but maxPreemptCount is {preempt}; MindIE fails to start "
                    'with "The value of modelParam.cpuMemSize can not be 0 when maxPreemptCount '
                    'is not 0."',
                    'cpuMemSize 为 0，而 maxPreemptCount 为 {preempt}；MindIE 会报 "The value of '
                    'modelParam.cpuMemSize can not be 0 when maxPreemptCount is not 0." 并拒绝启动',
                ).format(preempt=preempt),
                Text(
                    "Set cpuMemSize to 5 (GB) or more, or maxPreemptCount to 0.",
                    "将 cpuMemSize 设为不小于 5（GB），或将 maxPreemptCount 设为 0。",
                ),
                related=(view.pointer("schedule", "maxPreemptCount"),),
            )


@rule(
    "EP509",
    "model-config-count",
    Severity.ERROR,
    summary=Text(
        'ModelConfig needs an entry, and exactly one with templateType "Standard".',
        'ModelConfig 至少需要一个条目；templateType 为 "Standard" 时必须恰好一个。',
    ),
    rationale=Text(
        "MindIE loads one model per ModelConfig entry. With the Standard template (the "
        'default) it rejects any other count than one: "There should be one modelParam for '
        'Standard templateType." An empty array leaves nothing to serve.',
        "MindIE 为 ModelConfig 的每个条目加载一个模型。使用 Standard 模板（默认）时，条目数不为 1 会报 "
        '"There should be one modelParam for Standard templateType." 并拒绝启动。空数组则没有可服务的模型。',
    ),
    bad='"ModelConfig": [{"modelName": "a", ...}, {"modelName": "b", ...}]  (templateType Standard)',
    good='"ModelConfig": [{"modelName": "a", ...}]',
    fix=Text(
        "Keep one entry per service; run another model as its own MindIE instance.",
        "每个服务只保留一个条目；其他模型请用单独的 MindIE 实例运行。",
    ),
)
def model_config_count(subject: Subject) -> Iterator[Hit]:
    for view in subject.views:
        entries = view.deploy.model_config_list if view.deploy is not None else None
        if entries is None:
            continue
        pointer = view.pointer("deploy", "ModelConfig")
        if not entries:
            yield Hit(
                pointer,
                Text(
                    "ModelConfig is empty; MindIE has no model to load",
                    "ModelConfig 为空；MindIE 没有可加载的模型",
                ),
                Text("Add the entry of the model to serve.", "添加要服务的模型条目。"),
            )
        elif len(entries) > 1 and _standard_template(subject, view):
            yield Hit(
                join_pointer(pointer, 1),
                Text(
                    'ModelConfig has {count} entries, but templateType "Standard" takes exactly '
                    'one; MindIE fails to start with "There should be one modelParam for '
                    'Standard templateType."',
                    'ModelConfig 有 {count} 个条目，而 templateType "Standard" 只允许一个；MindIE 会报 '
                    '"There should be one modelParam for Standard templateType." 并拒绝启动',
                ).format(count=len(entries)),
                Text(
                    "Keep one entry and run the other models as separate services.",
                    "只保留一个条目，其他模型用单独的服务运行。",
                ),
                part="start",
            )
        if len(entries) > MAX_CHECKED_ENTRIES:
            yield Hit(
                join_pointer(pointer, MAX_CHECKED_ENTRIES),
                Text(
                    "ModelConfig has {count} entries; epcheck checks the layout and the EP "
                    "options of the first {limit} only",
                    "ModelConfig 有 {count} 个条目；epcheck 只检查前 {limit} 个条目的并行切分和 EP 选项",
                ).format(count=len(entries), limit=MAX_CHECKED_ENTRIES),
                Text(
                    "Split the entries over several configs to have all of them checked.",
                    "将这些条目拆分到多个配置文件中，以便全部检查。",
                ),
                severity=Severity.INFO,
                part="start",
            )


def _standard_template(subject: Subject, view: ServiceView) -> bool:
    """Return whether templateType is "Standard", as written or by default when absent."""
    value = _raw_at(subject, view.pointer("schedule", "templateType"))
    return value is _MISSING or value == "Standard"


@rule(
    "EP510",
    "npu-device-ids-shape",
    Severity.ERROR,
    summary=Text(
        "npuDeviceIds needs one list per model instance, each of worldSize distinct devices.",
        "npuDeviceIds 需要每个模型实例一个列表，每个列表包含 worldSize 张互不相同的卡。",
    ),
    rationale=Text(
        "On a single node MindIE starts modelInstanceNumber instances, instance i on the "
        "devices of npuDeviceIds[i], and each instance runs worldSize ranks. A missing list, "
        "a list of another length or a device used twice leaves ranks without a device or "
        "puts two ranks on one.",
        "单机时 MindIE 启动 modelInstanceNumber 个实例，第 i 个实例使用 npuDeviceIds[i] 中的卡，"
        "每个实例运行 worldSize 个 rank。缺少列表、列表长度不符或同一张卡出现两次，会导致 rank 没有卡可用"
        "或两个 rank 共用一张卡。",
    ),
    bad='"modelInstanceNumber": 1, "npuDeviceIds": [[0,1,2]]  (worldSize 4)',
    good='"modelInstanceNumber": 1, "npuDeviceIds": [[0,1,2,3]]  (worldSize 4)',
    fix=Text(
        "Write modelInstanceNumber lists of worldSize device ids each, no id twice.",
        "写 modelInstanceNumber 个列表，每个列表 worldSize 个卡号，卡号不重复。",
    ),
)
def npu_device_ids_shape(subject: Subject) -> Iterator[Hit]:
    for view in subject.views:
        backend = view.backend
        if backend is None or view.multi_node or backend.npu_device_ids is None:
            continue
        ids = backend.npu_device_ids
        pointer = view.pointer("backend", "npuDeviceIds")
        instances = backend.model_instance_number or DEFAULT_MODEL_INSTANCES
        if len(ids) != instances:
            yield _instance_count_hit(pointer, len(ids), instances)
        world_sizes = {entry.entry.world_size for entry in view.entries}
        world_size = world_sizes.pop() if len(world_sizes) == 1 else None
        yield from _device_list_hits(pointer, ids, world_size)


def _instance_count_hit(pointer: str, lists: int, instances: int) -> Hit:
    return Hit(
        pointer,
        Text(
            "npuDeviceIds has {lists} device lists but modelInstanceNumber is {instances}; "
            "MindIE needs one list per instance",
            "npuDeviceIds 有 {lists} 个卡列表，而 modelInstanceNumber 为 {instances}；"
            "MindIE 要求每个实例一个列表",
        ).format(lists=lists, instances=instances),
        Text(
            "Write {instances} lists, or set modelInstanceNumber to {lists}.",
            "写 {instances} 个列表，或将 modelInstanceNumber 设为 {lists}。",
        ).format(instances=instances, lists=lists),
        part="key",
    )


def _device_list_hits(pointer: str, ids: list[list[int]], world_size: int | None) -> Iterator[Hit]:
    first_use: dict[int, str] = {}
    for index, devices in enumerate(ids):
        list_pointer = join_pointer(pointer, index)
        if world_size is not None and len(devices) != world_size:
            yield Hit(
                list_pointer,
                Text(
                    "device list {index} has {count} devices but worldSize is {world_size}",
                    "第 {index} 个卡列表有 {count} 张卡，而 worldSize 为 {world_size}",
                ).format(index=index, count=len(devices), world_size=world_size),
                Text(
                    "List {world_size} devices for this instance, or set worldSize to {count}.",
                    "为该实例列出 {world_size} 张卡，或将 worldSize 设为 {count}。",
                ).format(world_size=world_size, count=len(devices)),
            )
        for position, device in enumerate(devices):
            item = join_pointer(list_pointer, position)
            first = first_use.setdefault(device, item)
            if first != item:
                yield Hit(
                    item,
                    Text(
                        "device {device} is listed twice in npuDeviceIds (first at {first}); "
                        "two ranks would share one device",
                        "卡 {device} 在 npuDeviceIds 中出现两次（第一次在 {first}）；两个 rank 会共用一张卡",
                    ).format(device=device, first=first),
                    Text(
                        "Give every rank its own device.",
                        "为每个 rank 分配不同的卡。",
                    ),
                    related=(first,),
                )


@rule(
    "EP511",
    "npu-mem-size",
    Severity.ERROR,
    summary=Text(
        "npuMemSize must be -1 (automatic) or a positive number of GB.",
        "npuMemSize 必须为 -1（自动）或正数（GB）。",
    ),
    rationale=Text(
        "npuMemSize is the KV cache size per device in GB; -1 sizes it from the free device "
        "memory. MindIE rejects 0 and values of -2 or less at start.",
        "npuMemSize 是每张卡上 KV cache 的大小（GB），-1 表示根据剩余显存自动分配。"
        "MindIE 启动时拒绝 0 以及不大于 -2 的值。",
    ),
    bad='"npuMemSize": 0',
    good='"npuMemSize": -1',
    fix=Text(
        "Set npuMemSize to -1, or to the KV cache size in GB.",
        "将 npuMemSize 设为 -1，或设为 KV cache 大小（GB）。",
    ),
)
def npu_mem_size(subject: Subject) -> Iterator[Hit]:
    for _, entry in subject.entries():
        size = entry.entry.npu_mem_size
        if size is None or size > 0 or size == -1:
            continue
        yield Hit(
            entry.at("npuMemSize"),
            Text(
                "npuMemSize {size} is rejected by MindIE: use -1 for automatic sizing or a "
                "positive number of GB",
                "MindIE 不接受 npuMemSize {size}：自动分配请用 -1，否则填写正数（GB）",
            ).format(size=size),
            Text(
                "Set npuMemSize to -1.",
                "将 npuMemSize 设为 -1。",
            ),
        )


# ---------------------------------------------------------------------------------------
# Ports


@rule(
    "EP506",
    "port-conflict",
    Severity.ERROR,
    summary=Text(
        "Two MindIE listeners use the same port on the same address.",
        "MindIE 的两个监听端口在同一地址上相同。",
    ),
    rationale=Text(
        "MindIE fails to start when ServerConfig.port equals "
        'BackendConfig.multiNodesInferPort: "Endpoint port cannot be equal to '
        'multiNodesInferPort." In PD-split mode (inferMode "dmi") the instance-to-instance '
        "gRPC service uses ipAddress:interCommPort, so it cannot share a port with the REST "
        "endpoint on the same address. port, managementPort and metricsPort may be equal, "
        "because MindIE documents a single-address, single-port setup.",
        'ServerConfig.port 与 BackendConfig.multiNodesInferPort 相同时，MindIE 报 "Endpoint port '
        'cannot be equal to multiNodesInferPort." 并拒绝启动。PD 分离模式（inferMode 为 "dmi"）下，'
        "实例间 gRPC 服务使用 ipAddress:interCommPort，不能与同一地址上的 REST 接口共用端口。"
        "port、managementPort、metricsPort 可以相同，MindIE 文档支持单 IP 单端口的部署方式。",
    ),
    bad='"port": 1120 ... "multiNodesInferPort": 1120',
    good='"port": 1025 ... "multiNodesInferPort": 1120',
    fix=Text(
        "Give each listener its own port.",
        "为每个监听服务分配不同的端口。",
    ),
)
def port_conflict(subject: Subject) -> Iterator[Hit]:
    for view in subject.views:
        server = view.server
        if server is None or server.port is None:
            continue
        yield from _multi_node_port_hit(view, server.port)
        if server.infer_mode == "dmi":
            yield from _inter_comm_port_hits(subject, view)


def _multi_node_port_hit(view: ServiceView, port: int) -> Iterator[Hit]:
    backend = view.backend
    if backend is None:
        return
    infer_port = backend.multi_nodes_infer_port
    if infer_port is None and view.is_whole:
        infer_port = DEFAULT_MULTI_NODES_INFER_PORT
        pointer = view.pointer("server", "port")
        default_note = Text(" (its default)", "（默认值）")
    else:
        pointer = view.pointer("backend", "multiNodesInferPort")
        default_note = Text("", "")
    if infer_port != port:
        return
    yield Hit(
        pointer,
        Text(
            "ServerConfig.port and BackendConfig.multiNodesInferPort{note_en} are both {port}; "
            'MindIE fails to start with "Endpoint port cannot be equal to multiNodesInferPort."',
            "ServerConfig.port 与 BackendConfig.multiNodesInferPort{note_zh}均为 {port}；MindIE 会报 "
            '"Endpoint port cannot be equal to multiNodesInferPort." 并拒绝启动',
        ).format(note_en=default_note.en, note_zh=default_note.zh, port=port),
        Text(
            "Use another port for one of them, such as 1025 for port and 1120 for "
            "multiNodesInferPort (MindIE's defaults).",
            "为其中一个换用其他端口，例如 port 用 1025、multiNodesInferPort 用 1120（MindIE 默认值）。",
        ),
        related=(view.pointer("server", "port"),),
    )


def _inter_comm_port_hits(subject: Subject, view: ServiceView) -> Iterator[Hit]:
    server = view.server
    if server is None or server.port is None:
        return
    inter_port = server.inter_comm_port or DEFAULT_INTER_COMM_PORT
    pointer = view.pointer("server", "interCommPort")
    if _raw_at(subject, pointer) is _MISSING:
        pointer = view.pointer("server", "port")
    address = server.ip_address
    management_address = server.management_ip_address or address
    management_port = server.management_port or server.port
    if inter_port == server.port:
        key = "port"
    elif inter_port == management_port and management_address == address:
        key = "managementPort"
    else:
        return
    yield Hit(
        pointer,
        Text(
            "interCommPort and {key} are both {port} on {address}: in PD-split mode the "
            "gRPC service and the REST endpoint cannot listen on the same address and port",
            "interCommPort 与 {key} 在 {address} 上均为 {port}：PD 分离模式下 gRPC 服务与 REST "
            "接口不能监听同一地址和端口",
        ).format(key=key, port=inter_port, address=address or "ipAddress"),
        Text(
            "Use another port for interCommPort, such as 1121 (MindIE's default).",
            "为 interCommPort 换用其他端口，例如 1121（MindIE 默认值）。",
        ),
        related=(view.pointer("server", key),),
    )


# ---------------------------------------------------------------------------------------
# Fields whose form depends on the MindIE version


@rule(
    "EP507",
    "truncation-version",
    Severity.WARNING,
    summary=Text(
        "truncation is a bool up to MindIE 2.x and an integer -1, 0 or 1 in 3.0.",
        "truncation 在 MindIE 2.x 及以前为 bool，在 3.0 中为整数 -1、0 或 1。",
    ),
    rationale=Text(
        "MindIE 3.0 documents truncation as -1 (truncate on the right), 0 (reject over-long "
        "input) or 1 (truncate on the left, Qwen and DeepSeek only) and still takes true and "
        "false for -1 and 0. Earlier versions read a bool, so an integer is the wrong type for "
        "them. An integer outside -1 to 1 is valid in no version.",
        "MindIE 3.0 文档中 truncation 取 -1（右侧截断）、0（超长输入报错）或 1（左侧截断，仅 Qwen 和 "
        "DeepSeek 支持），true 和 false 仍分别等同 -1 和 0。更早的版本按 bool 读取，整数对其类型不符。"
        "-1 到 1 之外的整数在任何版本都无效。",
    ),
    bad='"truncation": 1  (--mindie-version 2.1)',
    good='"truncation": false  (--mindie-version 2.1)',
    fix=Text(
        "Write true or false for MindIE 2.x, and -1, 0, 1, true or false for 3.0.",
        "MindIE 2.x 写 true 或 false；3.0 写 -1、0、1、true 或 false。",
    ),
)
def truncation_version(subject: Subject) -> Iterator[Hit]:
    # NOTE: MindIE-LLM's open-source C++ parser still types truncation as a bool, while its
    # 3.0 documentation accepts -1, 0 and 1. This rule follows the documentation for 3.0.
    version = subject.settings.mindie_version
    for view in subject.views:
        value = view.deploy.truncation if view.deploy is not None else None
        if value is None or isinstance(value, bool):
            continue
        pointer = view.pointer("deploy", "truncation")
        if value not in TRUNCATION_VALUES:
            yield Hit(
                pointer,
                Text(
                    "truncation {value} is not -1, 0 or 1",
                    "truncation {value} 不是 -1、0 或 1",
                ).format(value=value),
                Text(
                    "Use -1 to truncate on the right, 0 to reject over-long input, 1 to "
                    "truncate on the left.",
                    "右侧截断用 -1，超长输入报错用 0，左侧截断用 1。",
                ),
                severity=Severity.ERROR,
            )
        elif _major_version(version) < 3:
            yield Hit(
                pointer,
                Text(
                    "truncation {value} is an integer, but MindIE {version} reads truncation "
                    "as a bool; integers are the MindIE 3.0 form",
                    "truncation {value} 是整数，而 MindIE {version} 按 bool 读取 truncation；整数是 3.0 的写法",
                ).format(value=value, version=version),
                Text(
                    "Write true to truncate over-long input or false to reject it; MindIE "
                    "{version} has no left truncation.",
                    "写 true 表示截断超长输入，写 false 表示拒绝超长输入；MindIE {version} 不支持左侧截断。",
                ).format(version=version),
            )


@rule(
    "EP508",
    "log-config-version",
    Severity.INFO,
    summary=Text(
        "LogConfig keys of another MindIE version are ignored.",
        "LogConfig 中其他 MindIE 版本的字段会被忽略。",
    ),
    rationale=Text(
        "MindIE up to 2.x configures logging with logLevel, logFileSize, logFileNum and "
        "logPath. MindIE 3.0 reads only dynamicLogLevel, dynamicLogLevelValidHours and "
        "dynamicLogLevelValidTime there. Keys of the other version have no effect, so "
        "editing them changes nothing.",
        "MindIE 2.x 及以前用 logLevel、logFileSize、logFileNum、logPath 配置日志；"
        "MindIE 3.0 在此只读取 dynamicLogLevel、dynamicLogLevelValidHours、dynamicLogLevelValidTime。"
        "另一版本的字段不生效，修改它们不会有任何效果。",
    ),
    bad='"LogConfig": {"logLevel": "Info", "logPath": "logs/mindie-server.log"}  '
    "(--mindie-version 3.0)",
    good='"LogConfig": {"dynamicLogLevel": "", "dynamicLogLevelValidHours": 2}  '
    "(--mindie-version 3.0)",
    fix=Text(
        "Delete the keys of the other version, or pass the --mindie-version you deploy.",
        "删除另一版本的字段，或用 --mindie-version 指定实际部署的版本。",
    ),
)
def log_config_version(subject: Subject) -> Iterator[Hit]:
    version = subject.settings.mindie_version
    foreign = LOG_KEYS_2X if _major_version(version) >= 3 else LOG_KEYS_3X
    era = (
        Text("MindIE 2.x and earlier", "MindIE 2.x 及以前")
        if foreign is LOG_KEYS_2X
        else Text("MindIE 3.0", "MindIE 3.0")
    )
    for view in subject.views:
        section = join_pointer(view.base, "LogConfig")
        raw = _raw_at(subject, section)
        if not isinstance(raw, dict):
            continue
        keys = [key for key in foreign if key in raw]
        if not keys:
            continue
        yield Hit(
            join_pointer(section, keys[0]),
            Text(
                "LogConfig sets {keys}, which are {era_en} keys; MindIE {version} ignores them",
                "LogConfig 设置了 {keys}，这些是{era_zh}的字段；MindIE {version} 会忽略它们",
            ).format(keys=", ".join(keys), era_en=era.en, era_zh=era.zh, version=version),
            Text(
                "Delete them, or pass --mindie-version with the version you deploy.",
                "删除这些字段，或用 --mindie-version 指定实际部署的版本。",
            ),
            part="key",
        )
