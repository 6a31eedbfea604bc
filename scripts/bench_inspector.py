#!/usr/bin/env python3
"""NCCL Inspector ingest at production scale: MB/s of JSON on one core and peak memory (issue #13).

Target: >= 50 MB/s, <= 2 GB of memory for a 2 GB dump of 64 ranks. Writes a synthetic dump of about
the asked size in the plugin's JSON format (64 ranks on 8 hosts, a world and 8 per-host
communicators: tests/support/inspector_synth.py), then times `fabricbench ingest` of it in a fresh
process pinned to one core (imports included) and reads that process's peak RSS. "read" is the
streaming reader alone (in this process), to show where the time goes.

usage: python scripts/bench_inspector.py [--mb 200 2000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BYTES_PER_OP = 64 * 9 / 8 * 330  # 64 ranks' world records + 8 ranks' tp records each, ~330 B a line


def make_dump(out: Path, mb: float) -> int:
    from tests.support import inspector_synth

    ops = max(60, int(mb * 1e6 / BYTES_PER_OP / 2))  # each operation: one world and one tp record per rank
    inspector_synth.generate(out, ranks=64, hosts=8, ops=ops, late_rank=13, seed=11)
    return sum(p.stat().st_size for p in out.iterdir())


def measure(dump: Path, size: int) -> dict:
    from fabricbench.benchmarks.inspector import read

    t = time.perf_counter()
    job = read.read_job(dump)
    read_s = time.perf_counter() - t
    del job
    out = Path(tempfile.mkdtemp(prefix="fb-insp-out-"))
    # VmHWM, not ru_maxrss: ru_maxrss survives exec and would report this (parent) process's size
    code = ("import sys, time; t = time.perf_counter(); from fabricbench.cli.main import main; "
            f"rc = main(['ingest', {str(dump)!r}, '--out', {str(out)!r}]); "
            "hwm = [ln.split()[1] for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0]; "
            "print(time.perf_counter() - t, hwm); sys.exit(rc)")
    cmd = [sys.executable, "-c", code]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", str(sorted(os.sched_getaffinity(0))[0])] + cmd
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    wall, rss_kb = proc.stdout.strip().splitlines()[-1].split()
    shutil.rmtree(out, ignore_errors=True)
    return {"mb": size / 1e6, "read_mb_s": size / 1e6 / read_s, "ingest_s": float(wall),
            "ingest_mb_s": size / 1e6 / float(wall), "peak_rss_gb": int(rss_kb) / 1e6}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, nargs="+", default=[200.0])
    ap.add_argument("--keep", type=Path, help="write the dumps here and keep them")
    args = ap.parse_args()
    print(f"{'dump MB':>8} {'read MB/s':>10} {'ingest s':>9} {'ingest MB/s (1 core)':>21} {'peak RSS GB':>12}")
    for mb in args.mb:
        base = args.keep or Path(tempfile.mkdtemp(prefix="fb-insp-"))
        dump = base / f"dump-{int(mb)}mb"
        size = make_dump(dump, mb)
        r = measure(dump, size)
        print(f"{r['mb']:>8.0f} {r['read_mb_s']:>10.1f} {r['ingest_s']:>9.2f} {r['ingest_mb_s']:>21.1f} "
              f"{r['peak_rss_gb']:>12.2f}", flush=True)
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print("# targets (issue #13): ingest >= 50 MB/s on one core; <= 2 GB of memory for a 2 GB dump of 64 ranks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
