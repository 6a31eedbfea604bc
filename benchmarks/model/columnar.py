"""samples.parquet: the columnar form of samples.jsonl that every reader loads.

samples.jsonl stays the record of a run (appended and fsync'd per size, readable after any
crash); parsing millions of JSON numbers is what made a fleet-sized report slow. The writer
converts it when the run ends; the loader rebuilds it on first load when it is missing or stale.
A cache is trusted only if it names the exact samples.jsonl it was built from (size and mtime)
and this module's format version: anything else is rebuilt, never read.

One row per point: its fields as JSON (small), its summary row as JSON (derived from the times;
cached so a report of 100 M samples reads a thousand small rows, not the samples), its rank and
iteration counts, and every rank's times as one flat list (rank-major): a reader that needs the
times gets all of a run's values as one array, only when it asks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

import numpy as np
import orjson

from fabricbench.benchmarks.model.store import SAMPLES_FILE, iter_points, samples_signature
from fabricbench.benchmarks.model.summary import derived

COLUMNAR_FILE = "samples.parquet"
FORMAT = "3"  # bump when the layout or the summary formulas change: old caches are rebuilt
BATCH_VALUES = 1 << 24  # values per row group: bounds the writer's memory on huge runs


def _schema() -> Any:
    import pyarrow as pa

    return pa.schema([("meta", pa.string()), ("summary", pa.string()), ("ranks", pa.int32()),
                      ("iterations", pa.int32()), ("values", pa.list_(pa.float64()))])


def _strings(items: list[bytes]) -> Any:
    import pyarrow as pa

    offsets = np.zeros(len(items) + 1, dtype=np.int32)
    offsets[1:] = np.cumsum([len(m) for m in items])
    return pa.Array.from_buffers(pa.string(), len(items), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(items))])


def _buffer_array(kind: Any, values: np.ndarray) -> Any:
    """An Arrow array straight from a numpy buffer. (pa.array() would import pandas to check its
    input type; the writer runs on rank 0 of a run, which never imports pandas.)"""
    import pyarrow as pa

    return pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(np.ascontiguousarray(values))])


def _batch(rows: list[tuple[dict[str, Any], np.ndarray, dict[str, Any]]]) -> Any:
    """(fields, matrix, derived summary) a point."""
    import pyarrow as pa

    metas = [orjson.dumps(meta) for meta, _, _ in rows]
    summaries = [orjson.dumps(summary, option=orjson.OPT_SERIALIZE_NUMPY) for _, _, summary in rows]
    sizes = np.array([m.size for _, m, _ in rows], dtype=np.int64)
    offsets = np.zeros(len(rows) + 1, dtype=np.int32)
    offsets[1:] = np.cumsum(sizes)
    flat = np.concatenate([np.asarray(m, dtype=np.float64).ravel() for _, m, _ in rows])
    values = _buffer_array(pa.float64(), flat)
    return pa.record_batch([
        _strings(metas),
        _strings(summaries),
        _buffer_array(pa.int32(), np.array([m.shape[0] for _, m, _ in rows], dtype=np.int32)),
        _buffer_array(pa.int32(), np.array([m.shape[1] for _, m, _ in rows], dtype=np.int32)),
        pa.Array.from_buffers(pa.list_(pa.float64()), len(rows), [None, pa.py_buffer(offsets)], children=[values]),
    ], schema=_schema())


def _discard(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def write_cache(run_dir: str | Path, points: Optional[list[tuple[dict[str, Any], np.ndarray, dict[str, Any]]]] = None
                ) -> Optional[Path]:
    """Build samples.parquet from samples.jsonl; None when it cannot be written (read-only folder).

    ``points``: the file's points (fields as iter_points reads them, matrix, derived summary) where the
    writer still holds them (an ingested log): built from memory instead of parsing the file back."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    run_dir = Path(run_dir)
    signature = samples_signature(run_dir)
    if signature is None:
        return None
    problems: list[str] = []
    target = run_dir / COLUMNAR_FILE
    tmp = run_dir / f".{COLUMNAR_FILE}.tmp"
    meta = {"fabricbench.columnar": FORMAT, "samples_size": str(signature[0]),
            "samples_mtime_ns": str(signature[1])}
    try:
        with pq.ParquetWriter(tmp, _schema(), compression="zstd") as out:
            rows: list[tuple[dict[str, Any], np.ndarray, dict[str, Any]]] = []
            held = 0
            read = ((rec, m, derived(rec, m)) for rec, m in iter_points(run_dir, problems))
            for point in read if points is None else points:
                rows.append(point)
                held += point[1].size
                if held >= BATCH_VALUES:
                    out.write_batch(_batch(rows))
                    rows, held = [], 0
            if rows:
                out.write_batch(_batch(rows))
            out.add_key_value_metadata({**meta, "problems": json.dumps(problems)})
    except (OSError, pa.ArrowException):
        _discard(tmp)
        return None
    if samples_signature(run_dir) != signature:  # the run appended while we read: do not cache
        _discard(tmp)
        return None
    try:
        tmp.replace(target)
    except OSError:
        _discard(tmp)
        return None
    return target


def _fresh(path: Path, run_dir: Path) -> Optional[Any]:
    """The parquet file's metadata if it was built from the current samples.jsonl, else None."""
    import pyarrow.parquet as pq

    try:
        kv = pq.read_metadata(path).metadata or {}
    except (OSError, ValueError):
        return None
    kv = {k.decode(): v.decode() for k, v in kv.items()}
    signature = samples_signature(run_dir)
    if signature is None or kv.get("fabricbench.columnar") != FORMAT:
        return None
    if (kv.get("samples_size"), kv.get("samples_mtime_ns")) != (str(signature[0]), str(signature[1])):
        return None
    return kv


class PointSource:
    """One run's points: their fields and summaries at once, their time matrices when asked for."""

    def __init__(self, run_dir: Path, metas: list[dict[str, Any]], summaries: Optional[list[dict[str, Any]]],
                 matrices: Optional[list[np.ndarray]] = None, signature: Optional[tuple[str, str]] = None) -> None:
        self.run_dir, self.metas, self._summaries, self._matrices = run_dir, metas, summaries, matrices
        self._signature = signature  # the samples.jsonl the cache was built from, when read from one

    @property
    def summaries(self) -> list[dict[str, Any]]:
        if self._summaries is None:
            self._summaries = [derived(m, x) for m, x in zip(self.metas, self.matrices(), strict=True)]
        return self._summaries

    def matrices(self) -> list[np.ndarray]:
        if self._matrices is None:
            import pyarrow.parquet as pq

            kv = _fresh(self.run_dir / COLUMNAR_FILE, self.run_dir)
            if kv is None or (kv["samples_size"], kv["samples_mtime_ns"]) != self._signature:
                # The cache changed or went since its fields were read: take the times from the record.
                pairs = list(iter_points(self.run_dir, []))[: len(self.metas)]
                self._matrices = [x for _, x in pairs]
                return self._matrices

            table = pq.read_table(self.run_dir / COLUMNAR_FILE, columns=["ranks", "iterations", "values"])
            ranks = table.column("ranks").to_numpy()
            iters = table.column("iterations").to_numpy()
            values = table.column("values").combine_chunks()
            flat = values.values.to_numpy(zero_copy_only=False)
            offsets = values.offsets.to_numpy()
            self._matrices = [flat[offsets[i]:offsets[i + 1]].reshape(int(ranks[i]), int(iters[i]))
                              for i in range(len(self.metas))]
        return self._matrices


def open_points(run_dir: str | Path, problems: list[str], rebuild: bool = True) -> PointSource:
    """The run's points, from the columnar cache when it is fresh (rebuilt first when it is not and
    the folder is writable), else parsed from samples.jsonl."""
    import pyarrow.parquet as pq

    run_dir = Path(run_dir)
    path = run_dir / COLUMNAR_FILE
    kv = _fresh(path, run_dir) if path.is_file() else None
    if kv is None and rebuild and (run_dir / SAMPLES_FILE).is_file():
        if write_cache(run_dir) is not None:
            kv = _fresh(path, run_dir)
    if kv is None:
        pairs = list(iter_points(run_dir, problems))
        return PointSource(run_dir, [m for m, _ in pairs], None, [x for _, x in pairs])
    problems.extend(json.loads(kv.get("problems") or "[]"))
    table = pq.read_table(path, columns=["meta", "summary"])
    metas = [orjson.loads(t) for t in table.column("meta").to_pylist()]
    summaries = [orjson.loads(t) for t in table.column("summary").to_pylist()]
    return PointSource(run_dir, metas, summaries, signature=(kv["samples_size"], kv["samples_mtime_ns"]))


def read_points(run_dir: str | Path, problems: list[str], rebuild: bool = True
                ) -> Iterator[tuple[dict[str, Any], np.ndarray]]:
    """(fields, matrix) of every point (see open_points)."""
    source = open_points(run_dir, problems, rebuild)
    yield from zip(source.metas, source.matrices(), strict=True)
