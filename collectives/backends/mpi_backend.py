"""MPI through mpi4py's buffer interface (upper-case calls; nothing is ever pickled).

Host memory is numpy; with ``--device cuda`` buffers are torch CUDA tensors handed to MPI via
the CUDA array interface, which only a CUDA-aware MPI accepts: that is detected and recorded,
and a non-CUDA-aware MPI is refused up front rather than crashing in the first call.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Optional

import numpy as np

from fabricbench.collectives.backends.base import Backend, BackendUnavailable, Pair
from fabricbench.collectives.dtypes import DType
from fabricbench.collectives.spec import Buffers, CollectiveSpec, Context

ALIGNMENT = 64


def aligned_empty(count: int, dtype: str, alignment: int = ALIGNMENT) -> np.ndarray:
    """A numpy array whose data starts on a cache line.

    numpy's own large arrays start 16 bytes into their allocation (16 mod 64 here), so they
    straddle cache lines; that alone cost ~5 % on a 1 MiB MPI_Allreduce against a C loop
    using 64-byte-aligned buffers. torch's CPU allocator already aligns to 64.
    """
    itemsize = np.dtype(dtype).itemsize
    raw = np.empty(count * itemsize + alignment, dtype=np.uint8)
    offset = (-raw.ctypes.data) % alignment
    return raw[offset : offset + count * itemsize].view(dtype)


def cuda_awareness(MPI: Any) -> Optional[bool]:
    """MPIX_Query_cuda_support where the library has it (MPICH, Open MPI); None = unknown."""
    query = getattr(MPI, "Query_cuda_support", None)
    if query is None:
        return None
    try:
        return bool(query())
    except Exception:  # noqa: BLE001 - a library without the extension raises NotImplementedError
        return None


@lru_cache(maxsize=64)
def mpi_datatype(MPI: Any, code: Optional[str]) -> Any:
    """MPI.Datatype.fromcode, or None where the MPI has no such predefined type."""
    if code is None:
        return None
    try:
        t = MPI.Datatype.fromcode(code)
    except (ValueError, KeyError):
        return None
    return None if t == MPI.DATATYPE_NULL else t


class MpiBackend(Backend):
    name = "mpi"
    transport = "mpi"
    native_capable = True  # its inner loop can run in the native C library (native_loop)

    def __init__(self, device: str, topology: Any, store: Any = None) -> None:
        super().__init__(device, topology, store)
        from mpi4py import MPI

        self.MPI = MPI
        self.comm = topology.comm.Dup()  # data plane, separate from the control communicator
        self.cuda_aware = cuda_awareness(MPI)
        self._ops = {"sum": MPI.SUM, "prod": MPI.PROD, "max": MPI.MAX, "min": MPI.MIN}
        if device == "cuda":
            if not self.cuda_aware:
                raise BackendUnavailable(
                    "backend mpi on cuda needs a CUDA-aware MPI; "
                    f"{MPI.Get_library_version().splitlines()[0].strip()} reports "
                    f"{'no' if self.cuda_aware is False else 'unknown'} CUDA support"
                )
            import torch

            self.torch = torch
            if not torch.cuda.is_available():
                raise BackendUnavailable("backend mpi on cuda: torch sees no CUDA device")
            torch.cuda.set_device(topology.local_rank % torch.cuda.device_count())

    # -- capability -------------------------------------------------------------------------
    def redops(self) -> Sequence[str]:
        return tuple(self._ops)  # MPI has no average

    def _mpi_type(self, dtype: DType) -> Any:
        """The predefined MPI datatype of a numpy type code (public API; reductions need predefined types,
        which mpi4py.util.dtlib.from_numpy_dtype does not return: it hands back a Dup)."""
        return mpi_datatype(self.MPI, dtype.numpy)

    def supports_dtype(self, dtype: DType) -> bool:
        return self._mpi_type(dtype) is not None

    def inplace_modes(self, primitive: str) -> tuple[bool, ...]:
        # MPI_IN_PLACE for reduce_scatter puts the result at the start of the buffer, not in
        # this rank's slot as NCCL does; we do not time a different layout under one name.
        return {
            "all_reduce": (False, True),
            "all_gather": (False, True),
            "reduce_scatter": (False,),
            "all_to_all": (False,),
            "broadcast": (True,),
            "reduce": (False, True),
            "exchange": (False,),
        }[primitive]

    # -- buffers ----------------------------------------------------------------------------
    def alloc(self, count: int, dtype: DType) -> Any:
        if self.device == "cuda":
            return self.torch.empty(count, dtype=getattr(self.torch, dtype.torch), device="cuda")
        return aligned_empty(count, dtype.numpy)

    def view(self, buf: Any, offset: int, count: int) -> Any:
        return buf[offset : offset + count]

    def write(self, buf: Any, values: np.ndarray) -> None:
        if self.device == "cuda":
            buf.copy_(self.torch.from_numpy(values).to(buf.dtype))
        else:
            buf[...] = values

    def read(self, buf: Any, start: int, stop: int) -> np.ndarray:
        if self.device == "cuda":
            return buf[start:stop].to(self.torch.float64).cpu().numpy()
        return np.asarray(buf[start:stop], dtype=np.float64)

    def _spec(self, buf: Any) -> list[Any]:
        dtype = buf.dtype if self.device != "cuda" else str(buf.dtype).replace("torch.", "")
        return [buf, mpi_datatype(self.MPI, np.dtype(dtype).char)]

    # -- primitives -------------------------------------------------------------------------
    def all_reduce(self, send: Any, recv: Any, op: str, inplace: bool) -> Any:
        src = self.MPI.IN_PLACE if inplace else self._spec(send)
        self.comm.Allreduce(src, self._spec(recv), self._ops[op])

    def all_gather(self, send: Any, recv: Any, inplace: bool) -> Any:
        src = self.MPI.IN_PLACE if inplace else self._spec(send)
        self.comm.Allgather(src, self._spec(recv))

    def reduce_scatter(self, send: Any, recv: Any, op: str, inplace: bool) -> Any:
        self.comm.Reduce_scatter_block(self._spec(send), self._spec(recv), self._ops[op])

    def all_to_all(self, send: Any, recv: Any) -> Any:
        self.comm.Alltoall(self._spec(send), self._spec(recv))

    def broadcast(self, buf: Any, root: int) -> Any:
        self.comm.Bcast(self._spec(buf), root)

    def reduce(self, send: Any, recv: Any, op: str, root: int, inplace: bool) -> Any:
        at_root = self.comm.rank == root
        if inplace:
            src = self.MPI.IN_PLACE if at_root else self._spec(recv)
        else:
            src = self._spec(send)
        self.comm.Reduce(src, self._spec(recv) if at_root else None, self._ops[op], root)

    def exchange(self, sends: Sequence[Pair] = (), recvs: Sequence[Pair] = ()) -> Any:
        reqs = [self.comm.Irecv(self._spec(b), source=p, tag=7) for b, p in recvs]
        reqs += [self.comm.Isend(self._spec(b), dest=p, tag=7) for b, p in sends]
        return reqs

    def wait(self, handle: Any) -> None:
        if handle:
            self.MPI.Request.Waitall(handle)

    def synchronize(self) -> None:
        if self.device == "cuda":
            self.torch.cuda.synchronize()

    # -- timing -----------------------------------------------------------------------------
    def make_timer(self, op: Any, spec: CollectiveSpec, bufs: Buffers, ctx: Context,
                   dtype: DType, mode: str, batch_ops: int) -> Any:
        from fabricbench.collectives.backends.native_loop import native_timer

        return native_timer(self, spec, bufs, ctx, dtype, mode, batch_ops)

    def info(self) -> dict[str, Any]:
        info = super().info()
        info.update(
            mpi_library=self.MPI.Get_library_version().strip(),
            mpi_version=".".join(map(str, self.MPI.Get_version())),
            thread_level=self.MPI.Query_thread(),
            cuda_aware=self.cuda_aware,
        )
        return info

    def close(self) -> None:
        self.comm.Free()

    def in_group(self, group: Any, topology: Any) -> MpiBackend:
        """The same backend on a sub-communicator (a locate round's group); close() frees it."""
        view = copy.copy(self)
        view.topology, view.comm = topology, topology.comm.Dup()
        return view
