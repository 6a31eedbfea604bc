"""What a parsed nccl-tests log holds, and how it is classified."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from fabricbench.benchmarks.model.enums import LOG_SEVERITY, LogClass
from fabricbench.benchmarks.model.run import Device

# Classifications, most severe first: the first that applies is the log's status (LogClass).
ERROR, WRONG_DATA, INCONSISTENT = LogClass.ERROR, LogClass.WRONG_DATA, LogClass.INCONSISTENT
HANG, NOT_A_TABLE, TRUNCATED, OK = LogClass.HANG, LogClass.NOT_A_TABLE, LogClass.TRUNCATED, LogClass.OK
SEVERITY = LOG_SEVERITY


@dataclass(slots=True)
class Half:
    """One of a row's two halves (out-of-place, in-place)."""

    time_us: float
    algbw: float
    busbw: float
    wrong: Optional[int]  # element count (>= 2.13); None for N/A or an old-style deviation
    wrong_raw: str = ""  # as printed: '0', 'N/A', '2e-07'
    # Half a unit of the last printed digit: the precision consistency checks must allow.
    # None until asked for (computing it for every row would halve parsing speed).
    bw_halfunit: Optional[float] = None
    time_halfunit: Optional[float] = None
    per_iter: Optional[dict[str, Any]] = None  # i_min/i_max/i_p99/i_cv% or JSON per-iteration stats
    printed: str = ""  # 'time algbw busbw' as printed ('' where unknown): one string, not three, a half a row


@dataclass(slots=True)
class Row:
    size: int
    count: int
    type: str
    redop: str
    root: int
    out_of_place: Optional[Half]
    in_place: Optional[Half]
    occurrence: int = 0  # n-th time this (size, type, redop, root) appeared (-N cycles, reruns)
    line: int = 0  # 1-based line number in the log (0 for JSON)
    timestamp: str = ""
    named: Optional[dict[str, Any]] = None  # trailing columns named by the header (rccl-tests: algo proto nchannels)


@dataclass
class ParsedLog:
    source: str
    format: str  # text | json
    tool: str = "nccl-tests"  # or rccl-tests
    version: str = ""
    git_hash: str = ""
    nccl_version: str = ""  # e.g. 2.28.9
    versions: dict[str, str] = field(default_factory=dict)  # rccl-tests: rccl, hip, rocm
    program: str = ""  # all_reduce_perf ...
    collective: str = ""  # our name, when known
    params: dict[str, Any] = field(default_factory=dict)  # the '# nThread ...' line
    columns: list[str] = field(default_factory=list)
    time_unit_us: float = 1.0  # 1000 for the 2017 format, which printed milliseconds
    time_kind: str = "time"  # "cputime" with -C: CPU launch time, not latency (bandwidth is not from it)
    devices: list[Device] = field(default_factory=list)
    devices_elided: bool = False
    rows: list[Row] = field(default_factory=list)
    footer_oob: Optional[int] = None
    footer_ok: Optional[bool] = None
    footer_avg_busbw: Optional[float] = None
    concluded: bool = False
    errors: list[str] = field(default_factory=list)
    info_lines: list[str] = field(default_factory=list)
    elided: bool = False
    skipped: list[tuple[int, str]] = field(default_factory=list)  # row-like lines that did not parse
    header_seen: bool = False
    status: LogClass = NOT_A_TABLE
    reasons: list[str] = field(default_factory=list)
    nranks_devices: Optional[int] = None
    nranks_derived: Optional[int] = None
    footer_printed: bool = True  # False for formats that never print one (rccl-tests --output_file, OSU)
    backend: str = "nccl-tests"  # what ran the test, as results name it (osu, imb ...)
    transport: str = "nccl"
    device: str = "cuda"
    timing: str = ""  # a timing mode of the tool's own (osu, imb); '' = nccl-tests' rules
    size_per_rank: bool = False  # sizes are one rank's message (OSU/IMB allgather, alltoall): x ranks for ours
    nodes_hint: Optional[int] = None  # node count a launcher line in the log implies (mpirun -n 144 -N 36)
    started: str = ""  # the log's own start time, when it printed one (JSON start_time, -S timestamps)
    ended: str = ""

    @property
    def nranks(self) -> Optional[int]:
        return self.nranks_devices or self.nranks_derived

    @property
    def hosts(self) -> list[str]:
        return sorted({d.host for d in self.devices})
