"""A read Inspector job -> results/<run_id>/: one point per (communicator, collective, size, timing source),
its samples the [rank][operation] matrix of the operations every rank reported, joined by sequence number.

A collective's operation is the same call on every rank of its communicator (same coll_sn), so the
matrix is exactly what the engine writes for its own iterations: max over ranks, CIs, busbw and the
straggler rules apply unchanged. Operations that some rank never reported are counted per point and
per communicator (never silently dropped); a rank that reported nothing is named. Point-to-point
Sends become one point per (rank, peer): a link. NCCL's own busbw/algbw ratio is kept and checked
against the spec's factor.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Optional

import numpy as np

from fabricbench.benchmarks.inspector.read import Job, RankOps, Series
from fabricbench.benchmarks.model.enums import RunStatus, TimingMode
from fabricbench.benchmarks.model.point import PointRecord
from fabricbench.benchmarks.model.run import Instance, LogSource, RunRecord
from fabricbench.benchmarks.model.store import RunWriter, new_run_id, utc_now
from fabricbench.collectives import registry

SOURCE = "nccl-inspector"


def _ops(o: RankOps) -> tuple[np.ndarray, np.ndarray, np.ndarray, Optional[np.ndarray]]:
    """(sn, time, dump stamp, kernel start) sorted by sn, first record of a repeated sn kept."""
    sn = np.frombuffer(o.sn, dtype=np.int64)
    sn_u, first = np.unique(sn, return_index=True)
    t = np.frombuffer(o.time_us, dtype=np.float64)[first]
    dump = np.frombuffer(o.dump_us, dtype=np.int64)[first]
    k = np.frombuffer(o.kernel_start_us, dtype=np.int64)[first] if len(o.kernel_start_us) == len(sn) else None
    return sn_u, t, dump, k


def _facts(s: Series, spec_factor: float, hosts: list[str]) -> dict[str, Any]:
    return {"comm": s.comm, "comm_name": s.comm_name or None, "timing_source": s.timing_source,
            "rank_hosts": hosts,
            "nccl_busbw_factor": round(s.nccl_ratio, 6) if s.nccl_ratio else None,
            "nccl_factor_agrees": None if not s.nccl_ratio
            else bool(abs(s.nccl_ratio - spec_factor) <= 0.01 * spec_factor),
            "statistic": f"production: each rank's own execution time of one operation ({s.timing_source})"}


def collective_point(s: Series, t0_us: int) -> Optional[tuple[PointRecord, int]]:
    """(point, operations some rank never reported), or None when no operation was reported by every rank."""
    spec = registry.by_tool_name(s.op)
    if spec is None:
        return None
    present = sorted(s.ranks)
    per_rank = {r: _ops(s.ranks[r]) for r in present}
    union = per_rank[present[0]][0]
    complete = union
    for r in present[1:]:
        union = np.union1d(union, per_rank[r][0])
        complete = np.intersect1d(complete, per_rank[r][0], assume_unique=True)
    if len(complete) == 0:
        return None
    rows, dumps, kstarts = [], [], []
    for r in present:
        sn, t, dump, k = per_rank[r]
        idx = np.searchsorted(sn, complete)
        rows.append(t[idx])
        dumps.append(dump[idx])
        kstarts.append(None if k is None else k[idx])
    matrix = np.vstack(rows)
    factor = spec.busbw_factor(s.n_ranks)
    hosts = [s.ranks[r].host if r in s.ranks else "" for r in range(s.n_ranks)]
    pids = [s.ranks[r].pid if r in s.ranks else 0 for r in range(s.n_ranks)]
    end_us = np.vstack(dumps).min(axis=0)
    extra = _facts(s, factor, hosts)
    extra.update({
        "rank_pids": pids,
        "ranks_reported": present if len(present) < s.n_ranks else None,
        "ranks_never_reported": sorted(set(range(s.n_ranks)) - set(present)) or None,
        "first_sn": int(complete[0]), "last_sn": int(complete[-1]), "incomplete_ops": int(len(union) - len(complete)),
        # when each operation was written (the earliest rank's dump), ms since the job's first record
        "op_dump_ms": ((end_us - t0_us) // 1000).astype(int).tolist(),
    })
    if all(k is not None for k in kstarts):  # verbose mode: who started each operation last
        last = np.vstack(kstarts).argmax(axis=0)
        extra["kernel_last_start_counts"] = np.bincount(last, minlength=len(present)).astype(int).tolist()
    return PointRecord(
        collective=spec.name, backend="nccl", transport="nccl", device="cuda", dtype="unknown", redop="unknown",
        inplace=False, root=-1, size_bytes=s.size_bytes, count=0, nranks=s.n_ranks,
        nnodes=len({h for h in hosts if h}), timing=TimingMode.PRODUCTION, timer=f"inspector-{s.timing_source}",
        ops_per_sample=1, warmup=0, stop_reason="production", wrong=None, time_us=matrix.tolist(),
        busbw_factor=factor, source=SOURCE, extra=extra), int(len(union) - len(complete))


def p2p_points(s: Series, t0_us: int, procs: dict[tuple[str, int], tuple[str, int]]) -> list[PointRecord]:
    """One point per (rank, peer) of a Send series: that link's transfers in production."""
    spec = registry.by_tool_name(s.op)
    if spec is None:
        return []
    out = []
    for r in sorted(s.ranks):
        o = s.ranks[r]
        peer = np.frombuffer(o.peer, dtype=np.int32 if o.peer.itemsize == 4 else np.int64)
        t = np.frombuffer(o.time_us, dtype=np.float64)
        dump = np.frombuffer(o.dump_us, dtype=np.int64)
        for p in np.unique(peer):
            sel = peer == p
            hosts = [o.host, procs.get((s.comm, int(p)), ("", 0))[0]]
            extra = _facts(s, spec.busbw_factor(2), hosts)
            extra.update({"op_dump_ms": ((dump[sel] - t0_us) // 1000).astype(int).tolist(), "incomplete_ops": 0})
            out.append(PointRecord(
                collective=spec.name, backend="nccl", transport="nccl", device="cuda", dtype="unknown",
                redop="none", inplace=False, root=-1, size_bytes=s.size_bytes, count=0, nranks=2,
                nnodes=len({h for h in hosts if h}), timing=TimingMode.PRODUCTION, timer=f"inspector-{s.timing_source}",
                ops_per_sample=1, warmup=0, stop_reason="production", wrong=None, time_us=[t[sel].tolist()],
                peers=[r, int(p)], busbw_factor=spec.busbw_factor(2), source=SOURCE, extra=extra))
    return out


def communicators(job: Job) -> list[dict[str, Any]]:
    """Each communicator: its name, size, nodes and hosts (the job's structure, as provenance)."""
    comms: dict[str, dict[str, Any]] = {}
    for s in job.series.values():
        c = comms.setdefault(s.comm, {"id": s.comm, "name": s.comm_name, "n_ranks": s.n_ranks, "nnodes": s.nnodes,
                                      "ranks": {}, "records": 0})
        for r, o in s.ranks.items():
            c["ranks"][r] = f"{o.host} pid {o.pid}"
            c["records"] += len(o.sn)
    out = []
    for c in sorted(comms.values(), key=lambda c: (-c["n_ranks"], c["name"])):
        ranks = c.pop("ranks")
        c["hosts"] = sorted({v.split(" pid ")[0] for v in ranks.values()})
        c["ranks_reported"] = len(ranks)
        out.append(c)
    return out


def write_job(job: Job, root: str, out_dir: str, instance_type: Optional[str] = None, tag: str = ""
              ) -> tuple[str, RunRecord]:
    """Write the job as one run; returns (run directory, its record)."""
    writer = RunWriter(out_dir, new_run_id(tag or "production"), [])
    stamps = [np.frombuffer(o.dump_us, dtype=np.int64) for s in job.series.values() for o in s.ranks.values()]
    t0 = int(min(int(a.min()) for a in stamps if len(a))) if any(len(a) for a in stamps) else 0
    t1 = int(max(int(a.max()) for a in stamps if len(a))) if any(len(a) for a in stamps) else 0
    comms = communicators(job)
    procs = job.procs()
    widest = comms[0] if comms else None
    world = next((s for s in job.series.values() if widest and s.comm == widest["id"]), None)
    hosts: dict[str, list[int]] = {}
    for r, o in sorted(world.ranks.items()) if world else []:
        hosts.setdefault(o.host, []).append(r)
    rec = RunRecord(run_id=writer.dir.name, source=SOURCE, ingested=utc_now(), started=_iso(t0) if t0 else None,
                    ended=_iso(t1) if t1 else None,
                    log=LogSource(path=root, format=f"nccl-inspector {job.version}", errors=job.unread_examples),
                    instance=Instance(instance_type=instance_type or "unknown",
                                      source="cli" if instance_type else "none"),
                    nranks=widest["n_ranks"] if widest else None, nnodes=len(hosts) or None, hosts=hosts)
    missing: Counter[str] = Counter()
    without_spec: Counter[str] = Counter()  # Recv: the receiving end of a Send, whose point it would repeat
    for s in sorted(job.series.values(), key=lambda x: (x.comm, x.kind, x.op, x.size_bytes, x.timing_source)):
        if registry.by_tool_name(s.op) is None:
            without_spec[s.op] += sum(len(o.sn) for o in s.ranks.values())
            continue
        if s.kind == "p2p_perf":
            points = p2p_points(s, t0, procs)
        else:
            got = collective_point(s, t0)
            points = [got[0]] if got else []
            missing[s.comm_name or s.comm] += got[1] if got else len({x for o in s.ranks.values() for x in o.sn})
        for p in points:
            writer.append_point(p)
            rec.points_completed += 1
    rec.production = {
        "mode": "json", "format_version": job.version, "files": job.files, "lines": job.lines, "bytes": job.bytes,
        "unread_lines": job.unread, "first_dump_us": t0, "last_dump_us": t1, "communicators": comms,
        "incomplete_ops": dict(+missing), "ops_without_spec": dict(without_spec),
        "files_skipped": job.skipped_files[:20],
    }
    rec.status = RunStatus.OK if rec.points_completed else RunStatus.FAILED
    notes = [f"{job.files} file(s), {job.lines} line(s), {len(comms)} communicator(s)"]
    if sum(missing.values()):
        notes.append(f"{sum(missing.values())} operation(s) some rank never reported: counted, not in the samples ("
                     + ", ".join(f"{k}: {v}" for k, v in missing.items() if v) + ")")
    if job.skipped_files:
        notes.append(f"{len(job.skipped_files)} file(s) whose first line is no Inspector record skipped, e.g. "
                     f"{job.skipped_files[0]}")
    if job.unread:
        notes.append(f"{job.unread} line(s) not read, e.g. {job.unread_examples[0]}")
    if without_spec:
        notes.append("records not made into points (" +
                     ", ".join(f"{k}: {v}" for k, v in without_spec.items()) + ")")
    rec.status_reason = "; ".join(notes)
    writer.write_run(rec)
    writer.close()
    return str(writer.dir), rec


def _iso(us: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(us / 1e6, tz=dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
