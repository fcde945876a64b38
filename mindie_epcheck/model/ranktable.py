"""Typed model of an HCCL rank table (RANK_TABLE_FILE), version 1.0 and the A3 1.2 form.

Every value is a JSON string in the files MindIE reads; MindIE-LLM 3.0 checks that, and the
ranges below, when it loads the table.
"""

from __future__ import annotations

from typing import Any

from pydantic import StrictStr

from mindie_epcheck.model.service import Section, field


class RankDevice(Section):
    device_id: StrictStr | None = field(
        "device_id", "Device id on its server, 0 to 63", "服务器内的卡号，0~63", required=True
    )
    device_ip: StrictStr | None = field(
        "device_ip", "IP address of the device's NIC", "卡的网口 IP 地址", required=True
    )
    rank_id: StrictStr | None = field(
        "rank_id", "Global rank, 0 to 511", "全局 rank 号，0~511", required=True
    )
    super_device_id: StrictStr | None = field(
        "super_device_id",
        "Device id in the SuperPoD (A3, version 1.2)",
        "超节点内卡号（A3，1.2 版本）",
    )


class RankServer(Section):
    server_id: StrictStr | None = field(
        "server_id", "Server id, usually its IP", "服务器标识，一般为 IP"
    )
    container_ip: StrictStr | None = field(
        "container_ip", "IP address of the server or container", "服务器或容器 IP", required=True
    )
    device: list[RankDevice] | None = field(
        "device", "Devices of the server, 1 to 32", "服务器上的卡，1~32 张", required=True
    )
    host_nic_ip: StrictStr | None = field("host_nic_ip", "Host NIC IP", "主机网口 IP")


class Ranktable(Section):
    server_count: StrictStr | None = field(
        "server_count",
        "Number of servers, 2 to 60, as a string",
        "服务器数量，2~60，字符串",
        required=True,
    )
    server_list: list[RankServer] | None = field(
        "server_list", "Servers", "服务器列表", required=True
    )
    status: StrictStr | None = field("status", "Table status: completed", "状态：completed")
    version: StrictStr | None = field(
        "version", "Format version: 1.0, or 1.2 on A3", "格式版本：1.0，A3 为 1.2"
    )
    super_pod_list: list[Any] | None = field(
        "super_pod_list", "SuperPoD membership (A3, version 1.2)", "超节点列表（A3，1.2 版本）"
    )
