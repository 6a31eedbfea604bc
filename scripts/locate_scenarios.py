#!/usr/bin/env python3
"""The locator's acceptance table on random scenarios of the model (issue #14), with the alternatives' cost.

Each row draws its scenarios from a seeded generator (slow nodes or a slow link at random places,
slowdowns at random in the row's range), runs `fabricbench locate --simulate` logic on each and
prints: exact (every culprit named, nothing else), false flags, and rounds mean / max; then what
pairwise (N-1 rounds) and sequential bisection (one launch per subset) cost on the same scenarios.

usage: python scripts/locate_scenarios.py [--scenarios 1000] [--rows small,clean,nodes,big,link] [--write DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fabricbench.benchmarks.locate.simulate import Model, simulate  # noqa: E402
from fabricbench.benchmarks.locate.strategy import Settings  # noqa: E402

ROWS = {  # name: (nodes, culprits, slowdown range, kind, settings, goal)
    # A test bed's scale and noise: 16 nodes of shared VMs, launches 15 % apart (CV), groups of 4.
    "small": (16, (1, 1), (0.30, 0.60), "node", Settings(group_size=4), "none in the issue: the bed's scale, measured"),
    "clean": (1024, (0, 0), (0.0, 0.0), "node", Settings(), ">= 99.5 % no false flag; <= 3 / 4 rounds"),
    "nodes": (1024, (1, 3), (0.15, 0.50), "node", Settings(), ">= 99 % exact; <= 14 / 20 rounds"),
    "big": (16384, (1, 5), (0.15, 0.50), "node", Settings(), ">= 99 % exact; <= 18 / 26 rounds"),
    "link": (1024, (1, 1), (0.40, 0.60), "link", Settings(links="full"), ">= 95 % that link; <= 20 / 28 rounds"),
}


NOISE = {"small": 0.15}  # other rows: CV 0.05
SEEDS = {"clean": 0, "nodes": 1, "big": 2, "link": 3, "small": 4}  # each row its own scenarios


def scenario(row: str, index: int) -> Model:
    nodes, (lo, hi), (s_lo, s_hi), kind, _, _ = ROWS[row]
    rng = np.random.default_rng(10_000 * SEEDS[row] + index)
    width = max(4, len(str(nodes - 1)))
    name = [f"n{i:0{width}d}" for i in range(nodes)]
    count = int(rng.integers(lo, hi + 1))
    picks = rng.choice(nodes, size=2 * count, replace=False)
    factors = [round(1.0 - float(rng.uniform(s_lo, s_hi)), 4) for _ in range(count)]
    if kind == "node":
        slow = {name[p]: f for p, f in zip(picks, factors, strict=False)}
        return Model(nodes, 100.0, NOISE.get(row, 0.05), int(rng.integers(1 << 30)), slow)
    links = {f"{name[picks[2 * i]]}-{name[picks[2 * i + 1]]}": f for i, f in enumerate(factors)}
    return Model(nodes, 100.0, NOISE.get(row, 0.05), int(rng.integers(1 << 30)), {}, links)


def truth(model: Model) -> set:
    return {("slow_node", (n,)) for n in model.slow_nodes} | {
        ("slow_link", tuple(sorted(k.split("-")))) for k in model.slow_links}


def found(result: dict) -> set:
    return {(v["kind"], tuple(sorted(v["hosts"]))) for v in result["verdicts"]}


def bisection(model: Model) -> tuple[int, set]:
    """Sequential bisection as operators' scripts do it: one launch on a set of nodes; when it is slow, a
    launch on each half, until single nodes are left. Measurements here are perfect (no noise, no false
    alarm: the most favourable case for it). Returns (launches, what it names). A slow link between two
    healthy nodes vanishes as soon as its ends fall in different halves."""
    index = {n: i for i, n in enumerate(model.names)}
    slow_nodes = {index[n] for n in model.slow_nodes}
    links = [tuple(index[x] for x in k.split("-")) for k in model.slow_links]

    def slow(nodes: list[int]) -> bool:
        members = set(nodes)
        return bool(members & slow_nodes) or any(a in members and b in members for a, b in links)

    launches, named, stack = 0, set(), [list(range(model.nodes))]
    while stack:
        nodes = stack.pop()
        launches += 1
        if not slow(nodes):
            continue
        if len(nodes) == 1:
            named.add(("slow_node", (model.names[nodes[0]],)))
            continue
        half = len(nodes) // 2
        stack += [nodes[:half], nodes[half:]]
    return launches, named


def run_row(row: str, count: int) -> dict:
    nodes, _, _, _, settings, goal = ROWS[row]
    rounds, exact, false_flags, calls, t0 = [], 0, 0, [], time.perf_counter()
    b_launches, b_exact = [], 0
    for i in range(count):
        model = scenario(row, i)
        result = simulate(model, settings)
        got, want = found(result), truth(model)
        exact += got == want
        false_flags += bool(got - want)
        rounds.append(result["rounds"])
        calls.append(result["collective_calls"])
        launches, named = bisection(model)
        b_launches.append(launches)
        b_exact += named == want
    seconds = (time.perf_counter() - t0) / count
    return {"row": row, "nodes": nodes, "scenarios": count, "exact_pct": 100.0 * exact / count,
            "false_flag_pct": 100.0 * false_flags / count, "rounds_mean": float(np.mean(rounds)),
            "rounds_max": int(np.max(rounds)), "collective_calls_mean": float(np.mean(calls)),
            "seconds_per_scenario": seconds, "pairwise_rounds": nodes - 1,
            "bisection_launches_mean": float(np.mean(b_launches)), "bisection_launches_max": int(np.max(b_launches)),
            "bisection_exact_pct": 100.0 * b_exact / count, "goal": goal, "settings": asdict(settings)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", type=int, default=1000)
    ap.add_argument("--rows", default=",".join(ROWS))
    ap.add_argument("--write", type=Path, help="also write each scenario's model JSON here")
    args = ap.parse_args()
    print(f"{'row':<6} {'N':>6} {'runs':>5} {'exact %':>8} {'false %':>8} {'rounds':>11} {'calls':>9} "
          f"{'s/run':>6}  {'pairwise':>8} {'bisection launches':>18} {'bis. exact %':>12}  goal")
    for row in args.rows.split(","):
        if args.write:
            args.write.mkdir(parents=True, exist_ok=True)
            for i in range(args.scenarios):
                m = scenario(row, i)
                (args.write / f"{row}-{i:04d}.json").write_text(json.dumps(
                    {"nodes": m.nodes, "base_busbw": m.base_busbw, "noise_cv": m.noise_cv, "seed": m.seed,
                     "slow_nodes": m.slow_nodes, "slow_links": m.slow_links}))
        r = run_row(row, args.scenarios)
        print(f"{r['row']:<6} {r['nodes']:>6} {r['scenarios']:>5} {r['exact_pct']:>8.1f} {r['false_flag_pct']:>8.1f} "
              f"{r['rounds_mean']:>6.1f} / {r['rounds_max']:<3} {r['collective_calls_mean']:>9.0f} "
              f"{r['seconds_per_scenario']:>6.2f}  {r['pairwise_rounds']:>8} "
              f"{r['bisection_launches_mean']:>11.1f} / {r['bisection_launches_max']:<4} "
              f"{r['bisection_exact_pct']:>12.1f}  {r['goal']}", flush=True)


if __name__ == "__main__":
    main()
