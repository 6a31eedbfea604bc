#!/usr/bin/env python3
"""The gate on real launches of this machine: an A/A pair passes, really slower candidates fail.

    python scripts/gate_real_runs.py [--launches 19] [--out DIR] [--cases aa,fallback,shaped]

Each case is a sequential paired session (reports/gate/session.py, as `run_bench.py ab` runs it):
ABBA launches, 7 per arm, then 4 more per arm while a unit is undecided, up to --launches.
Case `aa`: control and candidate are the same local benchmark (2 ranks, MPI, shared memory); the
gate must not fail. Case `fallback`: the candidate runs without shared memory (MPICH over TCP
loopback), a real transport regression. Case `shaped`: two network-namespace hosts (the netns test
bed); the candidate's launches run with host h2's link shaped by tc tbf, the control's without.
Prints the gate's real output for each case, and writes its JUnit, markdown and JSON under --out.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

BENCH = ["run", "--backend", "mpi", "--collectives", "all_reduce,all_gather", "-b", "8", "-e", "4M", "-f", "4",
         "-n", "200", "-w", "10"]
# Small sizes (latency band) barely feel a 1 Gbit/s token bucket; 256 KiB and 2 MiB (mid band) do.
NETNS_BENCH = ["run", "--backend", "mpi", "--collectives", "all_reduce", "--sizes", "8,64,512,256K,2M",
               "-n", "40", "-w", "5", "--timeout", "120"]


def session(out: Path, launch: Callable[[str, int], int], max_launches: int) -> int:
    """The gate's sequential session with this launch function; returns the launches per arm."""
    from fabricbench.reports.gate.rules import PairedRule
    from fabricbench.reports.gate.session import Session

    rule = PairedRule(max_launches=max_launches, initial_launches=min(7, max_launches))
    result = Session(out, rule, launch, log=lambda m: print("  " + m, flush=True)).run()
    return result.launches["candidate"]


def local_launch(arm: str, out: Path, env: dict | None = None) -> int:
    mpiexec = Path(sys.executable).parent / "mpiexec"
    cmd = [str(mpiexec), "-n", "2", sys.executable, str(ROOT / "run_bench.py"), *BENCH, "--out", str(out / arm),
           "--tag", arm]
    return subprocess.run(cmd, capture_output=True, cwd=ROOT, env=env).returncode


def run_gate(out: Path, name: str) -> tuple[int, str]:
    cmd = [sys.executable, str(ROOT / "run_bench.py"), "gate", "--candidate", str(out / "candidate"), "--control",
           str(out / "control"), "--junit", str(out / f"{name}.xml"), "--markdown", str(out / f"{name}.md"),
           "--json", str(out / f"{name}.json"), "--annotations", "none"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    return proc.returncode, proc.stdout + proc.stderr


def gate(out: Path, name: str) -> int:
    code, text = run_gate(out, name)
    print(text)
    print(f"exit code {code}")
    return code


def case_aa(n: int, out: Path) -> int:
    t0 = time.time()
    per_arm = session(out, lambda arm, i: local_launch(arm, out), n)
    print(f"## aa: {per_arm} + {per_arm} launches, local, {time.time() - t0:.0f} s")
    return gate(out, "aa")


def case_fallback(n: int, out: Path) -> int:
    t0 = time.time()
    tcp = dict(os.environ, MPIR_CVAR_NOLOCAL="1", UCX_TLS="tcp,self")
    per_arm = session(out, lambda arm, i: local_launch(arm, out, tcp if arm == "candidate" else None), n)
    print(f"## fallback: {per_arm} + {per_arm} launches, local, candidate without shared memory, "
          f"{time.time() - t0:.0f} s")
    return gate(out, "fallback")


def shaped_launches(n: int, out: Path, rate: str) -> int:
    """The session on a fresh 2-host test bed, candidate launches with h2 shaped; launches per arm."""
    from netns_testbed import testbed

    with testbed(2) as bed:
        def launch(arm: str, index: int) -> int:
            if arm == "candidate":
                bed.slow_host("h2", rate)
            else:
                bed.unshape_host("h2")
            return bed.mpirun(1, [*NETNS_BENCH, "--out", str(out / arm), "--tag", arm]).returncode

        return session(out, launch, n)


def case_shaped(n: int, out: Path, rate: str) -> int:
    from netns_testbed import can_create_namespaces

    why = can_create_namespaces()
    if why:
        print(f"## shaped: skipped ({why})")
        return -1
    t0 = time.time()
    per_arm = shaped_launches(n, out, rate)
    print(f"## shaped: {per_arm} + {per_arm} launches, 2 netns hosts, candidate with h2 shaped to {rate}, "
          f"{time.time() - t0:.0f} s")
    return gate(out, "shaped")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--launches", type=int, default=19, help="most launches per arm (the session starts at 7)")
    ap.add_argument("--cases", default="aa,fallback,shaped")
    ap.add_argument("--rate", default="1gbit")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="fb-gate-real-"))
    print(f"# results under {out}")
    codes = {}
    cases = args.cases.split(",")
    if "aa" in cases:
        codes["aa"] = case_aa(args.launches, out / "aa")
    if "fallback" in cases:
        codes["fallback"] = case_fallback(args.launches, out / "fallback")
    if "shaped" in cases:
        codes["shaped"] = case_shaped(args.launches, out / "shaped", args.rate)
    print("# exit codes:", codes)


if __name__ == "__main__":
    main()
