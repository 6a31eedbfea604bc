"""Production jobs (NCCL Inspector runs): which rank is late, what the job used, how its bandwidth moved
over its life, and how it compares with a microbenchmark of the same family. Pure functions.

The late rank. In a collective every rank waits inside the operation for the last one to arrive, so
each rank's own execution time is (completion - its own arrival): the late rank's is the *shortest*,
by the time the others waited for it. A rank is late in a point (one communicator, collective and
size) when it is the shortest in a share of the operations far above chance (share >= max(0.5, 3/n),
binomial z >= Z_MIN against p = 1/n) and the others waited for it by at least MIN_LEAD of the
operation's time (median); it is named for its communicator when it is late in most of the
communicator's judged points. Thresholds are arguments (docs/diagnosis.md).

Per operation, the job's experienced time is the max over ranks (what the slowest-to-finish rank
saw), and its busbw size / time x the spec's factor, as for our own iterations.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any, Optional

import numpy as np
import pandas as pd

from fabricbench.benchmarks.model.enums import TimingMode

MIN_OPS = 20
Z_MIN = 5.0
MIN_LEAD = 0.01
DIP_RATIO = 0.8
DIP_MIN_OPS = 5  # a dip rests on at least this many operations: one slow operation is not a period
BINS = 60

Matrix = Callable[[str, int], np.ndarray]


def production_points(points: pd.DataFrame) -> pd.DataFrame:
    """The collective points of production runs (point-to-point links excluded), with their Inspector facts."""
    if points.empty or "timing" not in points.columns:
        return points.iloc[0:0]
    prod = points[(points["timing"].astype(str) == str(TimingMode.PRODUCTION)) & points["peers"].isna()]
    return prod


def _extra(row: Any, key: str, default: Any = None) -> Any:
    extra = row.extra if isinstance(row.extra, dict) else {}
    value = extra.get(key, default)
    return default if value is None else value


def per_op(points: pd.DataFrame, matrix: Matrix) -> pd.DataFrame:
    """One row per operation of every production collective point: when it was written (s since the job's
    first record), its time (max over ranks) and busbw."""
    frames = []
    for row in production_points(points).itertuples(index=False):
        m = matrix(row.run_id, row.point_id)
        t = m.max(axis=0)
        stamps = np.asarray(_extra(row, "op_dump_ms", []), dtype=float) / 1000.0
        if len(stamps) != len(t):
            stamps = np.full(len(t), np.nan)
        frames.append(pd.DataFrame({
            "run_id": row.run_id, "point_id": row.point_id, "comm_name": _extra(row, "comm_name", ""),
            "collective": row.collective, "size_bytes": row.size_bytes, "nranks": row.nranks, "t_s": stamps,
            "time_us": t, "busbw_gbps": row.size_bytes / (t * 1e3) * row.busbw_factor if row.busbw_factor
            else row.size_bytes / (t * 1e3)}))
    cols = ["run_id", "point_id", "comm_name", "collective", "size_bytes", "nranks", "t_s", "time_us", "busbw_gbps"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def late_in_point(m: np.ndarray, min_ops: int = MIN_OPS, z_min: float = Z_MIN, min_lead: float = MIN_LEAD
                  ) -> Optional[dict[str, Any]]:
    """The rank late in this [rank][operation] matrix, with its evidence, or None."""
    n, ops = m.shape
    if n < 2 or ops < min_ops:
        return None
    first = m.argmin(axis=0)
    counts = np.bincount(first, minlength=n)
    r = int(counts.argmax())
    share = counts[r] / ops
    mu, sd = ops / n, math.sqrt(ops * (1 / n) * (1 - 1 / n))
    z = (counts[r] - mu) / sd if sd else 0.0
    others = np.delete(m, r, axis=0)
    wait = np.median(others, axis=0) - m[r]  # how long the others waited for it, per operation
    rel = float(np.median(wait / np.maximum(np.median(others, axis=0), 1e-9)))
    if share >= max(0.5, min(0.9, 3 / n)) and z >= z_min and rel >= min_lead:
        return {"rank": r, "share": float(share), "z": float(z), "median_wait_us": float(np.median(wait)),
                "median_wait_rel": rel, "ops": int(ops)}
    return None


def late_ranks(points: pd.DataFrame, matrix: Matrix, t0_us: Optional[dict[str, int]] = None,
               **thresholds: float) -> list[dict[str, Any]]:
    """Per run and communicator, the rank late in most of its judged points: kind late_rank, with its host."""
    prod = production_points(points)
    if prod.empty:
        return []
    verdicts = []
    prod = prod.assign(comm=[_extra(r, "comm", "") for r in prod.itertuples(index=False)])
    for (run_id, comm), g in prod.groupby(["run_id", "comm"], sort=True):
        judged, hits = 0, {}
        for row in g.itertuples(index=False):
            m = matrix(row.run_id, row.point_id)
            if m.shape[1] < thresholds.get("min_ops", MIN_OPS) or m.shape[0] < 2:
                continue
            judged += 1
            found = late_in_point(m, **thresholds)
            if found:
                present = _extra(row, "ranks_reported") or list(range(m.shape[0]))
                rank = int(present[found["rank"]])
                stamps = _extra(row, "op_dump_ms", [])
                kernel = _extra(row, "kernel_last_start_counts")
                found.update({"point_id": int(row.point_id), "collective": row.collective,
                              "size_bytes": int(row.size_bytes), "first_ms": min(stamps) if stamps else None,
                              "last_ms": max(stamps) if stamps else None, "host": _extra(row, "rank_hosts", [""])[rank]
                              if rank < len(_extra(row, "rank_hosts", [])) else "",
                              "pid": (_extra(row, "rank_pids", []) + [0] * (rank + 1))[rank],
                              "kernel_started_last": kernel[found["rank"]] / found["ops"] if kernel else None})
                hits.setdefault(rank, []).append(found)
        for rank, found in sorted(hits.items()):
            if judged and len(found) * 2 > judged:
                first = [f["first_ms"] for f in found if f["first_ms"] is not None]
                last = [f["last_ms"] for f in found if f["last_ms"] is not None]
                t0 = (t0_us or {}).get(run_id)
                kernel = [f["kernel_started_last"] for f in found if f["kernel_started_last"] is not None]
                row0 = g.iloc[0]
                verdicts.append({"kind": "late_rank", "hosts": [found[0]["host"] or f"rank {rank}"], "ranks": [rank],
                                 "run_id": run_id, "evidence": {
                    "comm": comm, "comm_name": _extra(row0, "comm_name", ""), "nranks": int(row0["nranks"]),
                    "pid": found[0]["pid"] or None,
                    "points_flagged": len(found), "points_judged": judged,
                    "ops": int(sum(f["ops"] for f in found)),
                    "median_share_shortest": round(float(np.median([f["share"] for f in found])), 3),
                    "median_wait_us": round(float(np.median([f["median_wait_us"] for f in found])), 1),
                    "median_wait_rel": round(float(np.median([f["median_wait_rel"] for f in found])), 3),
                    "kernel_started_last": round(float(np.median(kernel)), 3) if kernel else None,
                    "collectives": sorted({f"{f['collective']} {f['size_bytes']} B" for f in found}),
                    "window": [_when(t0, min(first)), _when(t0, max(last))] if first and last else None}})
    return verdicts


def _when(t0_us: Optional[int], ms: float) -> str:
    if not t0_us:
        return f"+{ms / 1000:.3f} s"
    when = dt.datetime.fromtimestamp((t0_us + ms * 1000) / 1e6, tz=dt.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def usage(ops: pd.DataFrame) -> pd.DataFrame:
    """What each job used: per collective, size and communicator size, the operations, their total time and
    share of the job's communication time, busbw median and 10th percentile (the bad tail)."""
    cols = ["run_id", "collective", "size_bytes", "nranks", "comms", "ops", "time_s", "share_pct", "busbw_median",
            "busbw_p10"]
    if ops.empty:
        return pd.DataFrame(columns=cols)
    g = ops.groupby(["run_id", "collective", "size_bytes", "nranks"], sort=True)
    out = g.agg(comms=("comm_name", "nunique"), ops=("time_us", "size"), time_s=("time_us", "sum"),
                busbw_median=("busbw_gbps", "median"),
                busbw_p10=("busbw_gbps", lambda x: float(np.percentile(x, 10)))).reset_index()
    out["time_s"] = out["time_s"] / 1e6
    out["share_pct"] = 100 * out["time_s"] / out.groupby("run_id")["time_s"].transform("sum")
    return out[cols].sort_values(["run_id", "share_pct"], ascending=[True, False], ignore_index=True)


def timeline(ops: pd.DataFrame, bins: int = BINS) -> pd.DataFrame:
    """busbw over each job's life: per run, collective, size and communicator size, the median busbw of the
    operations in each of `bins` equal time bins."""
    cols = ["run_id", "collective", "size_bytes", "nranks", "t_s", "busbw_gbps", "ops"]
    timed = ops.dropna(subset=["t_s"])
    if timed.empty:
        return pd.DataFrame(columns=cols)
    frames = []
    for run_id, job in timed.groupby("run_id"):
        lo, hi = float(job["t_s"].min()), float(job["t_s"].max())
        width = (hi - lo) / bins if hi > lo else 1.0
        b = np.minimum(((job["t_s"] - lo) / width).astype(int), bins - 1)
        g = job.assign(bin=b).groupby(["collective", "size_bytes", "nranks", "bin"])
        agg = g.agg(busbw_gbps=("busbw_gbps", "median"), ops=("busbw_gbps", "size")).reset_index()
        agg["t_s"] = lo + (agg["bin"] + 0.5) * width
        agg["run_id"] = run_id
        frames.append(agg[cols])
    return pd.concat(frames, ignore_index=True)


def dips(line: pd.DataFrame, ratio: float = DIP_RATIO, min_ops: int = DIP_MIN_OPS) -> pd.DataFrame:
    """Spans where a series' binned busbw fell below `ratio` x its own median, over at least `min_ops`
    operations: start, end, the busbw there and the series' typical busbw."""
    cols = ["run_id", "collective", "size_bytes", "nranks", "start_s", "end_s", "busbw_gbps", "typical_gbps", "ops"]
    out = []
    for key, g in line.groupby(["run_id", "collective", "size_bytes", "nranks"], sort=True):
        g = g.sort_values("t_s")
        typical = float(g["busbw_gbps"].median())
        low = (g["busbw_gbps"] < ratio * typical).to_numpy()
        t, v, n = g["t_s"].to_numpy(), g["busbw_gbps"].to_numpy(), g["ops"].to_numpy()
        width = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
        i = 0
        while i < len(low):
            if not low[i]:
                i += 1
                continue
            j = i
            while j + 1 < len(low) and low[j + 1]:
                j += 1
            if n[i:j + 1].sum() >= min_ops:
                out.append((*key, t[i] - width / 2, t[j] + width / 2, float(np.median(v[i:j + 1])), typical,
                            int(n[i:j + 1].sum())))
            i = j + 1
    return pd.DataFrame(out, columns=cols)


def versus_benchmark(used: pd.DataFrame, enriched: pd.DataFrame) -> pd.DataFrame:
    """Each production (collective, size) against the same collective of a microbenchmark run of the same
    family (the nearest size within 2x, the same node count preferred): % of benchmark and % of peak."""
    out = used.copy()
    for col in ("bench_run", "bench_size_bytes", "bench_nnodes", "bench_busbw_gbps", "pct_of_bench", "peak_busbw_gbps",
                "pct_of_peak", "family"):
        out[col] = None
    if used.empty or enriched.empty:
        return out
    prod_ids = set(used["run_id"])
    timing = enriched["timing"].astype(str) if "timing" in enriched.columns else pd.Series("", index=enriched.index)
    bench = enriched[~enriched["run_id"].isin(prod_ids) & timing.ne(str(TimingMode.PRODUCTION))
                     & enriched["busbw_gbps"].notna() & enriched.get("valid", True)]
    prod = enriched[enriched["run_id"].isin(prod_ids)]
    for i, u in out.iterrows():
        mine = prod[(prod["run_id"] == u["run_id"]) & (prod["collective"] == u["collective"])
                    & (prod["size_bytes"] == u["size_bytes"]) & (prod["nranks"] == u["nranks"])]
        if mine.empty:
            continue
        family, nnodes = mine["family"].iloc[0], mine["nnodes"].iloc[0]
        out.at[i, "family"] = family
        peak = mine["peak_busbw_gbps"].iloc[0]
        if pd.notna(peak) and peak:
            out.at[i, "peak_busbw_gbps"] = float(peak)
            out.at[i, "pct_of_peak"] = 100 * u["busbw_median"] / float(peak)
        cand = bench[(bench["family"] == family) & (bench["collective"] == u["collective"])] if family != "unknown" \
            else bench.iloc[0:0]
        if cand.empty:
            continue
        dist = np.abs(np.log2(cand["size_bytes"].astype(float) / float(u["size_bytes"])))
        cand = cand.assign(dist=dist, other_nodes=(cand["nnodes"] != nnodes).astype(int))
        cand = cand[cand["dist"] <= 1].sort_values(["dist", "other_nodes", "busbw_gbps"], ascending=[True, True, False])
        if cand.empty:
            continue
        b = cand.iloc[0]
        out.at[i, "bench_run"] = b["run_id"]
        out.at[i, "bench_size_bytes"] = int(b["size_bytes"])
        out.at[i, "bench_nnodes"] = int(b["nnodes"]) if pd.notna(b["nnodes"]) else None
        out.at[i, "bench_busbw_gbps"] = float(b["busbw_gbps"])
        out.at[i, "pct_of_bench"] = 100 * u["busbw_median"] / float(b["busbw_gbps"])
    return out
