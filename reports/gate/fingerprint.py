"""Fingerprints: what must match for two launches to be comparable, and what changed between them.

Context keys must be equal (else the comparison is not a performance verdict: exit 4).
Treatment keys are what a CI run is testing (NCCL, plugin, libfabric, drivers, CUDA, container,
harness revision); a difference is shown as the suspected cause. Soft keys only warn.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any, Optional

from fabricbench.benchmarks.model.run import RunRecord

CONTEXT_KEYS = ("instance_type", "nnodes", "ranks_per_node")
TREATMENT_KEYS = ("nccl", "aws_ofi_nccl", "libfabric", "efa_installer", "nvidia_driver", "cuda", "torch",
                  "mpi_library", "mpi4py", "container", "fabricbench")
SOFT_KEYS = ("kernel", "python", "hosts", "placement")


def _first_line(value: Any) -> Optional[str]:
    return str(value).strip().splitlines()[0].strip() if value not in (None, "") else None


def _one(values: Iterable[Any]) -> Optional[str]:
    found = sorted({str(v) for v in values if v not in (None, "")})
    return ",".join(found) if found else None


def fingerprint(rec: RunRecord) -> dict[str, dict[str, Any]]:
    """The three key groups of one launch."""
    v, info, hosts = rec.versions, rec.nccl_info, rec.preflight.hosts
    context = {"instance_type": rec.instance.instance_type or "unknown", "nnodes": rec.nnodes,
               "ranks_per_node": rec.ranks_per_node}
    treatment = {
        "nccl": rec.nccl_version,
        "aws_ofi_nccl": info.aws_ofi_nccl or _one(h.aws_ofi_nccl for h in hosts),
        "libfabric": info.libfabric or _one(h.libfabric for h in hosts),
        "efa_installer": _one(h.efa_installer for h in hosts),
        "nvidia_driver": _one(h.driver for h in hosts),
        "cuda": v.cuda,
        "torch": v.torch,
        "mpi_library": _first_line(v.mpi_library),
        "mpi4py": v.mpi4py,
        "container": rec.environment.get("FABRICBENCH_CONTAINER"),
        "fabricbench": v.fabricbench,
    }
    names = sorted(rec.hosts)
    soft = {
        "kernel": rec.host.kernel,
        "python": v.python,
        "hosts": hashlib.sha256("\n".join(names).encode()).hexdigest()[:12] if names else None,
        "placement": rec.environment.get("FABRICBENCH_PLACEMENT_GROUP"),
    }
    return {"context": context, "treatment": treatment, "soft": soft}


def distinct(prints: list[dict[str, dict[str, Any]]], group: str) -> dict[str, list[str]]:
    """Every value each key takes over an arm's launches (more than one: the launches disagree)."""
    keys = {k for p in prints for k in p[group]}
    return {k: sorted({str(p[group][k]) for p in prints if p[group].get(k) not in (None, "")}) for k in sorted(keys)}


def merged(prints: list[dict[str, dict[str, Any]]], group: str) -> dict[str, Optional[str]]:
    """One printable value per key over an arm's launches ("a | b" when they disagree)."""
    return {k: " | ".join(vals) if vals else None for k, vals in distinct(prints, group).items()}


def disagreements(prints: list[dict[str, dict[str, Any]]], group: str) -> dict[str, list[str]]:
    return {k: vals for k, vals in distinct(prints, group).items() if len(vals) > 1}


def context_mismatches(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return [f"{k}: {a.get(k)} vs {b.get(k)}" for k in CONTEXT_KEYS if str(a.get(k)) != str(b.get(k))]


def diff(a: dict[str, Any], b: dict[str, Any], keys: Iterable[str]) -> list[dict[str, Any]]:
    return [{"key": k, "baseline": a.get(k), "candidate": b.get(k)} for k in keys if a.get(k) != b.get(k)]


def digest(values: dict[str, Any]) -> str:
    text = "\n".join(f"{k}={values[k]}" for k in sorted(values))
    return hashlib.sha256(text.encode()).hexdigest()[:12]
