"""`report`: runs (own and ingested) -> one self-contained HTML file, grouped by instance family."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from fabricbench.benchmarks.model.exitcodes import Exit


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", nargs="+", help="run directories and/or results folders")
    p.add_argument("--out", default="report.html", help="HTML file to write (default report.html)")
    p.add_argument("--title", help="report title")


def write(text: str, out_path: str) -> Path:
    out = Path(out_path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
    except OSError as exc:
        from fabricbench.benchmarks.model.errors import UsageError

        raise UsageError(f"--out {out}: cannot write ({exc.strerror})") from None
    return out


def main(args: Any) -> int:
    from fabricbench.reports.build import build_report

    report = build_report(args.runs, args.title)
    for p in report.problems:
        print(f"fabricbench: warning: {p}", file=sys.stderr)
    print(report.account(write(report.html, args.out)))
    return Exit.OK
