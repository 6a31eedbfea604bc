"""`explain`: is each headline number normal for its hardware, and if not, why (exit 1 when a cause is found)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from fabricbench.benchmarks.model.errors import UsageError
from fabricbench.benchmarks.model.exitcodes import ExplainExit


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", nargs="+", help="run directories (from run, nccl-tests or ingest)")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    p.add_argument("--baseline", nargs="+", metavar="RUN", default=None,
                   help="healthy runs of the same hardware and shape: their headline less 5%% is the low edge of the "
                        "band (default: the catalog's peak and the published references)")


def main(args: Any) -> int:
    from fabricbench.benchmarks.model.load import load_runs
    from fabricbench.reports.explain.explain import explain

    runs = load_runs(args.runs)
    if not runs.records:
        raise UsageError(f"no runs found in {' '.join(args.runs)} (each run directory needs a run.json)")
    baseline = None
    if args.baseline:
        baseline = load_runs(args.baseline)
        if not baseline.records:
            raise UsageError(f"--baseline: no runs found in {' '.join(args.baseline)} (each needs a run.json)")
    found = explain(runs, baseline=baseline)
    if args.format == "json":
        print(json.dumps(found, indent=1))
    else:
        print(render(found))
    flagged = found["causes"] or any(r["verdict"] in ("below", "above") for run in found["runs"]
                                     for r in run["results"])
    return ExplainExit.CAUSES if flagged else ExplainExit.NOTHING_KNOWN


def render(found: dict[str, Any]) -> str:
    lines = []
    for run in found["runs"]:
        lines.append(f"{run['run_id']} ({run['instance_type']})")
        for r in run["results"]:
            band = ("no band" if not r["band"] else f"band {r['band'][0]:.4g}-{r['band'][1]:.4g}"
                    if r["band"][1] is not None else f"band from {r['band'][0]:.4g}")
            lines.append(f"  {r['collective']} {r['backend']} at {r['size_bytes']} B: {r['busbw_gbps']:.4g} GB/s, "
                         f"{band}: {r['verdict']}")
        for c in run["causes"]:
            lines.append(f"  cause {c['cause']}: {c['title']}")
            lines += [f"    evidence: {e}" for e in c["evidence"]]
            if c["check"]:
                lines.append(f"    check: {c['check']}")
    n = len(found["causes"])
    lines.append(f"explain: {n} distinct cause(s)" if n else "explain: nothing wrong that the rules know of")
    return "\n".join(lines)
