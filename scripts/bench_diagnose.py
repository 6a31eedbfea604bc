#!/usr/bin/env python3
"""Schedule + diagnosis at 1,024 nodes (523,776 node pairs), synthetic data in the real schema (target <= 10 s)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fabricbench.benchmarks.patterns.schedule import both_directions, node_pairs_to_ranks, round_robin  # noqa: E402
from fabricbench.reports.diagnose import diagnose_links  # noqa: E402


def main(n: int = 1024) -> None:
    t0 = time.perf_counter()
    rounds = both_directions(node_pairs_to_ranks(round_robin(n), [[i] for i in range(n)], per_gpu=False))
    t_sched = time.perf_counter() - t0
    pairs = [p for rnd in rounds for p in rnd]
    rng = np.random.default_rng(0)
    src = np.array([a for a, _ in pairs])
    dst = np.array([b for _, b in pairs])
    value = 25.0 * rng.lognormal(0, 0.03, len(pairs))
    value[(src == 17) | (dst == 17)] /= 3  # a slow node
    value[((src == 100) & (dst == 900)) | ((src == 900) & (dst == 100))] /= 4  # and a slow link
    links = pd.DataFrame({"src": [f"n{i:04d}" for i in src], "dst": [f"n{i:04d}" for i in dst], "value": value,
                          "samples": 20})
    t1 = time.perf_counter()
    verdicts = diagnose_links(links)
    t_diag = time.perf_counter() - t1
    found = sorted((v["kind"], tuple(v["hosts"])) for v in verdicts)
    print(f"nodes {n}: {len(rounds) // 2} rounds x {n // 2} pairs = {len(pairs) // 2} node pairs "
          f"({len(pairs)} directed links)")
    print(f"schedule {t_sched:.2f} s, diagnosis {t_diag:.2f} s, total {t_sched + t_diag:.2f} s (target <= 10 s)")
    print(f"verdicts: {found}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1024)
