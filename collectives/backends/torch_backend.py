"""torch.distributed: NCCL on CUDA devices (one GPU per local rank), gloo on host memory.

The process group is bootstrapped from the launcher's TCP store (rank 0 picked the port and
MPI broadcast it), so no torchrun is needed. Every primitive is issued with ``async_op=True``
and the timers wait on the handle before taking the end timestamp.
"""

from __future__ import annotations

import copy
import datetime
import os
from collections.abc import Sequence
from typing import Any, Optional

import numpy as np

from fabricbench.collectives.backends.base import Backend, BackendUnavailable, Pair
from fabricbench.collectives.dtypes import DType
from fabricbench.collectives.spec import Buffers, CollectiveSpec, Context


def _first(module: Any, *names: str) -> Any:
    """The first attribute that exists: torch renames collectives between releases."""
    for name in names:
        fn = getattr(module, name, None)
        if fn is not None:
            return fn
    raise AttributeError(names[0])


class TorchBackend(Backend):
    name = "torch"

    def __init__(self, device: str, topology: Any, store: Any = None) -> None:
        super().__init__(device, topology, store)
        import torch
        import torch.distributed as dist

        self.torch, self.dist = torch, dist
        if not dist.is_available():
            raise BackendUnavailable("this torch build has no torch.distributed")
        if device == "cuda":
            if not torch.cuda.is_available():
                raise BackendUnavailable("backend torch on cuda: torch sees no CUDA device")
            if not dist.is_nccl_available():
                raise BackendUnavailable("backend torch on cuda: this torch build has no NCCL")
            torch.cuda.set_device(topology.local_rank % torch.cuda.device_count())
            self.transport = "nccl"
        else:
            if not dist.is_gloo_available():
                raise BackendUnavailable("backend torch on cpu: this torch build has no gloo")
            self.transport = "gloo"
            if topology.nnodes > 1 and "GLOO_SOCKET_IFNAME" not in os.environ:
                # gloo binds to what the hostname resolves to, loopback where it does not resolve.
                from fabricbench.collectives.backends.netif import ipv4_interfaces

                found = ipv4_interfaces()
                if found:
                    os.environ["GLOO_SOCKET_IFNAME"] = found[0][0]
        if store is None:
            raise BackendUnavailable("backend torch needs the launcher's rendezvous store")
        kwargs: dict[str, Any] = {}
        if device == "cuda":
            kwargs["device_id"] = torch.device("cuda", torch.cuda.current_device())
        dist.init_process_group(
            self.transport,
            store=dist.PrefixStore(f"pg/{self.transport}/", store),
            rank=topology.rank,
            world_size=topology.size,
            timeout=datetime.timedelta(seconds=3600),
            **kwargs,
        )
        self.group: Any = None  # a sub-group (locate rounds); None: the whole world
        R = dist.ReduceOp
        self._ops = {"sum": R.SUM, "prod": R.PRODUCT, "max": R.MAX, "min": R.MIN, "avg": R.AVG}
        self._all_gather = _first(dist, "all_gather_single", "all_gather_into_tensor")
        self._reduce_scatter = _first(dist, "reduce_scatter_single", "reduce_scatter_tensor")

    # -- capability -------------------------------------------------------------------------
    def redops(self) -> Sequence[str]:
        return tuple(self._ops)

    def supports_dtype(self, dtype: DType) -> bool:
        return hasattr(self.torch, dtype.torch)

    def inplace_modes(self, primitive: str) -> tuple[bool, ...]:
        # torch.distributed's all_reduce, broadcast and reduce work on one tensor: in place only.
        return {
            "all_reduce": (True,),
            "all_gather": (False, True),
            "reduce_scatter": (False, True),
            "all_to_all": (False,),
            "broadcast": (True,),
            "reduce": (True,),
            "exchange": (False,),
        }[primitive]

    # -- buffers ----------------------------------------------------------------------------
    def alloc(self, count: int, dtype: DType) -> Any:
        return self.torch.empty(count, dtype=getattr(self.torch, dtype.torch), device=self.device)

    def view(self, buf: Any, offset: int, count: int) -> Any:
        return buf.narrow(0, offset, count)

    def write(self, buf: Any, values: np.ndarray) -> None:
        buf.copy_(self.torch.from_numpy(values).to(buf.dtype))

    def read(self, buf: Any, start: int, stop: int) -> np.ndarray:
        return buf[start:stop].to(self.torch.float64).cpu().numpy()

    # -- primitives -------------------------------------------------------------------------
    def all_reduce(self, send: Any, recv: Any, op: str, inplace: bool) -> Any:
        return self.dist.all_reduce(recv, op=self._ops[op], group=self.group, async_op=True)

    def all_gather(self, send: Any, recv: Any, inplace: bool) -> Any:
        return self._all_gather(recv, send, group=self.group, async_op=True)

    def reduce_scatter(self, send: Any, recv: Any, op: str, inplace: bool) -> Any:
        return self._reduce_scatter(recv, send, op=self._ops[op], async_op=True)

    def all_to_all(self, send: Any, recv: Any) -> Any:
        return self.dist.all_to_all_single(recv, send, async_op=True)

    def broadcast(self, buf: Any, root: int) -> Any:
        return self.dist.broadcast(buf, src=root, async_op=True)

    def reduce(self, send: Any, recv: Any, op: str, root: int, inplace: bool) -> Any:
        return self.dist.reduce(recv, dst=root, op=self._ops[op], async_op=True)

    def exchange(self, sends: Sequence[Pair] = (), recvs: Sequence[Pair] = ()) -> Any:
        P2POp = self.dist.P2POp
        ops = [P2POp(self.dist.irecv, b, p) for b, p in recvs]
        ops += [P2POp(self.dist.isend, b, p) for b, p in sends]
        return self.dist.batch_isend_irecv(ops)

    def wait(self, handle: Any) -> None:
        if handle is None:
            return
        for work in handle if isinstance(handle, list) else (handle,):
            work.wait()

    def barrier(self) -> None:
        # Measured on 2 vCPUs: after MPI's busy-polling barrier a gloo sendrecv waits a whole
        # scheduler tick (~4 ms median vs ~150 us after gloo's own barrier). NCCL ops run on
        # the GPU, so the host MPI barrier stays right for them.
        if self.transport == "gloo":
            self.dist.barrier(group=self.group)
        else:
            super().barrier()

    def in_group(self, group: Any, topology: Any) -> TorchBackend:
        """A view of this backend whose collectives run in a sub-group (its control plane: ``topology``)."""
        view = copy.copy(self)
        view.group, view.topology = group, topology
        view.close = lambda: None  # the sub-group belongs to whoever made it; the default group stays up
        return view

    def synchronize(self) -> None:
        if self.device == "cuda":
            self.torch.cuda.current_stream().synchronize()

    # -- timing -----------------------------------------------------------------------------
    def timing_modes(self) -> tuple[str, ...]:
        return ("iter", "batch", "graph") if self.device == "cuda" else ("iter", "batch")

    def make_timer(self, op: Any, spec: CollectiveSpec, bufs: Buffers, ctx: Context,
                   dtype: DType, mode: str, batch_ops: int) -> Optional[Any]:
        if self.device != "cuda":
            return None
        from fabricbench.collectives.backends import cuda_timers

        return cuda_timers.make(op, mode, batch_ops)

    # -- provenance -------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        info = super().info()
        info["torch"] = self.torch.__version__
        if self.device == "cuda":
            info["cuda"] = self.torch.version.cuda
            info["nccl"] = ".".join(map(str, self.torch.cuda.nccl.version()))
            info["gpu"] = self.torch.cuda.get_device_name()
        return info

    def close(self) -> None:
        if self.dist.is_initialized():
            self.dist.destroy_process_group()
