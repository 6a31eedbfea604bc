"""One size point of one case, on every rank: buffers, warm-up, sampling, data check.

Nothing here knows which collective it runs: it only calls the spec's fields and the
backend's primitives. Rank 0 owns the stopping decision and broadcasts it, so every rank runs
exactly the same number of operations (rank-local decisions deadlock collectives).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from fabricbench.benchmarks.iterations import StopPolicy
from fabricbench.benchmarks.timing import HOST_TIMERS, TimedOp
from fabricbench.collectives.backends.base import Backend
from fabricbench.collectives.data import SENTINEL, Redop, count_wrong
from fabricbench.collectives.dtypes import DType
from fabricbench.collectives.spec import Buffers, CollectiveSpec, Context

CHECK_CHUNK = 1 << 24  # elements compared per step, to bound host memory on huge buffers


@dataclass(frozen=True)
class Case:
    """A (collective, backend, dtype, redop, in-place) combination swept over sizes."""

    spec: CollectiveSpec
    backend: Backend
    dtype: DType
    redop: Redop
    inplace: bool

    @property
    def redop_label(self) -> str:
        return self.redop.name if self.spec.uses_redop else "none"


@dataclass
class PointResult:
    rank_times_us: Optional[np.ndarray]  # ranks x iterations on rank 0, None elsewhere
    stop_reason: str
    wrong: Optional[int]
    timing: str
    timer: str
    ops_per_sample: int
    wall_s: float


def allocate(be: Backend, spec: CollectiveSpec, ctx: Context, dtype: DType, inplace: bool) -> Buffers:
    c = ctx.counts
    if inplace:
        so, ro = spec.inplace_offsets(ctx)
        whole = be.alloc(max(so + c.send, ro + c.recv), dtype)
        send, recv = be.view(whole, so, c.send), be.view(whole, ro, c.recv)
    else:
        send, recv = be.alloc(c.send, dtype), be.alloc(c.recv, dtype)
    return Buffers(send=send, recv=recv, ack=be.alloc(1, dtype), inplace=inplace)


def prepare(be: Backend, spec: CollectiveSpec, bufs: Buffers, ctx: Context) -> None:
    """Sentinel in the output first, then the input (which may overlap it, in place)."""
    c = ctx.counts
    be.write(bufs.recv, np.full(c.recv, SENTINEL))
    values = spec.fill(ctx, np.arange(c.send, dtype=np.int64))
    if values is not None:
        be.write(bufs.send, values)


def wrong_elements(be: Backend, spec: CollectiveSpec, bufs: Buffers, ctx: Context) -> int:
    wrong = 0
    total = ctx.counts.recv
    for start in range(0, total, CHECK_CHUNK):
        stop = min(start + CHECK_CHUNK, total)
        expected = spec.expected(ctx, np.arange(start, stop, dtype=np.int64))
        if expected is None:
            return 0
        wrong += count_wrong(be.read(bufs.recv, start, stop), expected, ctx.redop.tolerance)
    return wrong


def resolve_timing(mode: str, be: Backend, size_bytes: int, graph_below: int) -> str:
    if mode != "auto":
        return mode
    return "graph" if "graph" in be.timing_modes() and size_bytes < graph_below else "iter"


def run_point(case: Case, ctx: Context, cfg: Any, comm: Any, *, on_progress: Any = None,
              corrupt: bool = False) -> PointResult:
    spec, be = case.spec, case.backend
    started = time.monotonic()
    bufs = allocate(be, spec, ctx, case.dtype, case.inplace)
    prepare(be, spec, bufs, ctx)
    op = TimedOp(
        launch=lambda: spec.launch(be, bufs, ctx),
        wait=be.wait,
        synchronize=be.synchronize,
        barrier=be.barrier,
    )
    mode = resolve_timing(cfg.timing, be, ctx.counts.size_bytes, cfg.graph_below)
    timer = be.make_timer(op, spec, bufs, ctx, case.dtype, mode, cfg.batch_ops)
    if timer is None:
        timer = HOST_TIMERS[mode](op, cfg.batch_ops)
    for _ in range(cfg.warmup_iters):
        timer.once()
    divisor = timer.ops * spec.ops_per_sample(ctx)

    policy = StopPolicy(cfg.iters, cfg.min_iters, cfg.max_iters, cfg.ci_target, cfg.time_cap)
    chunks: list[np.ndarray] = []
    while True:
        n = comm.bcast(policy.next_chunk() if comm.rank == 0 else None, root=0)
        t0 = time.monotonic()
        local = timer.measure(n) * (1e6 / divisor)  # microseconds per operation
        wall = time.monotonic() - t0
        gathered = comm.gather(local, root=0)
        stop = None
        if comm.rank == 0:
            matrix = np.vstack(gathered)
            chunks.append(matrix)
            stop = policy.update(matrix.max(axis=0), wall)
            if on_progress:
                on_progress()
        if comm.bcast(stop, root=0):
            break

    wrong = None
    if cfg.check:
        local_wrong = 0
        for _ in range(cfg.check):
            prepare(be, spec, bufs, ctx)
            timer.once()
            if corrupt and ctx.counts.recv:
                be.write(be.view(bufs.recv, 0, 1), np.array([SENTINEL - 1.0]))
            local_wrong += wrong_elements(be, spec, bufs, ctx)
        wrong = int(comm.allreduce(local_wrong))
    return PointResult(
        rank_times_us=np.hstack(chunks) if comm.rank == 0 else None,
        stop_reason=policy.reason if comm.rank == 0 else "",
        wrong=wrong,
        timing=mode,
        timer=timer.impl,
        ops_per_sample=divisor,
        wall_s=time.monotonic() - started,
    )
