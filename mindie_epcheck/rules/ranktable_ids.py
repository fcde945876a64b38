"""EP406-EP409: the device ids, rank ids and IP addresses in a rank table.

The limits come from MindIE-LLM 3.0's rank table check, which ranktable.py describes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from mindie_epcheck.findings import Severity
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.context import Subject
from mindie_epcheck.rules.ranktable import (
    DECIMAL,
    _line_of,
    _parse_ip,
    _rank_devices,
    _rank_servers,
    _server_label,
    _string_at,
    _TableDevice,
    _whole_table,
)
from mindie_epcheck.rules.registry import Hit, rule
from mindie_epcheck.source.nodes import join_pointer

# Limits of MindIE-LLM 3.0's rank table check (ranktable_config.cpp).
MAX_DEVICE_ID = 63
MAX_RANK_ID = 511
# MindIE's own log line for a bad device_ip, quoted so that users can search their logs.
DEVICE_IP_LOG = "Parameter device_ip is invalid in ranktable file."


@rule(
    "EP406",
    "ranktable-device-id",
    Severity.ERROR,
    summary=Text(
        "device_id must be an integer from 0 to 63, unique within its server.",
        "device_id 必须是 0 到 63 的整数，且在同一服务器内唯一。",
    ),
    rationale=Text(
        "MindIE rejects a device_id that is not an integer in [0, 63]. Two entries with the "
        "same device_id on one server put two ranks on one device, which HCCL cannot set up.",
        "MindIE 拒绝不在 [0, 63] 内的 device_id。同一服务器内两个条目的 device_id 相同，"
        "会把两个 rank 放到同一张卡上，HCCL 无法建立通信。",
    ),
    bad='"device": [{"device_id": "0", ...}, {"device_id": "0", ...}]',
    good='"device": [{"device_id": "0", ...}, {"device_id": "1", ...}]',
    fix=Text(
        "Write each device's own id, as `npu-smi info` lists it on that server.",
        "填写每张卡自身的编号（可在该服务器上用 `npu-smi info` 查看）。",
    ),
)
def ranktable_device_id(subject: Subject) -> Iterator[Hit]:
    for server in _rank_servers(subject):
        seen: dict[int, str] = {}
        for device in server.devices or []:
            text = _string_at(device.raw, "device_id")
            if text is None:
                continue
            pointer = join_pointer(device.pointer, "device_id")
            problem = _device_id_problem(text)
            if problem is not None:
                yield Hit(pointer, problem, DEVICE_ID_HINT)
                continue
            number = int(text)
            first = seen.setdefault(number, pointer)
            if first != pointer:
                yield Hit(
                    pointer,
                    Text(
                        "device_id {number} appears twice on {server_en}: first on line {line}",
                        "{server_zh}上 device_id {number} 出现两次：第一次在第 {line} 行",
                    ).format(
                        number=number,
                        server_en=_server_label(server).en,
                        server_zh=_server_label(server).zh,
                        line=_line_of(subject, first),
                    ),
                    Text(
                        "Give each device entry of a server its own device_id.",
                        "同一服务器的每个卡条目使用不同的 device_id。",
                    ),
                    related=(first,),
                )


DEVICE_ID_HINT = Text(
    'Write the device\'s id as a decimal string from "0" to "63", as `npu-smi info` lists it.',
    '将卡号写为 "0" 到 "63" 的十进制字符串（可用 `npu-smi info` 查看）。',
)


def _device_id_problem(text: str) -> Text | None:
    if not DECIMAL.fullmatch(text):
        return Text(
            "device_id {text!r} is not a decimal integer; MindIE stops with "
            '"Parameter device_id is invalid in ranktable file."',
            'device_id {text!r} 不是十进制整数；MindIE 会报 "Parameter device_id is invalid in '
            'ranktable file." 并退出',
        ).format(text=text)
    if int(text) > MAX_DEVICE_ID:
        return Text(
            "device_id {text} is outside MindIE's range of 0 to {high}",
            "device_id {text} 超出 MindIE 允许的 0~{high}",
        ).format(text=text, high=MAX_DEVICE_ID)
    return None


@rule(
    "EP407",
    "ranktable-device-ip",
    Severity.ERROR,
    summary=Text(
        "device_ip must be a valid, non-zero IP address, unique in the table.",
        "device_ip 必须是合法且非全零的 IP 地址，并在整个 rank table 中唯一。",
    ),
    rationale=Text(
        "HCCL connects the devices through these addresses. MindIE rejects an address that is "
        f'not a valid IPv4 or IPv6 address, or is all zeros, with "{DEVICE_IP_LOG}" A '
        'placeholder such as "-.-.-.-" appears when a table is generated while a device has '
        "no address yet. Two devices with the same address cannot both be reached.",
        "HCCL 通过这些地址连接各卡。地址不是合法 IPv4/IPv6 地址或为全零时，MindIE 报 "
        f'"{DEVICE_IP_LOG}" 并退出。在卡尚未配置地址时生成 rank table，会出现 "-.-.-.-" 这类占位符。'
        "两张卡地址相同则无法同时连通。",
    ),
    bad='{"device_id": "0", "device_ip": "-.-.-.-", "rank_id": "0"}',
    good='{"device_id": "0", "device_ip": "192.0.2.100", "rank_id": "0"}',
    fix=Text(
        "Read each device's address with `hccn_tool -i <device_id> -ip -g` on its server and "
        "write it into the table.",
        "在各服务器上用 `hccn_tool -i <device_id> -ip -g` 查询每张卡的地址并填入 rank table。",
    ),
)
def ranktable_device_ip(subject: Subject) -> Iterator[Hit]:
    seen: dict[ipaddress.IPv4Address | ipaddress.IPv6Address, str] = {}
    for _, device in _rank_devices(subject):
        text = _string_at(device.raw, "device_ip")
        if text is None:
            continue
        pointer = join_pointer(device.pointer, "device_ip")
        address = _parse_ip(text)
        if address is None or address.is_unspecified:
            yield Hit(pointer, _invalid_device_ip(text, address is None), _device_ip_hint(device))
            continue
        first = seen.setdefault(address, pointer)
        if first != pointer:
            yield Hit(
                pointer,
                Text(
                    "device_ip {text} is also used on line {line}; every device needs its own "
                    "address",
                    "device_ip {text} 已在第 {line} 行使用；每张卡需要独立的地址",
                ).format(text=text, line=_line_of(subject, first)),
                _device_ip_hint(device),
                related=(first,),
            )


def _invalid_device_ip(text: str, unparsable: bool) -> Text:
    reason = (
        Text("is not a valid IP address", "不是合法的 IP 地址")
        if unparsable
        else Text("is the all-zero address", "是全零地址")
    )
    return Text(
        'device_ip "{text}" {reason_en}; MindIE stops with "{log}"',
        'device_ip "{text}" {reason_zh}；MindIE 会报 "{log}" 并退出',
    ).format(text=text, reason_en=reason.en, reason_zh=reason.zh, log=DEVICE_IP_LOG)


def _device_ip_hint(device: _TableDevice) -> Text:
    device_id = _string_at(device.raw, "device_id")
    index = device_id if device_id is not None and DECIMAL.fullmatch(device_id) else "<device_id>"
    return Text(
        "Read the address with `hccn_tool -i {index} -ip -g` on this server; if it shows none, "
        "configure the NPU network first, then regenerate the table.",
        "在该服务器上用 `hccn_tool -i {index} -ip -g` 查询地址；若没有地址，先配置 NPU 网络再重新生成 rank table。",
    ).format(index=index)


@rule(
    "EP408",
    "ranktable-rank-id",
    Severity.ERROR,
    summary=Text(
        "rank_id must run 0, 1, 2, ... in server then device order, each at most 511.",
        "rank_id 必须按服务器、再按卡的顺序从 0 连续编号，且不超过 511。",
    ),
    rationale=Text(
        "MindIE rejects a rank_id that is not an integer in [0, 511], and takes the server "
        "holding rank 0 as the master. HCCL needs every rank from 0 to the device count minus "
        "one exactly once. MindIE's rank table guide numbers them by server, then by device, "
        "so a table in another order is a warning.",
        "MindIE 拒绝不在 [0, 511] 内的 rank_id，并把持有 rank 0 的服务器作为主节点。"
        "HCCL 要求从 0 到全局卡数减一的每个 rank 恰好出现一次。MindIE 的 rank table 指南按服务器、"
        "再按卡的顺序编号，其他顺序报警告。",
    ),
    bad='server 0: rank_id "0".."7"; server 1: rank_id "9".."16"',
    good='server 0: rank_id "0".."7"; server 1: rank_id "8".."15"',
    fix=Text(
        "Number the devices 0, 1, 2, ... through the first server, then the next.",
        "按第一台服务器的卡依次编号 0、1、2……，再继续编号下一台服务器。",
    ),
)
def ranktable_rank_id(subject: Subject) -> Iterator[Hit]:
    ranks: list[tuple[str, int]] = []
    seen: dict[int, str] = {}
    clean = True
    for _, device in _rank_devices(subject):
        text = _string_at(device.raw, "rank_id")
        if text is None:
            clean = False
            continue
        pointer = join_pointer(device.pointer, "rank_id")
        problem = _rank_id_problem(text)
        if problem is not None:
            clean = False
            yield Hit(pointer, problem, RANK_ID_HINT)
            continue
        number = int(text)
        first = seen.setdefault(number, pointer)
        if first != pointer:
            clean = False
            yield Hit(
                pointer,
                Text(
                    "rank_id {number} is also used on line {line}; every device needs its own rank",
                    "rank_id {number} 已在第 {line} 行使用；每张卡需要独立的 rank",
                ).format(number=number, line=_line_of(subject, first)),
                RANK_ID_HINT,
                related=(first,),
            )
        ranks.append((pointer, number))
    if clean and _whole_table(subject) is not None:
        yield from _rank_order(ranks)


RANK_ID_HINT = Text(
    'Number the devices "0", "1", "2", ... through the first server, then the next.',
    '按第一台服务器的卡依次编号 "0"、"1"、"2"……，再继续编号下一台服务器。',
)


def _rank_id_problem(text: str) -> Text | None:
    if not DECIMAL.fullmatch(text):
        return Text(
            "rank_id {text!r} is not a decimal integer; MindIE stops with "
            '"Parameter rankId is invalid in ranktable file."',
            'rank_id {text!r} 不是十进制整数；MindIE 会报 "Parameter rankId is invalid in '
            'ranktable file." 并退出',
        ).format(text=text)
    if int(text) > MAX_RANK_ID:
        return Text(
            "rank_id {text} is outside MindIE's range of 0 to {high}",
            "rank_id {text} 超出 MindIE 允许的 0~{high}",
        ).format(text=text, high=MAX_RANK_ID)
    return None


def _rank_order(ranks: list[tuple[str, int]]) -> Iterator[Hit]:
    """Report gaps in 0..n-1 as an error, else the first rank out of order as a warning."""
    missing = sorted(set(range(len(ranks))) - {number for _, number in ranks})
    if missing:
        pointer, number = next((item for item in ranks if item[1] >= len(ranks)), ranks[-1])
        missing_text = ", ".join(str(rank) for rank in missing[:8])
        if len(missing) > 8:
            missing_text += ", ..."
        yield Hit(
            pointer,
            Text(
                "rank_id {number} is outside 0 to {last}, the ranks of {count} devices, and these "
                "ranks are missing: {missing_text}",
                "rank_id {number} 超出 {count} 张卡的 rank 范围 0~{last}，且缺少以下 rank：{missing_text}",
            ).format(
                last=len(ranks) - 1, count=len(ranks), missing_text=missing_text, number=number
            ),
            RANK_ID_HINT,
        )
        return
    for position, (pointer, number) in enumerate(ranks):
        if number != position:
            yield Hit(
                pointer,
                Text(
                    "rank_id {number} is device number {position} in server then device order; "
                    "MindIE's numbering gives it rank {position}",
                    "rank_id {number} 按服务器、再按卡的顺序是第 {position} 张卡；按 MindIE 的编号规则应为 {position}",
                ).format(number=number, position=position),
                RANK_ID_HINT,
                severity=Severity.WARNING,
            )
            return


@rule(
    "EP409",
    "ranktable-container-ip",
    Severity.ERROR,
    summary=Text(
        "container_ip must be a non-empty, valid IP address.",
        "container_ip 必须是非空且合法的 IP 地址。",
    ),
    rationale=Text(
        "MindIE rejects a server whose container_ip is empty, and finds its own server by "
        "comparing container_ip with MIES_CONTAINER_IP; a value that is not an IP address "
        "never matches.",
        "container_ip 为空时 MindIE 会拒绝该服务器；MindIE 通过比较 container_ip 与 MIES_CONTAINER_IP "
        "找到本机，非 IP 地址的值永远无法匹配。",
    ),
    bad='{"server_id": "192.0.2.10", "container_ip": "", "device": [...]}',
    good='{"server_id": "192.0.2.10", "container_ip": "192.0.2.10", "device": [...]}',
    fix=Text(
        "Write the IP address of the server or its container; without containers it equals "
        "server_id.",
        "填写服务器或其容器的 IP 地址；未使用容器时与 server_id 相同。",
    ),
)
def ranktable_container_ip(subject: Subject) -> Iterator[Hit]:
    for server in _rank_servers(subject):
        text = _string_at(server.raw, "container_ip")
        if text is None:
            continue
        pointer = join_pointer(server.pointer, "container_ip")
        if not text.strip():
            message = Text(
                'container_ip of {server_en} is empty; MindIE stops with "The containerIp in '
                'the server node is empty in ranktable file."',
                '{server_zh}的 container_ip 为空；MindIE 会报 "The containerIp in the server '
                'node is empty in ranktable file." 并退出',
            )
        elif _parse_ip(text) is None:
            message = Text(
                'container_ip "{text}" of {server_en} is not a valid IP address, so MindIE '
                "never matches it with MIES_CONTAINER_IP",
                '{server_zh}的 container_ip "{text}" 不是合法的 IP 地址，MindIE 无法将其与 '
                "MIES_CONTAINER_IP 匹配",
            )
        else:
            continue
        label = _server_label(server)
        server_id = _string_at(server.raw, "server_id")
        hint = (
            Text(
                'Write the container\'s IP address, or "{server_id}" without containers.',
                '填写容器的 IP 地址；未使用容器时填 "{server_id}"。',
            ).format(server_id=server_id)
            if server_id and _parse_ip(server_id) is not None
            else Text(
                "Write the IP address of the server or its container.",
                "填写服务器或其容器的 IP 地址。",
            )
        )
        yield Hit(
            pointer,
            message.format(text=text, server_en=label.en, server_zh=label.zh),
            hint,
        )
