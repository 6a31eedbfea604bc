"""`ingest`: nccl-tests logs (text or -J JSON) -> results/<run_id>/, one run per log."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from fabricbench.benchmarks.model.enums import LogClass
from fabricbench.benchmarks.model.errors import FabricbenchError
from fabricbench.benchmarks.model.exitcodes import IngestExit
from fabricbench.benchmarks.model.redact import secret_values
from fabricbench.benchmarks.nccltests.convert import write_run
from fabricbench.benchmarks.nccltests.ingest import read_log
from fabricbench.collectives import registry


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("logs", nargs="+", help="nccl-tests output files (text or -J JSON)")
    p.add_argument("--out", default="results", help="results directory (default results/)")
    p.add_argument("--collective", help="collective of every log, when the logs do not say")
    p.add_argument("--instance-type", help="instance type the logs ran on, when they do not say")
    p.add_argument("--tag", default="", help="label added to each run id")
    p.add_argument("--nodes", type=int, help="node count, when the logs list no hosts")


def main(args: Any) -> int:
    collective = registry.get(args.collective).name if args.collective else None
    secrets = secret_values(os.environ)
    failures = not_tables = 0
    print(f"{'file':<60} {'classification':<13} {'rows':>5}  run / reason")
    for path in args.logs:
        try:
            log, info = read_log(path, collective)
        except FabricbenchError as exc:
            print(f"fabricbench: error: {exc}", file=sys.stderr)
            failures += 1
            continue
        run_dir = write_run(log, args.out, args.instance_type, args.tag, command=["ingest", path], secrets=secrets,
                            info=info, nnodes=args.nodes) if log.rows or log.status != LogClass.NOT_A_TABLE else None
        not_tables += run_dir is None
        where = run_dir or "(no run written: " + "; ".join(log.reasons) + ")"
        print(f"{str(path)[-60:]:<60} {log.status:<13} {len(log.rows):>5}  {where}")
        for reason in log.reasons if run_dir else ():
            print(f"{'':<60} {'':<13} {'':>5}    {reason}")
    if failures:
        return IngestExit.USAGE
    return IngestExit.NOT_A_TABLE if not_tables else IngestExit.OK
