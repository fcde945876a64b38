"""Recognise which kind of MindIE file a parsed JSON value is."""

from __future__ import annotations

from enum import Enum
from typing import Any

from mindie_epcheck.i18n import Text


class DocumentKind(str, Enum):
    SERVICE_CONFIG = "service_config"
    MODEL_DEPLOY_CONFIG = "model_deploy_config"
    MODEL_CONFIG_ENTRY = "model_config_entry"
    MODEL_CONFIG_LIST = "model_config_list"
    RANKTABLE = "ranktable"
    RANKTABLE_SERVER = "ranktable_server"
    MS_USER_CONFIG = "ms_user_config"
    MS_ENV = "ms_env"
    ATB_MODEL_CONFIG = "atb_model_config"
    HF_MODEL_CONFIG = "hf_model_config"
    NOT_OBJECT = "not_object"
    UNKNOWN = "unknown"

    @property
    def label(self) -> Text:
        return KIND_TITLES[self]


KIND_TITLES = {
    DocumentKind.SERVICE_CONFIG: Text(
        "MindIE Service config.json", "MindIE Service 的 config.json"
    ),
    DocumentKind.MODEL_DEPLOY_CONFIG: Text(
        "a ModelDeployConfig section of config.json", "config.json 的 ModelDeployConfig 片段"
    ),
    DocumentKind.MODEL_CONFIG_ENTRY: Text(
        "one ModelConfig entry of config.json", "config.json 的单个 ModelConfig 条目"
    ),
    DocumentKind.MODEL_CONFIG_LIST: Text(
        "the ModelConfig array of config.json", "config.json 的 ModelConfig 数组"
    ),
    DocumentKind.RANKTABLE: Text("an HCCL rank table", "HCCL rank table（组网表）"),
    DocumentKind.RANKTABLE_SERVER: Text(
        "one server entry of an HCCL rank table", "HCCL rank table 的单个 server 条目"
    ),
    DocumentKind.MS_USER_CONFIG: Text(
        "a MindIE-MS deployment file (user_config.json)", "MindIE-MS 部署文件（user_config.json）"
    ),
    DocumentKind.MS_ENV: Text(
        "a MindIE-MS environment file (mindie_env.json)",
        "MindIE-MS 环境变量文件（mindie_env.json）",
    ),
    DocumentKind.ATB_MODEL_CONFIG: Text(
        "the model-side config of MindIE's ATB models (atb_llm)",
        "MindIE ATB 模型侧配置文件（atb_llm）",
    ),
    DocumentKind.HF_MODEL_CONFIG: Text(
        "a Hugging Face model config.json (from the weights)",
        "Hugging Face 模型权重的 config.json",
    ),
    DocumentKind.NOT_OBJECT: Text("not a JSON object", "非 JSON 对象"),
    DocumentKind.UNKNOWN: Text("an unrecognised JSON file", "无法识别的 JSON 文件"),
}

_SERVICE_KEYS = {"ServerConfig", "BackendConfig", "LogConfig", "Version"}
_ENTRY_KEYS = {"modelName", "modelWeightPath", "worldSize", "backendType"}


def detect_kind(value: Any) -> DocumentKind:
    if _is_entry_list(value):
        return DocumentKind.MODEL_CONFIG_LIST
    if not isinstance(value, dict):
        return DocumentKind.NOT_OBJECT
    keys = set(value)
    if keys & _SERVICE_KEYS:
        return DocumentKind.SERVICE_CONFIG
    if "ModelDeployConfig" in keys or "ModelConfig" in keys:
        return DocumentKind.MODEL_DEPLOY_CONFIG
    if keys & _ENTRY_KEYS:
        return DocumentKind.MODEL_CONFIG_ENTRY
    if "server_list" in keys or "server_count" in keys:
        return DocumentKind.RANKTABLE
    if isinstance(value.get("device"), list) and keys & {"container_ip", "server_id"}:
        return DocumentKind.RANKTABLE_SERVER
    if "deploy_config" in keys or any(key.startswith("mindie_server_") for key in keys):
        return _ms_kind(keys)
    if "llm" in keys and "models" in keys:
        return DocumentKind.ATB_MODEL_CONFIG
    if "model_type" in keys and "hidden_size" in keys:
        return DocumentKind.HF_MODEL_CONFIG
    return DocumentKind.UNKNOWN


def _is_entry_list(value: Any) -> bool:
    """Return whether `value` is a non-empty array of objects with ModelConfig entry keys."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) and set(item) & _ENTRY_KEYS for item in value)
    )


def _ms_kind(keys: set[str]) -> DocumentKind:
    if any(key.endswith("_env") for key in keys):
        return DocumentKind.MS_ENV
    return DocumentKind.MS_USER_CONFIG
