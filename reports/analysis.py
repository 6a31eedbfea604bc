"""Pure analysis over loaded results: DataFrames in, DataFrames out, no I/O.

- enrich: join run metadata (instance type, family, cloud, nodes) into the summary and add the
  theoretical peak and % of peak (docs/peaks.md);
- headline: per family, run and collective, the large-message busbw and small-message latency;
- compare_runs: each run against a reference run, time ratio per size with a conservative CI;
- warnings: what a reader must know before trusting a curve.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from fabricbench.benchmarks.model.catalog import cloud_of, family_of, load_catalog
from fabricbench.reports.peaks import peak_busbw

KEY = ["run_id", "collective", "backend", "device", "dtype", "redop", "inplace"]


def enrich(summary: pd.DataFrame, runs: pd.DataFrame, catalog: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    """Summary rows + instance_type, family, cloud, peak_busbw_gbps, peak_basis, pct_of_peak."""
    cat = load_catalog() if catalog is None else catalog
    if summary.empty:
        out = summary.copy()
        for col in ("instance_type", "family", "cloud", "peak_basis"):
            out[col] = pd.Series(dtype=object)
        for col in ("peak_busbw_gbps", "pct_of_peak"):
            out[col] = pd.Series(dtype=float)
        return out
    cols = ["run_id", "instance_type"] + (["group"] if "group" in runs.columns else [])
    meta = runs[cols].drop_duplicates("run_id")
    df = summary.drop(columns=[c for c in ("instance_type",) if c in summary.columns]).merge(meta, on="run_id",
                                                                                             how="left")
    df["instance_type"] = df["instance_type"].fillna("unknown")
    df = _derive_nodes(df, cat)
    types = df["instance_type"].unique()
    df["family"] = df["instance_type"].map({t: family_of(t) for t in types})
    if "group" in df.columns:  # an unknown family: the GPU model and fabric the log itself shows, when it shows any
        unknown = df["family"].eq("unknown") & df["group"].notna() & df["group"].ne("unknown")
        df.loc[unknown, "family"] = df.loc[unknown, "group"]
        df = df.drop(columns=["group"])
    df["cloud"] = df["instance_type"].map({t: cloud_of(t) for t in types})
    keys = df[["instance_type", "nnodes", "collective", "nranks"]].drop_duplicates()
    peaks = {(t, n, c, r): peak_busbw(t, int(n) if pd.notna(n) else None, c, cat, int(r) if pd.notna(r) else None)
             for t, n, c, r in keys.itertuples(index=False)}
    triples = list(zip(df["instance_type"], df["nnodes"], df["collective"], df["nranks"], strict=True))
    df["peak_busbw_gbps"] = [peaks[k].gbps for k in triples]
    df["peak_basis"] = [peaks[k].basis for k in triples]
    df["peak_busbw_gbps"] = df["peak_busbw_gbps"].astype(float)
    df["pct_of_peak"] = 100.0 * df["busbw_gbps"] / df["peak_busbw_gbps"]
    return df


def families(enriched: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """The report's index: per family, its instance types, run count and first/last run date."""
    if runs.empty:
        return pd.DataFrame(columns=["family", "runs", "types", "first", "last"])
    fam = enriched.drop_duplicates("run_id").set_index("run_id")["family"] if not enriched.empty else pd.Series()
    r = runs.assign(family=runs["run_id"].map(fam).fillna("unknown"))
    return (r.groupby("family")
            .agg(runs=("run_id", "count"), types=("instance_type", lambda s: ", ".join(sorted(set(map(str, s))))),
                 first=("started", "min"), last=("started", "max"))
            .reset_index())


def _derive_nodes(df: pd.DataFrame, cat: pd.DataFrame) -> pd.DataFrame:
    """Where a log gave no host list, nodes = ceil(ranks / accelerators per instance), marked derived."""
    gpus = df["instance_type"].map(lambda t: cat.loc[t, "accelerator_count"] if t in cat.index else np.nan)
    missing = (df["nnodes"].isna() | (df["nnodes"] <= 0)) & gpus.notna() & (df["nranks"] > 0)
    df = df.copy()
    df["nnodes_derived"] = missing
    df.loc[missing, "nnodes"] = np.ceil(df.loc[missing, "nranks"] / gpus[missing])
    return df


LARGE_MESSAGE = 1 << 20  # a headline's "large-message" busbw needs a size at least this large
SMALL_MESSAGE = 64 << 10  # and its "small-message" latency one at most this small


def _valid(df: pd.DataFrame) -> pd.DataFrame:
    """Points that are results: data checked and correct (or a log's unchecked N/A), from a trusted source."""
    ok = df["valid"].fillna(False).astype(bool) if "valid" in df.columns else pd.Series(True, index=df.index)
    if "wrong" in df.columns:
        ok |= df["wrong"].isna()
    if "trusted" in df.columns:
        ok &= df["trusted"].fillna(True).astype(bool)
    return df[ok]


def headline(enriched: pd.DataFrame) -> pd.DataFrame:
    """Per (family, run, collective, backend): busbw at the largest size (when it is a large message) and
    latency at the smallest (when it is a small one), valid points only. A series cut short (an
    interrupted run) has no large-message number rather than its last tiny size passed off as one."""
    rows = []
    df = _valid(enriched)
    df = df[df["size_bytes"] > 0]
    nan = float("nan")
    for key, g in df.groupby(["family", "run_id", "collective", "backend", "inplace"], sort=True, dropna=False):
        big = g.loc[g["size_bytes"].idxmax()]
        small = g.loc[g["size_bytes"].idxmin()]
        large_ok = big["size_bytes"] >= LARGE_MESSAGE
        small_ok = small["size_bytes"] <= SMALL_MESSAGE
        rows.append({
            "family": key[0], "run_id": key[1], "collective": key[2], "backend": key[3], "inplace": key[4],
            "nnodes": big["nnodes"], "nranks": big["nranks"],
            "large_size_bytes": int(big["size_bytes"]) if large_ok else None,
            "busbw_gbps": big["busbw_gbps"] if large_ok else nan,
            "pct_of_peak": big["pct_of_peak"] if large_ok else nan, "peak_busbw_gbps": big["peak_busbw_gbps"],
            "small_size_bytes": int(small["size_bytes"]) if small_ok else None,
            "latency_us": small["time_us_median"] if small_ok else nan,
            "latency_ci_low": small["time_us_ci_low"] if small_ok else nan,
            "latency_ci_high": small["time_us_ci_high"] if small_ok else nan,
        })
    return pd.DataFrame(rows)


def headline_groups(head: pd.DataFrame) -> pd.DataFrame:
    """The headline of many runs, readable: one row per (family, collective, backend, nodes) with the
    run count, the best run and the spread of the large-message busbw, and the best latency."""
    cols = ["family", "collective", "backend", "nnodes", "runs", "best_run", "busbw_best", "busbw_median",
            "busbw_min", "latency_best_us", "latency_median_us"]
    if head.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for (fam, coll, backend, nodes), g in head.groupby(["family", "collective", "backend", "nnodes"], sort=True,
                                                        dropna=False):
        bw = g["busbw_gbps"].dropna()
        rows.append({"family": fam, "collective": coll, "backend": backend, "nnodes": nodes,
                     "runs": int(g["run_id"].nunique()),
                     "best_run": g.loc[bw.idxmax(), "run_id"] if not bw.empty else None,
                     "busbw_best": bw.max() if not bw.empty else float("nan"),
                     "busbw_median": bw.median() if not bw.empty else float("nan"),
                     "busbw_min": bw.min() if not bw.empty else float("nan"),
                     "latency_best_us": g["latency_us"].min(), "latency_median_us": g["latency_us"].median()})
    return pd.DataFrame(rows, columns=cols)


def compare_runs(enriched: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Time ratio (other / reference) per matching point, with a conservative interval.

    The interval [lo_other / hi_ref, hi_other / lo_ref] contains the ratio of the true medians
    whenever both medians lie in their 95 % CIs (so its coverage is at least ~90 %); NaN where a
    side has no CI (a single nccl-tests sample).
    """
    match = ["collective", "backend", "dtype", "redop", "inplace", "size_bytes", "nranks"]
    cols = match + ["time_us_median", "time_us_ci_low", "time_us_ci_high", "busbw_gbps"]
    ref = enriched[enriched["run_id"] == reference][cols]
    other = enriched[enriched["run_id"] != reference][cols + ["run_id"]]
    if ref.empty or other.empty:
        return pd.DataFrame(columns=match + ["run_id", "ratio", "ratio_ci_low", "ratio_ci_high", "busbw_ratio"])
    m = other.merge(ref, on=match, suffixes=("", "_ref"))
    m["ratio"] = m["time_us_median"] / m["time_us_median_ref"]
    m["ratio_ci_low"] = m["time_us_ci_low"] / m["time_us_ci_high_ref"]
    m["ratio_ci_high"] = m["time_us_ci_high"] / m["time_us_ci_low_ref"]
    m["busbw_ratio"] = m["busbw_gbps"] / m["busbw_gbps_ref"]
    m["reference"] = reference
    return m[match + ["run_id", "reference", "ratio", "ratio_ci_low", "ratio_ci_high", "busbw_ratio"]]


def warnings(enriched: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per thing that matters before trusting a number: (family, run_id, severity, message)."""
    out = []
    fam = enriched.drop_duplicates("run_id").set_index("run_id")["family"].to_dict() if not enriched.empty else {}
    for r in runs.itertuples():
        family = fam.get(r.run_id, "unknown")
        if getattr(r, "path", None) == "socket":
            out.append((family, r.run_id, "error", "NCCL used NET/Socket: TCP fallback, the fast fabric was not used"))
        if getattr(r, "trusted", True) is False:
            out.append((family, r.run_id, "error", f"log is inconsistent and not trusted: {r.status_reason}"))
        if getattr(r, "oversubscribed", None) is True:
            out.append((family, r.run_id, "error", "oversubscribed: more ranks than cores on a host; ranks that "
                        "busy-poll shared cores, so every time is inflated"))
        if getattr(r, "native_timer", None) is False:
            out.append((family, r.run_id, "warning", "python timer: small-message times include ~0.7 us of "
                        "interpreter time per call; the native MPI loop was not built "
                        f"({getattr(r, 'native_timer_reason', '') or 'no reason recorded'})"))
        if r.status not in ("ok", None) and getattr(r, "classification", None) != "inconsistent":
            out.append((family, r.run_id, "warning", f"run status {r.status}: {r.status_reason or ''}".strip()))
    if not enriched.empty:
        bad = enriched[enriched["wrong"].fillna(0) > 0]
        for (run_id, coll), g in bad.groupby(["run_id", "collective"]):
            out.append((fam.get(run_id, "unknown"), run_id, "error",
                        f"{coll}: wrong data at {len(g)} size(s); those points are not valid results"))
        capped = enriched[enriched["stop_reason"] == "time_cap"]
        for (run_id, coll), g in capped.groupby(["run_id", "collective"]):
            out.append((fam.get(run_id, "unknown"), run_id, "info",
                        f"{coll}: {len(g)} size(s) stopped at the time cap before the CI target"))
        over = enriched[enriched["pct_of_peak"] > 100]
        for (run_id, coll), g in over.groupby(["run_id", "collective"]):
            out.append((fam.get(run_id, "unknown"), run_id, "info",
                        f"{coll}: busbw above the flat model's peak at {len(g)} size(s) (up to "
                        f"{g['pct_of_peak'].max():.0f} %): NVLS/SHARP/tree can do that, see docs/peaks.md"))
    out += mixed_stacks(runs, fam)
    return pd.DataFrame(out, columns=["family", "run_id", "severity", "message"])


def mixed_stacks(runs: pd.DataFrame, family_by_run: dict) -> list[tuple]:
    """Runs of one family whose software stacks differ are not one population."""
    out = []
    if runs.empty or "stack" not in runs.columns:
        return out
    r = runs.assign(family=runs["run_id"].map(family_by_run).fillna("unknown"))
    for family, g in r.groupby("family"):
        stacks = g["stack"].dropna().unique()
        if len(stacks) > 1:
            out.append((family, "", "warning", f"{len(stacks)} different software stacks in this family: "
                        + " | ".join(sorted(map(str, stacks)))))
    return out


def busbw_band(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """busbw at the CI's time bounds: (low, high) GB/s (a longer time is a lower bandwidth)."""
    factor = df["busbw_gbps"] / df["algbw_gbps"]
    lo = df["size_bytes"] / (df["time_us_ci_high"] * 1e-6) / 1e9 * factor
    hi = df["size_bytes"] / (df["time_us_ci_low"] * 1e-6) / 1e9 * factor
    return lo.to_numpy(), hi.to_numpy()
