"""`ingest`: benchmark logs -> results/<run_id>/, one run per test (formats: docs/ingest.md)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from fabricbench.benchmarks import inspector
from fabricbench.benchmarks.config import did_you_mean
from fabricbench.benchmarks.model.enums import LogClass
from fabricbench.benchmarks.model.errors import FabricbenchError, UsageError
from fabricbench.benchmarks.model.exitcodes import IngestExit
from fabricbench.benchmarks.model.redact import secret_values
from fabricbench.benchmarks.nccltests.convert import write_run
from fabricbench.benchmarks.nccltests.ingest import read_logs
from fabricbench.collectives import registry


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("logs", nargs="+",
                   help="nccl-tests/rccl-tests (text, -J JSON, --output_file lines), OSU or IMB output files, "
                        "NCCL Inspector dump directories (JSON or Prometheus mode)")
    p.add_argument("--out", default="results", help="results directory (default results/)")
    p.add_argument("--collective", help="collective of every log, when the logs do not say")
    p.add_argument("--instance-type", help="instance type the logs ran on, when they do not say")
    p.add_argument("--tag", default="", help="label added to each run id")
    p.add_argument("--nodes", type=int, help="node count, when the logs list no hosts")
    p.add_argument("--ranks", type=int, help="rank count, when the logs do not say (OSU collectives print none)")


def shorten(text: str, width: int) -> str:
    """A path that fits: the whole of it, or its start and end with '...' in the middle (never cut mid-word at
    the left, where the file's own name would be lost)."""
    if len(text) <= width:
        return text
    keep = width - 3
    head = keep // 3
    return text[:head] + "..." + text[-(keep - head):]


def main(args: Any) -> int:
    from fabricbench.cli.run_cmd import instance_type_warning

    collective = known_collective(args.collective) if args.collective else None
    warning = instance_type_warning(args.instance_type)
    if warning:
        print(f"fabricbench: warning: {warning}", file=sys.stderr)
    secrets = secret_values(os.environ)
    failures, not_tables, first_failure = 0, 0, None
    print(f"{'file':<60} {'classification':<13} {'rows':>5}  run / reason")
    for path in args.logs:
        try:
            if inspector.is_dump(path):  # an NCCL Inspector dump (directory or file): one run per job
                run_dir, rec = inspector.ingest(path, args.out, args.instance_type, args.tag)
                print(f"{shorten(str(path), 60):<60} {'production':<13} {rec.points_completed:>5}  {run_dir}")
                print(f"{'':<60} {'':<13} {'':>5}    {rec.status_reason}")
                continue
            found = read_logs(path, collective)
        except FabricbenchError as exc:
            if len(args.logs) > 1:
                print(f"fabricbench: warning: {exc}", file=sys.stderr)
            failures += 1
            first_failure = first_failure or exc
            continue
        for log, info in found:  # a file may hold several tests (IMB, rccl-tests --output_file)
            run_dir = write_run(log, args.out, args.instance_type, args.tag, command=["ingest", path],
                                secrets=secrets, info=info, nnodes=args.nodes, nranks=args.ranks
                                ) if log.rows or log.status != LogClass.NOT_A_TABLE else None
            not_tables += run_dir is None
            where = run_dir or "(no run written: " + "; ".join(log.reasons) + ")"
            print(f"{shorten(str(path), 60):<60} {log.status:<13} {len(log.rows):>5}  {where}")
            for reason in log.reasons if run_dir else ():
                print(f"{'':<60} {'':<13} {'':>5}    {reason}")
    if failures == len(args.logs) == 1:
        raise first_failure
    if failures:
        raise UsageError(f"ingest: {failures} of {len(args.logs)} input(s) could not be read (see the warnings)",
                         exit_code=IngestExit.USAGE)
    return IngestExit.NOT_A_TABLE if not_tables else IngestExit.OK


def known_collective(name: str) -> str:
    try:
        return registry.get(name).name
    except registry.UnknownCollective:
        hint = did_you_mean(registry.canonical(name), registry.names())
        raise UsageError(f"--collective: unknown collective {name!r}{hint} (known: {', '.join(registry.names())})"
                         ) from None
