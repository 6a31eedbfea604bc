"""Load run directories into tidy pandas DataFrames in one call.

    runs = load_runs(["results/a", "results/b"])
    runs.runs         # one row per run: run.json flattened (runs.records: the RunRecords)
    runs.points       # one row per point: its fields
    runs.summary      # one row per point: the summary.csv contract, recomputed from the samples
    runs.samples      # one row per point x iteration: max/mean over ranks, skew, last rank (lazy)
    runs.rank_samples # one row per point x rank x iteration (lazy)

Points come from the columnar cache (benchmarks.model.columnar) when it is fresh, else from
samples.jsonl, the single source of truth, so a run that was killed still yields every size it
completed. The per-iteration frames are built only when asked for: a report of 100 M samples
never materialises them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fabricbench.benchmarks.model import columnar
from fabricbench.benchmarks.model.errors import ResultsError
from fabricbench.benchmarks.model.run import RunRecord
from fabricbench.benchmarks.model.store import find_run_dirs, read_run
from fabricbench.benchmarks.model.summary import per_iteration, summary_frame

STACK_KEYS = ("nccl", "nccl_tests", "cuda", "torch", "mpi_library", "aws_ofi_nccl", "libfabric")


@dataclass
class Runs:
    runs: pd.DataFrame
    points: pd.DataFrame
    summary: pd.DataFrame
    records: dict[str, RunRecord] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    sources: list[columnar.PointSource] = field(default_factory=list, repr=False)

    @cached_property
    def matrices(self) -> list[np.ndarray]:
        """Every point's [rank][iteration] times, aligned with ``points`` (read on first use)."""
        return [m for src in self.sources for m in src.matrices()]

    @cached_property
    def samples(self) -> pd.DataFrame:
        """One row per point x iteration: time_us (max over ranks), time_us_mean, skew_us, last_rank."""
        if not self.matrices:
            return pd.DataFrame(columns=["run_id", "point_id", "iteration", "time_us", "time_us_mean", "skew_us",
                                         "last_rank"])
        parts = [per_iteration(m) for m in self.matrices]
        lengths = np.array([m.shape[1] for m in self.matrices])
        return pd.DataFrame({
            "run_id": pd.Categorical(np.repeat(self.points["run_id"].to_numpy(), lengths)),
            "point_id": np.repeat(self.points["point_id"].to_numpy(np.int64), lengths),
            "iteration": np.concatenate([np.arange(n) for n in lengths]),
            **{k: np.concatenate([p[k] for p in parts]) for k in ("time_us", "time_us_mean", "skew_us", "last_rank")},
        })

    @cached_property
    def rank_samples(self) -> pd.DataFrame:
        """One row per point x rank x iteration: every rank's own time."""
        if not self.matrices:
            return pd.DataFrame(columns=["run_id", "point_id", "rank", "iteration", "time_us"])
        frames = []
        for (run_id, pid), m in zip(self.points[["run_id", "point_id"]].itertuples(index=False), self.matrices,
                                    strict=True):
            ranks, iters = np.indices(m.shape)
            frames.append(pd.DataFrame({"run_id": run_id, "point_id": pid, "rank": ranks.ravel(),
                                        "iteration": iters.ravel(), "time_us": m.ravel()}))
        return pd.concat(frames, ignore_index=True)

    def matrix(self, run_id: str, point_id: int) -> np.ndarray:
        idx = self._index[(run_id, int(point_id))]
        return self.matrices[idx]

    @cached_property
    def _index(self) -> dict[tuple[str, int], int]:
        if self.points.empty:
            return {}
        keys = zip(self.points["run_id"], self.points["point_id"].astype(int), strict=True)
        return {k: i for i, k in enumerate(keys)}


def run_row(rec: RunRecord, run_dir: Path) -> dict[str, Any]:
    """One flat row of a run: what reports and the gate need to group and to warn."""
    v, info = rec.versions, rec.nccl_info
    stack = {k: getattr(v, k, None) or getattr(info, k, None) for k in STACK_KEYS}
    stack = {k: (str(x).splitlines()[0] if x else x) for k, x in stack.items() if x}
    return {
        "run_id": rec.run_id, "run_dir": str(run_dir), "source": rec.source,
        "status": str(rec.status), "status_reason": rec.status_reason or "",
        "classification": str(rec.classification) if rec.classification else None, "trusted": rec.trusted,
        "instance_type": rec.instance.instance_type or "unknown", "instance_source": rec.instance.source,
        # a log on an unknown machine: what it says (GPU model, fabric), how reports group it
        "group": rec.inferred.group if rec.inferred else "unknown",
        "nnodes": rec.nnodes, "nranks": rec.nranks,
        "hosts": ", ".join(rec.hosts), "started": rec.started or rec.ingested,
        "ended": rec.ended, "tag": rec.config.get("tag"),
        "path": str(info.path) if info.lines else None,
        "stack": " ".join(f"{k}={x}" for k, x in sorted(stack.items())) or None,
        "log": rec.log.path if rec.log else None,
        "native_timer": None if rec.native_timer is None else rec.native_timer.available,
        "native_timer_reason": rec.native_timer.reason if rec.native_timer else None,
        "oversubscribed": rec.host.oversubscribed,
        "preflight": str(rec.preflight.verdict),
    }


def load_run(run_dir: str | Path) -> Runs:
    return load_runs([run_dir])


def load_runs(paths: Iterable[str | Path], tolerant: bool = False) -> Runs:
    """Load runs. tolerant=True turns an unreadable run into a problem line instead of an error."""
    run_rows, point_rows, summary_rows, sources = [], [], [], []
    records: dict[str, RunRecord] = {}
    problems: list[str] = []
    for run_dir in find_run_dirs(paths):
        try:
            rec = read_run(run_dir)
        except ResultsError as exc:
            if not tolerant:
                raise
            problems.append(str(exc))
            continue
        records[rec.run_id] = rec
        run_rows.append(run_row(rec, run_dir))
        source = columnar.open_points(run_dir, problems)
        sources.append(source)
        for pid, (point, derived) in enumerate(zip(source.metas, source.summaries, strict=True)):
            row = dict(derived)
            medians = row.pop("rank_median_us")
            point_rows.append({**point, "run_id": rec.run_id, "point_id": pid, "rank_median_us": medians})
            row["run_id"] = rec.run_id
            summary_rows.append(row)
    return Runs(
        runs=pd.DataFrame(run_rows),
        points=pd.DataFrame(point_rows),
        summary=summary_frame(summary_rows),
        records=records,
        problems=problems,
        sources=sources,
    )
