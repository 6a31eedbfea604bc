"""run.json: what ran, where, with which software, how it ended. Own runs and ingested logs alike.

The engine, the nccl-tests driver and log ingest all build a RunRecord; every consumer reads one
(``store.read_run``), never the raw dict. Older files are upgraded on read (``upgrade``): the
results folders users already have keep loading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from fabricbench.benchmarks.model.enums import LogClass, NcclPath, RunStatus, Verdict
from fabricbench.benchmarks.model.typed import from_dict, to_dict

SCHEMA_VERSION = 2


def doc(text: str, **more: Any) -> Any:
    """A field's description, kept in the schema and the docs table."""
    return {"doc": text, **more}


@dataclass
class Instance:
    """Where the run took place, and how that is known."""

    instance_type: str = field(default="unknown", metadata=doc("e.g. p5.48xlarge; `unknown` is never guessed"))
    source: str = field(default="none", metadata=doc("cli · env · dmi · metadata · inferred · none"))
    cloud: str = field(default="unknown", metadata=doc("aws · azure · gcp · unknown (from DMI)"))
    dmi_product_name: Optional[str] = field(default=None, metadata=doc("/sys/class/dmi/id/product_name"))
    dmi_sys_vendor: Optional[str] = field(default=None, metadata=doc("/sys/class/dmi/id/sys_vendor"))
    evidence: list[str] = field(default_factory=list, metadata=doc("what an inferred value rests on"))
    unknown: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Versions:
    """Software that changes results. Missing means not present or not known."""

    python: Optional[str] = None
    platform: Optional[str] = None
    fabricbench: Optional[str] = field(default=None, metadata=doc("version, or the git revision (-dirty if modified)"))
    numpy: Optional[str] = None
    torch: Optional[str] = None
    mpi4py: Optional[str] = None
    mpi_library: Optional[str] = field(default=None, metadata=doc("first line of MPI_Get_library_version"))
    cuda: Optional[str] = None
    nccl: Optional[str] = None
    nccl_tests: Optional[str] = field(default=None, metadata=doc("version of an ingested nccl-tests/rccl-tests log"))
    nccl_tests_git: Optional[str] = None
    aws_ofi_nccl: Optional[str] = None
    libfabric: Optional[str] = None
    rccl: Optional[str] = field(default=None, metadata=doc("'RCCL version : ...' of an rccl-tests log"))
    hip: Optional[str] = None
    rocm: Optional[str] = None
    unknown: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class BackendInfo:
    """One backend of an own run."""

    backend: str = field(metadata=doc("mpi · torch"))
    transport: str = field(metadata=doc("what moves the bytes: mpi · gloo · nccl"))
    device: str = field(metadata=doc("cpu · cuda"))
    mpi_library: Optional[str] = field(default=None, metadata=doc("MPI_Get_library_version, whole"))
    mpi_version: Optional[str] = None
    thread_level: Optional[int] = None
    cuda_aware: Optional[bool] = field(default=None, metadata=doc("MPIX_Query_cuda_support; null = unknown"))
    mpicc: Optional[str] = field(default=None, metadata=doc("the compiler the native loop was built with"))
    torch: Optional[str] = None
    cuda: Optional[str] = None
    nccl: Optional[str] = None
    gpu: Optional[str] = None
    unknown: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class HostFacts:
    """Facts of the launching host that change host-memory results."""

    cpu_count: Optional[int] = None
    thp: Optional[str] = field(default=None, metadata=doc("transparent huge pages mode"))
    kernel: Optional[str] = None
    load_1m: Optional[float] = field(default=None, metadata=doc("1-minute load average at start"))
    ranks_per_host_max: Optional[int] = field(default=None, metadata=doc("most ranks placed on one host"))
    oversubscribed: Optional[bool] = field(default=None, metadata=doc("more busy ranks than cores on a host"))
    unknown: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Finding:
    """One preflight (or transport) finding."""

    level: Verdict
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.message}" if self.level is not Verdict.OK else self.message


def _findings_from_reasons(reasons: list[Any], verdict: str) -> list[dict[str, str]]:
    """Schema 1 stored 'level: message' strings (and bare messages for ok)."""
    out = []
    for r in reasons or []:
        text = str(r)
        level, _, rest = text.partition(": ")
        if level in ("warning", "invalid") and rest:
            out.append({"level": level, "message": rest})
        else:
            out.append({"level": "ok" if verdict == "ok" else "warning", "message": text})
    return out


@dataclass
class PreflightHost:
    """One host's probes and their verdict."""

    host: str
    verdict: Verdict = Verdict.OK
    findings: list[Finding] = field(default_factory=list)
    instance_type: Optional[str] = None
    gpus: Optional[int] = None
    gpu_model: Optional[str] = None
    driver: Optional[str] = field(default=None, metadata=doc("NVIDIA driver version (NVML)"))
    rdma: dict[str, int] = field(default_factory=dict, metadata=doc("RDMA devices by kind: efa · ib · roce ..."))
    aws_ofi_nccl: Optional[str] = None
    efa_installer: Optional[str] = None
    libfabric: Optional[str] = None
    fi_info: Optional[dict[str, Any]] = None
    unknown: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def upgrade(cls, data: dict[str, Any]) -> dict[str, Any]:
        if "findings" not in data and "reasons" in data:
            data["findings"] = _findings_from_reasons(data.pop("reasons"), data.get("verdict", "ok"))
        return data


@dataclass
class Preflight:
    """The environment check: the worst host verdict, every finding, each host."""

    verdict: Verdict = Verdict.OK
    findings: list[Finding] = field(default_factory=list)
    hosts: list[PreflightHost] = field(default_factory=list)

    @classmethod
    def upgrade(cls, data: dict[str, Any]) -> dict[str, Any]:
        if "findings" not in data and "reasons" in data:
            data["findings"] = _findings_from_reasons(data.pop("reasons"), data.get("verdict", "ok"))
        if isinstance(data.get("hosts"), dict):
            data["hosts"] = [{"host": h, **(v if isinstance(v, dict) else {})} for h, v in data["hosts"].items()]
        return data

    @property
    def reasons(self) -> list[str]:
        """One line per finding that matters (all of them when everything is ok)."""
        bad = [str(f) for f in self.findings if f.level is not Verdict.OK]
        return bad or [str(f) for f in self.findings]

    def first(self, level: Verdict) -> Optional[Finding]:
        return next((f for f in self.findings if f.level is level), None)


@dataclass
class AlgoProto:
    op: str
    algo: str
    proto: str
    count: int = 1


@dataclass
class NcclInfo:
    """What NCCL's INFO lines said about the path (benchmarks.nccltests.ncclinfo)."""

    lines: int = field(default=0, metadata=doc("INFO/WARN lines read; 0 = the path is not known"))
    path: NcclPath = NcclPath.UNKNOWN
    network: Optional[str] = field(default=None, metadata=doc("'Using network ...'"))
    net_plugin: Optional[str] = None
    net_plugin_missing: Optional[bool] = None
    aws_ofi_nccl: Optional[str] = None
    libfabric: Optional[str] = None
    provider: Optional[str] = None
    fabric: Optional[str] = None
    nics: Optional[int] = field(default=None, metadata=doc("NICs aws-ofi-nccl found"))
    platform: Optional[str] = None
    ib_devices: Optional[str] = None
    ib_no_device: Optional[bool] = None
    socket_available: Optional[bool] = None
    transports: dict[str, int] = field(default_factory=dict, metadata=doc("channel connections per transport"))
    net_channels_gdr: Optional[int] = None
    net_channels_no_gdr: Optional[int] = None
    rings_gdr: Optional[int] = None
    nvls_available: Optional[bool] = None
    nvls_channels: Optional[int] = None
    algo_proto: list[AlgoProto] = field(default_factory=list)
    nranks: Optional[int] = None
    nnodes: Optional[int] = None
    nccl: Optional[str] = None
    warnings: list[str] = field(default_factory=list)
    env_set: dict[str, str] = field(default_factory=dict, metadata=doc(
        "settings NCCL reports as 'X set by environment to Y' (the log's own record of the environment)"))
    graph_paths: list[str] = field(default_factory=list, metadata=doc(
        "path types of the graph search ('type NVL/PIX'): how far the GPUs are from the NICs"))
    ib_device_count: Optional[int] = field(default=None, metadata=doc("HCAs in 'NET/IB : Using ...'"))
    gdr_disabled_hcas: list[str] = field(default_factory=list, metadata=doc(
        "HCAs in 'NET/IB : GPU Direct RDMA Disabled for HCA ...'"))
    gdr_far: list[str] = field(default_factory=list, metadata=doc(
        "'GPU Direct RDMA Disabled for GPU x / HCA y (distance d > l)': NIC further from the GPU than the GDR level"))
    topo_file: Optional[str] = field(default=None, metadata=doc(
        "the topology file the net plugin set ('Setting NCCL_TOPO_FILE environment variable to ...')"))
    unknown: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def upgrade(cls, data: dict[str, Any]) -> dict[str, Any]:
        path = data.get("path")
        if path is not None and path not in {p.value for p in NcclPath}:
            data["path"] = NcclPath.OTHER.value  # schema 1 stored a raw network name
        return data


@dataclass
class NativeTimer:
    """Whether the native MPI timing loop was used and, if not, why."""

    available: Optional[bool] = None
    reason: str = ""
    mpicc: Optional[str] = field(default=None, metadata=doc("the compiler: MPICC, beside libmpi, sys.prefix, PATH"))
    mpicc_found: Optional[str] = field(default=None, metadata=doc("where it was found, or why none was"))
    unknown: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Footer:
    out_of_bounds: Optional[int] = None
    ok: Optional[bool] = None
    avg_busbw: Optional[float] = None


@dataclass
class LogSource:
    """An ingested log: the file and what its header said."""

    path: str
    format: str = field(default="text", metadata=doc("text · json · jsonl"))
    program: Optional[str] = None
    params: dict[str, Any] = field(default_factory=dict, metadata=doc("the '# nThread ... iters ...' line"))
    columns: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: list[list[Any]] = field(default_factory=list, metadata=doc("[line, why] of row-like lines not read"))
    elided: bool = False
    footer: Footer = field(default_factory=Footer)
    unknown: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Device:
    """A 'Rank N Group G Pid P on HOST device D [PCI] NAME' line of a log."""

    rank: int
    host: str
    device: int
    pci: str = ""
    name: str = ""
    pid: Optional[int] = None
    group: Optional[int] = None


@dataclass
class SkippedSizes:
    """Requested sizes a case did not run, and why (nccl-tests prints them as 0-byte rows)."""

    collective: str
    backend: str
    dtype: str
    sizes: list[int]
    reason: str


@dataclass
class Inferred:
    """What a log says about its machine (each value marked inferred; `evidence` says from what)."""

    gpu: Optional[str] = field(default=None, metadata=doc("GPU model key, e.g. 'H100 80GB' (device lines)"))
    gpus_per_node: Optional[int] = None
    nodes: Optional[int] = field(default=None, metadata=doc("distinct hosts in the device lines"))
    fabric: Optional[str] = field(default=None, metadata=doc("EFA · InfiniBand/RoCE · GPUDirect-TCPX · TCP sockets"))
    nics: Optional[int] = field(default=None, metadata=doc("NICs NCCL reported ('found N nics', HCAs listed)"))
    instance_type: Optional[str] = field(default=None, metadata=doc("only when one catalog row fits every fact"))
    candidates: list[str] = field(default_factory=list, metadata=doc("catalog rows that fit what is known"))
    evidence: list[str] = field(default_factory=list)

    @property
    def group(self) -> str:
        """How reports group a run whose family is unknown: GPU model and fabric, as far as known."""
        parts = [self.gpu or "unknown GPU", self.fabric or "unknown fabric"]
        return " · ".join(parts) if self.gpu or self.fabric else "unknown"


@dataclass
class RunRecord:
    """One run: an own launch (one mpirun) or one ingested log."""

    run_id: str = field(metadata=doc("`<UTC %Y%m%dT%H%M%SZ>-<tag>-<6 hex>`"))
    schema: int = field(default=SCHEMA_VERSION, metadata=doc("2 (1: before the typed model; still read)"))
    source: str = field(default="fabricbench", metadata=doc("fabricbench · nccl-tests · rccl-tests · ..."))
    status: RunStatus = field(default=RunStatus.INCOMPLETE, metadata=doc(
        "written `incomplete` first, so a run killed at any moment says it did not finish"))
    status_reason: str = field(default="", metadata=doc("one line; a timeout names the collective, size, ranks"))
    started: Optional[str] = field(default=None, metadata=doc("UTC ISO-8601"))
    ended: Optional[str] = field(default=None, metadata=doc("UTC ISO-8601; null until the run records its end"))
    ingested: Optional[str] = field(default=None, metadata=doc("when a log was ingested (UTC)"))
    command: Optional[list[str]] = field(default=None, metadata=doc("argv, secrets scrubbed"))
    config: dict[str, Any] = field(default_factory=dict, metadata=doc("the resolved configuration (own runs)"))
    nranks: Optional[int] = field(default=None, metadata=doc("world size (ranks); null = unknown"))
    nnodes: Optional[int] = field(default=None, metadata=doc("distinct hosts; null = unknown"))
    hosts: dict[str, list[int]] = field(default_factory=dict, metadata=doc("host -> ranks on it"))
    launcher: Optional[str] = field(default=None, metadata=doc("openmpi · hydra · pmix · srun · singleton"))
    instance: Instance = field(default_factory=Instance)
    versions: Versions = field(default_factory=Versions)
    backends: list[BackendInfo] = field(default_factory=list)
    environment: dict[str, str] = field(default_factory=dict, metadata=doc(
        "NCCL_*, FI_*, UCX_*, OMPI_* ... variables; secrets `<redacted>` by name and by value"))
    host: HostFacts = field(default_factory=HostFacts)
    harness_floor_ns: dict[str, Optional[float]] = field(default_factory=dict, metadata=doc(
        "median empty-sample time per timer implementation"))
    native_timer: Optional[NativeTimer] = None
    points_completed: int = field(default=0, metadata=doc("size points recorded in samples.jsonl"))
    skipped: list[SkippedSizes] = field(default_factory=list, metadata=doc("requested sizes that moved no data"))
    wrong_points: int = field(default=0, metadata=doc("points with wrong elements"))
    preflight: Preflight = field(default_factory=Preflight)
    nccl_info: NcclInfo = field(default_factory=NcclInfo)
    classification: Optional[LogClass] = field(default=None, metadata=doc("ingested logs: what the log is"))
    trusted: bool = field(default=True, metadata=doc("false: its numbers contradict themselves; never a result"))
    log: Optional[LogSource] = None
    nranks_devices: Optional[int] = field(default=None, metadata=doc("ranks from a log's device lines"))
    nranks_derived: Optional[int] = field(default=None, metadata=doc("ranks implied by busbw/algbw"))
    devices: list[Device] = field(default_factory=list, metadata=doc("a log's device lines"))
    locate: dict[str, Any] = field(default_factory=dict, metadata=doc(
        "--pattern locate: the rounds (groups, busbw, healthy level, decisions) and the verdicts"))
    hang: dict[str, Any] = field(default_factory=dict, metadata=doc(
        "on a timeout: the stage it stopped in, what it waited for, the missing ranks and hosts, "
        "each rank's last progress"))
    production: dict[str, Any] = field(default_factory=dict, metadata=doc(
        "NCCL Inspector jobs: mode, format version, files, lines, communicators (name, ranks, hosts), "
        "operations some rank never reported, lines not read"))
    fabric_counters: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict, metadata=doc(
        "per host, per RDMA NIC port ('dev:port'): the sysfs counters that grew during the run"))
    inferred: Optional[Inferred] = field(default=None, metadata=doc(
        "ingested logs: what the log itself says about its machine, with the evidence (benchmarks/model/infer.py)"))
    outcome: Optional[str] = field(default=None, metadata=doc("nccl-tests driver: ok · wrong_data · timeout ..."))
    outcome_reason: Optional[str] = field(default=None, metadata=doc("nccl-tests driver: the outcome in one line"))
    exit_status: Optional[int] = field(default=None, metadata=doc("nccl-tests driver: the binary's exit status"))
    seconds: Optional[float] = field(default=None, metadata=doc("nccl-tests driver: wall time"))
    features: dict[str, Any] = field(default_factory=dict, metadata=doc("nccl-tests driver: options the binary has"))
    unknown: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def upgrade(cls, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("nccl_info") is None:
            data["nccl_info"] = {}
        if data.get("preflight") is None:
            data["preflight"] = {}
        if data.get("host") is None:
            data["host"] = {}
        if data.get("instance") is None:
            data["instance"] = {}
        if data.get("versions") is None:
            data["versions"] = {}
        return data

    def to_json_dict(self) -> dict[str, Any]:
        return to_dict(self)

    @classmethod
    def from_json_dict(cls, data: Any, where: str = "run.json") -> RunRecord:
        return from_dict(cls, data)

    @property
    def ranks_per_node(self) -> Optional[int]:
        if self.nranks and self.nnodes:
            return self.nranks // self.nnodes
        return None

    def rank_hosts(self) -> dict[int, str]:
        """rank -> host, from ``hosts``."""
        return {int(r): h for h, ranks in self.hosts.items() for r in ranks}

    @property
    def nccl_version(self) -> Optional[str]:
        return self.versions.nccl or self.nccl_info.nccl
