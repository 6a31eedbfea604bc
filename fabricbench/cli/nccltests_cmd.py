"""`nccl-tests BINARY [--launcher "mpirun ..."] -- ARGS`: run nccl-tests, stream it, record it."""

from __future__ import annotations

import argparse
from typing import Any

from fabricbench.collectives import registry


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.usage = "fabricbench nccl-tests BINARY [options] -- [nccl-tests arguments]"
    p.add_argument("binary", help="nccl-tests program: " + ", ".join(registry.program_names()))
    p.set_defaults(accepts_passthrough=True)
    p.add_argument("--nccl-tests-dir", help="directory of the binaries (else NCCL_TESTS_DIR, else PATH)")
    p.add_argument("--launcher", help='launcher command, e.g. "mpirun -np 16 -H a:8,b:8"')
    p.add_argument("--timeout", type=float, default=0.0, help="kill the run after this many seconds (0 = no limit)")
    p.add_argument("--nccl-debug", action="store_true", help="set NCCL_DEBUG=INFO to record the transport used")
    p.add_argument("--out", default="results", help="results directory")
    p.add_argument("--tag", default="", help="a label added to the run id")
    p.add_argument("--instance-type", help="instance type when it cannot be detected")


def main(args: Any) -> int:
    from fabricbench.benchmarks.nccltests.record import drive

    rec = drive(args.binary, list(args.passthrough), launcher=args.launcher, nccl_tests_dir=args.nccl_tests_dir,
                timeout=args.timeout or None, nccl_debug=args.nccl_debug, out=args.out, tag=args.tag,
                instance_type=args.instance_type)
    print(f"# fabricbench: {rec.outcome}: {rec.message}; {rec.rows} rows recorded in {rec.run_dir}", flush=True)
    return rec.exit_code
