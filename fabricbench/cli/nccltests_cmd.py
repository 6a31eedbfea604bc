"""`nccl-tests BINARY [--launcher "mpirun ..."] -- ARGS`: run nccl-tests, stream it, record it."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from fabricbench.benchmarks.environment import captured_environment, secret_values
from fabricbench.benchmarks.instance import detect
from fabricbench.benchmarks.nccltests import driver
from fabricbench.benchmarks.nccltests.classify import classify
from fabricbench.benchmarks.nccltests.convert import write_run
from fabricbench.benchmarks.nccltests.logjson import JsonLogError, parse_json
from fabricbench.benchmarks.nccltests.logtext import parse_text
from fabricbench.benchmarks.nccltests.ncclinfo import parse_info
from fabricbench.benchmarks.records import RunWriter, new_run_id


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.usage = "run_bench.py nccl-tests BINARY [options] -- [nccl-tests arguments]"
    p.add_argument("binary", help="nccl-tests program, e.g. all_reduce_perf")
    p.set_defaults(accepts_passthrough=True)
    p.add_argument("--nccl-tests-dir", help="directory of the binaries (else NCCL_TESTS_DIR, else PATH)")
    p.add_argument("--launcher", help='launcher command, e.g. "mpirun -np 16 -H a:8,b:8"')
    p.add_argument("--timeout", type=float, default=0.0, help="kill the run after this many seconds (0 = no limit)")
    p.add_argument("--nccl-debug", action="store_true", help="set NCCL_DEBUG=INFO to record the transport used")
    p.add_argument("--out", default="results")
    p.add_argument("--tag", default="")
    p.add_argument("--instance-type")


def main(args: Any) -> int:
    prog_args = list(args.passthrough)  # everything after --
    binary = driver.find_binary(args.binary, args.nccl_tests_dir)
    features = driver.probe(binary)
    env = dict(os.environ)
    if args.nccl_debug:
        env.setdefault("NCCL_DEBUG", "INFO")
        env.setdefault("NCCL_DEBUG_SUBSYS", "INIT,NET,GRAPH,TUNING")
    secrets = secret_values(env)
    writer = RunWriter(args.out, new_run_id(args.tag or Path(args.binary).name), secrets)
    json_path = writer.dir / "nccl-tests.json"
    cmd = driver.build_command(binary, prog_args, args.launcher, features, json_path, args.timeout or None)
    print(f"# fabricbench: {shlex.join(cmd)}", flush=True)
    run = driver.execute(cmd, writer.dir, args.timeout or None, env=env)
    log = parse_text(run.stdout, str(writer.dir / "stdout.txt"))
    text_log = log
    if json_path.exists():
        try:
            log = parse_json(json_path.read_text(), str(json_path))
            log.info_lines, log.devices = text_log.info_lines, log.devices or text_log.devices
        except JsonLogError as exc:
            print(f"fabricbench: warning: {exc}; using the text output", file=sys.stderr)
    log.program = log.program or Path(args.binary).name
    classify(log)
    outcome, message = driver.outcome(run, log.status)
    if outcome == "timeout" and log.rows:
        log.reasons.insert(0, f"timeout: {message}")
    write_run(log, args.out, detect(args.instance_type, env)["instance_type"], command=cmd,
              secrets=secrets, writer=writer, info=parse_info(text_log.info_lines + run.stderr.splitlines()),
              extra_meta={"outcome": outcome, "outcome_reason": message, "exit_status": run.returncode,
                          "seconds": round(run.seconds, 3), "features": {"json": features.json,
                                                                         "timeout": features.timeout},
                          "environment": captured_environment(env)})
    print(f"# fabricbench: {outcome}: {message}; {len(log.rows)} rows recorded in {writer.dir}", flush=True)
    return driver.OUTCOMES[outcome]
