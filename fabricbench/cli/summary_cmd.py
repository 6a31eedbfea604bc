"""`summary`: a run's summary, recomputed from its samples, as a table, CSV or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from fabricbench.benchmarks.model.errors import UsageError
from fabricbench.benchmarks.model.exitcodes import Exit


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", nargs="+", help="run directories (results/<run_id>) or a results folder")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table", help="default: table")
    p.add_argument("--all-columns", action="store_true", help="CSV/JSON: include the extra columns")


def main(args: Any) -> int:
    from fabricbench.benchmarks import table
    from fabricbench.benchmarks.model.load import load_runs
    from fabricbench.benchmarks.model.summary import SUMMARY_COLUMNS

    runs = load_runs(args.runs)
    for problem in runs.problems:
        print(f"fabricbench: warning: {problem}", file=sys.stderr)
    if runs.runs.empty:
        raise UsageError(f"no runs found in {' '.join(args.runs)}")
    df = runs.summary
    if not args.all_columns and args.format != "table":
        df = df[[c for c in [*SUMMARY_COLUMNS, "trusted"] if c in df.columns]]
    if args.format == "csv":
        sys.stdout.write(df.to_csv(index=False))
    elif args.format == "json":
        json.dump(json.loads(df.to_json(orient="records")) if not df.empty else [], sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        for text in table.summary_tables(runs):
            print(text)
    return Exit.OK  # a summary of an incomplete run is still a summary; run.json says why
