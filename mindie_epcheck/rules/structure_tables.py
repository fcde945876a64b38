"""Declarative tables for the EP1xx rules: known extras, placements, placeholders."""

from __future__ import annotations

import re

from mindie_epcheck.findings import Severity
from mindie_epcheck.i18n import Text

# Example values shown in the hint of a missing-key finding.
EXAMPLE_VALUES = {
    "modelInstanceType": '"Standard"',
    "modelName": '"DeepSeek-R1"',
    "modelWeightPath": '"/data/weights/DeepSeek-R1_w8a8"',
    "worldSize": "8",
    "cpuMemSize": "5",
    "npuMemSize": "-1",
    "backendType": '"atb"',
    "trustRemoteCode": "false",
    "BackendConfig": "{...}",
    "ModelDeployConfig": "{...}",
    "ModelConfig": "[{...}]",
    "server_count": '"2"',
    "server_list": "[{...}]",
    "container_ip": '"192.0.2.10"',
    "device": "[{...}]",
    "device_id": '"0"',
    "device_ip": '"192.0.2.100"',
    "rank_id": '"0"',
}

# ModelConfig extras that MindIE 2.x/3.0 code or its published configs use, besides the
# parallel sizes. An unknown key close to one of these is reported as a misspelling.
KNOWN_EXTRAS = frozenset(
    {
        "tp",
        "dp",
        "sp",
        "cp",
        "pp",
        "moe_tp",
        "moe_ep",
        "async_scheduler_wait_time",
        "kv_trans_timeout",
        "kv_link_timeout",
        "ignore_eos",
        "enable_warmup_with_sampling",
        "modelCutPolicy",
        "lora_modules",
        "max_loras",
        "max_lora_rank",
    }
)

# Keys of the `models.deepseekv2` block besides the typed EP options: MindIE-LLM 3.0's ATB
# default model config (atb_llm) and the DeepSeek feature pages of its documentation.
KNOWN_EP_BLOCK_KEYS = frozenset(
    {
        "eplb",
        "enable_dispatch_combine_v2",
        "communication_backend",
        "mix_shared_routing",
        "enable_gmmswigluquant",
        "enable_oproj_prefetch",
        "enable_mlapo_prefetch",
        "enable_swiglu_quant_for_shared_experts",
        "h3p",
        "kv_cache_options",
        "parallel_options",
        "enable_gmm_fused",
        "enable_lcoc_all2all",
    }
)

_EP_OPTIONS = (
    "ep_level",
    "enable_init_routing_cutoff",
    "topk_scaling_factor",
    "alltoall_ep_buffer_scale_factors",
)
_SIZES = ("tp", "dp", "sp", "cp", "pp", "moe_tp", "moe_ep")
_SCHEDULE = (
    "maxBatchSize",
    "maxPrefillTokens",
    "maxPrefillBatchSize",
    "maxIterTimes",
    "maxPreemptCount",
    "cacheBlockSize",
    "templateType",
)
_DEPLOY = ("maxSeqLen", "maxInputTokenLen", "truncation")
_ENTRY = "/BackendConfig/ModelDeployConfig/ModelConfig/<i>"

# Model class name -> key -> (where MindIE reads it, severity when found here instead).
MISPLACED: dict[str, dict[str, tuple[str, Severity]]] = {
    "ServiceConfig": {
        "ModelDeployConfig": ("/BackendConfig/ModelDeployConfig", Severity.ERROR),
        "ScheduleConfig": ("/BackendConfig/ScheduleConfig", Severity.ERROR),
        "ModelConfig": ("/BackendConfig/ModelDeployConfig/ModelConfig", Severity.ERROR),
        "npuDeviceIds": ("/BackendConfig/npuDeviceIds", Severity.ERROR),
        "multiNodesInferEnabled": ("/BackendConfig/multiNodesInferEnabled", Severity.ERROR),
    },
    "BackendConfig": {
        "ModelConfig": ("/BackendConfig/ModelDeployConfig/ModelConfig", Severity.ERROR),
        **{key: ("/BackendConfig/ModelDeployConfig/" + key, Severity.ERROR) for key in _DEPLOY},
        **{key: ("/BackendConfig/ScheduleConfig/" + key, Severity.ERROR) for key in _SCHEDULE},
    },
    "ModelDeployConfig": {
        "ScheduleConfig": ("/BackendConfig/ScheduleConfig", Severity.ERROR),
        "worldSize": (_ENTRY + "/worldSize", Severity.ERROR),
        **{key: (_ENTRY + "/" + key, Severity.ERROR) for key in _SIZES},
        **{key: ("/BackendConfig/ScheduleConfig/" + key, Severity.ERROR) for key in _SCHEDULE},
    },
    "ModelEntry": {
        **{key: (_ENTRY + "/models/deepseekv2/" + key, Severity.ERROR) for key in _EP_OPTIONS},
        **{key: ("/BackendConfig/ModelDeployConfig/" + key, Severity.ERROR) for key in _DEPLOY},
    },
    "DeepseekV2Options": {
        **{key: (_ENTRY + "/" + key, Severity.ERROR) for key in _SIZES},
    },
}

# Values that examples use where a real one goes, with the kind of value they stand for.
PLACEHOLDERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\s*(?:x{1,3}\.){3}x{1,3}\s*$", re.IGNORECASE), "ip"),
    (re.compile(r"^\s*(?:-\.){3}-\s*$"), "ip"),
    (re.compile(r"^\s*(?:\*\.){3}\*\s*$"), "ip"),
    (re.compile(r"改成|改为|修改为|替换为|请填写|请输入|填写.*IP", re.IGNORECASE), "ip"),
    (re.compile(r"^/path/to(?:/|$)|^/the/path/of(?:/|$)|^/your/path|^/xxx?(?:/|$)"), "path"),
    (re.compile(r"<[^<>]+>"), "value"),
)

TYPE_NAMES = {
    "int": Text("an integer", "整数"),
    "bool": Text("a boolean (true or false)", "布尔值（true 或 false）"),
    "string": Text("a string", "字符串"),
    "str": Text("a string", "字符串"),
    "float": Text("a number", "数字"),
    "list": Text("an array", "数组"),
    "dict": Text("an object", "对象"),
    "model": Text("an object", "对象"),
    "not_null": Text("a value of the key's type, not null", "该键类型的值，不能为 null"),
}
