"""From run directories to the finished HTML report: the application logic behind `report`.

Loads the runs (one unreadable run never hides the others), diagnoses those with pattern points,
enriches with the catalog and renders. Returns the text and what the reader should be told; the
CLI only writes the file and prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from fabricbench.benchmarks.model.errors import UsageError
from fabricbench.benchmarks.model.load import Runs, load_runs
from fabricbench.benchmarks.model.store import find_run_dirs
from fabricbench.reports.analysis import enrich
from fabricbench.reports.diagnose import diagnose_run
from fabricbench.reports.explain.explain import explain
from fabricbench.reports.html import render
from fabricbench.reports.production import per_op


@dataclass
class Report:
    html: str
    runs: int
    points: int
    families: int
    problems: list[str] = field(default_factory=list)

    def account(self, out: Path) -> str:
        return (f"report: {out} ({self.runs} runs, {self.points} points, {self.families} families, "
                f"{len(self.html) / 1e6:.1f} MB)")


def diagnostics(runs: Runs) -> dict[str, dict]:
    """Diagnosis of every run that has pattern (pairwise/bisection/intra) points or located nodes."""
    pts = runs.points
    chosen = {run_id for run_id, rec in runs.records.items() if rec.locate.get("rounds") or rec.production}
    if not pts.empty and "pairs" in pts.columns:
        chosen |= set(pts.loc[pts["pairs"].notna(), "run_id"])
    return {run_id: diagnose_run(runs, run_id) for run_id in runs.records if run_id in chosen}


def build_report(paths: list[str], title: Optional[str] = None, gate: Optional[dict[str, Any]] = None) -> Report:
    dirs, problems = [], []
    for arg in paths:
        found = find_run_dirs([arg])
        dirs += found
        if not found:
            problems.append(f"{arg}: no run directories here (no run.json in it or one level below)")
    if not dirs:
        raise UsageError(f"no run directories found in {' '.join(paths)} (each needs a run.json)")
    runs = load_runs(dirs, tolerant=True)
    problems += runs.problems
    for r in runs.runs.itertuples():
        if runs.summary.empty or not (runs.summary["run_id"] == r.run_id).any():
            problems.append(f"{r.run_dir}: no completed sizes ({r.status}: {r.status_reason or 'no rows'})")
    if runs.summary.empty:
        raise UsageError("no completed sizes in " + " ".join(paths) + ": " + "; ".join(problems[:3]))
    enriched = enrich(runs.summary, runs.runs)
    prod_ids = {run_id for run_id, rec in runs.records.items() if rec.production}
    bench = enriched[~enriched["run_id"].isin(prod_ids)]  # production is another timing mode: its own section
    html = render(enriched, runs.runs, problems, [str(a) for a in paths], title,
                  diagnostics=diagnostics(runs), points=runs.points, gate=gate, explained=explain(runs, bench),
                  production_ops=per_op(runs.points, runs.matrix) if prod_ids else None, records=runs.records)
    return Report(html, len(runs.runs), len(enriched), int(enriched["family"].nunique()), problems)
