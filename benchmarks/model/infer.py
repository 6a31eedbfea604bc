"""Where did this log run? What the log itself says, each fact with its evidence, never a guess.

GPU model and count per node from the device lines ('NVIDIA H100 80GB HBM3', 'AMD Instinct MI350X'),
nodes from the distinct hosts, the fabric from NCCL's INFO facts (EFA/libfabric, IB HCAs, TCPX,
sockets). An instance type only where the catalog has exactly one row that fits every fact found
(GPU model and memory, GPUs per node, fabric, NIC count): 8 x H100 80GB with EFA and 32 NICs is
p5.48xlarge; the same GPUs with no INFO lines could be four instance types, and stay unknown.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Optional

from fabricbench.benchmarks.model.enums import NcclPath
from fabricbench.benchmarks.model.run import Inferred, RunRecord

_GPU = re.compile(r"\b(GB300|GB200|GB10|B300|B200|H200|H100|H800|H20|A100|A800|A10G|A40|L40S|L4|V100|P100|T4|"
                  r"MI355X|MI350X|MI325X|MI300X|MI250X|MI250|MI210|MI100|RTX ?\d{4}\w*)\b", re.I)
_MEM = re.compile(r"(\d{2,3})\s?GB", re.I)
# NCCL's path -> the fabric as the catalog's internode_network names it (its first word decides)
FABRIC = {NcclPath.EFA: "EFA", NcclPath.EFA_RDMA: "EFA", NcclPath.IB: "InfiniBand/RoCE",
          NcclPath.IB_RDMA: "InfiniBand/RoCE", NcclPath.TCPX: "GPUDirect-TCPX", NcclPath.SOCKET: "TCP sockets"}
_CATALOG_FABRIC = {"EFA": ("EFA",), "InfiniBand/RoCE": ("InfiniBand", "RoCE"), "GPUDirect-TCPX": ("TCPX",),
                   "TCP sockets": ()}


def gpu_key(name: str) -> Optional[str]:
    """'NVIDIA H100 80GB HBM3' -> 'H100 80GB'; 'AMD Instinct MI350X' -> 'MI350X'; None if no known GPU."""
    m = _GPU.search(name or "")
    if not m:
        return None
    mem = _MEM.search(name[m.end():] or "") or _MEM.search(name)
    model = m.group(1).upper().replace(" ", "")
    return f"{model} {mem.group(1)}GB" if mem and not model.startswith(("MI", "GB", "B")) else model


def same_gpu(a: Optional[str], b: Optional[str]) -> bool:
    """Same model, and the same memory where both name one ('H200' is 'H200 141GB')."""
    if not a or not b:
        return False
    (ma, _, mem_a), (mb, _, mem_b) = a.partition(" "), b.partition(" ")
    return ma == mb and (not mem_a or not mem_b or mem_a == mem_b)


def infer(rec: RunRecord, catalog: list[dict[str, str]]) -> Inferred:
    out = Inferred()
    models = Counter(gpu_key(d.name) for d in rec.devices if d.name)
    models.pop(None, None)
    if len(models) == 1:
        out.gpu = next(iter(models))
        example = next(d.name for d in rec.devices if gpu_key(d.name) == out.gpu)
        out.evidence.append(f"{sum(models.values())} device line(s) '{example}'")
    hosts = Counter(d.host for d in rec.devices if d.host)
    whole = sorted(d.rank for d in rec.devices) == list(range(len(rec.devices)))  # an excerpt counts nothing
    if hosts and whole:
        out.nodes = len(hosts)
        per = set(hosts.values())
        out.gpus_per_node = per.pop() if len(per) == 1 else None
        out.evidence.append(f"{len(hosts)} host(s) in the device lines"
                            + (f", {out.gpus_per_node} GPU(s) each" if out.gpus_per_node else ""))
    info = rec.nccl_info
    out.fabric = FABRIC.get(info.path)
    if out.fabric:
        out.evidence.append(f"NCCL path {info.path} ({info.network or info.provider or 'channels'})")
    out.nics = info.nics if info.nics is not None else info.ib_device_count
    if out.nics is not None:
        out.evidence.append(f"NCCL found {out.nics} NIC(s)")
    out.candidates = _candidates(out, catalog)
    if len(out.candidates) == 1 and out.gpu and out.fabric:  # every fact agrees with exactly one row
        out.instance_type = out.candidates[0]
    return out


def _candidates(found: Inferred, catalog: list[dict[str, str]]) -> list[str]:
    if not found.gpu:
        return []
    fits = []
    for row in catalog:
        if not same_gpu(gpu_key(row.get("accelerator_model", "")), found.gpu):
            continue
        if found.gpus_per_node and str(found.gpus_per_node) != str(row.get("accelerator_count", "")):
            continue
        if found.fabric and not any(w in row.get("internode_network", "") for w in _CATALOG_FABRIC[found.fabric]):
            continue
        nics = row.get("internode_nic_count", "")
        if found.nics is not None and nics.isdecimal() and int(nics) != found.nics:
            continue
        fits.append(row["instance_type"])
    return fits
