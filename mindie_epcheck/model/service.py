"""Typed model of MindIE Service's config.json (MindIE 2.x and 3.0).

Every field is optional in the pydantic sense, so that a config with mistakes still gives a
partial model for the rules. A field MindIE requires carries `REQUIRED` in its schema extras,
and a rule reports it when absent. Types are strict, as MindIE's C++ parser reads them:
an integer field does not take 8.0 or "8", a bool field does not take "true".

Key names and requirements: MindIE-LLM 3.0, src/server/conf/config.json and its C++ config
parser; MindIE 2.x service documentation for the 2.x-only LogConfig fields.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

REQUIRED = "x-epcheck-required"
ZH = "x-description-zh"


def field(alias: str, en: str, zh: str, required: bool = False, **constraints: Any) -> Any:
    """Declare an optional model field under its config.json key, described in both languages."""
    extra: dict[str, Any] = {ZH: zh}
    if required:
        extra[REQUIRED] = True
    return Field(None, alias=alias, description=en, json_schema_extra=extra, **constraints)


class Section(BaseModel):
    """A config.json object: keys are case-sensitive, unknown keys are kept for the rules."""

    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=True, frozen=True)


# MindIE 3.0: modelName is 1..256 characters of [A-Za-z0-9_.-], alphanumeric at both ends.
MODEL_NAME_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,254}[A-Za-z0-9])?$"


class HealthCheckConfig(Section):
    npu_usage_threshold: StrictInt | None = field(
        "npuUsageThreshold", "NPU usage threshold in percent", "NPU 使用率阈值（百分比）"
    )


class ServerConfig(Section):
    ip_address: StrictStr | None = field("ipAddress", "Service IP address", "服务 IP 地址")
    management_ip_address: StrictStr | None = field(
        "managementIpAddress", "Management IP address", "管理面 IP 地址"
    )
    port: StrictInt | None = field("port", "Service port", "服务端口", ge=1024, le=65535)
    management_port: StrictInt | None = field(
        "managementPort", "Management port", "管理面端口", ge=1024, le=65535
    )
    metrics_port: StrictInt | None = field(
        "metricsPort", "Metrics port", "指标端口", ge=1024, le=65535
    )
    allow_all_zero_ip_listening: StrictBool | None = field(
        "allowAllZeroIpListening", "Allow listening on 0.0.0.0", "是否允许监听全零 IP"
    )
    max_link_num: StrictInt | None = field(
        "maxLinkNum", "Maximum concurrent connections", "最大并发连接数", ge=1
    )
    https_enabled: StrictBool | None = field("httpsEnabled", "Enable HTTPS", "是否启用 HTTPS")
    full_text_enabled: StrictBool | None = field(
        "fullTextEnabled", "Return the full text in streaming mode", "流式推理是否返回全量文本"
    )
    tls_ca_path: StrictStr | None = field("tlsCaPath", "TLS CA directory", "TLS CA 证书目录")
    tls_ca_file: list[StrictStr] | None = field("tlsCaFile", "TLS CA files", "TLS CA 证书文件")
    tls_cert: StrictStr | None = field("tlsCert", "TLS certificate", "TLS 证书")
    tls_pk: StrictStr | None = field("tlsPk", "TLS private key", "TLS 私钥")
    tls_pk_pwd: StrictStr | None = field("tlsPkPwd", "TLS key password file", "TLS 私钥口令文件")
    tls_crl_path: StrictStr | None = field("tlsCrlPath", "TLS CRL directory", "TLS 吊销列表目录")
    tls_crl_files: list[StrictStr] | None = field(
        "tlsCrlFiles", "TLS CRL files", "TLS 吊销列表文件"
    )
    management_tls_ca_file: list[StrictStr] | None = field(
        "managementTlsCaFile", "Management TLS CA files", "管理面 TLS CA 证书文件"
    )
    management_tls_cert: StrictStr | None = field(
        "managementTlsCert", "Management TLS certificate", "管理面 TLS 证书"
    )
    management_tls_pk: StrictStr | None = field(
        "managementTlsPk", "Management TLS private key", "管理面 TLS 私钥"
    )
    management_tls_pk_pwd: StrictStr | None = field(
        "managementTlsPkPwd", "Management TLS key password file", "管理面 TLS 私钥口令文件"
    )
    management_tls_crl_path: StrictStr | None = field(
        "managementTlsCrlPath", "Management TLS CRL directory", "管理面 TLS 吊销列表目录"
    )
    management_tls_crl_files: list[StrictStr] | None = field(
        "managementTlsCrlFiles", "Management TLS CRL files", "管理面 TLS 吊销列表文件"
    )
    metrics_tls_ca_file: list[StrictStr] | None = field(
        "metricsTlsCaFile", "Metrics TLS CA files", "指标 TLS CA 证书文件"
    )
    metrics_tls_cert: StrictStr | None = field(
        "metricsTlsCert", "Metrics TLS certificate", "指标 TLS 证书"
    )
    metrics_tls_pk: StrictStr | None = field(
        "metricsTlsPk", "Metrics TLS private key", "指标 TLS 私钥"
    )
    metrics_tls_crl_path: StrictStr | None = field(
        "metricsTlsCrlPath", "Metrics TLS CRL directory", "指标 TLS 吊销列表目录"
    )
    metrics_tls_crl_files: list[StrictStr] | None = field(
        "metricsTlsCrlFiles", "Metrics TLS CRL files", "指标 TLS 吊销列表文件"
    )
    kmc_ksf_master: StrictStr | None = field("kmcKsfMaster", "KMC master key file", "KMC 主密钥")
    kmc_ksf_standby: StrictStr | None = field("kmcKsfStandby", "KMC standby key file", "KMC 备密钥")
    infer_mode: Literal["standard", "dmi"] | None = field(
        "inferMode", "Inference mode: standard or dmi (PD split)", "推理模式：standard 或 dmi"
    )
    inter_comm_tls_enabled: StrictBool | None = field(
        "interCommTLSEnabled", "TLS between PD instances", "PD 实例间通信是否启用 TLS"
    )
    inter_comm_port: StrictInt | None = field(
        "interCommPort", "Port between PD instances", "PD 实例间通信端口", ge=1024, le=65535
    )
    inter_comm_tls_ca_path: StrictStr | None = field(
        "interCommTlsCaPath", "Inter-instance TLS CA directory", "实例间 TLS CA 目录"
    )
    inter_comm_tls_ca_files: list[StrictStr] | None = field(
        "interCommTlsCaFiles", "Inter-instance TLS CA files", "实例间 TLS CA 文件"
    )
    inter_comm_tls_cert: StrictStr | None = field(
        "interCommTlsCert", "Inter-instance TLS certificate", "实例间 TLS 证书"
    )
    inter_comm_pk: StrictStr | None = field(
        "interCommPk", "Inter-instance TLS private key", "实例间 TLS 私钥"
    )
    inter_comm_pk_pwd: StrictStr | None = field(
        "interCommPkPwd", "Inter-instance TLS key password file", "实例间 TLS 私钥口令文件"
    )
    inter_comm_tls_crl_path: StrictStr | None = field(
        "interCommTlsCrlPath", "Inter-instance TLS CRL directory", "实例间 TLS 吊销列表目录"
    )
    inter_comm_tls_crl_files: list[StrictStr] | None = field(
        "interCommTlsCrlFiles", "Inter-instance TLS CRL files", "实例间 TLS 吊销列表文件"
    )
    open_ai_support: StrictStr | None = field(
        "openAiSupport", "OpenAI API flavour", "OpenAI 接口兼容方式"
    )
    token_timeout: StrictInt | None = field(
        "tokenTimeout", "Timeout per token in seconds", "单 token 超时时间（秒）", ge=1
    )
    e2e_timeout: StrictInt | None = field(
        "e2eTimeout", "End-to-end request timeout in seconds", "端到端请求超时时间（秒）", ge=1
    )
    dist_dp_server_enabled: StrictBool | None = field(
        "distDPServerEnabled", "Distributed DP server mode", "是否启用分布式 DP 服务"
    )
    layerwise_disaggregated: StrictBool | None = field(
        "layerwiseDisaggregated", "Layer-wise disaggregation", "是否启用按层分离部署"
    )
    layerwise_disaggregated_role_type: StrictStr | None = field(
        "layerwiseDisaggregatedRoleType", "Layer-wise role", "按层分离部署角色"
    )
    layerwise_disaggregated_master_ip_address: StrictStr | None = field(
        "layerwiseDisaggregatedMasterIpAddress", "Layer-wise master IP", "按层分离主节点 IP"
    )
    layerwise_disaggregated_slave_ip_address: list[StrictStr] | None = field(
        "layerwiseDisaggregatedSlaveIpAddress", "Layer-wise worker IPs", "按层分离从节点 IP"
    )
    layerwise_disaggregated_data_port: StrictInt | None = field(
        "layerwiseDisaggregatedDataPort", "Layer-wise data port", "按层分离数据端口"
    )
    layerwise_disaggregated_crtl_port: list[StrictInt] | None = field(
        "layerwiseDisaggregatedCrtlPort", "Layer-wise control ports", "按层分离控制端口"
    )
    health_check_config: HealthCheckConfig | None = field(
        "HealthCheckConfig", "Health check settings", "健康检查配置"
    )


class DeepseekV2Options(Section):
    """`models.deepseekv2`: the DeepSeek-V2/V3/R1 options, expert parallelism among them."""

    ep_level: StrictInt | None = field(
        "ep_level",
        "Expert parallelism implementation: 1 AllGather, 2 AllToAll fused with compute (MC2)",
        "专家并行实现形式：1 基于 AllGather，2 基于 AllToAll 与通算融合（MC2）",
    )
    enable_init_routing_cutoff: StrictBool | None = field(
        "enable_init_routing_cutoff",
        "Truncate routed rows per device (ep_level 1 only)",
        "是否开启 topk 截断（仅 ep_level 1 生效）",
    )
    topk_scaling_factor: StrictFloat | StrictInt | None = field(
        "topk_scaling_factor",
        "Share of top-k rows kept by the cutoff, 0.25 to 1.0",
        "topk 截断保留比例，取值 0.25 到 1.0",
    )
    alltoall_ep_buffer_scale_factors: Any = field(
        "alltoall_ep_buffer_scale_factors",
        "AllToAll receive buffer coefficients: [[threshold, coefficient], ...], "
        "strictly descending thresholds ending with [0, c] (ep_level 2 only)",
        "AllToAll 接收 buffer 系数：[[阈值, 系数], ...]，阈值严格降序并以 [0, c] 结尾"
        "（仅 ep_level 2 生效）",
    )
    num_dangling_shared_experts: StrictInt | None = field(
        "num_dangling_shared_experts", "Shared experts placed as EP ranks", "悬挂共享专家数", ge=0
    )


class ModelEntry(Section):
    """One `ModelConfig[i]` entry; unknown keys are MindIE's free-form extras."""

    model_instance_type: Literal["Standard", "StandardMock"] | None = field(
        "modelInstanceType", "Model instance type", "模型实例类型"
    )
    model_name: StrictStr | None = field(
        "modelName",
        "Model name: 1-256 characters of letters, digits, _ . -, alphanumeric at both ends",
        "模型名称：1~256 个字母、数字或 _ . -，首尾为字母或数字",
        required=True,
        pattern=MODEL_NAME_PATTERN,
    )
    model_weight_path: StrictStr | None = field(
        "modelWeightPath", "Directory of the model weights", "模型权重目录", required=True
    )
    world_size: StrictInt | None = field(
        "worldSize",
        "Devices per node used by this model",
        "单节点上模型使用的卡数",
        required=True,
        gt=0,
    )
    cpu_mem_size: StrictInt | None = field(
        "cpuMemSize",
        "CPU swap space for KV cache in GB",
        "KV cache 的 CPU 交换空间（GB）",
        required=True,
        ge=0,
    )
    npu_mem_size: StrictInt | None = field(
        "npuMemSize",
        "NPU KV cache size in GB, -1 for automatic",
        "NPU 上 KV cache 大小（GB），-1 表示自动",
        required=True,
    )
    backend_type: Literal["atb", "ms", "torch"] | None = field(
        "backendType", "Inference backend", "推理后端", required=True
    )
    trust_remote_code: StrictBool | None = field(
        "trustRemoteCode",
        "Trust code shipped with the weights",
        "是否信任权重目录中的代码",
        required=True,
    )
    models: dict[str, Any] | None = field(
        "models", "Per-model-family options, such as deepseekv2", "模型族专属配置，如 deepseekv2"
    )
    plugin_params: StrictStr | None = field(
        "plugin_params",
        "Plugin settings as a JSON string, such as MTP",
        "插件参数（JSON 字符串），如 MTP",
    )


class ModelDeployConfig(Section):
    max_seq_len: StrictInt | None = field(
        "maxSeqLen",
        "Maximum sequence length (input plus output tokens)",
        "最大序列长度（输入加输出 token）",
        ge=1,
    )
    max_input_token_len: StrictInt | None = field(
        "maxInputTokenLen",
        "Maximum input tokens, 1 to 4194304",
        "最大输入 token 数，1~4194304",
        ge=1,
        le=4194304,
    )
    truncation: StrictBool | StrictInt | None = field(
        "truncation",
        "Truncate over-long input: bool up to MindIE 2.x, -1/0/1 in 3.0",
        "是否截断超长输入：MindIE 2.x 为 bool，3.0 为 -1/0/1",
    )
    model_config_list: list[ModelEntry] | None = field(
        "ModelConfig", "Model entries (an array)", "模型配置（数组）", required=True
    )


class ScheduleConfig(Section):
    template_type: Literal["Standard", "Mix"] | None = field(
        "templateType", "Scheduling template", "调度模板"
    )
    template_name: StrictStr | None = field("templateName", "Template name", "模板名称")
    cache_block_size: StrictInt | None = field(
        "cacheBlockSize", "KV cache block size in tokens", "KV cache 块大小（token）", ge=1
    )
    max_prefill_batch_size: StrictInt | None = field(
        "maxPrefillBatchSize", "Maximum prefill batch size", "最大 prefill batch 大小", ge=1
    )
    max_prefill_tokens: StrictInt | None = field(
        "maxPrefillTokens",
        "Maximum tokens in one prefill batch",
        "单次 prefill 最大 token 数",
        ge=1,
    )
    prefill_time_ms_per_req: StrictInt | None = field(
        "prefillTimeMsPerReq",
        "Expected prefill time per request in ms",
        "单请求 prefill 预期时间（毫秒）",
    )
    prefill_policy_type: StrictInt | None = field(
        "prefillPolicyType", "Prefill scheduling policy", "prefill 调度策略"
    )
    decode_time_ms_per_req: StrictInt | None = field(
        "decodeTimeMsPerReq",
        "Expected decode time per request in ms",
        "单请求 decode 预期时间（毫秒）",
    )
    decode_policy_type: StrictInt | None = field(
        "decodePolicyType", "Decode scheduling policy", "decode 调度策略"
    )
    max_batch_size: StrictInt | None = field(
        "maxBatchSize", "Maximum decode batch size", "最大 decode batch 大小", ge=1
    )
    max_iter_times: StrictInt | None = field(
        "maxIterTimes", "Maximum output tokens per request", "单请求最大输出 token 数", ge=1
    )
    max_preempt_count: StrictInt | None = field(
        "maxPreemptCount", "Maximum preempted requests per batch", "每批最大抢占请求数", ge=0
    )
    support_select_batch: StrictBool | None = field(
        "supportSelectBatch", "Select-batch scheduling", "是否启用 batch 选择调度"
    )
    max_queue_delay_microseconds: StrictInt | None = field(
        "maxQueueDelayMicroseconds",
        "Maximum queue delay in microseconds",
        "最大排队等待时间（微秒）",
    )
    max_first_token_wait_time: StrictInt | None = field(
        "maxFirstTokenWaitTime",
        "Maximum wait for the first token in ms",
        "首 token 最大等待时间（毫秒）",
    )
    distributed_enable: StrictBool | None = field(
        "distributedEnable", "Distributed scheduling (PD split)", "是否启用分布式调度"
    )


class BackendConfig(Section):
    backend_name: StrictStr | None = field("backendName", "Backend name", "后端名称")
    model_instance_number: StrictInt | None = field(
        "modelInstanceNumber", "Model instances", "模型实例数", ge=1
    )
    npu_device_ids: list[list[StrictInt]] | None = field(
        "npuDeviceIds", "Device ids, one list per model instance", "NPU 卡号，每个模型实例一个列表"
    )
    tokenizer_process_number: StrictInt | None = field(
        "tokenizerProcessNumber", "Tokenizer processes", "tokenizer 进程数", ge=1
    )
    multi_nodes_infer_enabled: StrictBool | None = field(
        "multiNodesInferEnabled", "Multi-node inference", "是否启用多机推理"
    )
    multi_nodes_infer_port: StrictInt | None = field(
        "multiNodesInferPort", "Port between nodes", "多机通信端口", ge=1024, le=65535
    )
    inter_node_tls_enabled: StrictBool | None = field(
        "interNodeTLSEnabled", "TLS between nodes", "多机通信是否启用 TLS"
    )
    inter_node_tls_ca_path: StrictStr | None = field(
        "interNodeTlsCaPath", "Inter-node TLS CA directory", "多机 TLS CA 目录"
    )
    inter_node_tls_ca_files: list[StrictStr] | None = field(
        "interNodeTlsCaFiles", "Inter-node TLS CA files", "多机 TLS CA 文件"
    )
    inter_node_tls_cert: StrictStr | None = field(
        "interNodeTlsCert", "Inter-node TLS certificate", "多机 TLS 证书"
    )
    inter_node_tls_pk: StrictStr | None = field(
        "interNodeTlsPk", "Inter-node TLS private key", "多机 TLS 私钥"
    )
    inter_node_tls_pk_pwd: StrictStr | None = field(
        "interNodeTlsPkPwd", "Inter-node TLS key password file", "多机 TLS 私钥口令文件"
    )
    inter_node_tls_crl_path: StrictStr | None = field(
        "interNodeTlsCrlPath", "Inter-node TLS CRL directory", "多机 TLS 吊销列表目录"
    )
    inter_node_tls_crl_files: list[StrictStr] | None = field(
        "interNodeTlsCrlFiles", "Inter-node TLS CRL files", "多机 TLS 吊销列表文件"
    )
    inter_node_kmc_ksf_master: StrictStr | None = field(
        "interNodeKmcKsfMaster", "Inter-node KMC master key", "多机 KMC 主密钥"
    )
    inter_node_kmc_ksf_standby: StrictStr | None = field(
        "interNodeKmcKsfStandby", "Inter-node KMC standby key", "多机 KMC 备密钥"
    )
    kv_pool_config: dict[str, Any] | None = field(
        "kvPoolConfig", "KV pool backend", "KV 池化后端配置"
    )
    model_deploy_config: ModelDeployConfig | None = field(
        "ModelDeployConfig", "Model deployment", "模型部署配置", required=True
    )
    schedule_config: ScheduleConfig | None = field("ScheduleConfig", "Scheduling", "调度配置")


class LogConfig(Section):
    # MindIE up to 2.x
    log_level: StrictStr | None = field("logLevel", "Log level (MindIE 2.x)", "日志级别（2.x）")
    log_file_size: StrictInt | None = field(
        "logFileSize", "Log file size in MB (MindIE 2.x)", "日志文件大小（MB，2.x）"
    )
    log_file_num: StrictInt | None = field(
        "logFileNum", "Log files kept (MindIE 2.x)", "日志文件个数（2.x）"
    )
    log_path: StrictStr | None = field("logPath", "Log file path (MindIE 2.x)", "日志路径（2.x）")
    # MindIE 3.0
    dynamic_log_level: StrictStr | None = field(
        "dynamicLogLevel", "Log level changed at run time (MindIE 3.0)", "动态日志级别（3.0）"
    )
    dynamic_log_level_valid_hours: StrictInt | None = field(
        "dynamicLogLevelValidHours",
        "Hours the dynamic level lasts (MindIE 3.0)",
        "动态日志级别有效小时数（3.0）",
    )
    dynamic_log_level_valid_time: StrictStr | None = field(
        "dynamicLogLevelValidTime",
        "Time the dynamic level was set (MindIE 3.0)",
        "动态日志级别生效时间（3.0）",
    )


class ServiceConfig(Section):
    """The whole config.json of MindIE Service."""

    version: StrictStr | None = field("Version", "Config file version", "配置文件版本")
    server_config: ServerConfig | None = field("ServerConfig", "Server", "服务配置")
    backend_config: BackendConfig | None = field(
        "BackendConfig", "Backend", "后端配置", required=True
    )
    log_config: LogConfig | None = field("LogConfig", "Logging", "日志配置")
    enable_dynamic_adjust_timeout_config: StrictBool | None = field(
        "EnableDynamicAdjustTimeoutConfig", "Adjust timeouts at run time", "是否动态调整超时"
    )
