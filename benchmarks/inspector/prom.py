"""NCCL Inspector's Prometheus mode (NCCL_INSPECTOR_PROM_DUMP=1) -> one run: a snapshot per file.

Each `nccl_inspector_metrics_<gpu uuid>.prom` holds, per (communicator, collective, message-size
bucket, algorithm_protocol), the geometric-mean busbw and the mean execution time of the
operations of the last interval on one GPU (inspector_prom.cc). Fewer facts than JSON mode: no
sequence numbers (so no per-operation join and no late rank), sizes as buckets ("64-65MB": the
point's size is the bucket's lower bound, and its width is kept). Each GPU's mean time is one
sample row of the point; NCCL's own busbw is kept beside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from fabricbench.benchmarks.model.enums import RunStatus, TimingMode
from fabricbench.benchmarks.model.errors import UsageError
from fabricbench.benchmarks.model.point import PointRecord
from fabricbench.benchmarks.model.run import Instance, LogSource, RunRecord
from fabricbench.benchmarks.model.store import RunWriter, new_run_id, utc_now
from fabricbench.collectives import registry

PATTERN = "nccl_inspector_metrics_*.prom"
METRICS = {"nccl_bus_bandwidth_gbs": "busbw", "nccl_collective_exec_time_microseconds": "time",
           "nccl_p2p_bus_bandwidth_gbs": "busbw", "nccl_p2p_exec_time_microseconds": "time"}
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\}\s+(\S+)(?:\s+\d+)?\s*$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?')
UNITS = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}
SIZE = re.compile(r"^(\d+)-(\d+)([KMGT]?B)$")
SOURCE = "nccl-inspector"


@dataclass
class Snapshot:
    cells: dict[tuple, dict[str, dict[str, float]]] = field(default_factory=dict)  # key -> gpu file -> metric
    nodes: dict[str, str] = field(default_factory=dict)  # gpu file -> node
    files: int = 0
    lines: int = 0
    unread: list[str] = field(default_factory=list)
    versions: set[str] = field(default_factory=set)
    jobs: set[str] = field(default_factory=set)


def files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob(PATTERN) if p.is_file()) if root.is_dir() else []


def looks_like(path: Path) -> bool:
    return path.is_file() and path.name.startswith("nccl_inspector_metrics_") and path.name.endswith(".prom")


def size_bucket(label: str) -> Optional[tuple[int, int]]:
    """'64-65MB' -> (64 MiB, 65 MiB): the plugin's power-of-1024 range label."""
    m = SIZE.match(label)
    if not m:
        return None
    unit = UNITS[m.group(3)]
    return int(m.group(1)) * unit, int(m.group(2)) * unit


def _unescape(v: str) -> str:
    return v.replace(r"\"", '"').replace(r"\n", "\n").replace("\\\\", "\\")


def read_snapshot(root: Path) -> Snapshot:
    found = files(root) if root.is_dir() else [root]
    if not found:
        raise UsageError(f"{root}: no NCCL Inspector Prometheus files ({PATTERN})")
    snap = Snapshot()
    for path in found:
        snap.files += 1
        gpu = path.name[len("nccl_inspector_metrics_"):-len(".prom")]
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
            snap.lines += 1
            if not line.strip() or line.startswith("#"):
                continue
            m = LINE.match(line)
            kind = METRICS.get(m.group(1)) if m else None
            try:
                labels = {k: _unescape(v) for k, v in LABEL.findall(m.group(2))} if m else {}
                value = float(m.group(3)) if m else float("nan")
            except ValueError:
                m = None
            if not m or kind is None:
                if len(snap.unread) < 20:
                    snap.unread.append(f"{path.name}:{n}: " + ("not a metric line" if not m else
                                                               f"unknown metric {m.group(1)}"))
                continue
            op = labels.get("collective") or labels.get("p2p_operation", "")
            key = (labels.get("comm_name", ""), int(labels.get("nranks", 0) or 0), int(labels.get("n_nodes", 0) or 0),
                   op, labels.get("message_size", ""), labels.get("algo_proto", ""))
            snap.cells.setdefault(key, {}).setdefault(gpu, {})[kind] = value
            snap.nodes[gpu] = labels.get("node", "")
            snap.versions.add(labels.get("version", ""))
            snap.jobs.add(labels.get("slurm_job_id", ""))
    return snap


def write_snapshot(snap: Snapshot, root: str, out_dir: str, instance_type: Optional[str] = None, tag: str = ""
                   ) -> tuple[str, RunRecord]:
    writer = RunWriter(out_dir, new_run_id(tag or "production"), [])
    nodes = sorted({n for n in snap.nodes.values() if n})
    widest = max((k[1] for k in snap.cells), default=0)
    rec = RunRecord(run_id=writer.dir.name, source=SOURCE, ingested=utc_now(),
                    log=LogSource(path=root, format="nccl-inspector prometheus", errors=snap.unread),
                    instance=Instance(instance_type=instance_type or "unknown",
                                      source="cli" if instance_type else "none"),
                    nranks=widest or None, nnodes=len(nodes) or None, hosts={n: [] for n in nodes})
    skipped: dict[str, int] = {}
    for key in sorted(snap.cells):
        comm_name, nranks, nnodes, op, size_label, algo_proto = key
        spec, bucket = registry.by_tool_name(op), size_bucket(size_label)
        rows = [(gpu, m) for gpu, m in sorted(snap.cells[key].items()) if m.get("time", 0) > 0]
        if spec is None or bucket is None or not rows:
            skipped[op or "?"] = skipped.get(op or "?", 0) + 1
            continue
        factor = spec.busbw_factor(nranks if nranks >= 2 else 2)
        extra = {"comm_name": comm_name, "size_bucket": size_label, "size_bucket_bytes": list(bucket),
                 "algo_proto": algo_proto, "gpus": [g for g, _ in rows],
                 "rank_hosts": [snap.nodes.get(g, "") for g, _ in rows],
                 "nccl_busbw_gmean_gbps": [m.get("busbw") for _, m in rows],
                 "statistic": "production snapshot: each GPU's mean execution time over the operations of the last "
                              "interval (NCCL Inspector Prometheus mode); size is the bucket's lower bound"}
        p = PointRecord(
            collective=spec.name, backend="nccl", transport="nccl", device="cuda", dtype="unknown", redop="unknown",
            inplace=False, root=-1, size_bytes=bucket[0], count=0, nranks=nranks, nnodes=nnodes,
            timing=TimingMode.PRODUCTION, timer="inspector-prom", ops_per_sample=1, warmup=0,
            stop_reason="production", wrong=None, time_us=[[m["time"]] for _, m in rows],
            busbw_factor=factor, source=SOURCE, extra=extra)
        writer.append_point(p)
        rec.points_completed += 1
    rec.production = {"mode": "prometheus", "files": snap.files, "lines": snap.lines,
                      "format_version": ", ".join(sorted(v for v in snap.versions if v)),
                      "slurm_job_id": ", ".join(sorted(j for j in snap.jobs if j)), "unread_lines": len(snap.unread),
                      "cells_without_point": skipped}
    rec.status = RunStatus.OK if rec.points_completed else RunStatus.FAILED
    rec.status_reason = (f"{snap.files} Prometheus file(s), {rec.points_completed} point(s): one mean per GPU and "
                         "bucket, no per-operation samples")
    writer.write_run(rec)
    writer.close()
    return str(writer.dir), rec
