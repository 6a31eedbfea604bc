"""Provenance: versions, instance type and the environment variables that change results.

Secrets never reach results: a variable whose name contains KEY, SECRET, TOKEN, PASSWORD or
CREDENTIAL is recorded as redacted, and the value of every such variable found anywhere in
the process environment is scrubbed from everything we write (a token pasted into NCCL_* or
onto the command line is caught too).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

import fabricbench
from fabricbench.benchmarks.model.redact import REDACTED, is_secret_name, scrub, secret_values
from fabricbench.benchmarks.model.resources import checkout_root

CAPTURED_PREFIXES = ("NCCL_", "FI_", "UCX_", "OMPI_", "CUDA_", "MPICH_", "MPIR_", "I_MPI_",
                     "TORCH_NCCL_", "SLURM_JOB", "FABRICBENCH_", "OMP_NUM_THREADS", "LD_LIBRARY_PATH")
def captured_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables that matter for a fabric benchmark, secrets redacted by name and value."""
    secrets = secret_values(environ)
    out = {}
    for name in sorted(environ):
        if name.startswith(CAPTURED_PREFIXES):
            out[name] = REDACTED if is_secret_name(name) else scrub(environ[name], secrets)
    return out


def _read(path: Path) -> Optional[str]:
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def git_revision(root: Optional[Path] = None) -> Optional[str]:
    """The checkout's revision (with -dirty); None for an installed wheel, which has its version."""
    root = root or checkout_root()
    if root is None:
        return None
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, timeout=5).stdout.strip()
    return out.stdout.strip() + ("-dirty" if dirty else "")


def versions() -> dict[str, Any]:
    out: dict[str, Any] = {"python": platform.python_version(), "platform": platform.platform(),
                           "fabricbench": git_revision() or fabricbench.__version__}
    for mod in ("numpy", "torch", "mpi4py"):
        m = sys.modules.get(mod)
        if m is not None:
            out[mod] = getattr(m, "__version__", None)
    mpi = sys.modules.get("mpi4py.MPI")
    if mpi is not None:
        out["mpi_library"] = mpi.Get_library_version().strip().splitlines()[0].strip()
    torch = sys.modules.get("torch")
    if torch is not None:
        out["cuda"] = torch.version.cuda
        if torch.cuda.is_available():
            out["nccl"] = ".".join(map(str, torch.cuda.nccl.version()))
    return out


def host_facts(topology: Any = None) -> dict[str, Any]:
    """Facts that change host-memory results: THP (huge pages for large buffers), and whether
    this host runs more busy-polling ranks than it has cores (every timing is then distorted)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = None
    out: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "thp": _read(Path("/sys/kernel/mm/transparent_hugepage/enabled")),
        "kernel": platform.release(),
        "load_1m": round(load, 2) if load is not None else None,
    }
    if topology is not None:
        per_host = max((len(r) for r in topology.ranks_per_host().values()), default=1)
        out["ranks_per_host_max"] = per_host
        out["oversubscribed"] = bool(cores and per_host > cores)
    return out
