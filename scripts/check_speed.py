#!/usr/bin/env python3
"""Fail when a benchmark got more than 3x slower than the stored run, relative to this machine.

Each median is divided by the median of `test_calibration_speed` (a fixed numpy/pandas workload
timed in the same session), so a slower machine, or a busier one, moves both alike and the ratio
stays; an algorithmic regression moves only ours.

usage: python scripts/check_speed.py STORED.json NOW.json [--limit 3.0]
"""

from __future__ import annotations

import argparse
import json
import sys

CALIBRATION = "test_calibration_speed"


def medians(path: str) -> dict[str, float]:
    doc = json.load(open(path))
    return {b["name"]: float(b["stats"]["median"]) for b in doc["benchmarks"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stored")
    ap.add_argument("now")
    ap.add_argument("--limit", type=float, default=3.0)
    args = ap.parse_args()
    stored, now = medians(args.stored), medians(args.now)
    if CALIBRATION not in stored or CALIBRATION not in now:
        print(f"check_speed: {CALIBRATION} missing from a run; re-store with `make perf-store`", file=sys.stderr)
        return 2
    machine = now[CALIBRATION] / stored[CALIBRATION]
    print(f"check_speed: this machine runs the calibration workload {machine:.2f}x the stored time")
    worst = 0
    for name in sorted(set(stored) & set(now) - {CALIBRATION}):
        rel = (now[name] / now[CALIBRATION]) / (stored[name] / stored[CALIBRATION])
        flag = "REGRESSED" if rel > args.limit else "ok"
        worst = max(worst, rel)
        print(f"  {name:<36} now {now[name]:.3f} s, stored {stored[name]:.3f} s, relative {rel:.2f}x  {flag}")
    return 1 if worst > args.limit else 0


if __name__ == "__main__":
    sys.exit(main())
