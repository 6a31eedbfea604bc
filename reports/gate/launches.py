"""From run directories (one per mpirun launch) to the launch table the gate works on.

One row per launch x cell x size: the log of the median of per-iteration max-over-ranks time,
with log p99 (only with >= 299 iterations), log quartiles for the shape check, and the keys that
group rows into gate units. Baselines store exactly these rows, so the statistics can be rerun.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fabricbench.benchmarks.model.catalog import family_of
from fabricbench.benchmarks.model.load import Runs, load_runs
from fabricbench.benchmarks.model.run import RunRecord
from fabricbench.benchmarks.model.store import find_run_dirs
from fabricbench.benchmarks.sizes import format_size
from fabricbench.reports.gate.fingerprint import fingerprint

KIB, MIB = 1024, 1024 * 1024
BANDS = (("latency", 0, 64 * KIB), ("mid", 64 * KIB + 1, 16 * MIB - 1), ("bandwidth", 16 * MIB, np.inf))
BAND_LABELS = {"latency": "<=64KiB", "mid": "64KiB-16MiB", "bandwidth": ">=16MiB"}
CELL_KEYS = ["collective", "backend", "transport", "device", "dtype", "redop", "inplace", "timing", "pattern"]
UNIT_KEYS = [*CELL_KEYS, "family", "nnodes", "ranks_per_node", "band"]
TAIL_MIN_ITERATIONS = 299

COLUMNS = [*UNIT_KEYS, "instance_type", "size_bytes", "run_id", "iterations", "log_median", "log_p99",
           "log_q25", "log_q75", "wrong", "started"]


def band_of(size_bytes: np.ndarray | pd.Series) -> np.ndarray:
    s = np.asarray(size_bytes, dtype=float)
    return np.select([s <= BANDS[0][2], s < BANDS[2][1]], ["latency", "mid"], "bandwidth")


def unit_name(row: dict[str, Any] | pd.Series) -> str:
    """Short, stable and unique among a run's units: used in JUnit names and to seed the bootstrap."""
    parts = [str(row["collective"]), f"{row['backend']}/{row['device']}", str(row["dtype"])]
    if row.get("redop") not in (None, "none"):
        parts.append(str(row["redop"]))
    if bool(row.get("inplace")):
        parts.append("inplace")
    if row.get("timing") not in (None, "iter"):
        parts.append(str(row["timing"]))
    if row.get("pattern") not in (None, "", "collective"):
        parts.append(str(row["pattern"]))
    parts.append(f"{row['family']} {int(row['nnodes'])}x{int(row['ranks_per_node'])}")
    parts.append(BAND_LABELS[str(row["band"])])
    return " ".join(parts)


def size_label(size_bytes: int) -> str:
    return format_size(int(size_bytes))


def point_stats(runs: Runs) -> pd.DataFrame:
    """Per point: log quartiles, log median and log p99 of the per-iteration max-over-ranks time."""
    rows = []
    for (run_id, pid), m in zip(runs.points[["run_id", "point_id"]].itertuples(index=False), runs.matrices,
                                strict=True):
        log_t = np.log(np.maximum(m.max(axis=0), 1e-9))
        q25, q50, q75, q99 = np.quantile(log_t, [0.25, 0.5, 0.75, 0.99])
        rows.append((run_id, pid, q25, q50, q75, q99 if log_t.size >= TAIL_MIN_ITERATIONS else np.nan, log_t.size))
    return pd.DataFrame(rows, columns=["run_id", "point_id", "log_q25", "log_median", "log_q75", "log_p99",
                                       "iterations"])


def launch_table(runs: Runs, metas: dict[str, RunRecord]) -> pd.DataFrame:
    """Pure: loaded runs (+ their records) -> launch table rows."""
    if not runs.matrices:
        return pd.DataFrame(columns=COLUMNS)
    stats = point_stats(runs)
    pts = runs.points.copy()
    if "pattern" not in pts.columns:
        pts["pattern"] = "collective"
    pts["pattern"] = pts["pattern"].fillna("collective")
    df = pts.merge(stats, on=["run_id", "point_id"], how="inner")
    ctx = {rid: fingerprint(m)["context"] for rid, m in metas.items()}
    df["instance_type"] = df["run_id"].map(lambda r: ctx[r]["instance_type"])
    df["family"] = df["instance_type"].map(lambda t: family_of(t) if family_of(t) != "unknown" else t)
    df["ranks_per_node"] = df["run_id"].map(lambda r: ctx[r]["ranks_per_node"] or 0)
    df["nnodes"] = df["run_id"].map(lambda r: ctx[r]["nnodes"] or 0)
    df["band"] = band_of(df["size_bytes"])
    df["started"] = df["run_id"].map(lambda r: metas[r].started)
    for col in CELL_KEYS:
        if col not in df.columns:
            df[col] = None
    df["redop"] = df["redop"].fillna("none")
    df["inplace"] = df["inplace"].fillna(False).astype(bool)
    return df[COLUMNS].reset_index(drop=True)


def read_launches(paths: list[str | Path]) -> tuple[pd.DataFrame, dict[str, RunRecord], list[str]]:
    """I/O edge: run directories -> (launch table, RunRecord by run id, problems)."""
    runs = load_runs(find_run_dirs(paths))
    return launch_table(runs, runs.records), runs.records, runs.problems
