"""Compile a C source into a shared library on first use, cached by a hash of source, compiler and flags.

Both native parts (the MPI timing loop, the nccl-tests row scanner) are built where they run, never at
install time: the wheel stays pure Python, and a machine without a compiler still works, on the
Python path, and says so.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional


def cache_root(cache_dir: Optional[Path] = None) -> Path:
    return cache_dir or Path(os.environ.get("FABRICBENCH_CACHE", Path.home() / ".cache" / "fabricbench"))


def compile_shared(source: Path, compiler: str, name: str, key_extra: str = "",
                   cache_dir: Optional[Path] = None) -> Path:
    """The cached library for ``source``, compiled now if absent; RuntimeError with a one-line reason."""
    flags = ["-O2", "-shared", "-fPIC"]
    key = hashlib.sha256(source.read_bytes() + compiler.encode() + key_extra.encode()
                         + " ".join(flags).encode()).hexdigest()[:16]
    target = cache_root(cache_dir) / "native" / key / name
    if target.exists():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".so", dir=target.parent)
    except OSError as exc:
        raise RuntimeError(f"cannot write the native cache {target.parent}: {exc.strerror}") from None
    os.close(fd)
    try:
        proc = subprocess.run([compiler, *flags, "-o", tmp, str(source)], capture_output=True, text=True,
                              timeout=120)
    except (OSError, subprocess.SubprocessError) as exc:
        os.unlink(tmp)
        raise RuntimeError(f"{Path(compiler).name} did not run: {exc}") from None
    if proc.returncode != 0:
        os.unlink(tmp)
        said = proc.stderr.strip().splitlines()
        first_error = next((line.strip() for line in said if "error" in line), said[-1].strip() if said else "")
        raise RuntimeError(f"{Path(compiler).name} failed (exit {proc.returncode}): {first_error[:200]}")
    os.replace(tmp, target)  # atomic: processes building at once on one node do not collide
    return target


def load_once(cache: dict[str, Any], status: dict[str, Any], build: Callable[[], Path], abi_symbol: str, abi: int,
              configure: Callable[[ctypes.CDLL], None]) -> Optional[ctypes.CDLL]:
    """The library ``build`` gives, loaded and checked once a process; None where it cannot be, with
    status['reason'] saying why (FABRICBENCH_NO_NATIVE turns every native part off)."""
    if "lib" in cache or status["available"] is False:
        return cache.get("lib")
    if os.environ.get("FABRICBENCH_NO_NATIVE"):
        status.update(available=False, reason="disabled by FABRICBENCH_NO_NATIVE")
        return None
    try:
        lib = ctypes.CDLL(str(build()))
        if getattr(lib, abi_symbol)() != abi:
            raise RuntimeError("stale library ABI")
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        status.update(available=False, reason=str(exc))
        return None
    configure(lib)
    cache["lib"] = lib
    status.update(available=True, reason="")
    return lib
