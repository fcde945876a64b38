"""Field tables of the model classes in service.py and ranktable.py.

Written by `python -m mindie_epcheck.model.compile`; do not edit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mindie_epcheck.model.spec import AnyOf, Choice, FieldSpec, Kind, ListOf, ModelRef, ModelSpec

if TYPE_CHECKING:
    from mindie_epcheck.model.ranktable import RankDevice, RankServer, Ranktable
    from mindie_epcheck.model.service import (
        BackendConfig,
        DeepseekV2Options,
        HealthCheckConfig,
        LogConfig,
        ModelDeployConfig,
        ModelEntry,
        ScheduleConfig,
        ServerConfig,
        ServiceConfig,
    )


HEALTH_CHECK_CONFIG: ModelSpec[HealthCheckConfig] = ModelSpec(
    "HealthCheckConfig",
    (
        FieldSpec("npu_usage_threshold", "npuUsageThreshold", Kind("int")),
    ),
)


SERVER_CONFIG: ModelSpec[ServerConfig] = ModelSpec(
    "ServerConfig",
    (
        FieldSpec("ip_address", "ipAddress", Kind("str")),
        FieldSpec("management_ip_address", "managementIpAddress", Kind("str")),
        FieldSpec("port", "port", Kind("int"), ge=1024, le=65535),
        FieldSpec("management_port", "managementPort", Kind("int"), ge=1024, le=65535),
        FieldSpec("metrics_port", "metricsPort", Kind("int"), ge=1024, le=65535),
        FieldSpec("allow_all_zero_ip_listening", "allowAllZeroIpListening", Kind("bool")),
        FieldSpec("max_link_num", "maxLinkNum", Kind("int"), ge=1),
        FieldSpec("https_enabled", "httpsEnabled", Kind("bool")),
        FieldSpec("full_text_enabled", "fullTextEnabled", Kind("bool")),
        FieldSpec("tls_ca_path", "tlsCaPath", Kind("str")),
        FieldSpec("tls_ca_file", "tlsCaFile", ListOf(Kind("str"))),
        FieldSpec("tls_cert", "tlsCert", Kind("str")),
        FieldSpec("tls_pk", "tlsPk", Kind("str")),
        FieldSpec("tls_pk_pwd", "tlsPkPwd", Kind("str")),
        FieldSpec("tls_crl_path", "tlsCrlPath", Kind("str")),
        FieldSpec("tls_crl_files", "tlsCrlFiles", ListOf(Kind("str"))),
        FieldSpec("management_tls_ca_file", "managementTlsCaFile", ListOf(Kind("str"))),
        FieldSpec("management_tls_cert", "managementTlsCert", Kind("str")),
        FieldSpec("management_tls_pk", "managementTlsPk", Kind("str")),
        FieldSpec("management_tls_pk_pwd", "managementTlsPkPwd", Kind("str")),
        FieldSpec("management_tls_crl_path", "managementTlsCrlPath", Kind("str")),
        FieldSpec("management_tls_crl_files", "managementTlsCrlFiles", ListOf(Kind("str"))),
        FieldSpec("metrics_tls_ca_file", "metricsTlsCaFile", ListOf(Kind("str"))),
        FieldSpec("metrics_tls_cert", "metricsTlsCert", Kind("str")),
        FieldSpec("metrics_tls_pk", "metricsTlsPk", Kind("str")),
        FieldSpec("metrics_tls_crl_path", "metricsTlsCrlPath", Kind("str")),
        FieldSpec("metrics_tls_crl_files", "metricsTlsCrlFiles", ListOf(Kind("str"))),
        FieldSpec("kmc_ksf_master", "kmcKsfMaster", Kind("str")),
        FieldSpec("kmc_ksf_standby", "kmcKsfStandby", Kind("str")),
        FieldSpec("infer_mode", "inferMode", Choice(("standard", "dmi"))),
        FieldSpec("inter_comm_tls_enabled", "interCommTLSEnabled", Kind("bool")),
        FieldSpec("inter_comm_port", "interCommPort", Kind("int"), ge=1024, le=65535),
        FieldSpec("inter_comm_tls_ca_path", "interCommTlsCaPath", Kind("str")),
        FieldSpec("inter_comm_tls_ca_files", "interCommTlsCaFiles", ListOf(Kind("str"))),
        FieldSpec("inter_comm_tls_cert", "interCommTlsCert", Kind("str")),
        FieldSpec("inter_comm_pk", "interCommPk", Kind("str")),
        FieldSpec("inter_comm_pk_pwd", "interCommPkPwd", Kind("str")),
        FieldSpec("inter_comm_tls_crl_path", "interCommTlsCrlPath", Kind("str")),
        FieldSpec("inter_comm_tls_crl_files", "interCommTlsCrlFiles", ListOf(Kind("str"))),
        FieldSpec("open_ai_support", "openAiSupport", Kind("str")),
        FieldSpec("token_timeout", "tokenTimeout", Kind("int"), ge=1),
        FieldSpec("e2e_timeout", "e2eTimeout", Kind("int"), ge=1),
        FieldSpec("dist_dp_server_enabled", "distDPServerEnabled", Kind("bool")),
        FieldSpec("layerwise_disaggregated", "layerwiseDisaggregated", Kind("bool")),
        FieldSpec("layerwise_disaggregated_role_type", "layerwiseDisaggregatedRoleType", Kind("str")),
        FieldSpec("layerwise_disaggregated_master_ip_address", "layerwiseDisaggregatedMasterIpAddress", Kind("str")),
        FieldSpec("layerwise_disaggregated_slave_ip_address", "layerwiseDisaggregatedSlaveIpAddress", ListOf(Kind("str"))),
        FieldSpec("layerwise_disaggregated_data_port", "layerwiseDisaggregatedDataPort", Kind("int")),
        FieldSpec("layerwise_disaggregated_crtl_port", "layerwiseDisaggregatedCrtlPort", ListOf(Kind("int"))),
        FieldSpec("health_check_config", "HealthCheckConfig", ModelRef("HealthCheckConfig")),
    ),
)


DEEPSEEK_V2_OPTIONS: ModelSpec[DeepseekV2Options] = ModelSpec(
    "DeepseekV2Options",
    (
        FieldSpec("ep_level", "ep_level", Kind("int")),
        FieldSpec("enable_init_routing_cutoff", "enable_init_routing_cutoff", Kind("bool")),
        FieldSpec("topk_scaling_factor", "topk_scaling_factor", AnyOf((Kind("float"), Kind("int"),))),
        FieldSpec("alltoall_ep_buffer_scale_factors", "alltoall_ep_buffer_scale_factors", Kind("any")),
        FieldSpec("num_dangling_shared_experts", "num_dangling_shared_experts", Kind("int"), ge=0),
    ),
)


MODEL_ENTRY: ModelSpec[ModelEntry] = ModelSpec(
    "ModelEntry",
    (
        FieldSpec("model_instance_type", "modelInstanceType", Choice(("Standard", "StandardMock"))),
        FieldSpec("model_name", "modelName", Kind("str"), required=True, pattern="^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,254}[A-Za-z0-9])?$"),
        FieldSpec("model_weight_path", "modelWeightPath", Kind("str"), required=True),
        FieldSpec("world_size", "worldSize", Kind("int"), required=True, gt=0),
        FieldSpec("cpu_mem_size", "cpuMemSize", Kind("int"), required=True, ge=0),
        FieldSpec("npu_mem_size", "npuMemSize", Kind("int"), required=True),
        FieldSpec("backend_type", "backendType", Choice(("atb", "ms", "torch")), required=True),
        FieldSpec("trust_remote_code", "trustRemoteCode", Kind("bool"), required=True),
        FieldSpec("models", "models", Kind("dict")),
        FieldSpec("plugin_params", "plugin_params", Kind("str")),
    ),
)


MODEL_DEPLOY_CONFIG: ModelSpec[ModelDeployConfig] = ModelSpec(
    "ModelDeployConfig",
    (
        FieldSpec("max_seq_len", "maxSeqLen", Kind("int"), ge=1),
        FieldSpec("max_input_token_len", "maxInputTokenLen", Kind("int"), ge=1, le=4194304),
        FieldSpec("truncation", "truncation", AnyOf((Kind("bool"), Kind("int"),))),
        FieldSpec("model_config_list", "ModelConfig", ListOf(ModelRef("ModelEntry")), required=True),
    ),
)


SCHEDULE_CONFIG: ModelSpec[ScheduleConfig] = ModelSpec(
    "ScheduleConfig",
    (
        FieldSpec("template_type", "templateType", Choice(("Standard", "Mix"))),
        FieldSpec("template_name", "templateName", Kind("str")),
        FieldSpec("cache_block_size", "cacheBlockSize", Kind("int"), ge=1),
        FieldSpec("max_prefill_batch_size", "maxPrefillBatchSize", Kind("int"), ge=1),
        FieldSpec("max_prefill_tokens", "maxPrefillTokens", Kind("int"), ge=1),
        FieldSpec("prefill_time_ms_per_req", "prefillTimeMsPerReq", Kind("int")),
        FieldSpec("prefill_policy_type", "prefillPolicyType", Kind("int")),
        FieldSpec("decode_time_ms_per_req", "decodeTimeMsPerReq", Kind("int")),
        FieldSpec("decode_policy_type", "decodePolicyType", Kind("int")),
        FieldSpec("max_batch_size", "maxBatchSize", Kind("int"), ge=1),
        FieldSpec("max_iter_times", "maxIterTimes", Kind("int"), ge=1),
        FieldSpec("max_preempt_count", "maxPreemptCount", Kind("int"), ge=0),
        FieldSpec("support_select_batch", "supportSelectBatch", Kind("bool")),
        FieldSpec("max_queue_delay_microseconds", "maxQueueDelayMicroseconds", Kind("int")),
        FieldSpec("max_first_token_wait_time", "maxFirstTokenWaitTime", Kind("int")),
        FieldSpec("distributed_enable", "distributedEnable", Kind("bool")),
    ),
)


BACKEND_CONFIG: ModelSpec[BackendConfig] = ModelSpec(
    "BackendConfig",
    (
        FieldSpec("backend_name", "backendName", Kind("str")),
        FieldSpec("model_instance_number", "modelInstanceNumber", Kind("int"), ge=1),
        FieldSpec("npu_device_ids", "npuDeviceIds", ListOf(ListOf(Kind("int")))),
        FieldSpec("tokenizer_process_number", "tokenizerProcessNumber", Kind("int"), ge=1),
        FieldSpec("multi_nodes_infer_enabled", "multiNodesInferEnabled", Kind("bool")),
        FieldSpec("multi_nodes_infer_port", "multiNodesInferPort", Kind("int"), ge=1024, le=65535),
        FieldSpec("inter_node_tls_enabled", "interNodeTLSEnabled", Kind("bool")),
        FieldSpec("inter_node_tls_ca_path", "interNodeTlsCaPath", Kind("str")),
        FieldSpec("inter_node_tls_ca_files", "interNodeTlsCaFiles", ListOf(Kind("str"))),
        FieldSpec("inter_node_tls_cert", "interNodeTlsCert", Kind("str")),
        FieldSpec("inter_node_tls_pk", "interNodeTlsPk", Kind("str")),
        FieldSpec("inter_node_tls_pk_pwd", "interNodeTlsPkPwd", Kind("str")),
        FieldSpec("inter_node_tls_crl_path", "interNodeTlsCrlPath", Kind("str")),
        FieldSpec("inter_node_tls_crl_files", "interNodeTlsCrlFiles", ListOf(Kind("str"))),
        FieldSpec("inter_node_kmc_ksf_master", "interNodeKmcKsfMaster", Kind("str")),
        FieldSpec("inter_node_kmc_ksf_standby", "interNodeKmcKsfStandby", Kind("str")),
        FieldSpec("kv_pool_config", "kvPoolConfig", Kind("dict")),
        FieldSpec("model_deploy_config", "ModelDeployConfig", ModelRef("ModelDeployConfig"), required=True),
        FieldSpec("schedule_config", "ScheduleConfig", ModelRef("ScheduleConfig")),
    ),
)


LOG_CONFIG: ModelSpec[LogConfig] = ModelSpec(
    "LogConfig",
    (
        FieldSpec("log_level", "logLevel", Kind("str")),
        FieldSpec("log_file_size", "logFileSize", Kind("int")),
        FieldSpec("log_file_num", "logFileNum", Kind("int")),
        FieldSpec("log_path", "logPath", Kind("str")),
        FieldSpec("dynamic_log_level", "dynamicLogLevel", Kind("str")),
        FieldSpec("dynamic_log_level_valid_hours", "dynamicLogLevelValidHours", Kind("int")),
        FieldSpec("dynamic_log_level_valid_time", "dynamicLogLevelValidTime", Kind("str")),
    ),
)


SERVICE_CONFIG: ModelSpec[ServiceConfig] = ModelSpec(
    "ServiceConfig",
    (
        FieldSpec("version", "Version", Kind("str")),
        FieldSpec("server_config", "ServerConfig", ModelRef("ServerConfig")),
        FieldSpec("backend_config", "BackendConfig", ModelRef("BackendConfig"), required=True),
        FieldSpec("log_config", "LogConfig", ModelRef("LogConfig")),
        FieldSpec("enable_dynamic_adjust_timeout_config", "EnableDynamicAdjustTimeoutConfig", Kind("bool")),
    ),
)


RANK_DEVICE: ModelSpec[RankDevice] = ModelSpec(
    "RankDevice",
    (
        FieldSpec("device_id", "device_id", Kind("str"), required=True),
        FieldSpec("device_ip", "device_ip", Kind("str"), required=True),
        FieldSpec("rank_id", "rank_id", Kind("str"), required=True),
        FieldSpec("super_device_id", "super_device_id", Kind("str")),
    ),
)


RANK_SERVER: ModelSpec[RankServer] = ModelSpec(
    "RankServer",
    (
        FieldSpec("server_id", "server_id", Kind("str")),
        FieldSpec("container_ip", "container_ip", Kind("str"), required=True),
        FieldSpec("device", "device", ListOf(ModelRef("RankDevice")), required=True),
        FieldSpec("host_nic_ip", "host_nic_ip", Kind("str")),
    ),
)


RANKTABLE: ModelSpec[Ranktable] = ModelSpec(
    "Ranktable",
    (
        FieldSpec("server_count", "server_count", Kind("str"), required=True),
        FieldSpec("server_list", "server_list", ListOf(ModelRef("RankServer")), required=True),
        FieldSpec("status", "status", Kind("str")),
        FieldSpec("version", "version", Kind("str")),
        FieldSpec("super_pod_list", "super_pod_list", ListOf(Kind("any"))),
    ),
)


# Every model by name, for ModelRef.
SPECS: dict[str, ModelSpec[Any]] = {
    spec.name: spec
    for spec in (
        HEALTH_CHECK_CONFIG,
        SERVER_CONFIG,
        DEEPSEEK_V2_OPTIONS,
        MODEL_ENTRY,
        MODEL_DEPLOY_CONFIG,
        SCHEDULE_CONFIG,
        BACKEND_CONFIG,
        LOG_CONFIG,
        SERVICE_CONFIG,
        RANK_DEVICE,
        RANK_SERVER,
        RANKTABLE,
    )
}
