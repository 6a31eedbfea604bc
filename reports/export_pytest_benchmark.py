"""Runs -> pytest-benchmark JSON (its `--benchmark-json` schema), so `pytest-benchmark compare
--between=median --histogram`, Bencher's python_pytest adapter and github-action-benchmark work.

Samples are per-iteration max-over-ranks times in seconds; `stats` is pytest-benchmark's own Stats.
"""

from __future__ import annotations

import datetime
import platform
from typing import Any

import numpy as np

from fabricbench.benchmarks.model.catalog import family_of
from fabricbench.benchmarks.model.errors import UsageError
from fabricbench.benchmarks.model.load import load_runs
from fabricbench.benchmarks.model.store import find_run_dirs
from fabricbench.benchmarks.model.summary import bandwidth_gbps
from fabricbench.benchmarks.sizes import format_size
from fabricbench.reports.gate.fingerprint import digest, fingerprint


def export(paths: list[str]) -> dict[str, Any]:
    try:
        import pytest_benchmark
        from pytest_benchmark.stats import Stats
    except ImportError:
        raise UsageError("export --format pytest-benchmark needs pytest-benchmark (pip install pytest-benchmark)") \
            from None
    dirs = find_run_dirs(paths)
    if not dirs:
        raise UsageError(f"export: no run directories in {' '.join(paths)}")
    runs = load_runs(dirs)
    metas = runs.records
    benchmarks = []
    if runs.points.empty:
        states = ", ".join(f"{r.run_dir}: {r.status}" for r in runs.runs.itertuples())
        raise UsageError(f"export: no completed points to export in {' '.join(paths)} ({states})")
    pts = runs.points.copy()
    pts["_fp"] = pts["run_id"].map(lambda r: fingerprint(metas[r]))
    pts["_family"] = pts["_fp"].map(lambda f: family_of(f["context"]["instance_type"]) if family_of(
        f["context"]["instance_type"]) != "unknown" else f["context"]["instance_type"])
    pts["_nnodes"] = pts["_fp"].map(lambda f: f["context"]["nnodes"])
    for col in ("redop", "inplace", "timing"):
        if col not in pts.columns:
            pts[col] = None
    keys = ["collective", "backend", "device", "dtype", "redop", "inplace", "timing", "size_bytes", "_family",
            "_nnodes"]
    # One entry per cell: the launches of one cell are pooled (n_launches says how many).
    for _, cell in pts.groupby(keys, sort=False, dropna=False):
        pt = cell.iloc[0].to_dict()
        fp = pt["_fp"]
        group = f"{pt['collective']}/{pt['_family']}/{pt['_nnodes']}n"
        stats = Stats()
        launch_medians = []
        for run_id, point_id in zip(cell["run_id"], cell["point_id"], strict=True):
            times = runs.matrix(run_id, point_id).max(axis=0)
            launch_medians.append(float(np.median(times)))
            for t in times:
                stats.update(float(t) * 1e-6)
        params = {"size_bytes": int(pt["size_bytes"]), "dtype": pt["dtype"], "redop": pt.get("redop"),
                  "inplace": bool(pt.get("inplace")), "backend": pt["backend"], "device": pt["device"],
                  "timing": pt.get("timing"), "nranks": int(pt["nranks"])}
        param = "-".join(str(v) for v in (pt["backend"], pt["device"], pt["dtype"], pt.get("redop"),
                                           "inplace" if pt.get("inplace") else "outofplace",
                                           f"{format_size(int(pt['size_bytes']))}B"))
        median_us = float(np.median(launch_medians))
        algbw = bandwidth_gbps(int(pt["size_bytes"]), median_us)
        benchmarks.append({
            "group": group, "name": f"{pt['collective']}[{param}]",
            "fullname": f"fabricbench::{group}::{pt['collective']}[{param}]",
            "params": params, "param": param,
            "extra_info": {"median_of_launch_medians_us": median_us, "launch_medians_us": launch_medians,
                           "algbw_gbps": algbw, "busbw_gbps": algbw * float(pt.get("busbw_factor") or float("nan")),
                           "n_launches": len(cell), "run_ids": list(cell["run_id"]),
                           "statistic": "max over ranks per iteration",
                           "fingerprint": digest({**fp["context"], **fp["treatment"]})},
            "options": {"disable_gc": False, "timer": pt.get("timer"), "min_rounds": None, "max_time": None,
                        "min_time": None, "warmup": pt.get("warmup")},
            "stats": {**stats.as_dict(), "iterations": int(pt.get("ops_per_sample") or 1), "data": list(stats.data)},
        })
    first = metas[sorted(metas)[0]]
    fp = fingerprint(first)
    return {
        "machine_info": {**_machine(), "fabricbench": {**fp["context"], **fp["treatment"],
                                                        "family": family_of(fp["context"]["instance_type"])}},
        "commit_info": {"id": first.versions.fabricbench, "dirty": False,
                        "project": "fabricbench"},
        "benchmarks": benchmarks, "datetime": now(), "version": pytest_benchmark.__version__,
    }


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def _machine() -> dict[str, Any]:
    return {"node": platform.node(), "processor": platform.processor(), "machine": platform.machine(),
            "python_implementation": platform.python_implementation(), "python_version": platform.python_version(),
            "system": platform.system(), "release": platform.release()}
