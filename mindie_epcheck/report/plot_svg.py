"""`simulate --plot FILE.svg`: HBM breakdown per level and gamma against length, as SVG.

Written by hand so that plotting needs no extra package; every figure is labelled an
estimate.
"""

from __future__ import annotations

import math
from html import escape

from mindie_epcheck.cost.deployment import GIB
from mindie_epcheck.cost.simulation import SimulationResult

WIDTH, HEIGHT = 960, 420
COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1")


def _text(x: float, y: float, content: str, size: int = 12, anchor: str = "start") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'font-family="sans-serif">{escape(content)}</text>'
    )


def _memory_parts(result: SimulationResult) -> list[tuple[str, list[float]]]:
    levels = result.levels
    return [
        ("weights", [level.memory.weights_total / GIB for level in levels]),
        (
            "MoE buffers",
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
        ("HCCL", [level.memory.hccl / GIB for level in levels]),
        ("KV cache free", [max(0.0, level.memory.kv_cache_free) / GIB for level in levels]),
    ]


def _bars(result: SimulationResult) -> list[str]:
    parts = _memory_parts(result)
    totals = [sum(values[index] for _, values in parts) for index in range(len(result.levels))]
    capacity = max([*totals, *(level.memory.capacity / GIB for level in result.levels), 1.0])
    scale = 300 / capacity
    out = [_text(40, 30, "HBM per device by component (GiB, estimate)", 14)]
    for index, level in enumerate(result.levels):
        x = 80 + index * 140
        y = 360.0
        for colour, (_, values) in zip(COLOURS, parts, strict=False):
            height = values[index] * scale
            y -= height
            out.append(
                f'<rect x="{x}" y="{y:.1f}" width="80" height="{height:.1f}" fill="{colour}"/>'
            )
        line = 360 - level.memory.capacity / GIB * scale
        out.append(
            f'<line x1="{x - 10}" x2="{x + 90}" y1="{line:.1f}" y2="{line:.1f}" '
            'stroke="black" stroke-dasharray="4 3"/>'
        )
        out.append(_text(x + 40, 380, f"ep_level {level.level}", anchor="middle"))
        out.append(_text(x + 40, 396, f"{totals[index]:.1f} GiB", 11, "middle"))
    for row, (colour, (name, _)) in enumerate(zip(COLOURS, parts, strict=False)):
        out.append(f'<rect x="370" y="{60 + row * 18}" width="12" height="12" fill="{colour}"/>')
        out.append(_text(388, 70 + row * 18, name, 11))
    out.append(_text(370, 70 + len(parts) * 18, "- - - available", 11))
    return out


def _gamma(result: SimulationResult) -> list[str]:
    points = [item for level in result.levels if level.level == 2 for item in level.dispatch]
    points = points or [item for level in result.levels for item in level.dispatch]
    out = [_text(520, 30, "gamma p99 (max / mean rows) and configured c, by tokens", 14)]
    if not points:
        return [*out, _text(520, 60, "no dispatch simulation")]
    values = [item.gamma_p99 for item in points] + [
        item.coefficient for item in points if item.coefficient is not None
    ]
    top = max(values) * 1.1
    lows = [math.log2(item.tokens) for item in points]
    span = max(max(lows) - min(lows), 1.0)

    def position(tokens: int, value: float) -> tuple[float, float]:
        x = 540 + (math.log2(tokens) - min(lows)) / span * 380
        return x, 360 - value / top * 300

    series = [("gamma p99", COLOURS[0], [(i.tokens, i.gamma_p99) for i in points])]
    coefficients = [(i.tokens, i.coefficient) for i in points if i.coefficient is not None]
    if coefficients:
        series.append(("configured c", COLOURS[2], coefficients))
    for row, (name, colour, data) in enumerate(series):
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (position(t, v) for t, v in data))
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out.append(_text(760, 60 + row * 18, name, 11))
        out.append(f'<rect x="744" y="{50 + row * 18}" width="12" height="12" fill="{colour}"/>')
    for item in points:
        x, _ = position(item.tokens, 0)
        out.append(_text(x, 380, f"{item.tokens:,}", 10, "middle"))
    out.append('<line x1="540" x2="920" y1="360" y2="360" stroke="black"/>')
    out.append(_text(530, 360 - 1 / top * 300, "1.0", 10, "end"))
    return out


def render_svg(result: SimulationResult) -> str:
    body = "\n".join([*_bars(result), *_gamma(result)])
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}">\n<rect width="100%" height="100%" fill="white"/>\n'
        f"{body}\n</svg>\n"
    )
