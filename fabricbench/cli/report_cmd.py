"""`report`: runs (own and ingested) -> one self-contained HTML file, grouped by instance family."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from fabricbench.benchmarks.errors import ExitCode, UsageError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", nargs="+", help="run directories and/or results folders")
    p.add_argument("--out", default="report.html", help="HTML file to write (default report.html)")
    p.add_argument("--title", help="report title")


def diagnostics(runs: Any) -> dict[str, dict]:
    """Link-matrix diagnosis of every run that has pattern (pairwise/bisection/intra) points."""
    from fabricbench.benchmarks.results import load_runs
    from fabricbench.cli.diagnose_cmd import rank_hosts
    from fabricbench.reports.diagnose import diagnose

    out = {}
    pts = runs.points
    if pts.empty or "pairs" not in pts.columns:
        return out
    for r in runs.runs.itertuples():
        if pts.loc[pts["run_id"] == r.run_id, "pairs"].notna().any():
            full = load_runs([r.run_dir], with_ranks=True)
            out[r.run_id] = diagnose(full.points, full.samples, full.rank_samples, rank_hosts(Path(r.run_dir)))
    return out


def write_report(paths: list[str], out_path: str, title: str | None = None, gate: dict | None = None) -> str:
    """Runs -> the HTML file; returns the one-line account of what it holds."""
    from fabricbench.benchmarks.results import find_run_dirs, load_runs
    from fabricbench.reports.analysis import enrich
    from fabricbench.reports.html import render

    dirs, empty = [], []
    for arg in paths:
        found = find_run_dirs([arg])
        dirs += found
        if not found:
            empty.append(f"{arg}: no run directories here (no run.json in it or one level below)")
    if not dirs:
        raise UsageError(f"no run directories found in {' '.join(paths)} (each needs a run.json)")
    runs = load_runs(dirs, tolerant=True)  # one bad run must not hide the others
    problems = empty + list(runs.problems)
    for r in runs.runs.itertuples():
        if not (runs.summary["run_id"] == r.run_id).any():
            problems.append(f"{r.run_dir}: no completed sizes ({r.status}: {r.status_reason or 'no rows'})")
    for p in problems:
        print(f"fabricbench: warning: {p}", file=sys.stderr)
    if runs.summary.empty:
        raise UsageError("no valid results in " + " ".join(paths) + "; see the warnings above")
    enriched = enrich(runs.summary, runs.runs)
    text = render(enriched, runs.runs, problems, [str(a) for a in paths], title,
                  diagnostics=diagnostics(runs), points=runs.points, gate=gate)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    return (f"report: {out} ({len(runs.runs)} runs, {len(enriched)} points, "
            f"{enriched['family'].nunique()} families, {len(text) / 1e6:.1f} MB)")


def main(args: Any) -> int:
    print(write_report(args.runs, args.out, args.title))
    return int(ExitCode.OK)
