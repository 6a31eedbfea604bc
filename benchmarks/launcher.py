"""Bootstrap from MPI under mpirun (Open MPI, MPICH/Hydra), srun or a singleton.

MPI gives rank, size, the node-local rank (shared-memory split) and the host. Rank 0 then
starts a TCP store on a free port and broadcasts its address over MPI: the store is the
rendezvous for torch.distributed (no torchrun) and the side channel that the hang watchdog
reads, because a rank stuck inside a collective cannot answer anything else.
"""

from __future__ import annotations

import datetime
import os
import socket
from dataclasses import dataclass, field
from typing import Any, Optional

from fabricbench.collectives.backends.netif import ipv4_interfaces

_RANK_VARS = ("OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID")
_LAUNCHERS = (
    ("OMPI_COMM_WORLD_SIZE", "openmpi"),
    ("PMI_SIZE", "hydra"),
    ("PMIX_RANK", "pmix"),
    ("SLURM_STEP_ID", "srun"),
)


def env_rank() -> int:
    """This process's rank from the launcher's environment, before MPI is initialised."""
    for var in _RANK_VARS:
        value = os.environ.get(var)
        if value is not None and value.isdecimal():
            return int(value)
    return 0


def detect_launcher() -> str:
    for var, name in _LAUNCHERS:
        if var in os.environ:
            return name
    return "singleton"


def import_mpi() -> Any:
    """mpi4py with the funneled thread level: THREAD_MULTIPLE makes MPICH 2-3x slower."""
    import mpi4py

    mpi4py.rc.thread_level = "funneled"
    from mpi4py import MPI

    return MPI


@dataclass
class Topology:
    comm: Any  # control plane: barriers, gathers, decisions (a Dup of COMM_WORLD)
    rank: int
    size: int
    local_rank: int
    local_size: int
    host: str
    hosts: list[str] = field(default_factory=list)  # host of every rank, in rank order
    launcher: str = "singleton"

    @property
    def nnodes(self) -> int:
        return len(set(self.hosts))

    def ranks_per_host(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for r, h in enumerate(self.hosts):
            out.setdefault(h, []).append(r)
        return out


def bootstrap() -> Topology:
    MPI = import_mpi()
    world = MPI.COMM_WORLD
    comm = world.Dup()
    node = comm.Split_type(MPI.COMM_TYPE_SHARED, key=comm.rank)
    local_rank, local_size = node.rank, node.size
    node.Free()
    host = socket.gethostname()
    hosts = comm.allgather(host)
    return Topology(comm, comm.rank, comm.size, local_rank, local_size, host, hosts, detect_launcher())


def _ipv4_addresses() -> list[str]:
    return [addr for _, addr in ipv4_interfaces()]


def rendezvous_address(topology: Topology) -> str:
    explicit = os.environ.get("FABRICBENCH_MASTER_ADDR") or os.environ.get("MASTER_ADDR")
    if explicit:
        return explicit
    if topology.nnodes == 1:
        return "127.0.0.1"
    addresses = _ipv4_addresses()
    return addresses[0] if addresses else socket.gethostbyname(topology.host)


@dataclass
class Rendezvous:
    store: Any
    address: tuple[str, int]
    kind: str = "kv"  # "torch": a TCPStore (the torch.distributed rendezvous); "kv": benchmarks.kvstore
    server: Any = None  # rank 0's KVServer, kept alive for the run


def start_store(topology: Topology, timeout_s: float = 300.0, torch_store: bool = False) -> Rendezvous:
    """The side channel hosted by rank 0 (every rank gets a client). A torch TCPStore when the run uses
    torch (its process groups rendezvous through it), else a pure-Python store: MPI-only runs never
    import torch."""
    if torch_store:
        return _torch_store(topology, timeout_s)
    from fabricbench.benchmarks.kvstore import KVClient, KVServer

    server, info = None, None
    if topology.rank == 0:
        server = KVServer(rendezvous_address(topology))
        info = server.address
    addr, port = topology.comm.bcast(info, root=0)
    return Rendezvous(KVClient(addr, port, timeout_s), (addr, port), "kv", server)


def _torch_store(topology: Topology, timeout_s: float) -> Rendezvous:
    from torch.distributed import TCPStore

    timeout = datetime.timedelta(seconds=timeout_s)
    info: Optional[tuple[str, int]] = None
    store = None
    if topology.rank == 0:
        addr = rendezvous_address(topology)
        store = TCPStore(addr, 0, topology.size, True, timeout=timeout, wait_for_workers=False)
        info = (addr, store.port)
    addr, port = topology.comm.bcast(info, root=0)
    if store is None:
        store = TCPStore(addr, port, topology.size, False, timeout=timeout)
    return Rendezvous(store, (addr, port), "torch")


def store_client(rdv: Rendezvous, size: int, timeout_s: float = 30.0) -> Any:
    """A second client, for a thread that must not share the main thread's connection."""
    addr, port = rdv.address
    if rdv.kind == "kv":
        from fabricbench.benchmarks.kvstore import KVClient

        return KVClient(addr, port, timeout_s)
    from torch.distributed import TCPStore

    return TCPStore(addr, port, size, False, timeout=datetime.timedelta(seconds=timeout_s))
