"""From per-rank, per-iteration times to the summary row. Pure functions, no I/O.

The iteration time is the max over ranks (what an application waits for); the mean over
ranks and the skew (max - min) are kept beside it. Bandwidth comes from the median time and is
never averaged (Hoefler & Belli R3). Formulas: docs/formulas.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from fabricbench.benchmarks.model.stats import median_ci_ranks

if TYPE_CHECKING:  # pandas is for the loader; the ranks of a run never import it (start-up cost)
    import pandas as pd

SUMMARY_COLUMNS = [
    "collective", "backend", "device", "dtype", "redop", "inplace", "size_bytes", "count",
    "nranks", "nnodes", "iterations", "stop_reason", "time_us_median", "time_us_p99",
    "time_us_ci_low", "time_us_ci_high", "time_us_min", "time_us_max", "algbw_gbps",
    "busbw_gbps", "wrong",
]
EXTRA_COLUMNS = [
    "trusted", "root", "transport", "timing", "timer", "ops_per_sample", "busbw_factor", "time_us_mean_ranks",
    "skew_us_median", "slowest_rank", "slowest_rank_share", "ci_method", "valid", "source", "run_id",
    "pattern", "algo", "proto", "nchannels", "statistic", "comm_name",
]
# Optional columns a source prints per row (rccl-tests: algo proto nchannels; OSU/IMB: which statistic
# the time is); empty where the source has none.
ROW_FACTS = ("algo", "proto", "nchannels", "statistic", "comm_name")  # comm_name: a production job's communicator
ALL_COLUMNS = SUMMARY_COLUMNS + EXTRA_COLUMNS
FLOAT_COLUMNS = ["time_us_median", "time_us_p99", "time_us_ci_low", "time_us_ci_high", "time_us_min", "time_us_max",
                 "algbw_gbps", "busbw_gbps", "busbw_factor", "time_us_mean_ranks", "skew_us_median",
                 "slowest_rank_share", "wrong"]


def per_iteration(rank_times_us: np.ndarray) -> dict[str, np.ndarray]:
    """(ranks x iterations) -> per-iteration max, mean, skew and the last rank to finish."""
    t = np.asarray(rank_times_us, dtype=np.float64)
    if t.ndim != 2 or t.shape[1] == 0:
        raise ValueError("rank times must be a non-empty ranks x iterations matrix")
    if t.shape[0] == 1:  # one rank (an ingested log's row): the same arrays without the reductions' overhead
        return {"time_us": t[0], "time_us_mean": t[0], "skew_us": np.zeros(t.shape[1]),
                "last_rank": np.zeros(t.shape[1], dtype=np.int64)}
    last = t.argmax(axis=0)
    mx = np.take_along_axis(t, last[None, :], axis=0)[0]
    return {
        "time_us": mx,
        "time_us_mean": t.mean(axis=0),
        "skew_us": mx - t.min(axis=0),
        "last_rank": last,
    }


def bandwidth_gbps(size_bytes: int, time_us: float) -> float:
    """algbw in GB/s (1e9 bytes/s) from a time in microseconds: size / time. NaN for a time that is not
    positive, not finite, or so small (a denormal) that it is 0 in seconds: no number, not a crash."""
    seconds = time_us * 1e-6
    if not seconds > 0 or not np.isfinite(time_us):
        return float("nan")
    return size_bytes / seconds / 1e9


def time_stats(times_us: np.ndarray) -> dict[str, float]:
    """Median, nearest-rank p99, order-statistic 95 % CI of the median, min, max (one sort).

    One sample (an nccl-tests row: already a mean over its iterations) has no CI: NaN, not [t, t].
    """
    if len(times_us) == 1:  # an ingested row: every statistic is the one value (a sort costs 50x more)
        v = float(times_us[0])
        return {"time_us_median": v, "time_us_p99": v, "time_us_ci_low": float("nan"),
                "time_us_ci_high": float("nan"), "time_us_min": v, "time_us_max": v}
    t = np.sort(np.asarray(times_us, dtype=np.float64))
    n = t.size
    median = float(t[n // 2]) if n % 2 else float(0.5 * (t[n // 2 - 1] + t[n // 2]))
    if n > 1:
        lo, hi = median_ci_ranks(n)
        ci = (float(t[lo]), float(t[hi]))
    else:
        ci = (float("nan"), float("nan"))
    return {
        "time_us_median": median,
        "time_us_p99": float(t[max(math.ceil(0.99 * n) - 1, 0)]),  # inverted-CDF (nearest rank)
        "time_us_ci_low": ci[0],
        "time_us_ci_high": ci[1],
        "time_us_min": float(t[0]),
        "time_us_max": float(t[-1]),
    }


def median(values: np.ndarray) -> float:
    """np.median, without its overhead (~20 us) for the one value of an ingested row."""
    return float(values[0]) if len(values) == 1 else float(np.median(values))


def summary_row(meta: Mapping[str, Any], it: Mapping[str, np.ndarray], busbw_factor: float) -> dict:
    """One summary row from a point's metadata and its per-iteration arrays."""
    last = np.asarray(it["last_rank"])
    if last.size == 1:
        slowest, share = int(last[0]), 1.0
    else:
        counts = np.bincount(last.astype(np.int64)) if last.size else np.zeros(1, dtype=np.int64)
        slowest, share = int(counts.argmax()), float(counts.max() / max(last.size, 1))
    return _row(meta, time_stats(it["time_us"]), busbw_factor, iterations=int(len(it["time_us"])),
                time_us_mean_ranks=median(it["time_us_mean"]), skew_us_median=median(it["skew_us"]),
                slowest_rank=slowest, slowest_rank_share=share)


def _row(meta: Mapping[str, Any], stats: dict[str, float], busbw_factor: float, **facts: Any) -> dict:
    # Bandwidth is size over latency; nccl-tests -C prints CPU launch time instead, not a latency.
    latency = meta.get("timing") != "cputime"
    algbw = bandwidth_gbps(int(meta["size_bytes"]), stats["time_us_median"]) if latency else float("nan")
    wrong = meta.get("wrong")
    trusted = bool(meta.get("trusted", True))
    row = {k: meta[k] for k in SUMMARY_COLUMNS if k in meta}
    row.update(stats)
    row.update(facts)
    row.update(
        algbw_gbps=algbw,
        busbw_gbps=algbw * busbw_factor,
        busbw_factor=busbw_factor,
        ci_method="order-statistics",
        # A row of a log whose numbers contradict themselves is kept for the record, never a result.
        trusted=trusted,
        valid=wrong is not None and int(wrong) == 0 and trusted,
    )
    for key in EXTRA_COLUMNS:
        if key not in row and key in meta:
            row[key] = meta[key]
    extra = meta.get("extra") or {}
    for key in ROW_FACTS:
        if extra.get(key) is not None:
            row[key] = extra[key]
    return row


def derived(meta: Mapping[str, Any], matrix: np.ndarray) -> dict[str, Any]:
    """What a loader needs of a point besides its fields: its summary row and per-rank medians.
    ``meta`` as a reader loads it (a busbw factor of null: unknown)."""
    factor = meta.get("busbw_factor", 0.0)
    factor = float("nan") if factor is None else float(factor)
    if matrix.size == 1:  # one rank, one number (an ingested row): summary_row's statistics of it, without numpy
        v = float(matrix[0, 0])
        row = _row(meta, time_stats([v]), factor, iterations=1, time_us_mean_ranks=v, skew_us_median=0.0,
                   slowest_rank=0, slowest_rank_share=1.0)
        row["rank_median_us"] = [v]
        return row
    row = summary_row(meta, per_iteration(matrix), factor)
    row["rank_median_us"] = matrix[:, 0].tolist() if matrix.shape[1] == 1 else np.median(matrix, axis=1).tolist()
    return row


def summary_frame(rows: list[dict]) -> pd.DataFrame:
    """Rows -> DataFrame with the contract columns first, extras after."""
    import pandas as pd

    df = pd.DataFrame(rows)
    for col in FLOAT_COLUMNS:  # NaN travels through JSON caches as null: numbers stay numbers
        if col in df.columns:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    cols = [c for c in SUMMARY_COLUMNS + EXTRA_COLUMNS if c in df.columns]
    rest = [c for c in df.columns if c not in cols]
    return df.reindex(columns=SUMMARY_COLUMNS + [c for c in cols if c not in SUMMARY_COLUMNS] + rest)
