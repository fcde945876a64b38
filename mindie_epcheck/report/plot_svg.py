"""`simulate --plot FILE.svg`: HBM breakdown per level and gamma against length, as SVG.

Written by hand so that plotting needs no extra package; every figure is labelled an
estimate, and every label is in the run's language.
"""

from __future__ import annotations

import math
from html import escape

from mindie_epcheck.cost.deployment import GIB
from mindie_epcheck.cost.simulation import SimulationResult
from mindie_epcheck.i18n import Lang, Text

WIDTH, HEIGHT = 960, 420
COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1")
# Both charts share one vertical frame, in SVG units from the top.
PLOT_TOP, PLOT_BOTTOM = 60.0, 360.0
PLOT_HEIGHT = PLOT_BOTTOM - PLOT_TOP
GAMMA_LEFT, GAMMA_RIGHT = 560.0, 920.0

LABELS = {
    "memory_title": Text(
        "HBM per device by component (GiB, estimate)", "单卡 HBM 分项（GiB，估算）"
    ),
    "weights": Text("weights", "权重"),
    "moe_buffers": Text("MoE buffers", "MoE 缓冲"),
    "hccl": Text("HCCL", "HCCL"),
    "kv_free": Text("KV cache free", "KV cache 可用"),
    "available": Text("- - - available", "- - - 可用上限"),
    "gamma_title": Text(
        "gamma p99 (max / mean rows) and configured c, by tokens",
        "gamma p99（最大行数 / 平均行数）与所配系数 c，按 token 数",
    ),
    "no_dispatch": Text("no dispatch simulation", "没有分发仿真结果"),
    "gamma": Text("gamma p99", "gamma p99"),
    "coefficient": Text("configured c", "所配系数 c"),
}


def _text(x: float, y: float, content: str, size: int = 12, anchor: str = "start") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'font-family="sans-serif">{escape(content)}</text>'
    )


def nice_step(top: float, ticks: int = 5) -> float:
    """Return a round tick step (1, 2 or 5 times a power of ten) giving about `ticks` steps."""
    raw = max(top, 1e-9) / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def _y_axis(x: float, top: float, label_format: str) -> list[str]:
    """Draw a vertical axis at `x` from 0 to `top`, with a labelled mark at each round step."""
    step = nice_step(top)
    out = [f'<line x1="{x}" x2="{x}" y1="{PLOT_TOP}" y2="{PLOT_BOTTOM}" stroke="black"/>']
    count = int(top / step + 1e-9)
    for index in range(count + 1):
        value = index * step
        y = PLOT_BOTTOM - value / top * PLOT_HEIGHT
        out.append(f'<line x1="{x - 4}" x2="{x}" y1="{y:.1f}" y2="{y:.1f}" stroke="black"/>')
        out.append(_text(x - 6, y + 4, format(value, label_format), 10, "end"))
    return out


def _memory_parts(result: SimulationResult) -> list[tuple[str, list[float]]]:
    levels = result.levels
    return [
        ("weights", [level.memory.weights_total / GIB for level in levels]),
        (
            "moe_buffers",
            [
                (
                    level.memory.routed_buffer
                    + level.memory.gathered_hidden
                    + level.memory.activations
                )
                / GIB
                for level in levels
            ],
        ),
        ("hccl", [level.memory.hccl / GIB for level in levels]),
        ("kv_free", [max(0.0, level.memory.kv_cache_free) / GIB for level in levels]),
    ]


def _bars(result: SimulationResult, lang: Lang) -> list[str]:
    parts = _memory_parts(result)
    totals = [sum(values[index] for _, values in parts) for index in range(len(result.levels))]
    capacity = max([*totals, *(level.memory.capacity / GIB for level in result.levels), 1.0])
    top = math.ceil(capacity / nice_step(capacity)) * nice_step(capacity)
    scale = PLOT_HEIGHT / top
    out = [_text(40, 30, LABELS["memory_title"].get(lang), 14), *_y_axis(70, top, ".0f")]
    for index, level in enumerate(result.levels):
        x = 90 + index * 130
        y = PLOT_BOTTOM
        for colour, (_, values) in zip(COLOURS, parts, strict=False):
            height = values[index] * scale
            y -= height
            out.append(
                f'<rect x="{x}" y="{y:.1f}" width="80" height="{height:.1f}" fill="{colour}"/>'
            )
        line = PLOT_BOTTOM - level.memory.capacity / GIB * scale
        out.append(
            f'<line x1="{x - 10}" x2="{x + 90}" y1="{line:.1f}" y2="{line:.1f}" '
            'stroke="black" stroke-dasharray="4 3"/>'
        )
        out.append(_text(x + 40, 380, f"ep_level {level.level}", anchor="middle"))
        out.append(_text(x + 40, 396, f"{totals[index]:.1f} GiB", 11, "middle"))
    for row, (colour, (key, _)) in enumerate(zip(COLOURS, parts, strict=False)):
        out.append(f'<rect x="370" y="{60 + row * 18}" width="12" height="12" fill="{colour}"/>')
        out.append(_text(388, 70 + row * 18, LABELS[key].get(lang), 11))
    out.append(_text(370, 70 + len(parts) * 18, LABELS["available"].get(lang), 11))
    return out


def _gamma(result: SimulationResult, lang: Lang) -> list[str]:
    points = [item for level in result.levels if level.level == 2 for item in level.dispatch]
    points = points or [item for level in result.levels for item in level.dispatch]
    out = [_text(GAMMA_LEFT - 40, 30, LABELS["gamma_title"].get(lang), 14)]
    if not points:
        return [*out, _text(GAMMA_LEFT - 40, 60, LABELS["no_dispatch"].get(lang))]
    values = [item.gamma_p99 for item in points] + [
        item.coefficient for item in points if item.coefficient is not None
    ]
    step = nice_step(max(values) * 1.1)
    top = math.ceil(max(values) * 1.1 / step) * step
    lows = [math.log2(item.tokens) for item in points]
    span = max(max(lows) - min(lows), 1.0)

    def position(tokens: int, value: float) -> tuple[float, float]:
        x = GAMMA_LEFT + (math.log2(tokens) - min(lows)) / span * (GAMMA_RIGHT - GAMMA_LEFT)
        return x, PLOT_BOTTOM - value / top * PLOT_HEIGHT

    series = [("gamma", COLOURS[0], [(i.tokens, i.gamma_p99) for i in points])]
    coefficients = [(i.tokens, i.coefficient) for i in points if i.coefficient is not None]
    if coefficients:
        series.append(("coefficient", COLOURS[2], coefficients))
    for row, (key, colour, data) in enumerate(series):
        points_xy = [position(t, v) for t, v in data]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points_xy)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        # A dot per point, so that a single length still shows.
        out.extend(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points_xy
        )
        out.append(_text(776, 60 + row * 18, LABELS[key].get(lang), 11))
        out.append(f'<rect x="760" y="{50 + row * 18}" width="12" height="12" fill="{colour}"/>')
    for item in points:
        x, _ = position(item.tokens, 0)
        out.append(_text(x, 380, f"{item.tokens:,}", 10, "middle"))
    out.append(
        f'<line x1="{GAMMA_LEFT}" x2="{GAMMA_RIGHT}" y1="{PLOT_BOTTOM}" y2="{PLOT_BOTTOM}" '
        'stroke="black"/>'
    )
    label_format = ".1f" if step < 1 else ".0f"
    return [*out, *_y_axis(GAMMA_LEFT - 10, top, label_format)]


def render_svg(result: SimulationResult, lang: Lang = "en") -> str:
    body = "\n".join([*_bars(result, lang), *_gamma(result, lang)])
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}">\n<rect width="100%" height="100%" fill="white"/>\n'
        f"{body}\n</svg>\n"
    )
