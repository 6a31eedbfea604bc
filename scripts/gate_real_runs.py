#!/usr/bin/env python3
"""The gate on real launches of this machine: an A/A pair passes, a really slowed candidate fails.

    python scripts/gate_real_runs.py [--launches 7] [--out DIR]

Case `aa`: control and candidate are the same local benchmark (2 ranks, MPI, shared memory),
launched ABBA-interleaved; the gate must not fail. Case `fallback`: the candidate runs without
shared memory (MPICH over TCP loopback), a real transport regression. Case `shaped`: two network-namespace hosts (the
netns test bed); the candidate's launches run with host h2's link shaped by tc tbf, the control's
without; only the sizes the shaping reaches may fail (bandwidth, not latency). Prints the gate's
real output for each case, and writes its JUnit and markdown under --out.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

BENCH = ["run", "--backend", "mpi", "--collectives", "all_reduce,all_gather", "-b", "8", "-e", "4M", "-f", "4",
         "-n", "200", "-w", "10"]
# Small sizes (latency band) barely feel a 1 Gbit/s token bucket; 256 KiB and 2 MiB (mid band) do.
NETNS_BENCH = ["run", "--backend", "mpi", "--collectives", "all_reduce", "--sizes", "8,64,512,256K,2M",
               "-n", "40", "-w", "5", "--timeout", "120"]


def abba(n: int) -> list[str]:
    return (["ctrl", "cand", "cand", "ctrl"] * n)[: 2 * n]


def local_launch(arm: str, out: Path, env: dict | None = None) -> None:
    mpiexec = Path(sys.executable).parent / "mpiexec"
    cmd = [str(mpiexec), "-n", "2", sys.executable, str(ROOT / "run_bench.py"), *BENCH, "--out", str(out / arm),
           "--tag", arm]
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT, env=env)


def gate(out: Path, name: str) -> int:
    code, text = run_gate(out, name)
    print(text)
    print(f"exit code {code}")
    return code


def run_gate(out: Path, name: str) -> tuple[int, str]:
    cmd = [sys.executable, str(ROOT / "run_bench.py"), "gate", "--candidate", str(out / "cand"), "--control",
           str(out / "ctrl"), "--junit", str(out / f"{name}.xml"), "--markdown", str(out / f"{name}.md"),
           "--json", str(out / f"{name}.json"), "--annotations", "none"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    return proc.returncode, proc.stdout + proc.stderr


def case_aa(n: int, out: Path) -> int:
    t0 = time.time()
    for arm in abba(n):
        local_launch(arm, out)
    print(f"## aa: {n} + {n} launches, local, {time.time() - t0:.0f} s")
    return gate(out, "aa")


def shaped_launches(n: int, out: Path, rate: str) -> None:
    """n control launches and n candidate launches (h2 shaped), ABBA, on a fresh 2-host test bed."""
    from netns_testbed import testbed

    with testbed(2) as bed:
        for arm in abba(n):
            if arm == "cand":
                bed.slow_host("h2", rate)
            else:
                bed.unshape_host("h2")
            proc = bed.mpirun(1, [*NETNS_BENCH, "--out", str(out / arm), "--tag", arm])
            if proc.returncode:
                raise RuntimeError(f"launch failed: {proc.stderr[-1500:]}")


def case_fallback(n: int, out: Path) -> int:
    """The candidate loses shared memory (MPICH over UCX TCP loopback): a real transport fallback."""
    t0 = time.time()
    for arm in abba(n):
        env = dict(os.environ, MPIR_CVAR_NOLOCAL="1", UCX_TLS="tcp,self") if arm == "cand" else None
        local_launch(arm, out, env)
    print(f"## fallback: {n} + {n} launches, local, candidate without shared memory, {time.time() - t0:.0f} s")
    return gate(out, "fallback")


def case_shaped(n: int, out: Path, rate: str) -> int:
    from netns_testbed import can_create_namespaces

    why = can_create_namespaces()
    if why:
        print(f"## shaped: skipped ({why})")
        return -1
    t0 = time.time()
    shaped_launches(n, out, rate)
    print(f"## shaped: {n} + {n} launches, 2 netns hosts, candidate with h2 shaped to {rate}, "
          f"{time.time() - t0:.0f} s")
    return gate(out, "shaped")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--launches", type=int, default=7)
    ap.add_argument("--cases", default="aa,fallback,shaped")
    ap.add_argument("--rate", default="1gbit")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="fb-gate-real-"))
    print(f"# results under {out}")
    codes = {}
    if "aa" in args.cases:
        codes["aa"] = case_aa(args.launches, out / "aa")
    if "fallback" in args.cases:
        codes["fallback"] = case_fallback(args.launches, out / "fallback")
    if "shaped" in args.cases:
        codes["shaped"] = case_shaped(args.launches, out / "shaped", args.rate)
    print("# exit codes:", codes)


if __name__ == "__main__":
    main()
