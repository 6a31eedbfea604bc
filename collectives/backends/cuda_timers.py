"""Device-side timers for CUDA: per-iteration CUDA events, and CUDA-graph batches.

Measured on one H200 (shared/data/nccl-tests-h200-1gpu): a torch.distributed all_reduce costs
~24 us of host time per call while the NCCL kernel takes 0.2-8 us, so below ~1 MiB timing each
call through torch measures torch. The graph timer captures k operations once and replays them,
timing the replay with events, as nccl-tests -G does; the engine picks it for small sizes.
Nothing here touches CUDA at import time, so the module imports on machines without a GPU.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class CudaEventTimer:
    """One sample per operation: barrier, stream sync, event, op, event."""

    impl = "cuda-events"
    name = "iter"

    def __init__(self, op: Any) -> None:
        import torch

        self.torch, self.op, self.ops = torch, op, 1

    def measure(self, samples: int) -> np.ndarray:
        torch = self.torch
        stream = torch.cuda.current_stream()
        starts = [torch.cuda.Event(enable_timing=True) for _ in range(samples)]
        ends = [torch.cuda.Event(enable_timing=True) for _ in range(samples)]
        for i in range(samples):
            stream.synchronize()
            self.op.barrier()
            starts[i].record(stream)
            self.op.wait(self.op.launch())
            ends[i].record(stream)
        torch.cuda.synchronize()
        return np.array([s.elapsed_time(e) for s, e in zip(starts, ends, strict=True)]) * 1e-3

    def once(self) -> None:
        self.op.wait(self.op.launch())
        self.torch.cuda.synchronize()


class CudaGraphTimer:
    """One sample per graph replay of ``ops`` captured operations; time = replay / ops."""

    impl = "cuda-graph"
    name = "graph"

    def __init__(self, op: Any, ops: int) -> None:
        import torch

        self.torch, self.op, self.ops = torch, op, ops
        self.graph = None

    def _capture(self) -> None:
        torch = self.torch
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):  # NCCL needs one eager call before capture
            self.op.wait(self.op.launch())
        torch.cuda.current_stream().wait_stream(side)
        torch.cuda.synchronize()
        self.op.barrier()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            for _ in range(self.ops):
                self.op.wait(self.op.launch())
        torch.cuda.synchronize()
        self.graph = graph

    def measure(self, samples: int) -> np.ndarray:
        torch = self.torch
        if self.graph is None:
            self._capture()
        stream = torch.cuda.current_stream()
        out = np.empty(samples)
        for i in range(samples):
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            stream.synchronize()
            self.op.barrier()
            start.record(stream)
            self.graph.replay()
            end.record(stream)
            end.synchronize()
            out[i] = start.elapsed_time(end) * 1e-3
        return out

    def once(self) -> None:
        self.op.wait(self.op.launch())
        self.torch.cuda.synchronize()


def make(op: Any, mode: str, batch_ops: int) -> Any:
    """The CUDA timer for a mode; None lets the engine use its host batch timer."""
    timers = {"iter": lambda: CudaEventTimer(op), "graph": lambda: CudaGraphTimer(op, batch_ops)}
    factory = timers.get(mode)
    return factory() if factory else None
