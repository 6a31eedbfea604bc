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
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Optional

import fabricbench
from fabricbench.benchmarks.model.resources import checkout_root

CAPTURED_PREFIXES = ("NCCL_", "FI_", "UCX_", "OMPI_", "CUDA_", "MPICH_", "MPIR_", "I_MPI_",
                     "TORCH_NCCL_", "SLURM_JOB", "FABRICBENCH_", "OMP_NUM_THREADS", "LD_LIBRARY_PATH")
SECRET_MARKERS = ("KEY", "SECRET", "TOKEN", "PASSWORD", "CREDENTIAL", "PASSWD", "AUTH")
REDACTED = "<redacted>"


def is_secret_name(name: str) -> bool:
    upper = name.upper()
    return any(marker in upper for marker in SECRET_MARKERS)


def secret_values(environ: Mapping[str, str]) -> list[str]:
    """Values of secret-looking variables, longest first (so substrings scrub cleanly)."""
    values = {v for k, v in environ.items() if is_secret_name(k) and len(v) >= 4}
    return sorted(values, key=len, reverse=True)


def scrub(text: str, secrets: Iterable[str]) -> str:
    for value in secrets:
        text = text.replace(value, REDACTED)
    return text


def scrub_obj(obj: Any, secrets: list[str]) -> Any:
    """Scrub secret values from every string in a JSON-like structure."""
    if isinstance(obj, str):
        return scrub(obj, secrets)
    if isinstance(obj, dict):
        return {scrub_obj(k, secrets): scrub_obj(v, secrets) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [scrub_obj(v, secrets) for v in obj]
    return obj


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


def host_facts() -> dict[str, Any]:
    """Facts that change host-memory results (THP decides whether large buffers get huge pages)."""
    return {
        "cpu_count": os.cpu_count(),
        "thp": _read(Path("/sys/kernel/mm/transparent_hugepage/enabled")),
        "kernel": platform.release(),
    }
