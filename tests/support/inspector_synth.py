"""Synthetic NCCL Inspector dumps, in the plugin's exact output formats, for tests, demos and the ingest
benchmark: CI has no GPU to record real ones. Synthetic by design and said so (git_rev "synthetic").

The timing model is NCCL's: a collective finishes for every rank when the last one has arrived and the
transfer is done, and each rank's kernel timer starts when that rank arrives. So a late rank (one that
arrives `late_us` after the others, in every operation of its communicators) has the *shortest*
execution time, and in verbose mode its kernels start last. A slow period multiplies the transfer time
of a range of operations (a fabric event). A p2p pipeline communicator sends between consecutive hosts.

    python -m tests.support.inspector_synth OUT [--ranks 64] [--hosts 8] [--ops 200] [--late-rank R]
"""

from __future__ import annotations

import argparse
import gzip
import random
import sys
from pathlib import Path
from typing import Any, Optional

import orjson

FACTOR = {"AllReduce": lambda n: 2 * (n - 1) / n, "AllGather": lambda n: (n - 1) / n,
          "ReduceScatter": lambda n: (n - 1) / n}
T0_US = 1_748_030_377_000_000
OP_GAP_US = 5_000


def comms(ranks: int, hosts: int, p2p: bool) -> list[tuple[dict[str, Any], list[int]]]:
    """A world communicator, one per host (tensor-parallel) and, with p2p, one per local rank across hosts."""
    per_host = ranks // hosts
    out = [({"id": "0x7f8c496ae9f661", "comm_name": "world", "n_ranks": ranks, "nnodes": hosts}, list(range(ranks)))]
    out += [({"id": f"0x5a11{h:04x}c0ffee", "comm_name": f"tp{h}", "n_ranks": per_host, "nnodes": 1},
             list(range(h * per_host, (h + 1) * per_host))) for h in range(hosts)]
    if p2p:
        out += [({"id": f"0x9b0{g:04x}beef", "comm_name": f"pp{g}", "n_ranks": hosts, "nnodes": hosts},
                 list(range(g, ranks, per_host))) for g in range(per_host)]
    return out


def generate(out: Path, ranks: int = 64, hosts: int = 8, ops: int = 200, late_rank: Optional[int] = None,
             late_us: float = 400.0, slow_period: Optional[tuple[int, int]] = None, slow_factor: float = 3.0,
             torn: bool = False, version: str = "v4.0", seed: int = 1, gz: bool = False,
             sizes: tuple[int, ...] = (1 << 26, 1 << 20), verbose: bool = False, p2p: bool = False,
             busbw_gbs: float = 200.0, missing_ops: int = 0) -> list[Path]:
    """Write one file per process; returns their paths. missing_ops: the last rank of the world
    communicator never reports that many of its operations (a process that lost records)."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    per_host = ranks // hosts
    lines: dict[int, list[bytes]] = {r: [] for r in range(ranks)}
    for comm, members in comms(ranks, hosts, p2p):
        n = len(members)
        pipeline = comm["comm_name"].startswith("pp")
        for sn in range(ops):
            coll = ("AllReduce", "AllGather", "ReduceScatter")[sn % 3]
            size = sizes[sn % len(sizes)]
            factor = 1.0 if pipeline else FACTOR[coll](n)
            transfer = size / (busbw_gbs * 1e3) * factor + 20.0  # us at busbw_gbs busbw, plus a fixed cost
            if slow_period and slow_period[0] <= sn < slow_period[1]:
                transfer *= slow_factor
            start = T0_US + sn * OP_GAP_US
            arrive = [start + rng.uniform(0, 5) + (late_us if g == late_rank else 0.0) for g in members]
            done = max(arrive) + transfer * rng.uniform(0.99, 1.01)
            for local, g in enumerate(members):
                if missing_ops and comm["comm_name"] == "world" and local == n - 1 and sn >= ops - missing_ops:
                    continue
                exec_us = done - arrive[local]
                rec: dict[str, Any] = {
                    "header": {**comm, "rank": local},
                    "metadata": {"inspector_output_format_version": version, "git_rev": "synthetic",
                                 "rec_mechanism": "nccl_profiler_interface",
                                 "dump_timestamp_us": int(done) + rng.randrange(500),
                                 "hostname": f"node-{g // per_host:02d}", "pid": 40000 + g}}
                algbw = size / (exec_us * 1e3)
                if pipeline:
                    op = "Send" if local % 2 == 0 else "Recv"
                    peer = local + 1 if local % 2 == 0 else local - 1
                    if peer >= n:
                        continue
                    perf = {"p2p": op, "p2p_sn": sn, "p2p_peer": peer, "p2p_msg_size_bytes": size,
                            "p2p_exec_time_us": int(round(exec_us)), "p2p_timing_source": "kernel_gpu",
                            "p2p_algobw_gbs": round(algbw, 6), "p2p_busbw_gbs": round(algbw, 6)}
                    key, pfx = "p2p_perf", "p2p"
                else:
                    perf = {"coll": coll, "coll_sn": sn, "coll_msg_size_bytes": size,
                            "coll_exec_time_us": int(round(exec_us)), "coll_timing_source": "kernel_gpu",
                            "coll_algobw_gbs": round(algbw, 6), "coll_busbw_gbs": round(algbw * factor, 6)}
                    key, pfx = "coll_perf", "coll"
                if verbose:
                    a = int(arrive[local])
                    perf["event_trace_sn"] = {f"{pfx}_start_sn": 1, f"{pfx}_stop_sn": 4, "kernel_events": [
                        {"channel_id": c, "kernel_start_sn": 2, "kernel_stop_sn": 3, "kernel_record_sn": 3}
                        for c in range(2)]}
                    perf["event_trace_ts"] = {f"{pfx}_start_ts": a - 3, f"{pfx}_stop_ts": int(done) + 2,
                                              "kernel_events": [
                        {"channel_id": c, "kernel_start_ts": a + c, "kernel_stop_ts": int(done),
                         "kernel_record_ts": int(done) + 1} for c in range(2)]}
                rec[key] = perf
                lines[g].append(orjson.dumps(rec))
    paths = []
    for g, recs in lines.items():
        p = out / (f"node-{g // per_host:02d}-pid{40000 + g}.log" + (".gz" if gz else ""))
        data = b"\n".join(recs) + b"\n"
        if torn and g == ranks - 1:
            data = data[: len(data) - len(recs[-1]) // 2 - 1]  # the process died mid-write
        with (gzip.open(p, "wb") if gz else open(p, "wb")) as f:
            f.write(data)
        paths.append(p)
    return paths


def size_range(size: int) -> str:
    """The plugin's message_size label (inspectorPromFormatMessageSizeRange): '64-65MB', '1-2KB'."""
    units, value, unit = ("B", "KB", "MB", "GB", "TB"), float(size), 0
    while value >= 1024.0 and unit < 4:
        value /= 1024.0
        unit += 1
    lower = max(1, int(value))
    return "0B" if size == 0 else f"{lower}-{lower + 1}{units[unit]}"


def generate_prom(out: Path, ranks: int = 16, hosts: int = 2, sizes: tuple[int, ...] = (1 << 26, 1 << 20),
                  busbw_gbs: float = 200.0, slow_gpu: Optional[int] = None, seed: int = 1) -> list[Path]:
    """Prometheus mode (NCCL_INSPECTOR_PROM_DUMP=1): one nccl_inspector_metrics_<gpu uuid>.prom per GPU, the
    labels and value formats of inspector_prom.cc (geometric-mean busbw, mean exec time per bucket)."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    per_host = ranks // hosts
    paths = []
    for g in range(ranks):
        rows = []
        for coll in ("AllReduce", "AllGather"):
            for size in sizes:
                f = FACTOR[coll](ranks)
                bus = busbw_gbs * rng.uniform(0.97, 1.03) * (0.5 if g == slow_gpu else 1.0)
                exec_us = size / (bus / f * 1e3)
                labels = (f'version="v5.1",slurm_job_id="4242",node="node-{g // per_host:02d}",gpu="GPU{g % per_host}",'
                          f'comm_name="world",n_nodes="{hosts}",nranks="{ranks}",collective="{coll}",'
                          f'message_size="{size_range(size)}",algo_proto="RING_SIMPLE"')
                rows.append(f"nccl_bus_bandwidth_gbs{{{labels}}} {bus:.6g}\n"
                            f"nccl_collective_exec_time_microseconds{{{labels}}} {exec_us:.6g}\n")
        p = out / f"nccl_inspector_metrics_GPU-{g:08x}-5a11-c0ff-ee00-{g:012x}.prom"
        p.write_text("".join(rows))
        paths.append(p)
    return paths


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--ranks", type=int, default=64)
    ap.add_argument("--hosts", type=int, default=8)
    ap.add_argument("--ops", type=int, default=200)
    ap.add_argument("--late-rank", type=int)
    ap.add_argument("--slow-period", type=int, nargs=2, metavar=("FIRST_SN", "END_SN"))
    ap.add_argument("--verbose", action="store_true", help="event traces (NCCL_INSPECTOR_DUMP_VERBOSE=1)")
    ap.add_argument("--p2p", action="store_true", help="a pipeline communicator of Send/Recv between hosts")
    ap.add_argument("--prom", action="store_true", help="Prometheus mode textfiles instead of JSON")
    args = ap.parse_args()
    if args.prom:
        generate_prom(args.out, args.ranks, args.hosts)
    else:
        generate(args.out, args.ranks, args.hosts, args.ops, args.late_rank,
                 slow_period=tuple(args.slow_period) if args.slow_period else None, verbose=args.verbose, p2p=args.p2p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
