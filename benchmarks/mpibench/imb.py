"""Intel MPI Benchmarks (IMB-MPI1) output: one test per '# Benchmarking <name>' block.

    #---------------------------------------------------
    # Benchmarking Allreduce
    # #processes = 144
    #---------------------------------------------------
           #bytes #repetitions  t_min[usec]  t_max[usec]  t_avg[usec]
                0         1000         0.03         0.03         0.03

What each number is: PingPong's t[usec] is half the round trip (one-way latency); a collective's
t_min/t_max/t_avg are each rank's mean over the repetitions, then the min, max and mean over
ranks; the time kept is t_max (the collective ends when its last rank does), t_min and t_avg beside
it. Mbytes/sec is 10^6 B/s. Sizes are per-rank messages for Allgather and Alltoall (x ranks for
nccl-tests' whole-buffer sizes). The rank count is the block's '#processes'.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from fabricbench.benchmarks.mpibench.launch import parse_launch
from fabricbench.benchmarks.mpibench.rows import time_row
from fabricbench.benchmarks.nccltests.model import ParsedLog
from fabricbench.collectives import registry

_BENCH = re.compile(r"^#\s*Benchmarking\s+(\S+)")
_PROCS = re.compile(r"^#\s*#processes\s*=\s*(\d+)")
_VERSION = re.compile(r"Intel\s*\(R\)\s*MPI Benchmarks\s+(\S+(?:\s+Update\s+\d+)?),?\s")
_CALLING = re.compile(r"^#\s*(\S*IMB-\S+.*)$")
_DATE = re.compile(r"^#\s*Date\s*:\s*(.+)$")
_DTYPES = {"MPI_BYTE": ("uint8", 1), "MPI_FLOAT": ("float32", 4), "MPI_DOUBLE": ("float64", 8), "MPI_INT": ("int32", 4)}
STATISTIC = {
    "t[usec]": "imb: t[usec], half the round trip, mean over the repetitions",
    "t_max[usec]": "imb: t_max, each rank's mean over the repetitions, the slowest rank (t_min, t_avg kept)",
}


def looks_like(text: str) -> bool:
    return "Intel(R) MPI Benchmarks" in text or "Intel (R) MPI Benchmark" in text or "# Benchmarking " in text


def parse_imb(text: str, source: str = "<imb>") -> list[ParsedLog]:
    meta: dict[str, Any] = {}
    logs: list[ParsedLog] = []
    log: Optional[ParsedLog] = None
    columns: list[str] = []
    launch = None
    for line_no, raw in enumerate(text.splitlines(), start=1):
        s = raw.strip()
        if not s:
            continue
        if not s.startswith("#") and (found := parse_launch(s, "IMB-")):
            launch, meta = found, {}  # a new IMB run begins
            continue
        if s.startswith("#"):
            if m := _BENCH.match(s):
                log, columns = _start(m.group(1), meta, source, line_no), []
                log.nodes_hint = launch.node_count if launch else None
                logs.append(log)
            elif (m := _PROCS.match(s)) and log is not None:
                log.nranks_derived = int(m.group(1))
                log.params["processes"] = int(m.group(1))
            elif "entering MPI_Finalize" in s:
                for one in logs:
                    one.concluded = True
            elif "#bytes" in s.replace(" ", "") and log is not None:
                columns = s.lstrip("#").replace("#bytes", "bytes").replace("#repetitions", "repetitions").split()
                columns = ["bytes"] + [c for c in columns if c != "bytes"]
                log.columns = columns
            else:
                _meta(meta, s)
            continue
        if log is None:
            continue
        if s[0].isdigit() and columns:
            _row(log, s, columns, meta, line_no)
        elif "error" in s.lower() or "abort" in s.lower():
            log.errors.append(s[:200])
    for one in logs:
        one.footer_printed = False
        if not one.concluded and one is logs[-1] and one.rows:
            one.elided = False
            one.reasons.append("note: no '# All processes entering MPI_Finalize': the run may have stopped early")
    return logs


def _meta(meta: dict[str, Any], s: str) -> None:
    if m := _VERSION.search(s):
        meta["version"] = m.group(1).rstrip(",")
    elif m := _DATE.match(s):
        meta["date"] = m.group(1).strip()
    elif (m := _CALLING.match(s)) and "calling" not in meta:
        meta["calling"] = m.group(1).strip()
    elif "MPI_Datatype" in s and ":" in s:  # a line cut before its value says nothing
        meta["reduction_dtype" if "reductions" in s else "dtype"] = s.split(":", 1)[1].strip()


def _start(name: str, meta: dict[str, Any], source: str, line_no: int) -> ParsedLog:
    spec = registry.by_tool_name(name)
    log = ParsedLog(source=source, format="imb", tool="intel-mpi-benchmarks", version=meta.get("version", ""),
                    header_seen=True, backend="imb", transport="mpi", device="cpu", timing="imb")
    log.collective = spec.name if spec else ""
    log.program = f"IMB-MPI1 {name}"
    log.size_per_rank = bool(spec and spec.mpi_size_per_rank)
    log.params = {"benchmark": name, "line": line_no, **{k: v for k, v in meta.items() if k != "version"}}
    if not spec:
        log.skipped.append((line_no, f"IMB {name}: no collective spec for it"))
    return log


def _row(log: ParsedLog, s: str, columns: list[str], meta: dict[str, Any], line_no: int) -> None:
    tokens = s.split()
    if len(tokens) != len(columns) or not (tokens[0].isdecimal() and tokens[1].isdecimal()):
        log.skipped.append((line_no, "row-like line that fits no IMB layout"))
        return
    try:
        values = {c: float(t) for c, t in zip(columns[2:], tokens[2:], strict=True)}
    except ValueError:
        log.skipped.append((line_no, "a value that is not a number"))
        return
    spec = registry.get(log.collective) if log.collective else None
    reduces = bool(spec and spec.uses_redop)
    dtype, elt = _DTYPES.get(meta.get("reduction_dtype" if reduces else "dtype", ""), ("uint8", 1))
    key = "t[usec]" if "t[usec]" in values else "t_max[usec]"
    if key not in values:
        log.skipped.append((line_no, "no t[usec] or t_max[usec] column"))
        return
    stats: dict[str, Any] = {"statistic": STATISTIC[key], "repetitions": int(tokens[1])}
    for c, name in (("t_min[usec]", "min_us"), ("t_max[usec]", "max_us"), ("t_avg[usec]", "avg_us"),
                    ("Mbytes/sec", "bandwidth_MBps")):
        if c in values:
            stats[name] = values[c]
    row = time_row(int(tokens[0]), elt, dtype, values[key], stats, line_no)
    if reduces:
        row.redop = "sum"
    log.rows.append(row)
