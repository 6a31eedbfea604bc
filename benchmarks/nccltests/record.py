"""Drive one nccl-tests binary end to end and record it: the application logic behind `nccl-tests`.

Find the binary, learn its options, run it (streamed, under a launcher, with a timeout), read its
JSON when it wrote one (else its text), classify, and write the run directory with the outcome.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from fabricbench.benchmarks.environment import captured_environment
from fabricbench.benchmarks.instance import detect
from fabricbench.benchmarks.model.exitcodes import NcclTestsExit
from fabricbench.benchmarks.model.redact import secret_values
from fabricbench.benchmarks.model.store import RunWriter, new_run_id
from fabricbench.benchmarks.nccltests import driver
from fabricbench.benchmarks.nccltests.classify import classify
from fabricbench.benchmarks.nccltests.convert import write_run
from fabricbench.benchmarks.nccltests.logjson import JsonLogError, parse_json
from fabricbench.benchmarks.nccltests.logtext import parse_text
from fabricbench.benchmarks.nccltests.ncclinfo import parse_info


@dataclass
class Recorded:
    outcome: str
    message: str
    rows: int
    run_dir: Path
    exit_code: NcclTestsExit


def drive(binary_name: str, prog_args: list[str], *, launcher: Optional[str] = None,
          nccl_tests_dir: Optional[str] = None, timeout: Optional[float] = None, nccl_debug: bool = False,
          out: str = "results", tag: str = "", instance_type: Optional[str] = None) -> Recorded:
    binary = driver.find_binary(binary_name, nccl_tests_dir)
    features = driver.probe(binary)
    env = dict(os.environ)
    if nccl_debug:
        env.setdefault("NCCL_DEBUG", "INFO")
        env.setdefault("NCCL_DEBUG_SUBSYS", "INIT,NET,GRAPH,TUNING")
    secrets = secret_values(env)
    writer = RunWriter(out, new_run_id(tag or Path(binary_name).name), secrets)
    json_path = writer.dir / "nccl-tests.json"
    cmd = driver.build_command(binary, prog_args, launcher, features, json_path, timeout)
    print(f"# fabricbench: {shlex.join(cmd)}", flush=True)
    run = driver.execute(cmd, writer.dir, timeout, env=env)
    log = parse_text(run.stdout, str(writer.dir / "stdout.txt"))
    text_log = log
    if json_path.exists():
        try:
            log = parse_json(json_path.read_text(), str(json_path))
            log.info_lines, log.devices = text_log.info_lines, log.devices or text_log.devices
        except JsonLogError as exc:
            print(f"fabricbench: warning: {exc}; using the text output", file=sys.stderr)
    log.program = log.program or Path(binary_name).name
    classify(log)
    outcome, message = driver.outcome(run, log.status)
    if outcome == "timeout" and log.rows:
        log.reasons.insert(0, f"timeout: {message}")
    write_run(log, out, detect(instance_type, env)["instance_type"], command=cmd, secrets=secrets, writer=writer,
              info=parse_info(text_log.info_lines + run.stderr.splitlines()), outcome=outcome,
              outcome_reason=message, exit_status=run.returncode, seconds=round(run.seconds, 3),
              features={"json": features.json, "timeout": features.timeout}, environment=captured_environment(env))
    return Recorded(outcome, message, len(log.rows), writer.dir, driver.OUTCOMES[outcome])
