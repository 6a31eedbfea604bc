"""`export`: results for other tools.

--format pytest-benchmark: one benchmarks[] entry per (collective, size, ...) with `stats` computed
by pytest-benchmark's own Stats over the per-iteration max-over-ranks times in seconds.
--format openmetrics: OpenMetrics text for node_exporter's textfile collector or a Pushgateway
(reports/export_openmetrics.py; metric names in the README). Informational: the gate is authoritative.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Optional

from fabricbench.benchmarks.model.exitcodes import Exit


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", nargs="+", help="run directories or results folders")
    p.add_argument("--format", choices=("pytest-benchmark", "openmetrics"), default="pytest-benchmark",
                   help="output format")
    p.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    p.add_argument("--gate", metavar="JSON", help="openmetrics: also the verdicts of this `gate --json` file")


def main(args: Any) -> int:
    if args.format == "openmetrics":
        text = openmetrics(args.runs, args.gate)
    else:
        from fabricbench.reports.export_pytest_benchmark import export

        text = json.dumps(export(args.runs), indent=1, default=str) + "\n"
    if args.out:
        from fabricbench.cli.report_cmd import write

        write(text, args.out)
    else:
        sys.stdout.write(text)
    return Exit.OK


def openmetrics(paths: list[str], gate_json: Optional[str]) -> str:
    from fabricbench.benchmarks.model.errors import UsageError
    from fabricbench.benchmarks.model.load import load_runs
    from fabricbench.reports.analysis import enrich
    from fabricbench.reports.diagnose import diagnose_run
    from fabricbench.reports.explain.explain import explain
    from fabricbench.reports.export_openmetrics import render, samples

    runs = load_runs(paths)
    if not runs.records:
        raise UsageError(f"export: no runs found in {' '.join(paths)} (each run directory needs a run.json)")
    gate = None
    if gate_json:
        try:
            gate = json.loads(Path(gate_json).read_text())
        except (OSError, ValueError) as exc:
            raise UsageError(f"--gate: {gate_json}: not a readable gate JSON ({exc})") from None
    enriched = enrich(runs.summary, runs.runs)
    findings = [dict(v, run_id=run_id) for run_id in runs.records for v in diagnose_run(runs, run_id)["verdicts"]]
    production = {run_id for run_id, rec in runs.records.items() if rec.production}  # explained in the report only
    explained = explain(runs, enriched[~enriched["run_id"].isin(production)])
    return render(samples(enriched, runs.runs, explained, findings, gate))
