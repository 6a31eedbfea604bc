"""A bare torch.distributed all_reduce loop on gloo, timed the way fabricbench times it.

Bootstrap as in fabricbench (MPI ranks, TCP store), then per iteration: gloo barrier
(excluded), perf_counter_ns around one all_reduce, max over ranks, median over iterations.
usage: mpiexec -n 2 python bare_torch_loop.py ITERS SIZE [SIZE ...]   (prints: size median_us)
"""

import sys
import time

import mpi4py

mpi4py.rc.thread_level = "funneled"
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
from mpi4py import MPI  # noqa: E402
from torch.distributed import TCPStore  # noqa: E402

comm = MPI.COMM_WORLD
store = TCPStore("127.0.0.1", 0, comm.size, True, wait_for_workers=False) if comm.rank == 0 else None
port = comm.bcast(store.port if store else None)
if store is None:
    store = TCPStore("127.0.0.1", port, comm.size, False)
dist.init_process_group("gloo", store=store, rank=comm.rank, world_size=comm.size)
iters, warmup = int(sys.argv[1]), 5
for size in map(int, sys.argv[2:]):
    t = torch.ones(size // 4, dtype=torch.float32)
    out = np.empty(iters)
    for i in range(warmup + iters):
        dist.barrier()
        t0 = time.perf_counter_ns()
        dist.all_reduce(t)
        if i >= warmup:
            out[i - warmup] = (time.perf_counter_ns() - t0) * 1e-3
    times = comm.gather(out, root=0)
    if comm.rank == 0:
        print(f"{size} {np.median(np.max(times, axis=0)):.4f}", flush=True)
dist.destroy_process_group()
