"""Preflight across a job: each host's facts gathered to rank 0, judged, summarised as a Preflight record."""

from __future__ import annotations

from typing import Any, Optional

from fabricbench.benchmarks.model.run import Finding, NcclInfo, Preflight, PreflightHost
from fabricbench.benchmarks.preflight.gather import host_facts
from fabricbench.benchmarks.preflight.verdict import (
    drift_findings,
    expectations,
    host_findings,
    judge,
    transport_findings,
)


def preflight(topo: Any, device: str, instance_type: Optional[str], nccl_info: Optional[NcclInfo] = None) -> Preflight:
    """Every rank calls this; one rank per host probes; every rank gets the same summary."""
    facts = host_facts(instance_type, device=device) if topo.local_rank == 0 else None
    everyone = [f for f in topo.comm.allgather(facts) if f is not None]
    return summarise(everyone, device, instance_type, topo.nnodes, nccl_info)


def host_record(facts: dict[str, Any], findings: list[Finding]) -> PreflightHost:
    gpus = facts.get("gpus") or {}
    return PreflightHost(
        host=facts["host"], verdict=judge(findings), findings=findings,
        instance_type=(facts.get("instance") or {}).get("instance_type"), gpus=gpus.get("count"),
        gpu_model=gpus.get("model"), driver=gpus.get("driver"), rdma=facts.get("rdma_counts") or {},
        aws_ofi_nccl=facts.get("aws_ofi_nccl"), efa_installer=facts.get("efa_installer"),
        libfabric=facts.get("libfabric"), fi_info=facts.get("fi_info"))


def summarise(hosts: list[dict], device: str, instance_type: Optional[str], nnodes: Optional[int],
              nccl_info: Optional[NcclInfo] = None) -> Preflight:
    per_host, findings = [], []
    for facts in hosts:
        found = host_findings(facts, device, instance_type)
        findings += [Finding(f.level, f"{facts['host']}: {f.message}") for f in found]
        per_host.append(host_record(facts, found))
    findings += drift_findings(hosts)
    itype = instance_type or (hosts[0]["instance"]["instance_type"] if hosts else None)
    findings += transport_findings(nccl_info or NcclInfo(), expectations(itype), nnodes)
    return Preflight(verdict=judge(findings), findings=findings, hosts=per_host)


def from_nccl_info(info: NcclInfo, instance_type: Optional[str], nnodes: Optional[int]) -> Preflight:
    """The verdict for an ingested log: only what its NCCL INFO lines say."""
    findings = transport_findings(info, expectations(instance_type), nnodes)
    if not info.lines:
        findings.append(Finding(judge([]), "no NCCL INFO lines in the log: transport not known "
                                           "(rerun with NCCL_DEBUG=INFO)"))
    return Preflight(verdict=judge(findings), findings=findings)
