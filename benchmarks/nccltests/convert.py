"""A classified nccl-tests log -> results/<run_id>/ in the engine's schema (run.json, samples, summary).

Each row half (out-of-place, in-place) becomes one point. Its time is nccl-tests' number: the
mean per operation of `iters` back-to-back operations, averaged over ranks (-a 1), so a point
holds one sample (timing "nccl-tests") unless the JSON carried per-iteration times (-I), which
become real per-iteration, per-process samples. The printed algbw/busbw are kept in `extra` so a
reader can see both them and ours (recomputed from the time with our factors).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

from fabricbench.benchmarks.model.catalog import catalog_rows
from fabricbench.benchmarks.model.enums import LogClass, RunStatus, TimingMode
from fabricbench.benchmarks.model.infer import infer
from fabricbench.benchmarks.model.point import PointRecord
from fabricbench.benchmarks.model.run import Footer, Instance, LogSource, NcclInfo, RunRecord, Versions
from fabricbench.benchmarks.model.store import RunWriter, iso_time, new_run_id, utc_now
from fabricbench.benchmarks.nccltests.model import Half, ParsedLog, Row
from fabricbench.collectives import registry
from fabricbench.collectives.dtypes import get_dtype

STATUS = {LogClass.OK: RunStatus.OK, LogClass.TRUNCATED: RunStatus.INCOMPLETE, LogClass.HANG: RunStatus.INCOMPLETE,
          LogClass.ERROR: RunStatus.FAILED, LogClass.WRONG_DATA: RunStatus.FAILED, LogClass.INCONSISTENT: RunStatus.OK,
          LogClass.NOT_A_TABLE: RunStatus.FAILED}
UNTRUSTED = (LogClass.INCONSISTENT, LogClass.NOT_A_TABLE)


def _dtype(name: str) -> str:
    try:
        return get_dtype(name).name
    except KeyError:
        return name  # uint32, fp8...: kept as printed


def _samples(half: Half) -> tuple[list[list[float]], TimingMode, str]:
    per = half.per_iter or {}
    procs = per.get("per_process_max_times_us")
    if isinstance(procs, list) and procs and all(isinstance(p, list) and p for p in procs):
        return procs, TimingMode.ITER, "nccl-tests-events"
    times = per.get("times_us")
    if isinstance(times, list) and times:
        return [times], TimingMode.ITER, "nccl-tests-events"
    return [[half.time_us]], TimingMode.NCCL_TESTS, "nccl-tests"


def points(log: ParsedLog, nnodes: Optional[int] = None) -> list[PointRecord]:
    n = log.nranks or 0
    spec = registry.get(log.collective) if log.collective in registry.names() else None
    factor = spec.busbw_factor(n) if spec and n else None
    if factor is None and spec and spec.busbw_factor(2) == spec.busbw_factor(1 << 20):
        factor = spec.busbw_factor(2)  # broadcast, reduce, point-to-point: the same for every rank count
    hosts = nnodes or len(log.hosts) or log.nodes_hint or None
    iters = int(log.params.get("iters", log.params.get("iterations", 0)) or 0)
    out = []
    scale = n if log.size_per_rank and n else 1  # OSU/IMB allgather, alltoall: one rank's message -> the buffer
    for row in log.rows:
        if scale != 1:
            row = replace(row, size=row.size * scale, count=row.count * scale)
        for inplace, half in ((False, row.out_of_place), (True, row.in_place)):
            if half is None:
                continue
            out.append(_point(log, row, half, inplace, n, hosts, iters, factor))
    return out


def _point(log: ParsedLog, row: Row, half: Half, inplace: bool, n: int, hosts: Optional[int], iters: int,
           factor: Optional[float]) -> PointRecord:
    samples, timing, timer = _samples(half)
    per_iter = half.per_iter or {}
    if log.timing:  # OSU, IMB: their own statistic, never gated against another timing mode
        timing, timer = TimingMode(log.timing), log.tool
    elif log.time_kind == "cputime":
        timing = TimingMode.CPUTIME
    elif timing is TimingMode.NCCL_TESTS and int(log.params.get("graph", 0) or 0) > 0:
        timing = TimingMode.NCCL_TESTS_GRAPH  # CUDA-graph launches: another timing mode, never gated against plain ones
    printed_factor = half.busbw / half.algbw if half.algbw else 0.0
    return PointRecord(
        collective=log.collective or "unknown", backend=log.backend, transport=log.transport, device=log.device,
        dtype=_dtype(row.type), redop=row.redop or "none", inplace=inplace, root=row.root,
        size_bytes=row.size, count=row.count, nranks=n, nnodes=hosts or 0, timing=timing, timer=timer,
        ops_per_sample=iters or 1, warmup=int(log.params.get("warmup_iters", 0) or 0), stop_reason="fixed",
        wrong=half.wrong, time_us=samples,
        busbw_factor=factor if factor is not None else float("nan") if log.timing else printed_factor,
        source=log.tool, trusted=log.status not in UNTRUSTED,
        extra={"algbw_printed": None if log.timing else half.algbw, "busbw_printed": None if log.timing else half.busbw,
               "wrong_printed": half.wrong_raw, "occurrence": row.occurrence, "line": row.line,
               "timestamp": row.timestamp or None, "statistic": per_iter.get("statistic"),
               "per_iter": {k: v for k, v in per_iter.items() if not isinstance(v, list) and k != "statistic"} or None,
               **(row.named or {})},
    )


def run_record(log: ParsedLog, run_id: str, instance_type: Optional[str], command: Any = None) -> RunRecord:
    return RunRecord(
        run_id=run_id, source=log.tool, status=STATUS[log.status], status_reason="; ".join(log.reasons),
        classification=log.status, trusted=log.status not in UNTRUSTED, ingested=utc_now(),
        started=iso_time(log.started) if log.started else None, ended=iso_time(log.ended) if log.ended else None,
        log=LogSource(path=log.source, format=log.format, program=log.program or None, params=log.params,
                      columns=log.columns, errors=log.errors[:20], skipped=[list(x) for x in log.skipped[:20]],
                      elided=log.elided, footer=Footer(log.footer_oob, log.footer_ok, log.footer_avg_busbw)),
        command=[str(c) for c in command] if command else None, nranks=log.nranks,
        nranks_devices=log.nranks_devices, nranks_derived=log.nranks_derived,
        nnodes=len(log.hosts) or log.nodes_hint or None,
        hosts={h: sorted(d.rank for d in log.devices if d.host == h) for h in log.hosts},
        devices=[replace(d) for d in log.devices],
        instance=Instance(instance_type=instance_type or "unknown", source="cli" if instance_type else "none"),
        versions=Versions(nccl_tests=log.version or None, nccl_tests_git=log.git_hash or None,
                          nccl=log.nccl_version or None, rccl=log.versions.get("rccl"), hip=log.versions.get("hip"),
                          rocm=log.versions.get("rocm")),
    )


def write_run(log: ParsedLog, out_dir: str, instance_type: Optional[str] = None, tag: str = "",
              command: Any = None, secrets: Optional[list[str]] = None, writer: Optional[RunWriter] = None,
              info: Optional[NcclInfo] = None, nnodes: Optional[int] = None, nranks: Optional[int] = None,
              **fields: Any) -> str:
    """Write the run directory; returns its path. A log with no rows still gets run.json. `nranks` is
    the user's word for a log that names no rank count (its own count wins)."""
    if nranks and not log.nranks:
        log.nranks_derived = nranks
        log.reasons.append(f"note: rank count {nranks} from --ranks")
    if not log.nranks and log.rows and (log.size_per_rank or log.timing):
        log.reasons.append("note: the log names no rank count (pass --ranks): no busbw"
                           + ("; sizes stay one rank's message" if log.size_per_rank else ""))
    from fabricbench.benchmarks.preflight.run import from_nccl_info  # preflight's rules, judged on the log

    if writer is None:
        writer = RunWriter(out_dir, new_run_id(tag or f"{log.collective or 'nccl-tests'}", log.started or None),
                           secrets or [])
    rec = run_record(log, writer.dir.name, instance_type, command)
    rec.nnodes = nnodes or rec.nnodes
    rec.nccl_info = info or NcclInfo()
    rec.inferred = infer(rec, catalog_rows())
    if not instance_type and rec.inferred.instance_type:  # one catalog row fits every fact the log shows
        rec.instance = Instance(instance_type=rec.inferred.instance_type, source="inferred",
                                evidence=list(rec.inferred.evidence))
    for key, value in fields.items():
        setattr(rec, key, value)
    rows = writer.append_points(points(log, nnodes))  # the log holds every point: one write, one fsync
    rec.points_completed += len(rows)
    rec.wrong_points += sum(bool(row.get("wrong")) for row in rows)
    known = rec.instance.instance_type if rec.instance.instance_type != "unknown" else None
    rec.preflight = from_nccl_info(rec.nccl_info, known, rec.nnodes)
    writer.write_run(rec)
    writer.close()
    return str(writer.dir)
