"""samples.parquet: the columnar form of samples.jsonl that every reader loads.

samples.jsonl stays the record of a run (appended and fsync'd per size, readable after any
crash); parsing millions of JSON numbers is what made a fleet-sized report slow. The writer
converts it when the run ends; the loader rebuilds it on first load when it is missing or stale.
A cache is trusted only if it names the exact samples.jsonl it was built from (size and mtime)
and this module's format version: anything else is rebuilt, never read.

One row per point: its fields as JSON (small), its rank count and iteration count, and every
rank's times as one flat list (rank-major), so a reader gets all values of a run as one array.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

import numpy as np

from fabricbench.benchmarks.model.store import SAMPLES_FILE, iter_points, samples_signature

COLUMNAR_FILE = "samples.parquet"
FORMAT = "1"
BATCH_VALUES = 1 << 24  # values per row group: bounds the writer's memory on huge runs


def _schema() -> Any:
    import pyarrow as pa

    return pa.schema([("meta", pa.string()), ("ranks", pa.int32()), ("iterations", pa.int32()),
                      ("values", pa.list_(pa.float64()))])


def _buffer_array(kind: Any, values: np.ndarray) -> Any:
    """An Arrow array straight from a numpy buffer. (pa.array() would import pandas to check its
    input type; the writer runs on rank 0 of a run, which never imports pandas.)"""
    import pyarrow as pa

    return pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(np.ascontiguousarray(values))])


def _batch(rows: list[tuple[dict[str, Any], np.ndarray]]) -> Any:
    import pyarrow as pa

    metas = [json.dumps(meta, separators=(",", ":")).encode() for meta, _ in rows]
    text_offsets = np.zeros(len(metas) + 1, dtype=np.int32)
    text_offsets[1:] = np.cumsum([len(m) for m in metas])
    sizes = np.array([m.size for _, m in rows], dtype=np.int64)
    offsets = np.zeros(len(rows) + 1, dtype=np.int32)
    offsets[1:] = np.cumsum(sizes)
    flat = np.concatenate([np.asarray(m, dtype=np.float64).ravel() for _, m in rows])
    values = _buffer_array(pa.float64(), flat)
    return pa.record_batch([
        pa.Array.from_buffers(pa.string(), len(metas),
                              [None, pa.py_buffer(text_offsets), pa.py_buffer(b"".join(metas))]),
        _buffer_array(pa.int32(), np.array([m.shape[0] for _, m in rows], dtype=np.int32)),
        _buffer_array(pa.int32(), np.array([m.shape[1] for _, m in rows], dtype=np.int32)),
        pa.Array.from_buffers(pa.list_(pa.float64()), len(rows), [None, pa.py_buffer(offsets)], children=[values]),
    ], schema=_schema())


def _discard(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def write_cache(run_dir: str | Path) -> Optional[Path]:
    """Build samples.parquet from samples.jsonl; None when it cannot be written (read-only folder)."""
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
            rows: list[tuple[dict[str, Any], np.ndarray]] = []
            held = 0
            for rec, matrix in iter_points(run_dir, problems):
                rows.append((rec, matrix))
                held += matrix.size
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


def read_points(run_dir: str | Path, problems: list[str], rebuild: bool = True
                ) -> Iterator[tuple[dict[str, Any], np.ndarray]]:
    """The run's points, from the columnar cache when it is fresh, else from samples.jsonl."""
    import pyarrow.parquet as pq

    run_dir = Path(run_dir)
    path = run_dir / COLUMNAR_FILE
    kv = _fresh(path, run_dir) if path.is_file() else None
    if kv is None and rebuild and (run_dir / SAMPLES_FILE).is_file():
        if write_cache(run_dir) is not None:
            kv = _fresh(path, run_dir)
    if kv is None:
        yield from iter_points(run_dir, problems)
        return
    problems.extend(json.loads(kv.get("problems") or "[]"))
    table = pq.read_table(path)
    metas = table.column("meta").to_pylist()
    ranks = table.column("ranks").to_numpy()
    iters = table.column("iterations").to_numpy()
    values = table.column("values").combine_chunks()
    flat = values.values.to_numpy(zero_copy_only=False)
    offsets = values.offsets.to_numpy()
    for i, text in enumerate(metas):
        matrix = flat[offsets[i]:offsets[i + 1]].reshape(int(ranks[i]), int(iters[i]))
        yield json.loads(text), matrix
