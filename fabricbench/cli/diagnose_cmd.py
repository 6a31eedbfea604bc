"""`diagnose`: name the slow link, the slow node and the straggler rank of a run (exit 1 if any)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from fabricbench.benchmarks.model.errors import UsageError
from fabricbench.benchmarks.model.exitcodes import DiagnoseExit


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", nargs="+", help="run directories (a pairwise/bisection run, collective runs)")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    p.add_argument("--z-threshold", type=float, default=None, help="robust z below which a link is slow (4)")
    p.add_argument("--rel-threshold", type=float, default=None, help="and by how much below healthy (0.25)")


def main(args: Any) -> int:
    from fabricbench.benchmarks.model.load import load_runs
    from fabricbench.reports.diagnose import diagnose_run, examined

    thresholds = {k: v for k, v in (("z_threshold", args.z_threshold), ("rel_threshold", args.rel_threshold))
                  if v is not None}
    runs = load_runs(args.runs)
    if not runs.records:
        raise UsageError(f"no runs found in {' '.join(args.runs)} (each run directory needs a run.json)")
    verdicts = [v for run_id in runs.records for v in diagnose_run(runs, run_id, **thresholds)["verdicts"]]
    seen = examined(runs)
    if args.format == "json":
        from fabricbench.reports.explain.explain import explain

        print(json.dumps({"verdicts": verdicts, "examined": seen, "explain": explain(runs)}, indent=1))
    else:
        for v in verdicts:
            ev = v["evidence"]
            if "method" in ev:  # reached by --pattern locate: its group tests are the evidence
                change = f", median {ev['median_vs_healthy']:+.0%} vs healthy" if ev["median_vs_healthy"] else ""
                print(f"{v['kind'].replace('_', ' ')} {' <-> '.join(v['hosts'])}: slow in {ev['slow_tests']} of "
                      f"{ev['tests']} group tests{change} ({ev['method']}, {ev['rounds_used']} rounds) "
                      f"[{ev['collective']} at {ev['size_bytes']} B]")
            elif v["kind"] == "slow_link":
                detail = "; ".join(f"{d}: {e['measured']:.4g} (z {e['z']})" for d, e in ev["directions"].items())
                print(f"slow link {v['hosts'][0]} <-> {v['hosts'][1]}: {detail}; healthy {ev['healthy_value']:.4g} "
                      f"[{ev['collective']} at {ev['size_bytes']} B]")
            elif v["kind"] == "slow_node":
                print(f"slow node {v['hosts'][0]}: {ev['slow_links']} of {ev['links']} links slow, median "
                      f"{ev['median_value']:.4g} vs healthy {ev['healthy_value']:.4g} "
                      f"[{ev['collective']} at {ev['size_bytes']} B]")
            elif v["kind"] == "late_rank":  # a production job's rank the others wait for (NCCL Inspector)
                window = f", {ev['window'][0]} .. {ev['window'][1]}" if ev.get("window") else ""
                kernel = (f"; its kernel started last in {ev['kernel_started_last']:.0%}"
                          if ev.get("kernel_started_last") is not None else "")
                pid = f" pid {ev['pid']}" if ev.get("pid") else ""
                print(f"late rank {v['ranks'][0]} of communicator {ev['comm_name'] or ev['comm']} ({ev['nranks']} "
                      f"ranks) on {v['hosts'][0]}{pid}: shortest in {ev['median_share_shortest']:.0%} of {ev['ops']} "
                      "operations, "
                      f"the others waited {ev['median_wait_us']:.4g} us ({ev['median_wait_rel']:.0%}) for it{kernel}; "
                      f"{ev['points_flagged']} of {ev['points_judged']} points{window} "
                      f"[{', '.join(ev['collectives'])}]")
            else:
                print(f"straggler rank {v['ranks'][0]} on {v['hosts'][0]}: last in {ev['median_share_last']:.0%} of "
                      f"iterations in {ev['points_flagged']} of {ev['points_judged']} points")
        what = (f"{seen['runs']} run(s), {seen['points']} points, {seen['ranks']} ranks, "
                f"{seen['rank_pairs']} rank pairs in pattern rounds"
                + (f", {seen['located_nodes']} nodes located by group testing" if seen["located_nodes"] else ""))
        print(f"diagnose: {len(verdicts)} finding(s) in {what}" if verdicts else f"diagnose: clean ({what} examined)")
    return DiagnoseExit.FLAGGED if verdicts else DiagnoseExit.CLEAN
