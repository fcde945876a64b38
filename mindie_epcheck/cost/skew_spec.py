"""Parse `simulate --skew`: uniform, dirichlet:ALPHA or histogram:FILE, with errors in both
languages, because the text and the file come from the user."""

from __future__ import annotations

import json
import math
from typing import Any

from mindie_epcheck.cost.dispatch_types import Skew
from mindie_epcheck.i18n import Text
from mindie_epcheck.os_errors import os_reason
from mindie_epcheck.safe_read import FileTooLargeError, NotRegularFileError, read_regular_file

SKEW_FORMS = Text(
    "expected uniform, dirichlet:ALPHA or histogram:FILE",
    "应为 uniform、dirichlet:ALPHA 或 histogram:文件",
)
# Far smaller alphas (1e-10 was seen to fail) make the Dirichlet draws underflow to zeros that
# the samplers cannot normalise; 0.01 was checked with both modes. Above 10,000 the popularity
# is uniform for every purpose.
MIN_ALPHA, MAX_ALPHA = 0.01, 10_000.0
SKEW_ALPHA = Text(
    "ALPHA of dirichlet:ALPHA must be a number from 0.01 to 10000, such as dirichlet:8",
    "dirichlet:ALPHA 中的 ALPHA 必须是 0.01 到 10000 之间的数，如 dirichlet:8",
)
# A histogram has one load per routed expert: a few KB.
MAX_HISTOGRAM_BYTES = 1_048_576
HISTOGRAM_NOT_REGULAR = Text(
    "the histogram file {path} is not a regular file (a FIFO, socket, device or directory)",
    "直方图文件 {path} 不是普通文件（FIFO、套接字、设备或目录）",
)
HISTOGRAM_TOO_LARGE = Text(
    "the histogram file {path} is over {limit} bytes; it needs one load per routed expert",
    "直方图文件 {path} 超过 {limit} 字节；它只需为每个路由专家给出一个负载",
)
HISTOGRAM_UNREADABLE = Text(
    "cannot read the histogram file {path}: {reason_en}",
    "无法读取直方图文件 {path}：{reason_zh}",
)
HISTOGRAM_NOT_UTF8 = Text(
    "the histogram file {path} is not UTF-8 text", "直方图文件 {path} 不是 UTF-8 文本"
)
HISTOGRAM_INVALID_JSON = Text(
    "the histogram file {path} is not valid JSON: {reason}",
    "直方图文件 {path} 不是合法的 JSON，解析器的原文为：{reason}",
)
HISTOGRAM_NOT_LIST = Text(
    'the histogram file {path} must contain a JSON list of per-expert loads, or {{"expert_load": '
    "[...]}}",
    '直方图文件 {path} 的内容应为每个专家负载的 JSON 列表，或 {{"expert_load": [...]}}',
)
HISTOGRAM_ENTRY = Text(
    "entry {index} (counting from 0) of the histogram file {path} is {entry}; each load must "
    "be a finite number of at least 0",
    "直方图文件 {path} 的第 {index} 项（从 0 起计）为 {entry}；每个负载都必须是不小于 0 的有限数值",
)
HISTOGRAM_EMPTY = Text("the histogram file {path} has no loads", "直方图文件 {path} 中没有任何负载")
HISTOGRAM_ZEROS = Text(
    "all {count} loads in the histogram file {path} are zero",
    "直方图文件 {path} 中的 {count} 个负载全部为 0",
)
HISTOGRAM_SIZE = Text(
    "the histogram has {count} loads, but the model has {experts} routed experts; give one "
    "load per expert",
    "直方图有 {count} 个负载，但模型有 {experts} 个路由专家；请为每个专家给出一个负载",
)


class SkewError(ValueError):
    """Error for an invalid --skew value or histogram file; `text` gives the reason in both
    languages."""

    def __init__(self, spec: str, problem: Text) -> None:
        self.text = Text(f"--skew {spec}: ", f"--skew {spec}：") + problem
        super().__init__(self.text.en)


def parse_skew(spec: str, experts: int | None = None) -> Skew:
    """Parse `spec`; with `experts`, a histogram must have one load per routed expert."""
    kind, _, argument = spec.strip().partition(":")
    kind = kind.strip().lower()
    if kind == "uniform" and not argument:
        return Skew()
    if kind == "dirichlet":
        return Skew("dirichlet", alpha=_alpha(spec, argument))
    if kind == "histogram" and argument:
        loads = _read_loads(spec, argument)
        if experts is not None and len(loads) != experts:
            raise SkewError(spec, HISTOGRAM_SIZE.format(count=len(loads), experts=experts))
        # Scaled by the largest first, so that loads near the largest double cannot overflow.
        largest = max(loads)
        total = math.fsum(load / largest for load in loads)
        return Skew("histogram", load=tuple(load / largest / total for load in loads))
    raise SkewError(spec, SKEW_FORMS)


def _alpha(spec: str, argument: str) -> float:
    try:
        alpha = float(argument)
    except ValueError:
        alpha = math.nan
    if not MIN_ALPHA <= alpha <= MAX_ALPHA:
        raise SkewError(spec, SKEW_ALPHA)
    return alpha


def _read_loads(spec: str, path: str) -> list[float]:
    """Read the per-expert loads of a histogram file: a JSON list, or {"expert_load": [...]}."""
    try:
        raw = read_regular_file(path, MAX_HISTOGRAM_BYTES)
    except OSError as error:
        reason = os_reason(error)
        problem = HISTOGRAM_UNREADABLE.format(path=path, reason_en=reason.en, reason_zh=reason.zh)
        raise SkewError(spec, problem) from None
    except NotRegularFileError:
        raise SkewError(spec, HISTOGRAM_NOT_REGULAR.format(path=path)) from None
    except FileTooLargeError:
        problem = HISTOGRAM_TOO_LARGE.format(path=path, limit=f"{MAX_HISTOGRAM_BYTES:,}")
        raise SkewError(spec, problem) from None
    try:
        data: Any = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SkewError(spec, HISTOGRAM_NOT_UTF8.format(path=path)) from None
    except (ValueError, RecursionError) as error:
        # JSONDecodeError, an integer longer than sys.int_info.default_max_str_digits (4,300),
        # or nesting deeper than the interpreter's recursion limit.
        detail = str(error) or type(error).__name__
        raise SkewError(spec, HISTOGRAM_INVALID_JSON.format(path=path, reason=detail)) from None
    if isinstance(data, dict) and "expert_load" in data:
        data = data["expert_load"]
    if not isinstance(data, list):
        raise SkewError(spec, HISTOGRAM_NOT_LIST.format(path=path))
    loads = [_load(spec, path, index, value) for index, value in enumerate(data)]
    if not loads:
        raise SkewError(spec, HISTOGRAM_EMPTY.format(path=path))
    if not any(loads):
        raise SkewError(spec, HISTOGRAM_ZEROS.format(path=path, count=len(loads)))
    return loads


def _load(spec: str, path: str, index: int, value: Any) -> float:
    """Return one JSON value as a load: a finite number of at least 0."""
    load = math.nan
    if not isinstance(value, bool) and isinstance(value, int | float):
        try:
            load = float(value)
        except OverflowError:
            # An integer of more than about 309 digits has no float.
            load = math.nan
    if not (math.isfinite(load) and load >= 0):
        entry = json.dumps(value, ensure_ascii=False)
        entry = entry if len(entry) <= 40 else entry[:37] + "..."
        raise SkewError(spec, HISTOGRAM_ENTRY.format(path=path, index=index, entry=entry))
    return load
