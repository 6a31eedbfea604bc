"""The result files of a run (schema in docs/results-schema.md) and the writer that makes them.

results/<run_id>/
  run.json      metadata; written first with status "incomplete" and rewritten at the end, so a
                run killed at any moment still says it did not finish
  samples.jsonl one line per completed size: every rank's per-iteration times; appended and
                fsync'd as each size completes, so a crash never loses a completed size
  summary.csv   the summary rows, one line appended as each size completes
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from fabricbench.benchmarks.environment import scrub_obj

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = 1
RUN_FILE, SAMPLES_FILE, SUMMARY_FILE = "run.json", "samples.jsonl", "summary.csv"


@dataclass
class PointRecord:
    """One size of one collective configuration, with every rank's sample times."""

    collective: str
    backend: str
    transport: str
    device: str
    dtype: str
    redop: str
    inplace: bool
    root: int
    size_bytes: int
    count: int
    nranks: int
    nnodes: int
    timing: str  # iter | batch | graph
    timer: str  # python | native-c | cuda-events | cuda-graph
    ops_per_sample: int  # operations per timed sample (time_us is already divided by it)
    warmup: int
    stop_reason: str  # fixed | ci_target | time_cap | max_iters
    wrong: Optional[int]  # wrong elements summed over ranks; None = not checked
    time_us: list[list[float]] = field(repr=False)  # [rank][iteration], microseconds per op
    peers: Optional[list[int]] = None
    busbw_factor: float = 0.0
    wall_s: float = 0.0
    source: str = "fabricbench"
    extra: Optional[dict[str, Any]] = None  # source-specific facts (nccl-tests: printed values, line)
    pattern: str = "collective"
    pairs: Optional[list[list[int]]] = None  # concurrent (initiator, responder) rank pairs of a pattern round
    round: Optional[int] = None
    schema: int = SCHEMA_VERSION

    def meta(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("time_us")
        d["iterations"] = len(self.time_us[0]) if self.time_us else 0
        return d


def new_run_id(tag: str = "") -> str:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    safe_tag = "".join(c if c.isalnum() or c in "-_." else "-" for c in tag)[:40]
    return "-".join(p for p in (stamp, safe_tag, secrets.token_hex(3)) if p)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class RunWriter:
    """Rank 0's writer. Every string passes the secret scrubber on its way to disk."""

    def __init__(self, out_dir: str | Path, run_id: str, secret_values: list[str]) -> None:
        self.dir = Path(out_dir) / run_id
        self.dir.mkdir(parents=True, exist_ok=False)
        self.secrets = secret_values
        self._samples = open(self.dir / SAMPLES_FILE, "a")

    def write_run(self, meta: dict[str, Any]) -> None:
        clean = scrub_obj(meta, self.secrets)
        _atomic_write(self.dir / RUN_FILE, json.dumps(clean, indent=2, sort_keys=False, default=str) + "\n")

    def append_point(self, record: PointRecord) -> None:
        line = json.dumps(scrub_obj(asdict(record), self.secrets), separators=(",", ":"))
        self._samples.write(line + "\n")
        self._samples.flush()
        os.fsync(self._samples.fileno())

    def write_summary(self, summary: pd.DataFrame) -> None:
        _atomic_write(self.dir / SUMMARY_FILE, summary.to_csv(index=False))

    def append_summary_row(self, row: dict[str, Any]) -> None:
        """One summary line per completed size (a rewrite per size would be quadratic in long sweeps)."""
        from fabricbench.benchmarks.aggregate import EXTRA_COLUMNS, SUMMARY_COLUMNS

        path = self.dir / SUMMARY_FILE
        new = not path.exists()
        with open(path, "a", newline="") as f:
            out = csv.DictWriter(f, fieldnames=SUMMARY_COLUMNS + EXTRA_COLUMNS, extrasaction="ignore")
            if new:
                out.writeheader()
            out.writerow(row)

    def close(self) -> None:
        self._samples.close()
