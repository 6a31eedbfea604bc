"""NCCL Inspector dumps (a production job's own collectives) -> one run per job (docs/inspector.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from fabricbench.benchmarks.model.run import RunRecord


def is_dump(path: str | Path) -> bool:
    """A directory holding Inspector files (JSON or Prometheus mode), or one Inspector JSON file."""
    from fabricbench.benchmarks.inspector import prom, read

    p = Path(path)
    if p.is_dir():
        return any(read.looks_like(read.head(f)) for f in read.files(p)) or bool(prom.files(p))
    if p.is_file() and p.name.endswith(read.SUFFIXES):
        return read.looks_like(read.head(p))
    return prom.looks_like(p)


def ingest(path: str | Path, out_dir: str, instance_type: Optional[str] = None, tag: str = "") -> tuple[str, RunRecord]:
    """Read a dump and write it as one run: (run directory, its record). JSON mode where there is any, else
    the Prometheus textfiles."""
    from fabricbench.benchmarks.inspector import convert, prom, read

    p = Path(path)
    if p.is_dir() and not read.inspector_files(p) or prom.looks_like(p):
        return prom.write_snapshot(prom.read_snapshot(p), str(p), out_dir, instance_type, tag)
    return convert.write_job(read.read_job(p), str(p), out_dir, instance_type, tag)
