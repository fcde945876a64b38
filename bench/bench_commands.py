"""Time epcheck as a user runs it: validate with and without the cost rules, and simulate.

    python bench/bench_commands.py [--runs N]

1. `epcheck validate` on a DeepSeek-R1 config, alternating runs with all rules and with
   `--ignore EP6`: the median difference is what the cost rules add.
2. `epcheck simulate --mode exact --trials 10000 --tokens 8192` at moe_ep 16, top-8.

Every run is a fresh process (`python -m mindie_epcheck`), so start-up is included. The
machine is shared and noisy: compare the medians of alternating runs, not single runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "samples" / "seed" / "ep-level-2-dual-node.config.json"
RANKTABLE = REPO / "samples" / "seed" / "ranktable-2x8.json"
BASE = [sys.executable, "-m", "mindie_epcheck"]
VALIDATE = [*BASE, "validate", str(CONFIG), "--ranktable", str(RANKTABLE)]
SIMULATE = [
    *BASE,
    "simulate",
    str(CONFIG),
    "--ranktable",
    str(RANKTABLE),
    "--mode",
    "exact",
    "--trials",
    "10000",
    "--tokens",
    "8192",
    "--level",
    "2",
    "--format",
    "json",
]


def wall_time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description="Time epcheck validate and simulate.")
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with_cost: list[float] = []
    without_cost: list[float] = []
    for _ in range(args.runs):
        with_cost.append(wall_time(VALIDATE))
        without_cost.append(wall_time([*VALIDATE, "--ignore", "EP6"]))
    simulate = [wall_time(SIMULATE) for _ in range(3)]
    print(
        f"machine: {platform.machine()} {platform.processor()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"validate, all rules:     median {statistics.median(with_cost) * 1e3:7.1f} ms")
    print(f"validate, --ignore EP6:  median {statistics.median(without_cost) * 1e3:7.1f} ms")
    added = statistics.median(a - b for a, b in zip(with_cost, without_cost, strict=True))
    print(f"cost rules add (median of paired differences): {added * 1e3:6.1f} ms")
    print(
        f"simulate exact, 10,000 trials x 8,192 tokens: median {statistics.median(simulate):.2f} s"
    )


if __name__ == "__main__":
    main()
