"""Helpers that launch the real thing: mpiexec from the venv running run_bench.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MPI_FLAVOUR = os.environ.get("FABRICBENCH_MPI", "mpich")


def mpiexec() -> str:
    exe = BIN / "mpiexec"
    return str(exe) if exe.exists() else "mpiexec"


def base_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("OMP_NUM_THREADS", "1")
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    env.pop("FABRICBENCH_FAULT", None)
    env.update(extra)
    return env


def launch_cmd(np_: int, *args: str) -> list[str]:
    flags = ["--oversubscribe"] if MPI_FLAVOUR == "openmpi" else []
    return [mpiexec(), *flags, "-n", str(np_), sys.executable, str(ROOT / "run_bench.py"), *args]


def run_mpi(np_: int, *args: str, env: dict | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(launch_cmd(np_, *args), capture_output=True, text=True, timeout=timeout,
                          env=env or base_env(), cwd=ROOT)


def run_cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run_bench.py"), *args], capture_output=True,
                          text=True, timeout=timeout, env=env or base_env(), cwd=ROOT)


def only_run(out: Path) -> Path:
    runs = [d for d in Path(out).iterdir() if (d / "run.json").exists()]
    assert len(runs) == 1, runs
    return runs[0]


def read_run(run_dir: Path) -> tuple[dict, pd.DataFrame]:
    return json.loads((run_dir / "run.json").read_text()), pd.read_csv(run_dir / "summary.csv")
