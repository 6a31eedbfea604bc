"""From facts (host probes and/or NCCL INFO transport facts) to ok / warning / invalid verdicts.

Each rule is a small function returning (level, reason) findings; the verdict is the worst level.
Expectations come from the catalog (configs/instances.csv), never from hard-coded numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

from fabricbench.benchmarks.model.catalog import expectations
from fabricbench.benchmarks.model.enums import NcclPath, Verdict
from fabricbench.benchmarks.model.run import Finding, NcclInfo

__all__ = ["expectations", "drift_findings", "host_findings", "judge", "transport_findings"]

OK, WARNING, INVALID = Verdict.OK, Verdict.WARNING, Verdict.INVALID


def _gpu_rule(facts: dict, exp: dict, device: str) -> list[Finding]:
    count = (facts.get("gpus") or {}).get("count", 0)
    if device == "cpu":
        return [Finding(OK, "no GPU needed: CPU backends")] if count == 0 else []
    if count == 0:
        return [Finding(INVALID, "device cuda requested but no GPU is visible")]
    if exp.get("gpus") and count != exp["gpus"]:
        return [Finding(WARNING, f"{count} GPUs visible on {exp['instance_type']}, expected {exp['gpus']}")]
    return []


def _nic_rule(facts: dict, exp: dict, device: str) -> list[Finding]:
    counts = facts.get("rdma_counts") or {}
    efa = counts.get("efa", 0)
    if not exp:
        if device == "cpu" and not efa:
            return [Finding(OK, "no EFA (not needed for CPU backends)")]
        return []
    if exp.get("efa") and exp.get("nics"):
        if efa == 0:
            level = WARNING if device == "cpu" else INVALID
            return [Finding(level, f"EFA not available on {exp['instance_type']}: "
                            f"expected {exp['nics']} EFA devices, found 0")]
        if efa < exp["nics"]:
            return [Finding(WARNING, f"{efa} of {exp['nics']} EFA devices present on {exp['instance_type']}")]
    if exp.get("ib") and exp.get("nics") and counts.get("ib", 0) < exp["nics"]:
        return [Finding(WARNING, f"{counts.get('ib', 0)} of {exp['nics']} InfiniBand HCAs present "
                                 f"on {exp['instance_type']}")]
    return []


def _topology_rule(facts: dict, exp: dict, device: str) -> list[Finding]:
    topo = facts.get("topology")
    if device == "cuda" and exp.get("nvlink") and topo and topo["gpus"] and not any(topo["nvlinks"].values()):
        return [Finding(WARNING, "nvidia-smi topo -m shows no NVLink between GPUs on an NVLink instance type")]
    return []


def transport_findings(info: NcclInfo, exp: dict[str, Any], nnodes: Optional[int]) -> list[Finding]:
    """Rules over NCCL INFO facts (benchmarks.nccltests.ncclinfo.parse_info), own runs and logs alike."""
    out: list[Finding] = []
    if not info.lines:
        return out
    path = info.path
    fabric = "EFA" if exp.get("efa") else "InfiniBand" if exp.get("ib") else None
    multi = (nnodes or 0) > 1 or path not in (NcclPath.INTRA_NODE, NcclPath.UNKNOWN)
    if path is NcclPath.SOCKET and multi:
        where = f" on {exp['instance_type']}" if exp else ""
        why = f": {fabric} not used" if fabric else ""
        expected = f" (expected {exp['nics']} {fabric} devices)" if fabric and exp.get("nics") else ""
        out.append(Finding(INVALID if fabric else WARNING, f"NET/Socket in use{where}{why}{expected}"))
    if info.net_plugin_missing and exp.get("efa"):
        out.append(Finding(WARNING, "NCCL found no net plugin (aws-ofi-nccl not loaded): check LD_LIBRARY_PATH"))
    if exp.get("efa") and info.nics is not None and exp.get("nics") and info.nics < exp["nics"]:
        out.append(Finding(WARNING, f"aws-ofi-nccl found {info.nics} NICs, expected {exp['nics']}"))
    if exp.get("gdr") and path in (NcclPath.EFA, NcclPath.IB) and multi:
        out.append(Finding(WARNING, "inter-node channels without GPUDirect RDMA (no /GDRDMA) on a GDR instance type"))
    return out


def _nic_error_rule(facts: dict, exp: dict, device: str) -> list[Finding]:
    errs = facts.get("nic_errors") or {}
    return [Finding(WARNING, f"{nic} error counters non-zero: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
            for nic, c in sorted(errs.items())]


HOST_RULES: list[Callable[[dict, dict, str], list[Finding]]] = [_gpu_rule, _nic_rule, _topology_rule, _nic_error_rule]

# What every host of a job should share: a host that differs from the others is named.
DRIFT_FACTS: dict[str, Callable[[dict], Any]] = {
    "GPU model": lambda f: (f.get("gpus") or {}).get("model"),
    "NVIDIA driver": lambda f: (f.get("gpus") or {}).get("driver"),
    "CUDA": lambda f: (f.get("gpus") or {}).get("cuda"),
    "NCCL": lambda f: (f.get("gpus") or {}).get("nccl"),
    "aws-ofi-nccl": lambda f: f.get("aws_ofi_nccl"),
    "EFA installer": lambda f: f.get("efa_installer"),
    "libfabric": lambda f: f.get("libfabric"),
    "RDMA devices": lambda f: ", ".join(f"{k} {v}" for k, v in sorted((f.get("rdma_counts") or {}).items())) or None,
}


def drift_findings(hosts: list[dict]) -> list[Finding]:
    """Versions and settings that differ across hosts, each naming the host(s) in the minority."""
    if len(hosts) < 2:
        return []
    facts = dict(DRIFT_FACTS)
    names = sorted({k for h in hosts for k in (h.get("env") or {})})
    facts.update({name: (lambda f, n=name: (f.get("env") or {}).get(n)) for name in names})
    out = []
    for what, get in facts.items():
        by_value: dict[Any, list[str]] = {}
        for h in hosts:
            by_value.setdefault(get(h), []).append(h["host"])
        if len(by_value) < 2:
            continue
        common = max(by_value.items(), key=lambda kv: (len(kv[1]), str(kv[0])))[0]
        odd = "; ".join(f"{', '.join(sorted(hs))} {'unset' if v is None else repr(v)}"
                        for v, hs in sorted(by_value.items(), key=lambda kv: str(kv[0])) if v != common)
        out.append(Finding(WARNING, f"{what} differs across hosts: {odd} (the others: "
                                    f"{'unset' if common is None else repr(common)})"))
    return out


def judge(findings: list[Finding]) -> Verdict:
    return Verdict.worst([f.level for f in findings])


def host_findings(facts: dict[str, Any], device: str, instance_type: Optional[str]) -> list[Finding]:
    exp = expectations(instance_type or (facts.get("instance") or {}).get("instance_type"))
    return [f for rule in HOST_RULES for f in rule(facts, exp, device)]
