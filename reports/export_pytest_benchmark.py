"""Runs -> pytest-benchmark JSON (its `--benchmark-json` schema), so `pytest-benchmark compare
--between=median --histogram`, Bencher's python_pytest adapter and github-action-benchmark work.

Samples are per-iteration max-over-ranks times in seconds; `stats` is pytest-benchmark's own Stats.
"""

from __future__ import annotations

import datetime
import platform
from typing import Any

from benchmarks.errors import UsageError
from benchmarks.results import find_run_dirs, load_runs, read_run_meta
from benchmarks.sizes import format_size
from reports.catalog import family_of
from reports.gate.fingerprint import digest, fingerprint


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
    metas = {m["run_id"]: m for m in (read_run_meta(d) for d in dirs)}
    benchmarks = []
    samples = runs.samples.groupby(["run_id", "point_id"])["time_us"]
    for pt in runs.points.to_dict("records"):
        meta = metas[pt["run_id"]]
        fp = fingerprint(meta)
        ctx = fp["context"]
        family = family_of(ctx["instance_type"])
        group = f"{pt['collective']}/{family if family != 'unknown' else ctx['instance_type']}/{ctx['nnodes']}n"
        stats = Stats()
        for t in samples.get_group((pt["run_id"], pt["point_id"])).to_numpy():
            stats.update(float(t) * 1e-6)
        params = {"size_bytes": int(pt["size_bytes"]), "dtype": pt["dtype"], "redop": pt.get("redop"),
                  "inplace": bool(pt.get("inplace")), "backend": pt["backend"], "device": pt["device"],
                  "timing": pt.get("timing"), "nranks": int(pt["nranks"])}
        param = "-".join(str(v) for v in (pt["backend"], pt["device"], pt["dtype"], pt.get("redop"),
                                           "inplace" if pt.get("inplace") else "outofplace",
                                           format_size(int(pt["size_bytes"]))))
        row = runs.summary[(runs.summary["run_id"] == pt["run_id"])].iloc[pt["point_id"]]
        benchmarks.append({
            "group": group, "name": f"{pt['collective']}[{param}]",
            "fullname": f"fabricbench/{pt['run_id']}::{pt['collective']}[{param}]",
            "params": params, "param": param,
            "extra_info": {"busbw_gbps": row["busbw_gbps"], "algbw_gbps": row["algbw_gbps"],
                           "ci_low_us": row["time_us_ci_low"], "ci_high_us": row["time_us_ci_high"],
                           "n_launches": 1, "run_id": pt["run_id"], "statistic": "max over ranks per iteration",
                           "fingerprint": digest({**fp["context"], **fp["treatment"]})},
            "options": {"disable_gc": False, "timer": pt.get("timer"), "min_rounds": None, "max_time": None,
                        "min_time": None, "warmup": pt.get("warmup")},
            "stats": {**stats.as_dict(), "data": list(stats.data)},
        })
    first = metas[sorted(metas)[0]]
    fp = fingerprint(first)
    return {
        "machine_info": {**_machine(), "fabricbench": {**fp["context"], **fp["treatment"],
                                                        "family": family_of(fp["context"]["instance_type"])}},
        "commit_info": {"id": (first.get("versions") or {}).get("fabricbench"), "dirty": False,
                        "project": "fabricbench"},
        "benchmarks": benchmarks, "datetime": now(), "version": pytest_benchmark.__version__,
    }


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def _machine() -> dict[str, Any]:
    return {"node": platform.node(), "processor": platform.processor(), "machine": platform.machine(),
            "python_implementation": platform.python_implementation(), "python_version": platform.python_version(),
            "system": platform.system(), "release": platform.release()}
