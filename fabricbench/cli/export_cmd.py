"""`export --format pytest-benchmark`: runs as pytest-benchmark JSON, for its compare CLI and dashboards.

One benchmarks[] entry per (collective, size, ...) with `stats` computed by pytest-benchmark's own
Stats over the per-iteration max-over-ranks times in seconds (higher is worse, as it assumes).
Informational: the gate is authoritative.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from fabricbench.benchmarks.model.exitcodes import Exit


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", nargs="+", help="run directories or results folders")
    p.add_argument("--format", choices=("pytest-benchmark",), default="pytest-benchmark", help="output format")
    p.add_argument("--out", metavar="FILE", help="write here instead of stdout")


def main(args: Any) -> int:
    from fabricbench.reports.export_pytest_benchmark import export

    doc = export(args.runs)
    text = json.dumps(doc, indent=1, default=str) + "\n"
    if args.out:
        from fabricbench.cli.report_cmd import write

        write(text, args.out)
    else:
        sys.stdout.write(text)
    return Exit.OK
