"""NCCL Inspector JSON logs (format v4.x; docs/inspector.md) -> the operations of one job.

A dump directory holds one file per process (`<host>-pid<pid>.log`, or .jsonl, optionally .gz),
one JSON object per line, appended for the life of the job. Lines are streamed, never whole files
in memory, and each record costs 24-32 bytes once read (typed arrays, not dicts): a 2 GB dump of
64 ranks fits well inside 2 GB. Records are grouped by (communicator, operation, size, timing
source) and kept per rank in file order; convert.py joins the ranks of one operation by its
sequence number. A line that cannot be read (the torn last line of a killed process) is counted
with its file and line number, never fatal; an unknown format version is.
"""

from __future__ import annotations

import gzip
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import orjson

from fabricbench.benchmarks.model.errors import UsageError

SUPPORTED_MAJOR = 4
SUFFIXES = (".log", ".jsonl", ".log.gz", ".jsonl.gz")
KINDS = (("coll_perf", "coll"), ("p2p_perf", "p2p"))
MAX_LISTED = 20


@dataclass
class RankOps:
    """One rank's operations of one series, in the order its process wrote them."""

    host: str
    pid: int
    sn: array = field(default_factory=lambda: array("q"))
    time_us: array = field(default_factory=lambda: array("d"))
    dump_us: array = field(default_factory=lambda: array("q"))
    peer: array = field(default_factory=lambda: array("l"))  # p2p only
    kernel_start_us: array = field(default_factory=lambda: array("q"))  # verbose mode only: first channel start


@dataclass
class Series:
    """One (communicator, operation, size, timing source) of a job."""

    comm: str
    comm_name: str
    kind: str  # coll_perf or p2p_perf
    op: str  # NCCL's name: AllReduce, AllGather ... Send, Recv
    size_bytes: int
    timing_source: str
    n_ranks: int
    nnodes: int
    ranks: dict[int, RankOps] = field(default_factory=dict)
    nccl_ratio: Optional[float] = None  # NCCL's own busbw/algbw, as printed


@dataclass
class Job:
    series: dict[tuple, Series] = field(default_factory=dict)
    files: int = 0
    lines: int = 0
    bytes: int = 0
    unread: int = 0
    unread_examples: list[str] = field(default_factory=list)  # 'file:line: why'
    version: str = ""
    git_revs: set[str] = field(default_factory=set)
    skipped_files: list[str] = field(default_factory=list)  # under the dump, not Inspector logs by their first line

    def procs(self) -> dict[tuple[str, int], tuple[str, int]]:
        """(communicator, rank) -> (host, pid)."""
        return {(s.comm, r): (o.host, o.pid) for s in self.series.values() for r, o in s.ranks.items()}


def files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise UsageError(f"{root}: no such file or directory")
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES))


def looks_like(head: bytes) -> bool:
    """Is this the start of an Inspector JSON log (a header, metadata and a perf object on line one)?"""
    first = head.lstrip()[:4096].split(b"\n", 1)[0]
    return first.startswith(b"{") and b'"header"' in first and b'"inspector_output_format_version"' in first


def head(path: Path, n: int = 4096) -> bytes:
    try:
        with (gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")) as f:
            return f.read(n)
    except (OSError, EOFError):
        return b""


def inspector_files(root: Path) -> list[Path]:
    """The files under root that are Inspector JSON logs (other .log files beside them are not)."""
    return [p for p in files(root) if looks_like(head(p))]


def _lines(path: Path) -> Iterator[bytes]:
    opener: Any = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as raw:
        yield from raw


def read_job(root: Path) -> Job:
    """Every operation of the Inspector files under root (a directory, searched recursively, or one file)."""
    job = Job()
    found = inspector_files(root)
    job.skipped_files = sorted(str(p.relative_to(root)) for p in set(files(root)) - set(found)) if root.is_dir() else []
    if not found:
        raise UsageError(f"{root}: no NCCL Inspector JSON logs ({', '.join(SUFFIXES)} files whose first line "
                         "has header, metadata and inspector_output_format_version)")
    for path in found:
        job.files += 1
        _read_file(job, path)
    return job


def _read_file(job: Job, path: Path) -> None:
    loads, series = orjson.loads, job.series
    cache: dict[tuple, RankOps] = {}
    n = 0
    for n, raw in enumerate(_lines(path), start=1):
        job.bytes += len(raw)
        try:
            rec = loads(raw)
            meta = rec["metadata"]
            if meta["inspector_output_format_version"] != job.version:
                _version(job, meta, path)
            header = rec["header"]
            for kind, prefix in KINDS:
                perf = rec.get(kind)
                if perf is None:
                    continue
                key = (header["id"], kind, perf[prefix], perf[prefix + "_msg_size_bytes"],
                       perf[prefix + "_timing_source"], header["rank"], header["n_ranks"])
                ops = cache.get(key)
                if ops is None:
                    ops = cache[key] = _rank_ops(series, key, header, meta, perf, prefix)
                n0 = len(ops.sn)
                try:  # the typed arrays refuse a value of the wrong type; then none of this line stays
                    ops.sn.append(perf[prefix + "_sn"])
                    ops.time_us.append(perf[prefix + "_exec_time_us"])
                    ops.dump_us.append(meta["dump_timestamp_us"])
                    if prefix == "p2p":
                        ops.peer.append(perf["p2p_peer"])
                    trace = perf.get("event_trace_ts")
                    if trace is not None:
                        ops.kernel_start_us.append(_kernel_start(trace))  # last: nothing after it to undo
                except Exception:
                    for a in (ops.sn, ops.time_us, ops.dump_us, ops.peer):
                        del a[n0:]
                    raise
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, OverflowError, AttributeError) as exc:
            job.unread += 1
            if len(job.unread_examples) < MAX_LISTED:
                why = "not JSON (torn or partial line)" if isinstance(exc, orjson.JSONDecodeError) else \
                    f"{exc.__class__.__name__} {exc}"
                job.unread_examples.append(f"{path.name}:{n}: {why}")
    job.lines += n


def _rank_ops(series: dict[tuple, Series], key: tuple, header: dict[str, Any], meta: dict[str, Any],
              perf: dict[str, Any], prefix: str) -> RankOps:
    n_ranks, rank = header["n_ranks"], key[5]
    if not (isinstance(n_ranks, int) and isinstance(rank, int) and 0 <= rank < n_ranks):
        raise ValueError(f"rank {rank!r} of n_ranks {n_ranks!r}")
    skey = key[:5]
    s = series.get(skey)
    if s is None:
        s = series[skey] = Series(str(key[0]), str(header.get("comm_name", "")), key[1], str(key[2]), int(key[3]),
                                  str(key[4]), n_ranks, int(header.get("nnodes") or 0))
    elif s.n_ranks != n_ranks:
        raise ValueError(f"n_ranks {n_ranks} differs from its communicator's {s.n_ranks}")
    alg, bus = perf.get(prefix + "_algobw_gbs"), perf.get(prefix + "_busbw_gbs")
    if s.nccl_ratio is None and alg and bus:
        s.nccl_ratio = float(bus) / float(alg)
    rank = int(key[5])
    ops = s.ranks.get(rank)
    if ops is None:
        ops = s.ranks[rank] = RankOps(str(meta.get("hostname", "")), int(meta.get("pid", 0)))
    return ops


def _kernel_start(trace: dict[str, Any]) -> int:
    """When this rank's kernel began (the earliest channel start): the late rank's starts last."""
    starts = [e["kernel_start_ts"] for e in trace.get("kernel_events", ()) if e.get("kernel_start_ts")]
    return int(min(starts)) if starts else int(trace.get("coll_start_ts") or trace.get("p2p_start_ts") or 0)


def _version(job: Job, meta: dict[str, Any], path: Path) -> None:
    version = str(meta["inspector_output_format_version"])
    major = version.lstrip("v").split(".", 1)[0]
    if not major.isdecimal() or int(major) != SUPPORTED_MAJOR:
        raise UsageError(f"{path}: metadata.inspector_output_format_version {version!r} is not supported "
                         f"(v{SUPPORTED_MAJOR}.x is)")
    if job.version and job.version != version:
        job.git_revs.add(f"format {version}")
    job.version = job.version or version
    job.git_revs.add(str(meta.get("git_rev", "")))
