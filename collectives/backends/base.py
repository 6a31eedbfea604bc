"""The backend interface (after PARAM's backendFunctions): buffers, primitives, timers.

Specs call primitives (all_reduce, exchange, ...) on whatever backend runs them; a backend
declares up front what it cannot do, so an impossible combination is refused before the sweep
starts instead of failing halfway through it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, Optional

import numpy as np

from fabricbench.collectives.dtypes import DType
from fabricbench.collectives.spec import Buffers, CollectiveSpec, Context


class BackendUnavailable(RuntimeError):
    """The backend cannot start here (library missing, no GPU, not CUDA-aware...)."""


class Unsupported(ValueError):
    """A backend x device x dtype x op combination this backend cannot run."""


Pair = tuple[Any, int]  # (buffer, peer rank)


class Backend(ABC):
    name: str = ""
    transport: str = ""  # what moves the bytes: nccl, gloo, mpi
    native_capable: bool = False  # whether a native (C) timing loop can drive it

    def __init__(self, device: str, topology: Any, store: Any = None) -> None:
        self.device = device
        self.topology = topology
        self.store = store

    # -- capability -------------------------------------------------------------------------
    def unsupported(self, spec: CollectiveSpec, dtype: DType, redop: str, inplace: bool) -> Optional[str]:
        """Why this combination cannot run here, or None if it can."""
        if spec.uses_redop and redop not in self.redops():
            return f"reduction {redop!r} is not supported by {self.label()}"
        if not self.supports_dtype(dtype):
            return f"datatype {dtype.name} is not supported by {self.label()}"
        if inplace not in self.inplace_modes(spec.primitive):
            mode = "in-place" if inplace else "out-of-place"
            return f"{spec.name} {mode} is not supported by {self.label()}"
        return None

    def label(self) -> str:
        return f"backend {self.name} ({self.transport} on {self.device})"

    @abstractmethod
    def redops(self) -> Sequence[str]: ...

    @abstractmethod
    def supports_dtype(self, dtype: DType) -> bool: ...

    @abstractmethod
    def inplace_modes(self, primitive: str) -> tuple[bool, ...]:
        """In-place modes a primitive supports here (True = in place)."""

    # -- buffers ----------------------------------------------------------------------------
    @abstractmethod
    def alloc(self, count: int, dtype: DType) -> Any: ...

    @abstractmethod
    def view(self, buf: Any, offset: int, count: int) -> Any: ...

    @abstractmethod
    def write(self, buf: Any, values: np.ndarray) -> None:
        """Copy float64 values (small integers) into the buffer, converting the type."""

    @abstractmethod
    def read(self, buf: Any, start: int, stop: int) -> np.ndarray:
        """Elements [start, stop) of the buffer as float64 on the host."""

    # -- primitives (return a handle for wait(), or None when already complete) --------------
    @abstractmethod
    def all_reduce(self, send: Any, recv: Any, op: str, inplace: bool) -> Any: ...

    @abstractmethod
    def all_gather(self, send: Any, recv: Any, inplace: bool) -> Any: ...

    @abstractmethod
    def reduce_scatter(self, send: Any, recv: Any, op: str, inplace: bool) -> Any: ...

    @abstractmethod
    def all_to_all(self, send: Any, recv: Any) -> Any: ...

    @abstractmethod
    def broadcast(self, buf: Any, root: int) -> Any: ...

    @abstractmethod
    def reduce(self, send: Any, recv: Any, op: str, root: int, inplace: bool) -> Any: ...

    @abstractmethod
    def exchange(self, sends: Sequence[Pair] = (), recvs: Sequence[Pair] = ()) -> Any:
        """Post all receives and sends at once; the handle completes when all have."""

    @abstractmethod
    def wait(self, handle: Any) -> None: ...

    def barrier(self) -> None:
        """Synchronise ranks before a timed sample (excluded from the time): MPI by default."""
        self.topology.comm.Barrier()

    def synchronize(self) -> None:  # noqa: B027 - optional hook: nothing to wait for on host memory
        """Wait for the device (no-op on host memory)."""

    # -- timing -----------------------------------------------------------------------------
    def make_timer(self, op: Any, spec: CollectiveSpec, bufs: Buffers, ctx: Context,
                   dtype: DType, mode: str, batch_ops: int) -> Any:
        """A backend-specific timer (native loop, CUDA events...), or None for the host timers."""
        return None

    def timing_modes(self) -> tuple[str, ...]:
        return ("iter", "batch")

    # -- provenance -------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        return {"backend": self.name, "transport": self.transport, "device": self.device}

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release communicators; the default holds none."""

    def in_group(self, group: Any, topology: Any) -> Backend:
        """This backend restricted to a sub-group of ranks (``group``: the backend's own handle, if any;
        ``topology``: the group's control plane). Backends that cannot do so say it up front."""
        raise BackendUnavailable(f"{self.label()} cannot run in sub-groups")
