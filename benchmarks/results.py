"""Load run directories into tidy pandas DataFrames in one call.

    runs = load_runs(["results/a", "results/b"])
    runs.summary      # one row per size point (the summary.csv contract, recomputed)
    runs.samples      # one row per point x iteration: max/mean over ranks, skew, last rank
    runs.points       # one row per point: its metadata
    runs.runs         # one row per run: run.json flattened

The summary is always recomputed from samples.jsonl, the single source of truth, so a run
that was killed still yields every size it completed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pandas as pd

from fabricbench.benchmarks.aggregate import per_iteration, summary_frame, summary_row
from fabricbench.benchmarks.errors import UsageError
from fabricbench.benchmarks.records import RUN_FILE, SAMPLES_FILE


class ResultsError(UsageError):
    """A run directory that cannot be read; the message names the file and the problem."""


@dataclass
class Runs:
    runs: pd.DataFrame
    points: pd.DataFrame
    samples: pd.DataFrame
    summary: pd.DataFrame
    rank_samples: Optional[pd.DataFrame] = None
    problems: list[str] = field(default_factory=list)


def read_run_meta(run_dir: Path) -> dict[str, Any]:
    path = run_dir / RUN_FILE
    if not path.is_file():
        raise ResultsError(f"{path}: not found (is {run_dir} a fabricbench run directory?)")
    try:
        meta = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: invalid JSON ({exc})") from None
    if not isinstance(meta, dict) or "run_id" not in meta:
        raise ResultsError(f"{path}: missing field run_id")
    return meta


def read_points(run_dir: Path, problems: list[str]) -> list[dict[str, Any]]:
    """Every complete line of samples.jsonl; a torn last line is reported, not fatal."""
    path = run_dir / SAMPLES_FILE
    if not path.is_file():
        problems.append(f"{path}: not found; the run recorded no sizes")
        return []
    points = []
    lines = path.read_bytes().split(b"\n")
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw)
            matrix = np.asarray(rec["time_us"], dtype=np.float64)
            if matrix.ndim != 2 or matrix.shape[1] == 0:
                raise ValueError("time_us is not a ranks x iterations matrix")
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError) as exc:
            last = n == len(lines) or (n == len(lines) - 1 and not lines[-1].strip())
            why = "torn last line (the run stopped while writing)" if last else f"unreadable ({exc})"
            problems.append(f"{path}: line {n}: {why}; skipped")
            continue
        rec["time_us"] = matrix
        points.append(rec)
    return points


STACK_KEYS = ("nccl", "nccl_tests", "cuda", "torch", "mpi_library", "aws_ofi_nccl", "libfabric")


def run_row(meta: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    """One flat row of run.json: what reports and the gate need to group and to warn."""
    versions = meta.get("versions") or {}
    info = meta.get("nccl_info") or {}
    stack = {k: versions.get(k) or info.get(k) for k in STACK_KEYS if versions.get(k) or info.get(k)}
    return {
        "run_id": meta["run_id"], "run_dir": str(run_dir), "source": meta.get("source", "fabricbench"),
        "status": meta.get("status"), "status_reason": meta.get("status_reason") or "",
        "classification": meta.get("classification"), "trusted": meta.get("trusted", True),
        "instance_type": (meta.get("instance") or {}).get("instance_type") or "unknown",
        "nnodes": meta.get("nnodes"), "nranks": meta.get("nranks"),
        "hosts": ", ".join(meta.get("hosts") or {}), "started": meta.get("started") or meta.get("ingested"),
        "ended": meta.get("ended"), "tag": (meta.get("config") or {}).get("tag"),
        "path": info.get("path"), "stack": " ".join(f"{k}={v}" for k, v in sorted(stack.items())) or None,
        "log": (meta.get("log") or {}).get("path"),
    }


def load_run(run_dir: str | Path, with_ranks: bool = False) -> Runs:
    return load_runs([run_dir], with_ranks=with_ranks)


def find_run_dirs(paths: Iterable[str | Path]) -> list[Path]:
    """Run directories named directly, or found one level below a results folder."""
    out = []
    for p in map(Path, paths):
        if (p / RUN_FILE).is_file():
            out.append(p)
        elif p.is_dir():
            out.extend(sorted(d for d in p.iterdir() if (d / RUN_FILE).is_file()))
        else:
            raise ResultsError(f"{p}: no such directory")
    return out


def load_runs(paths: Iterable[str | Path], with_ranks: bool = False, tolerant: bool = False) -> Runs:
    """Load runs. tolerant=True turns an unreadable run into a problem line instead of an error."""
    run_rows, point_rows, sample_frames, rank_frames, summary_rows = [], [], [], [], []
    problems: list[str] = []
    for run_dir in find_run_dirs(paths):
        try:
            meta = read_run_meta(run_dir)
        except ResultsError as exc:
            if not tolerant:
                raise
            problems.append(str(exc))
            continue
        run_id = meta["run_id"]
        run_rows.append(run_row(meta, run_dir))
        for pid, rec in enumerate(read_points(run_dir, problems)):
            matrix = rec.pop("time_us")
            rec.update(run_id=run_id, point_id=pid, rank_median_us=np.median(matrix, axis=1).tolist())
            it = per_iteration(matrix)
            n_it = matrix.shape[1]
            point_rows.append(rec)
            sample_frames.append(pd.DataFrame({"run_id": run_id, "point_id": pid,
                                               "iteration": np.arange(n_it), **it}))
            if with_ranks:
                ranks, iters = np.indices(matrix.shape)
                rank_frames.append(pd.DataFrame({"run_id": run_id, "point_id": pid,
                                                 "rank": ranks.ravel(), "iteration": iters.ravel(),
                                                 "time_us": matrix.ravel()}))
            summary_rows.append(summary_row(rec, it, float(rec.get("busbw_factor", 0.0))))
    return Runs(
        runs=pd.DataFrame(run_rows),
        points=pd.DataFrame(point_rows),
        samples=pd.concat(sample_frames, ignore_index=True) if sample_frames else pd.DataFrame(),
        summary=summary_frame(summary_rows) if summary_rows else summary_frame([]),
        rank_samples=pd.concat(rank_frames, ignore_index=True) if rank_frames else None,
        problems=problems,
    )
