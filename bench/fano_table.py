"""Print the per-rank Fano factors (variance / mean of received rows) that validate uses.

`epcheck validate` must not import numpy, so its overflow and truncation checks use a
normal approximation whose variance comes from this table, computed once with the exact
dispatch simulator under uniform expert popularity. Run:

    python bench/fano_table.py [--trials N] [--tokens N]

and paste the printed JSON into mindie_epcheck/model/data/cost.json ("rank_fano_uniform").
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mindie_epcheck.cost.dispatch import Routing, Skew, simulate_exact

SHAPES = {
    "deepseek_v3": (256, 8, 8, 4),
    "deepseek_v2": (160, 6, 8, 3),
    "deepseek_v2_lite": (64, 6, 1, 1),
}


def fano(routing: Routing, tokens: int, trials: int) -> float:
    import numpy as np

    stats = simulate_exact(routing, Skew.from_spec("uniform"), tokens, trials, seed=7)
    rows = np.asarray(stats.rows, dtype=float)
    return float(rows.var(axis=0).mean() / rows.mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=4000)
    parser.add_argument("--tokens", type=int, default=65536)
    args = parser.parse_args()
    table: dict[str, dict[str, float]] = {}
    for name, (experts, top_k, groups, kept) in SHAPES.items():
        table[name] = {}
        for ranks in (2, 4, 8, 16, 32, 64, 128, 256):
            if experts % ranks:
                continue
            routing = Routing(experts, top_k, groups, kept, ranks)
            table[name][str(ranks)] = round(fano(routing, args.tokens, args.trials), 3)
    print(json.dumps(table, indent=2))


if __name__ == "__main__":
    main()
