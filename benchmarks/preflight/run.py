"""Preflight across a job: each host's facts gathered to rank 0, judged, summarised for run.json."""

from __future__ import annotations

from typing import Any, Optional

from fabricbench.benchmarks.preflight.gather import host_facts
from fabricbench.benchmarks.preflight.verdict import expectations, host_findings, judge, transport_findings


def preflight(topo: Any, device: str, instance_type: Optional[str], nccl_info: Optional[dict] = None) -> dict:
    """Every rank calls this; one rank per host probes; every rank gets the same summary."""
    facts = host_facts(instance_type) if topo.local_rank == 0 else None
    everyone = [f for f in topo.comm.allgather(facts) if f is not None]
    return summarise(everyone, device, instance_type, topo.nnodes, nccl_info)


def summarise(hosts: list[dict], device: str, instance_type: Optional[str], nnodes: Optional[int],
              nccl_info: Optional[dict] = None) -> dict[str, Any]:
    per_host = []
    findings = []
    for facts in hosts:
        found = host_findings(facts, device, instance_type)
        findings += [(lvl, f"{facts['host']}: {msg}") for lvl, msg in found]
        per_host.append({"host": facts["host"], **judge(found), "gpus": facts["gpus"].get("count"),
                         "gpu_model": facts["gpus"].get("model"), "rdma": facts["rdma_counts"],
                         "aws_ofi_nccl": facts["aws_ofi_nccl"], "libfabric": facts["libfabric"],
                         "fi_info": facts["fi_info"], "instance_type": facts["instance"]["instance_type"]})
    itype = instance_type or (hosts[0]["instance"]["instance_type"] if hosts else None)
    findings += transport_findings(nccl_info or {}, expectations(itype), nnodes)
    return {**judge(findings), "hosts": per_host}


def from_nccl_info(info: dict, instance_type: Optional[str], nnodes: Optional[int]) -> dict[str, Any]:
    """The verdict for an ingested nccl-tests log: only what its NCCL INFO lines say."""
    exp = expectations(instance_type)
    findings = transport_findings(info, exp, nnodes)
    if not info or not info.get("lines"):
        findings.append(("ok", "no NCCL INFO lines in the log: transport not known (rerun with NCCL_DEBUG=INFO)"))
    return judge(findings)
