"""`gate`: is the candidate slower than its control arm or its baseline? Exit 0/1/2/3/4.

    run_bench.py gate --baseline baselines/p5-2node --candidate results/<id> [--control results/<id2> ...]
        --junit gate.xml --markdown gate.md [--html gate.html] [--json gate.json]
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from fabricbench.benchmarks.model.errors import UsageError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--candidate", nargs="+", required=True, metavar="RUN",
                   help="the candidate's launches: run directories or folders of them")
    p.add_argument("--control", nargs="+", metavar="RUN",
                   help="paired mode: the control arm's launches, interleaved with the candidate's in one allocation")
    p.add_argument("--baseline", metavar="DIR", help="baseline directory (historical mode, or delta and golden band "
                   "in paired mode)")
    p.add_argument("--junit", metavar="FILE", help="write JUnit XML")
    p.add_argument("--markdown", metavar="FILE", help="write the markdown summary (e.g. $GITHUB_STEP_SUMMARY)")
    p.add_argument("--html", metavar="FILE", help="write the HTML report of the candidate with a gate section")
    p.add_argument("--json", metavar="FILE", help="write the full verdict as JSON (input to --previous)")
    p.add_argument("--previous", nargs="+", default=[], metavar="JSON",
                   help="historical mode: the last gate JSON files; FAIL needs a warning in 2 of 3 runs")
    p.add_argument("--annotations", choices=("auto", "github", "none"), default="auto",
                   help="GitHub ::error lines for the top regressions (auto: when GITHUB_ACTIONS is set)")
    p.add_argument("--report-link", help="URL of the HTML report artifact, linked from the summary")
    p.add_argument("--alpha", type=float, default=0.001, help="one-sided level of the launch test (default 0.001)")
    p.add_argument("--min-delta", type=float, default=3.0, help="materiality floor in %% (default 3)")
    p.add_argument("--gross-band", type=float, default=20.0, help="golden-reference band in %% (default 20)")
    p.add_argument("--max-launches", type=int, default=19, help="launches per arm after which undecided "
                   "units are final (default 19)")


def _rules(args: Any) -> tuple[Any, Any]:
    from fabricbench.reports.gate.rules import HistoryRule, PairedRule

    for name, value, lo, hi in (("--alpha", args.alpha, 0.0, 0.5), ("--min-delta", args.min_delta, 0.0, 100.0),
                                ("--gross-band", args.gross_band, 0.0, 1000.0)):
        if not lo < value < hi:
            raise UsageError(f"gate: {name}: {value} is out of range ({lo}, {hi})")
    if args.max_launches < 2:
        raise UsageError(f"gate: --max-launches: {args.max_launches} must be at least 2")
    paired = PairedRule(alpha=args.alpha, min_delta=args.min_delta / 100, max_launches=args.max_launches)
    return paired, HistoryRule(gross_band=args.gross_band / 100)


def _write(path: str, text: str) -> None:
    from fabricbench.cli.report_cmd import write

    write(text, path)


def main(args: Any) -> int:
    from fabricbench.reports.gate import baseline as store
    from fabricbench.reports.gate.gate import run_gate
    from fabricbench.reports.gate.launches import read_launches
    from fabricbench.reports.gate.outputs import previous_warnings

    paired, history = _rules(args)
    if not args.control and not args.baseline:
        raise UsageError("gate: give --baseline DIR (historical mode) or --control RUN... (paired mode)")
    base = store.load(args.baseline) if args.baseline else None
    if base is not None and not args.control and not base.accepted:
        raise UsageError(f"{args.baseline}: the baseline has no accepted run; add one with `baseline add`")
    cand, cand_metas, problems = read_launches(args.candidate)
    if not cand_metas:
        raise UsageError(f"gate: --candidate: no run directories in {' '.join(args.candidate)}")
    ctrl = ctrl_metas = None
    if args.control:
        ctrl, ctrl_metas, more = read_launches(args.control)
        problems += more
        if not ctrl_metas:
            raise UsageError(f"gate: --control: no run directories in {' '.join(args.control)}")
    for p in problems:
        print(f"fabricbench: warning: {p}", file=sys.stderr)
    result = run_gate(cand, cand_metas, base, ctrl, ctrl_metas, paired, history, previous_warnings(args.previous))
    return emit(result, args, list(args.candidate), list(args.control or []))


def emit(result: Any, args: Any, candidate: list[str], control: list[str]) -> int:
    """Write the outputs asked for, print the summary (and annotations); the gate's exit code."""
    from fabricbench.reports.gate.html_section import gate_section
    from fabricbench.reports.gate.junit import to_junit
    from fabricbench.reports.gate.markdown import annotations, to_markdown
    from fabricbench.reports.gate.outputs import text_summary, to_json

    if args.json:
        _write(args.json, to_json(result))
    if args.junit:
        _write(args.junit, to_junit(result))
    if args.markdown:
        _write(args.markdown, to_markdown(result, getattr(args, "report_link", None)))
    if args.html:
        from fabricbench.cli.report_cmd import write
        from fabricbench.reports.build import build_report

        report = build_report(candidate + control, "fabricbench gate", gate=gate_section(result))
        print(report.account(write(report.html, args.html)))
    if args.annotations == "github" or (args.annotations == "auto" and os.environ.get("GITHUB_ACTIONS") == "true"):
        for line in annotations(result):
            print(line)
    print(text_summary(result))
    return result.exit_code


