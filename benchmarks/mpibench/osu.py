"""OSU Micro-Benchmarks output (OMB 5.x to 7.x, C and OMB-Py): one test per header.

    # OSU MPI Allreduce Latency Test v7.5          (or '# OSU MPI-CUDA ...', '# OMB-Py MPI ... Test')
    # Datatype: MPI_INT.                            (7.x)
    # Size       Avg Latency(us)   Min Latency(us)   Max Latency(us)  Iterations      (-f: full)
    4                      11.69 ...

What each number is (the statistic, kept with it): osu_latency prints the mean one-way latency over
its iterations; osu_bw/osu_bibw a bandwidth (size x iterations x window / time, 10^6 B/s); a
collective the per-rank mean over its iterations, averaged over the ranks (min and max over ranks
with -f). OSU prints no rank count: a pt2pt test has 2 ranks, a collective takes its count from the
launcher line in the log (mpirun -n, srun -n) or `ingest --ranks`. Sizes are OSU's per-rank message
for allgather and alltoall and become nccl-tests' total buffer (x ranks) once the count is known.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from fabricbench.benchmarks.mpibench.launch import Launch, parse_launch
from fabricbench.benchmarks.mpibench.rows import bandwidth_row, time_row
from fabricbench.benchmarks.nccltests.model import ParsedLog
from fabricbench.collectives import registry
from fabricbench.collectives.spec import CollectiveSpec

_TITLE = re.compile(r"^#\s*(?:OSU (MPI|NCCL|RCCL|XCCL)(?:-(CUDA|ROCM|ROCm|OpenACC|SYCL))?|OMB-Py MPI|OMB Python MPI)"
                    r"\s+(.+?)\s+Test(?:\s+v(\S+))?\s*$")
STATISTIC = {  # what the printed number is, by the kind of test
    "p2p_time": "osu: mean one-way latency over the iterations (rank 0)",
    "bandwidth": "osu: bandwidth = size x iterations x window / time, both directions for a bidirectional "
                 "test (rank 0); time = busbw factor x size / bandwidth",
    "time": "osu: per-rank mean over the iterations, averaged over the ranks (Avg Latency)",
}
_DTYPES = {"MPI_CHAR": ("int8", 1), "MPI_INT": ("int32", 4), "MPI_FLOAT": ("float32", 4), "MPI_DOUBLE": ("float64", 8),
           "MPI_BYTE": ("uint8", 1)}
_COLUMN = re.compile(r"(Avg Latency|Min Latency|Max Latency|P50 Tail Lat|P90 Tail Lat|P99 Tail Lat|Latency|"
                     r"Bandwidth|Iterations|Validation|Messages/s)")
_BUFFERS = re.compile(r"Send Buffer on (DEVICE|HOST|MANAGED) \((\w)\) and Receive Buffer on (DEVICE|HOST|MANAGED) "
                      r"\((\w)\)")


def looks_like(text: str) -> bool:
    return "# OSU MPI" in text or "# OMB-Py MPI" in text or "# OMB Python MPI" in text


def parse_osu(text: str, source: str = "<osu>") -> list[ParsedLog]:
    logs: list[ParsedLog] = []
    log: Optional[ParsedLog] = None
    columns: list[str] = []
    recent: list[str] = []  # lines before a header: the launcher line that started it
    for line_no, raw in enumerate(text.splitlines(), start=1):
        s = raw.strip()
        if not s:
            continue
        m = _TITLE.match(s)
        if m:
            log, columns = _start(m, source, recent, line_no), []
            logs.append(log)
            recent = []
            continue
        if log is None or (s[0] != "#" and not s[0].isdigit()):
            recent = (recent + [s])[-5:]
            if log is not None and ("Traceback" in s or "MPI_ABORT" in s or "Error" in s):
                log.errors.append(s[:200])
            continue
        if s.startswith("#"):
            _header(log, s, columns)
            continue
        _row(log, s, columns, line_no)
    return logs


def _start(m: re.Match, source: str, recent: list[str], line_no: int) -> ParsedLog:
    library, accel, title, version = m.group(1) or "MPI", m.group(2), m.group(3).strip().lower(), m.group(4) or ""
    spec = registry.by_tool_name(f"OSU {title}")  # the specs know OSU's titles ('OSU Allreduce Latency' ...)
    collective = spec.name if spec else ""
    kind = "bandwidth" if "bandwidth" in title else "time" if spec else ""
    tool = "omb-py" if "OMB" in m.group(0) else "osu-micro-benchmarks"
    log = ParsedLog(source=source, format="osu", tool=tool, version=version, header_seen=True, footer_printed=False,
                    backend="omb-py" if tool == "omb-py" else "osu", device="cpu", timing="osu",
                    transport="mpi" if library == "MPI" else "nccl")  # osu_xccl_*: NCCL/RCCL under OSU's loop
    log.collective = collective
    log.program = next((t for t in spec.tool_names if t.startswith("osu_")), "") if spec else ""
    log.size_per_rank = bool(spec and spec.mpi_size_per_rank)
    log.params = {"test": m.group(0).lstrip("# ").strip(), "value": kind, "line": line_no}
    p2p_time = bool(spec and spec.point_to_point and kind == "time")
    log.params["statistic"] = STATISTIC["p2p_time" if p2p_time else kind or "time"]
    if accel:
        log.params["accelerator_build"] = accel
    launch = next((x for line in reversed(recent) if (x := parse_launch(line, "osu_"))), None)
    _apply_launch(log, launch, spec)
    if not collective:
        log.skipped.append((line_no, f"OSU test {m.group(3)!r}: no collective spec for it"))
    return log


def _apply_launch(log: ParsedLog, launch: Optional[Launch], spec: Optional[CollectiveSpec]) -> None:
    if spec is not None and spec.point_to_point:  # OSU's point-to-point tests run on exactly two ranks
        log.nranks_derived = 2
    if launch is None:
        return
    log.params["launch"] = {"ranks": launch.ranks, "per_node": launch.per_node, "nodes": launch.node_count}
    if launch.ranks and not log.nranks_derived:
        log.nranks_derived = launch.ranks
    log.nodes_hint = launch.node_count
    buffers = [a for a in launch.args if a in ("D", "H", "M")]
    if len(buffers) >= 2:
        log.params["buffers"] = " ".join(buffers[:2])
        log.device = "cuda" if "D" in buffers[:2] else "cpu"


def _header(log: ParsedLog, s: str, columns: list[str]) -> None:
    body = s.lstrip("#").strip()
    if body.startswith("Datatype:"):
        name = body.split(":", 1)[1].strip().rstrip(".")
        log.params["datatype"] = name
        return
    m = _BUFFERS.search(body)
    if m:  # OMB 5.x/6.x: where the buffers are
        log.params["buffers"] = f"{m.group(2)} {m.group(4)}"
        log.device = "cuda" if "D" in (m.group(2), m.group(4)) else "cpu"
        return
    if body.startswith("Size"):
        columns[:] = [c.lower() for c in _COLUMN.findall(body)]
        log.columns = ["size"] + columns


def _row(log: ParsedLog, s: str, columns: list[str], line_no: int) -> None:
    tokens = s.split()
    if not columns or not tokens[0].isdecimal() or len(tokens) < len(columns) + 1:
        log.skipped.append((line_no, "row-like line that fits no OSU layout"))
        return
    values: dict[str, Any] = {}
    for name, tok in zip(columns, tokens[1:], strict=False):
        if name == "validation":
            values[name] = tok
            continue
        try:
            values[name] = float(tok)
        except ValueError:
            log.skipped.append((line_no, f"{name} is not a number: {tok!r}"))
            return
    dtype, elt = _DTYPES.get(log.params.get("datatype", "MPI_CHAR"), ("int8", 1))
    size = int(tokens[0])
    wrong = {"pass": 0, "fail": 1}.get(str(values.get("validation", "")).lower())
    kind = log.params.get("value")
    stats: dict[str, Any] = {"statistic": log.params["statistic"]}
    for key, name in (("min latency", "min_us"), ("max latency", "max_us"), ("iterations", "iterations"),
                      ("avg latency", "avg_us"), ("bandwidth", "bandwidth_MBps")):
        if key in values:
            stats[name] = values[key]
    if kind == "bandwidth" and "bandwidth" not in values:
        log.skipped.append((line_no, "no bandwidth column"))
    elif kind == "bandwidth":  # the printed bandwidth is busbw: it already counts both directions of a bidir test
        factor = registry.get(log.collective).busbw_factor(2)
        log.rows.append(bandwidth_row(size, elt, dtype, values["bandwidth"], factor, stats, line_no, wrong))
    elif kind == "time":
        t = values.get("avg latency", values.get("latency"))
        if t is None:
            log.skipped.append((line_no, "no latency column"))
            return
        log.rows.append(time_row(size, elt, dtype, t, stats, line_no, wrong))
