"""Hardware profiles (data/hardware.json) and the default chosen from devices per node."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

# The package's data files. A path beside this module rather than importlib.resources, whose
# import alone costs several milliseconds of every run; epcheck is never run from a zip file.
DATA_DIR = Path(__file__).resolve().parent / "data"

DEFAULT_A2 = "atlas-800i-a2-64g"
DEFAULT_A3 = "atlas-800i-a3"


@dataclass(frozen=True, slots=True)
class Figure:
    """A number with its source; `estimate` is true where no specification backs it."""

    value: float
    estimate: bool
    source: str


@dataclass(frozen=True, slots=True)
class HardwareProfile:
    key: str
    name: str
    devices_per_node: int
    hbm_bytes: Figure
    intra_node_bandwidth: Figure  # bytes per second, per device and direction
    inter_node_bandwidth: Figure  # bytes per second, per device and direction
    intra_node_latency: Figure  # seconds
    inter_node_latency: Figure  # seconds

    @property
    def is_a3(self) -> bool:
        return self.key.startswith("atlas-800i-a3")


def _figure(raw: dict[str, Any]) -> Figure:
    return Figure(float(raw["value"]), bool(raw.get("estimate", False)), str(raw["source"]))


def load_profiles() -> dict[str, HardwareProfile]:
    """Return the hardware profiles by key; the profiles are read once per process."""
    return dict(_read_profiles())


@cache
def _read_profiles() -> dict[str, HardwareProfile]:
    text = (DATA_DIR / "hardware.json").read_text("utf-8")
    profiles = {}
    for key, raw in json.loads(text)["profiles"].items():
        profiles[key] = HardwareProfile(
            key=key,
            name=raw["name"],
            devices_per_node=int(raw["devices_per_node"]["value"]),
            hbm_bytes=_figure(raw["hbm_bytes"]),
            intra_node_bandwidth=_figure(raw["intra_node_bandwidth_bytes_per_s"]),
            inter_node_bandwidth=_figure(raw["inter_node_bandwidth_bytes_per_s"]),
            intra_node_latency=_figure(raw["intra_node_latency_s"]),
            inter_node_latency=_figure(raw["inter_node_latency_s"]),
        )
    return profiles


def infer_hardware(devices_per_node: int | None) -> str:
    """Guess the server from the devices MindIE uses per node: 16 only fit an A3."""
    if devices_per_node is not None and 8 < devices_per_node <= 16:
        return DEFAULT_A3
    return DEFAULT_A2
