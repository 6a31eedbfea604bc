"""Host timing strategies. Each sample records the strategy (and implementation) behind it.

- iter:  per sample, a barrier (excluded), then one operation timed with perf_counter_ns and
         waited on before the end timestamp. Gives per-iteration latency distributions.
- batch: nccl-tests' default: a barrier, then k back-to-back operations, time / k.
Backends may supply faster or device-side equivalents (native MPI loop, CUDA events/graphs).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class TimedOp:
    """What a timer drives: issue one operation, wait for it, sync the device, sync ranks."""

    launch: Callable[[], Any]
    wait: Callable[[Any], None]
    synchronize: Callable[[], None]
    barrier: Callable[[], None]


class HostIterTimer:
    name = "iter"
    impl = "python"
    ops = 1

    def __init__(self, op: TimedOp) -> None:
        self.op = op

    def measure(self, samples: int) -> np.ndarray:
        op, clock = self.op, time.perf_counter_ns
        launch, wait, sync, barrier = op.launch, op.wait, op.synchronize, op.barrier
        out = np.empty(samples, dtype=np.float64)
        for i in range(samples):
            barrier()
            t0 = clock()
            wait(launch())
            sync()
            out[i] = clock() - t0
        return out * 1e-9

    def once(self) -> None:
        self.op.wait(self.op.launch())
        self.op.synchronize()


class HostBatchTimer(HostIterTimer):
    name = "batch"

    def __init__(self, op: TimedOp, ops: int) -> None:
        super().__init__(op)
        self.ops = ops

    def measure(self, samples: int) -> np.ndarray:
        op, clock, k = self.op, time.perf_counter_ns, self.ops
        out = np.empty(samples, dtype=np.float64)
        for i in range(samples):
            op.barrier()
            t0 = clock()
            handles = [op.launch() for _ in range(k)]
            for h in handles:
                op.wait(h)
            op.synchronize()
            out[i] = clock() - t0
        return out * 1e-9


HOST_TIMERS: dict[str, Callable[[TimedOp, int], Any]] = {
    "iter": lambda op, k: HostIterTimer(op),
    "batch": lambda op, k: HostBatchTimer(op, k),
}


def host_floor_ns(barrier: Callable[[], None], samples: int = 200) -> float:
    """Median time of an empty timed iteration in the Python loop: the timer's resolution."""
    clock = time.perf_counter_ns
    out = np.empty(samples)
    for i in range(samples):
        barrier()
        t0 = clock()
        out[i] = clock() - t0
    return float(np.median(out))
