"""Build, load and drive the native MPI timing loop (native/fb_loop.c).

The library is compiled on first use with the ``mpicc`` of the MPI that mpi4py loaded and
cached by a hash of the source and compiler. Where no matching compiler exists the engine
falls back to the Python loop and records why, so a result always says which timer made it.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

import numpy as np

from fabricbench.collectives.backends.cbuild import compile_shared, load_once
from fabricbench.collectives.spec import Buffers, CollectiveSpec, Context

SOURCE = Path(__file__).with_name("native") / "fb_loop.c"
ABI_VERSION = 2
KERNELS = {
    "idle": 0, "allreduce": 1, "allgather": 2, "reduce_scatter": 3, "alltoall": 4, "bcast": 5,
    "reduce": 6, "sendrecv": 7, "pingpong": 8, "p2p_bw": 9, "p2p_bibw": 10,
}
MAX_WINDOW = 1024


class FbCall(ctypes.Structure):
    _fields_ = [
        ("kernel", ctypes.c_int), ("comm", ctypes.c_int), ("dtype", ctypes.c_int),
        ("op", ctypes.c_int), ("sbuf", ctypes.c_void_p), ("rbuf", ctypes.c_void_p),
        ("ack", ctypes.c_void_p), ("scount", ctypes.c_int), ("rcount", ctypes.c_int),
        ("chunk", ctypes.c_int), ("root", ctypes.c_int), ("peer_a", ctypes.c_int),
        ("peer_b", ctypes.c_int), ("window", ctypes.c_int),
    ]


_LIB: dict[str, Any] = {}
STATUS: dict[str, Any] = {"available": None, "reason": "not tried"}


def _loaded_libmpi() -> Optional[Path]:
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    for line in maps.splitlines():
        path = line.split()[-1] if len(line.split()) >= 6 else ""
        if "/libmpi" in path and ".so" in path:
            return Path(path).resolve()
    return None


def _compiler_libdirs(show: str) -> list[Path]:
    return [Path(tok[2:]).resolve() for tok in show.split() if tok.startswith("-L")]


def _executable(path: Path) -> Optional[str]:
    return str(path) if path.is_file() and os.access(path, os.X_OK) else None


def find_mpicc(environ: Optional[dict[str, str]] = None) -> tuple[Optional[str], str]:
    """(the compiler, where it was found). Ranks started as /venv/bin/python with no venv on PATH
    must still find the venv's mpicc: MPICC, then beside the libmpi mpi4py loaded, then the
    interpreter's own bin/, then PATH."""
    env = os.environ if environ is None else environ
    if env.get("MPICC"):
        found = shutil.which(env["MPICC"], path=env.get("PATH"))
        return (found, "MPICC") if found else (None, f"MPICC={env['MPICC']} is not an executable")
    lib = _loaded_libmpi()
    if lib is not None:
        for prefix in (lib.parent.parent, lib.parent.parent.parent):  # <prefix>/lib/libmpi.so, <prefix>/lib/<arch>/...
            found = _executable(prefix / "bin" / "mpicc")
            if found:
                return found, f"beside {lib}"
    for where in {Path(sys.prefix) / "bin", Path(sys.executable).parent}:
        found = _executable(where / "mpicc")
        if found:
            return found, f"{where} (the interpreter's prefix)"
    found = shutil.which("mpicc", path=env.get("PATH"))
    if found:
        return found, "PATH"
    return None, "no mpicc: not in MPICC, beside the loaded libmpi, in the interpreter's bin/ or on PATH"


def build(cache_dir: Optional[Path] = None) -> Path:
    """Compile (or reuse) the library; raises RuntimeError with a one-line reason."""
    mpicc, where = find_mpicc()
    STATUS.update(mpicc=mpicc, mpicc_found=where)
    if not mpicc:
        raise RuntimeError(where)
    show = subprocess.run([mpicc, "-show"], capture_output=True, text=True, timeout=30).stdout
    loaded = _loaded_libmpi()
    libdirs = _compiler_libdirs(show)
    if loaded and libdirs and loaded.parent not in libdirs:
        raise RuntimeError(f"{mpicc} links {libdirs[0]} but the process loaded {loaded}")
    return compile_shared(SOURCE, mpicc, "libfbloop.so", key_extra=show, cache_dir=cache_dir)


def load() -> Optional[Any]:
    """The loaded library, or None (STATUS['reason'] says why)."""
    return load_once(_LIB, STATUS, build, "fb_abi_version", ABI_VERSION, _configure)


def _configure(lib: ctypes.CDLL) -> None:
    lib.fb_time_loop.argtypes = [ctypes.POINTER(FbCall), ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                 ctypes.c_void_p]
    lib.fb_floor_loop.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]


def _address(buf: Any) -> Optional[int]:
    if buf is None:
        return None
    if isinstance(buf, np.ndarray):
        return buf.ctypes.data
    return int(buf.data_ptr())  # a torch CUDA tensor (CUDA-aware MPI)


def _length(buf: Any) -> int:
    return 0 if buf is None else int(buf.shape[0])


class NativeTimer:
    """Samples timed inside C; ``ops`` back-to-back operations per sample."""

    impl = "native-c"

    def __init__(self, lib: Any, call: FbCall, mode: str, ops: int) -> None:
        self.lib, self.call, self.name, self.ops = lib, call, mode, ops

    def measure(self, samples: int) -> np.ndarray:
        out = np.empty(samples, dtype=np.float64)
        rc = self.lib.fb_time_loop(ctypes.byref(self.call), samples, self.ops, 1, out.ctypes.data)
        if rc:
            raise RuntimeError(f"MPI error {rc} in the native timing loop")
        return out * 1e-9

    def once(self) -> None:
        out = np.empty(1, dtype=np.float64)
        rc = self.lib.fb_time_loop(ctypes.byref(self.call), 1, 1, 0, out.ctypes.data)
        if rc:
            raise RuntimeError(f"MPI error {rc} in the native loop")


def native_timer(backend: Any, spec: CollectiveSpec, bufs: Buffers, ctx: Context, dtype: Any,
                 mode: str, batch_ops: int) -> Optional[NativeTimer]:
    if spec.native_kernel is None or mode not in ("iter", "batch"):
        return None
    lib = load()
    if lib is None:
        return None
    mpi_type = backend._mpi_type(dtype)
    op = backend._ops.get(ctx.redop.name, backend.MPI.SUM)
    kernel = spec.native_kernel if spec.participates(ctx) or not spec.point_to_point else "idle"
    call = FbCall(
        kernel=KERNELS[kernel], comm=backend.comm.py2f(), dtype=mpi_type.py2f(), op=op.py2f(),
        sbuf=None if bufs.inplace else _address(bufs.send), rbuf=_address(bufs.recv),
        ack=_address(bufs.ack), scount=_length(bufs.send), rcount=_length(bufs.recv),
        chunk=ctx.counts.chunk, root=ctx.root, peer_a=ctx.peers[0], peer_b=ctx.peers[1],
        window=min(ctx.window, MAX_WINDOW),
    )
    return NativeTimer(lib, call, mode, batch_ops if mode == "batch" else 1)


def harness_floor_ns(comm: Any, samples: int = 200) -> Optional[float]:
    """Median time of an empty timed iteration (barrier, clock, clock) in the native loop."""
    lib = load()
    if lib is None:
        return None
    out = np.empty(samples, dtype=np.float64)
    lib.fb_floor_loop(comm.py2f(), samples, out.ctypes.data)
    return float(np.median(out))
