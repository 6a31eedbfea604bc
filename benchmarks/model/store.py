"""The files of a run, and the only code that writes or reads them (schema: docs/results-schema.md).

results/<run_id>/
  run.json         the RunRecord; written first with status "incomplete" and rewritten at the end,
                   so a run killed at any moment still says it did not finish
  samples.jsonl    one PointRecord per completed size: every rank's per-iteration times; appended
                   and fsync'd as each size completes, so a crash never loses a completed size
                   (an ingested log's points, which all exist already, in one write and one fsync)
  summary.csv      one summary line appended as each size completes (a convenience copy: readers
                   recompute it from the samples)
  samples.parquet  the columnar form of the samples, written when the run ends and rebuilt by the
                   loader when missing or stale (benchmarks.model.columnar)
"""

from __future__ import annotations

import csv
import json
import operator
import os
import secrets
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Optional

import numpy as np
import orjson

from fabricbench.benchmarks.model.errors import ResultsError, UsageError
from fabricbench.benchmarks.model.point import PointRecord
from fabricbench.benchmarks.model.redact import scrub_obj
from fabricbench.benchmarks.model.run import RunRecord
from fabricbench.benchmarks.model.summary import ALL_COLUMNS, derived
from fabricbench.benchmarks.model.typed import RecordError, from_dict, to_dict

RUN_FILE, SAMPLES_FILE, SUMMARY_FILE = "run.json", "samples.jsonl", "summary.csv"
_JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
_CSV_BLANK, _CSV_CELLS = dict.fromkeys(ALL_COLUMNS, ""), operator.itemgetter(*ALL_COLUMNS)  # summary.csv's columns


def new_run_id(tag: str = "", when: Optional[str] = None) -> str:
    """`<UTC start>-<tag>-<6 hex>`; ``when`` (an ISO-8601 time a log printed) stamps ingested runs with
    their own time instead of the time of ingest."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    digits = "".join(c for c in (when or "") if "0" <= c <= "9")
    if len(digits) >= 14:
        stamp = f"{digits[:8]}T{digits[8:14]}" + ("Z" if (when or "").rstrip().endswith(("Z", "+00:00")) else "")
    safe_tag = "".join(c if c.isalnum() or c in "-_." else "-" for c in tag)[:40]
    return "-".join(p for p in (stamp, safe_tag, secrets.token_hex(3)) if p)


def iso_time(text: str) -> Optional[str]:
    """'2026-11-26 08:45:59' (or ISO with T/Z) -> '2026-11-26T08:45:59' ('Z' kept when printed); None if not a time."""
    digits = "".join(c for c in text if "0" <= c <= "9")
    if len(digits) < 14:
        return None
    d = digits
    return f"{d[:4]}-{d[4:6]}-{d[6:8]}T{d[8:10]}:{d[10:12]}:{d[12:14]}" + ("Z" if text.rstrip().endswith("Z") else "")


def utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def make_run_dir(out_dir: str | Path, run_id: str) -> Path:
    """Create results/<run_id>/, or say in one line why it cannot be."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file, not a directory")
    try:
        path = out / run_id
        path.mkdir(parents=True, exist_ok=False)
    except FileExistsError:
        raise UsageError(f"--out {out}: {run_id} already exists") from None
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot create a results folder there ({exc.strerror})") from None
    return path


class RunWriter:
    """Rank 0's writer. Every string passes the secret scrubber on its way to disk."""

    def __init__(self, out_dir: str | Path, run_id: str, secret_values: list[str]) -> None:
        self.dir = make_run_dir(out_dir, run_id)
        self.secrets = secret_values
        self._samples = open(self.dir / SAMPLES_FILE, "ab")
        # append_points' (fields, matrix, summary): the columnar form is built from them at close
        self._held: Optional[list[tuple[dict[str, Any], np.ndarray, dict[str, Any]]]] = []
        # Held by every write. The interrupt thread takes it for good before it counts the points on disk,
        # so no point lands after that count and no later run.json overwrites the interrupted one.
        self.lock = threading.RLock()

    def write_run(self, record: RunRecord) -> None:
        with self.lock:
            clean = scrub_obj(to_dict(record), self.secrets)
            _atomic_write(self.dir / RUN_FILE, json.dumps(clean, indent=2, default=str) + "\n")

    def _encode(self, record: PointRecord) -> tuple[bytes, tuple[dict[str, Any], np.ndarray, dict[str, Any]]]:
        """(the samples.jsonl line, (its fields as a reader loads them, the time matrix, its derived summary))."""
        matrix = np.ascontiguousarray(record.time_us, dtype=np.float64)
        rec = record.__dict__.copy()  # every field, in declaration order
        del rec["time_us"]
        rec["timing"] = str(record.timing)
        if self.secrets:
            rec = scrub_obj(rec, self.secrets)
        # orjson writes enums as their values, tuples as lists and the numpy matrix directly (10x json's
        # speed); the matrix is the line's last key, so the fields' JSON is the line's start.
        meta = orjson.dumps(rec, option=_JSON_OPTIONS)
        line = b"".join((meta[:-1], b',"time_us":', orjson.dumps(matrix, option=_JSON_OPTIONS), b"}\n"))
        loaded = orjson.loads(meta)  # what every reader sees: the summary is derived from exactly that
        return line, (loaded, matrix, derived(loaded, matrix))

    def append_point(self, record: PointRecord) -> dict[str, Any]:
        """samples.jsonl and summary.csv gain one line each, fsync'd before this returns (a crash never
        loses a completed size); returns the summary row."""
        line, (_, _, row) = self._encode(record)
        with self.lock:
            self._held = None  # a live run: its columnar form is built from the file at the end
            self._samples.write(line)
            self._samples.flush()
            os.fsync(self._samples.fileno())
            self._append_summary([row])
        del row["rank_median_us"]
        row["run_id"] = self.dir.name
        return row

    def append_points(self, records: Iterable[PointRecord]) -> list[dict[str, Any]]:
        """Points that all exist already (a log being ingested): one write and one fsync for all of them,
        and their columnar form built at close from what is held here, not parsed back. Returns the
        summaries (each a summary row, less its run_id, plus its per-rank medians)."""
        encoded = [self._encode(r) for r in records]
        rows = [point[2] for _, point in encoded]
        with self.lock:
            self._samples.write(b"".join(line for line, _ in encoded))
            self._samples.flush()
            os.fsync(self._samples.fileno())
            self._append_summary(rows)
            if self._held is not None:
                self._held.extend(point for _, point in encoded)
        return rows

    def complete_points(self) -> int:
        """Lines of samples.jsonl that are whole (each is written and fsync'd before its count rises)."""
        try:
            data = (self.dir / SAMPLES_FILE).read_bytes()
        except OSError:
            return 0
        return data.count(b"\n")

    def _append_summary(self, rows: list[dict[str, Any]]) -> None:
        path = self.dir / SUMMARY_FILE
        new = not path.exists()
        with open(path, "a", newline="") as f:
            out = csv.writer(f)
            if new:
                out.writerow(ALL_COLUMNS)
            # DictWriter's per-cell Python loop was most of an ingest's time: columns picked in C instead.
            blank = _CSV_BLANK | {"run_id": self.dir.name}
            out.writerows(map(_CSV_CELLS, (blank | row for row in rows)))

    def close(self, columnar: bool = True) -> None:
        """End of the run: close the samples and write their columnar form (best effort)."""
        if not self._samples.closed:
            self._samples.close()
        if columnar:
            from fabricbench.benchmarks.model import columnar as col

            col.write_cache(self.dir, self._held)


# -- reading --------------------------------------------------------------------------------------
def find_run_dirs(paths: Iterable[str | Path]) -> list[Path]:
    """Run directories named directly, or found one level below a results folder."""
    out = []
    for p in map(Path, paths):
        if (p / RUN_FILE).is_file():
            out.append(p)
        elif p.is_dir():
            out.extend(sorted(d for d in p.iterdir() if (d / RUN_FILE).is_file()))
        elif p.exists():
            raise ResultsError(f"{p}: not a run directory (a file; expected a folder with run.json)")
        else:
            raise ResultsError(f"{p}: no such directory")
    return out


def read_run(run_dir: str | Path) -> RunRecord:
    """run.json as a RunRecord; any problem is one ResultsError naming the file and the field."""
    path = Path(run_dir) / RUN_FILE
    if not path.is_file():
        raise ResultsError(f"{path}: not found (is {run_dir} a fabricbench run directory?)")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: invalid JSON ({exc})") from None
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read ({exc.strerror})") from None
    if not isinstance(data, dict) or "run_id" not in data:
        raise ResultsError(f"{path}: field run_id: missing")
    try:
        return from_dict(RunRecord, data)
    except RecordError as exc:
        raise ResultsError(f"{path}: field {exc.path}: {exc.problem}") from None


def read_point_line(raw: bytes | str) -> tuple[dict[str, Any], np.ndarray]:
    """One samples.jsonl line -> (the point's fields, its ranks x iterations matrix)."""
    rec = orjson.loads(raw)
    if not isinstance(rec, dict):
        raise ValueError("not a JSON object")
    matrix = np.asarray(rec.pop("time_us"), dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] == 0:
        raise ValueError("time_us is not a ranks x iterations matrix")
    for key in ("collective", "size_bytes", "nranks"):
        if key not in rec:
            raise KeyError(key)
    return rec, matrix


def iter_points(run_dir: str | Path, problems: list[str]) -> Iterator[tuple[dict[str, Any], np.ndarray]]:
    """Every complete samples.jsonl line; a torn last line is reported, not fatal."""
    path = Path(run_dir) / SAMPLES_FILE
    if not path.is_file():
        problems.append(f"{path}: not found; the run recorded no sizes")
        return
    lines = path.read_bytes().split(b"\n")
    last = max((i for i, raw in enumerate(lines) if raw.strip()), default=-1)
    for n, raw in enumerate(lines):
        if not raw.strip():
            continue
        try:
            yield read_point_line(raw)
        except (orjson.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError) as exc:
            why = "torn last line (the run stopped while writing)" if n == last else f"unreadable ({exc})"
            problems.append(f"{path}: line {n + 1}: {why}; skipped")


def samples_signature(run_dir: str | Path) -> Optional[tuple[int, int]]:
    """(size, mtime_ns) of samples.jsonl: what a cache built from it must match."""
    try:
        st = (Path(run_dir) / SAMPLES_FILE).stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns
