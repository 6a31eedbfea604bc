"""`ab`: run a paired session (control and candidate interleaved ABBA) and gate it.

    run_bench.py ab --out results/session \\
        --control   'mpirun -np 16 -H a:8,b:8 python run_bench.py run --config c.yaml --out {out}' \\
        --candidate 'source new-nccl.sh && mpirun ... python run_bench.py run --config c.yaml --out {out}' \\
        --junit gate.xml --markdown gate.md

Starts with 7 launches per arm and adds 4 per arm while a unit is inconclusive, up to 19, as the
gate's sequential rule prescribes. Each command runs in bash with {out} replaced by the arm's
folder (results/session/control or .../candidate). Exit codes are the gate's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from fabricbench.benchmarks.model.errors import UsageError
from fabricbench.cli import gate_cmd

LAUNCH_TIMED_OUT = 124  # a launch's status when --launch-timeout killed it (as timeout(1) reports it)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--control", required=True, metavar="CMD", help="shell command of one control launch, with {out}")
    p.add_argument("--candidate", required=True, metavar="CMD",
                   help="shell command of one candidate launch, with {out}")
    p.add_argument("--out", required=True, metavar="DIR", help="session folder: DIR/control and DIR/candidate")
    p.add_argument("--baseline", metavar="DIR", help="baseline for delta and the golden band")
    p.add_argument("--initial", type=int, default=7, help="launches per arm before the first look (default 7)")
    p.add_argument("--step", type=int, default=4, help="launches per arm added at each further look (default 4)")
    p.add_argument("--max-launches", type=int, default=19, help="launches per arm at most (default 19)")
    p.add_argument("--launch-timeout", type=float, default=3600.0, help="seconds one launch may take")
    for flag in ("--junit", "--markdown", "--html", "--json"):
        p.add_argument(flag, metavar="FILE", help=f"write the gate's {flag[2:]} output here")
    p.add_argument("--annotations", choices=("auto", "github", "none"), default="auto",
                   help="GitHub ::error lines (auto: when GITHUB_ACTIONS is set)")


def main(args: Any) -> int:
    from fabricbench.reports.gate import baseline as store
    from fabricbench.reports.gate.rules import PairedRule
    from fabricbench.reports.gate.session import Session

    for name in ("control", "candidate"):
        if "{out}" not in getattr(args, name):
            raise UsageError(f"ab: --{name}: the command must contain {{out}} (where the launch writes its run)")
    if not 2 <= args.initial <= args.max_launches or args.step < 1:
        raise UsageError(f"ab: need 2 <= --initial ({args.initial}) <= --max-launches ({args.max_launches}) "
                         f"and --step >= 1 ({args.step})")
    out = Path(args.out)
    rule = PairedRule(initial_launches=args.initial, step_launches=args.step, max_launches=args.max_launches)
    base = store.load(args.baseline) if args.baseline else None

    def launch(arm: str, index: int) -> int:
        cmd = getattr(args, arm).replace("{out}", str(out / arm))
        print(f"[{index + 1}] {arm}: {cmd}", flush=True)
        try:
            proc = subprocess.run(["bash", "-c", cmd], env=dict(os.environ, FABRICBENCH_SESSION_ARM=arm),
                                  timeout=args.launch_timeout)
        except subprocess.TimeoutExpired:
            print(f"fabricbench: warning: launch {index + 1} ({arm}) exceeded {args.launch_timeout:g} s",
                  file=sys.stderr)
            return LAUNCH_TIMED_OUT
        return proc.returncode

    session = Session(out, rule, launch, gate_kwargs={"baseline": base})
    result = session.run()
    return gate_cmd.emit(result, args, [str(out / "candidate")], [str(out / "control")])
