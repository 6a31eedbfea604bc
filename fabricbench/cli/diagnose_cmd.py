"""`diagnose`: name the slow link, the slow node and the straggler rank of a run (exit 1 if any)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from fabricbench.benchmarks.errors import ExitCode


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", nargs="+", help="run directories (a pairwise/bisection run, collective runs)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--z-threshold", type=float, default=None, help="robust z below which a link is slow (4)")
    p.add_argument("--rel-threshold", type=float, default=None, help="and by how much below healthy (0.25)")


def rank_hosts(run_dir: Path) -> dict[int, str]:
    from fabricbench.benchmarks.results import read_run_meta

    return {int(r): h for h, ranks in (read_run_meta(run_dir).get("hosts") or {}).items() for r in ranks}


def main(args: Any) -> int:
    from fabricbench.benchmarks.results import find_run_dirs, load_runs
    from fabricbench.reports.diagnose import diagnose

    thresholds = {k: v for k, v in (("z_threshold", args.z_threshold), ("rel_threshold", args.rel_threshold))
                  if v is not None}
    verdicts = []
    for run_dir in find_run_dirs(args.runs):
        runs = load_runs([run_dir], with_ranks=True)
        result = diagnose(runs.points, runs.samples, runs.rank_samples, rank_hosts(run_dir), **thresholds)
        for v in result["verdicts"]:
            v["run_id"] = runs.runs["run_id"].iloc[0]
        verdicts += result["verdicts"]
    if args.format == "json":
        print(json.dumps({"verdicts": verdicts}, indent=1))
    else:
        for v in verdicts:
            ev = v["evidence"]
            if v["kind"] == "slow_link":
                detail = "; ".join(f"{d}: {e['measured']:.4g} (z {e['z']})" for d, e in ev["directions"].items())
                print(f"slow link {v['hosts'][0]} <-> {v['hosts'][1]}: {detail}; healthy {ev['healthy_value']:.4g} "
                      f"[{ev['collective']} at {ev['size_bytes']} B]")
            elif v["kind"] == "slow_node":
                print(f"slow node {v['hosts'][0]}: {ev['slow_links']} of {ev['links']} links slow, median "
                      f"{ev['median_value']:.4g} vs healthy {ev['healthy_value']:.4g} "
                      f"[{ev['collective']} at {ev['size_bytes']} B]")
            else:
                print(f"straggler rank {v['ranks'][0]} on {v['hosts'][0]}: last in {ev['median_share_last']:.0%} of "
                      f"iterations in {ev['points_flagged']} of {ev['points_judged']} points")
        print(f"diagnose: {len(verdicts)} finding(s)" if verdicts else "diagnose: clean")
    return int(ExitCode.FAILED if verdicts else ExitCode.OK)
