#!/usr/bin/env python3
"""Report pipeline at fleet scale: per-iteration sample rows -> full HTML report (time and peak memory).

Targets (issue #11): 10 M rows to a full HTML report in <= 15 s with load <= 3 s; 100 M rows in
<= 120 s and <= 8 GB. "total" is the whole pipeline from a fresh interpreter (imports included);
"load" is load_runs alone (the imports of pandas and pyarrow are shown apart).

Writes synthetic runs through the real writer (RunWriter: run.json, samples.jsonl, and the columnar
samples.parquet made when each run ends, as the engine does), then in a fresh process per size
times load -> summary -> enrich -> full HTML report and reads the peak RSS. A second measurement
deletes the columnar cache first: the cold path that parses samples.jsonl (and rebuilds the cache).

usage: python scripts/bench_report.py [--rows 1000000 10000000 100000000] [--cold]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fabricbench.benchmarks.model.point import PointRecord  # noqa: E402
from fabricbench.benchmarks.model.run import Instance, RunRecord, Versions  # noqa: E402
from fabricbench.benchmarks.model.store import RunWriter  # noqa: E402
from fabricbench.collectives import registry  # noqa: E402

TYPES = ["p5.48xlarge", "Standard_ND96isr_H100_v5", "a3-megagpu-8g", "p4d.24xlarge", "unknown"]
COLLECTIVES = [s.name for s in registry.all_specs() if not s.point_to_point][:4]


def generate(out: Path, rows: int, runs: int = 10, ranks: int = 2) -> None:
    rng = np.random.default_rng(7)
    sizes = [8 << i for i in range(0, 25)]  # 8 B .. 128 MiB: 25 sizes
    iters = max(rows // (runs * len(COLLECTIVES) * len(sizes)), 1)
    for r in range(runs):
        w = RunWriter(out, f"run{r:03d}", [])
        w.write_run(RunRecord(run_id=f"run{r:03d}", status="ok", instance=Instance(TYPES[r % len(TYPES)]),
                              nnodes=2, nranks=16, versions=Versions(nccl="2.23.4"), started=f"2026-11-{r + 1:02d}"))
        for coll in COLLECTIVES:
            spec = registry.get(coll)
            for size in sizes:
                base = 5.0 + size / 20e3
                t = np.round(base * rng.lognormal(0, 0.05, size=(ranks, iters)), 3)
                w.append_point(PointRecord(
                    collective=coll, backend="torch", transport="nccl", device="cuda", dtype="float32",
                    redop="sum", inplace=False, root=-1, size_bytes=size, count=size // 4, nranks=16, nnodes=2,
                    timing="iter", timer="cuda-events", ops_per_sample=1, warmup=5, stop_reason="fixed", wrong=0,
                    time_us=t, busbw_factor=spec.busbw_factor(16)))
        w.close()


def measure(results: Path, html: Path) -> None:
    """In a fresh process: the timed pipeline, then peak RSS."""
    t0 = time.perf_counter()
    from fabricbench.benchmarks.model.load import load_runs
    from fabricbench.reports.analysis import enrich
    from fabricbench.reports.html import render

    t1 = time.perf_counter()
    runs = load_runs([results])
    t_load = time.perf_counter() - t1
    enriched = enrich(runs.summary, runs.runs)
    html.write_text(render(enriched, runs.runs, runs.problems, [str(results)], points=runs.points))
    total = time.perf_counter() - t0
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # KiB -> GB
    rows = int(sum(m.shape[1] for m in runs.matrices))
    print(json.dumps({"sample_rows": rows, "points": int(len(runs.summary)), "import_s": round(t1 - t0, 2),
                      "load_s": round(t_load, 2),
                      "total_s": round(total, 2), "peak_rss_gb": round(peak_gb, 2),
                      "html_mb": round(html.stat().st_size / 1e6, 2)}))


def _measure(work: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--measure", str(work / "results"), str(work / "r.html")],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--cold", action="store_true", help="also measure without the columnar cache")
    ap.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        measure(Path(args.measure[0]), Path(args.measure[1]))
        return
    print(f"{'rows':>11} {'path':>6} {'points':>7} {'gen s':>7} {'import s':>8} {'load s':>7} {'total s':>8} "
          f"{'peak GB':>8} {'html MB':>8}")
    for rows in args.rows:
        work = Path(tempfile.mkdtemp(prefix="fb-report-bench-"))
        try:
            t0 = time.perf_counter()
            generate(work / "results", rows)
            gen = time.perf_counter() - t0
            cases = [("cached", None)] + ([("cold", "samples.parquet")] if args.cold else [])
            for label, remove in cases:
                if remove:
                    for f in (work / "results").glob(f"*/{remove}"):
                        f.unlink()
                m = _measure(work)
                print(f"{m['sample_rows']:>11} {label:>6} {m['points']:>7} {gen:>7.1f} {m['import_s']:>8} "
                      f"{m['load_s']:>7} {m['total_s']:>8} {m['peak_rss_gb']:>8} {m['html_mb']:>8}", flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
