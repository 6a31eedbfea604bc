"""Drive an nccl-tests binary: find it, run it (under a launcher), stream, time out, classify.

The command is an argument list, never a shell string. Output is streamed to the terminal as
it arrives and copied to the run directory; on timeout the whole process group (launcher and
ranks) is killed and every row printed so far is still parsed and saved.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Optional

from fabricbench.benchmarks.model.enums import LogClass
from fabricbench.benchmarks.model.errors import UsageError
from fabricbench.benchmarks.model.exitcodes import NcclTestsExit

# Exit codes of `nccl-tests`, by outcome.
OUTCOMES = {"ok": NcclTestsExit.OK, "wrong_data": NcclTestsExit.WRONG_DATA, "usage": NcclTestsExit.USAGE,
            "timeout": NcclTestsExit.TIMEOUT, "hang": NcclTestsExit.TIMEOUT,
            "nccl_failure": NcclTestsExit.NCCL_FAILURE, "missing": NcclTestsExit.MISSING,
            "failed": NcclTestsExit.OTHER}


class BinaryMissing(UsageError):
    exit_code = NcclTestsExit.MISSING


def find_binary(name: str, directory: Optional[str] = None, environ: Optional[dict] = None) -> Path:
    """--nccl-tests-dir, then NCCL_TESTS_DIR, then PATH."""
    env = os.environ if environ is None else environ
    tried = []
    for d in (directory, env.get("NCCL_TESTS_DIR")):
        if d:
            cand = Path(d) / name
            tried.append(str(cand))
            if cand.is_file() and os.access(cand, os.X_OK):
                return cand
    found = shutil.which(name, path=env.get("PATH"))
    if found:
        return Path(found)
    raise BinaryMissing(f"nccl-tests binary {name!r} not found (tried {', '.join(tried) or 'no directory'} and PATH; "
                        "set --nccl-tests-dir or NCCL_TESTS_DIR)")


@dataclass
class Features:
    json: bool = False  # -J/--output_file (nccl-tests >= 2.17.3)
    timeout: bool = False  # -T/--timeout (>= 2.13.4)
    usage: str = ""


def probe(binary: Path, timeout: float = 20.0) -> Features:
    """Read the usage text (nccl-tests prints it for -h and exits 0) for the options it knows."""
    try:
        proc = subprocess.run([str(binary), "-h"], capture_output=True, text=True, timeout=timeout,
                              errors="replace")
    except (OSError, subprocess.SubprocessError):
        return Features()
    text = proc.stdout + proc.stderr
    return Features(json="--output_file" in text, timeout="--timeout" in text, usage=text)


def build_command(binary: Path, args: list[str], launcher: Optional[str], features: Features,
                  json_path: Optional[Path], timeout: Optional[float]) -> list[str]:
    cmd = shlex.split(launcher) if launcher else []
    cmd += [str(binary), *args]
    if features.json and json_path is not None and "-J" not in args and "--output_file" not in args:
        cmd += ["-J", str(json_path)]
    if features.timeout and timeout and "-T" not in args and "--timeout" not in args:
        cmd += ["-T", str(max(1, int(timeout)))]
    return cmd


@dataclass
class Execution:
    returncode: Optional[int]
    timed_out: bool
    stdout: str
    stderr: str
    seconds: float
    command: list[str] = field(default_factory=list)


def _pump(src: IO[str], sinks: list[IO[str]], keep: list[str]) -> None:
    for line in iter(src.readline, ""):
        keep.append(line)
        for sink in sinks:
            try:
                sink.write(line)
                sink.flush()
            except (OSError, ValueError):
                pass
    src.close()


def execute(cmd: list[str], run_dir: Path, timeout: Optional[float], env: Optional[dict] = None,
            live: Optional[IO[str]] = None, kill_grace: float = 5.0) -> Execution:
    """Run in a new process group; stream stdout/stderr live and into run_dir; kill the group on timeout."""
    live = live if live is not None else sys.stdout
    out_lines: list[str] = []
    err_lines: list[str] = []
    t0 = time.monotonic()
    with open(run_dir / "stdout.txt", "w") as out_f, open(run_dir / "stderr.txt", "w") as err_f:
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
                                    env=env, start_new_session=True, bufsize=1)
        except OSError as exc:
            raise UsageError(f"cannot start {cmd[0]}: {exc.strerror}") from None
        threads = [threading.Thread(target=_pump, args=(proc.stdout, [out_f, live], out_lines), daemon=True),
                   threading.Thread(target=_pump, args=(proc.stderr, [err_f, sys.stderr], err_lines), daemon=True)]
        for t in threads:
            t.start()
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc, kill_grace)
        for t in threads:
            t.join(timeout=10)
    return Execution(proc.returncode, timed_out, "".join(out_lines), "".join(err_lines),
                     time.monotonic() - t0, cmd)


def _kill_group(proc: subprocess.Popen, grace: float) -> None:
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def outcome(execution: Execution, classification: str) -> tuple[str, str]:
    """(outcome, one-line message) from how the process ended and what its output says."""
    text = execution.stdout + execution.stderr
    if execution.timed_out:
        return "timeout", f"timed out after {execution.seconds:.0f} s; the process group was killed"
    if "invalid option" in text or "USAGE:" in text:
        bad = next((ln.strip() for ln in text.splitlines() if "invalid option" in ln), "usage error")
        return "usage", f"nccl-tests rejected its arguments: {bad}"
    if classification == LogClass.ERROR:
        line = next((ln.strip() for ln in text.splitlines() if "failure" in ln or "Test timeout" in ln), "")
        return "nccl_failure", f"NCCL/CUDA failure: {line}"
    if classification == LogClass.WRONG_DATA or execution.returncode == 7:  # 7: nccl-tests' own -c failure
        return "wrong_data", "wrong data: #wrong > 0 or the out-of-bounds check FAILED"
    if classification == LogClass.HANG:
        return "hang", "the header was printed but no rows: the run hung or died before the first size"
    if execution.returncode not in (0, None):
        return "failed", f"nccl-tests exited with status {execution.returncode}"
    return "ok", "ok"
