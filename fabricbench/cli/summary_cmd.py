"""`summary`: a run's summary, recomputed from its samples, as a table, CSV or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from fabricbench.benchmarks import table
from fabricbench.benchmarks.aggregate import SUMMARY_COLUMNS
from fabricbench.benchmarks.errors import ExitCode, UsageError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", nargs="+", help="run directories (results/<run_id>) or a results folder")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--all-columns", action="store_true", help="CSV/JSON: include the extra columns")


def main(args: Any) -> int:
    from fabricbench.benchmarks.results import load_runs

    runs = load_runs(args.runs)
    for problem in runs.problems:
        print(f"fabricbench: warning: {problem}", file=sys.stderr)
    if runs.runs.empty:
        raise UsageError(f"no runs found in {' '.join(args.runs)}")
    df = runs.summary
    if not args.all_columns and args.format != "table":
        df = df[SUMMARY_COLUMNS]
    if args.format == "csv":
        sys.stdout.write(df.to_csv(index=False))
    elif args.format == "json":
        json.dump(json.loads(df.to_json(orient="records")), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        for run in runs.runs.itertuples():
            print(f"# run {run.run_id}  status {run.status}  instance {run.instance_type}")
        key = ["run_id", "collective", "backend", "device", "dtype", "redop", "inplace"]
        for _, group in df.groupby(key, sort=False, dropna=False):
            first = group.iloc[0].to_dict()
            print(table.case_banner(first))
            print(table.HEADER)
            for r in group.to_dict("records"):
                print(table.row(r))
    return int(ExitCode.OK)  # a summary of an incomplete run is still a summary; run.json says why
