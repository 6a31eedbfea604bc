"""Fingerprints: what must match for two launches to be comparable, and what changed between them.

Context keys must be equal (else the comparison is not a performance verdict: exit 4).
Treatment keys are what a CI run is testing (NCCL, plugin, libfabric, drivers, CUDA, container,
harness revision); a difference is shown as the suspected cause. Soft keys only warn.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any, Optional

CONTEXT_KEYS = ("instance_type", "nnodes", "ranks_per_node")
TREATMENT_KEYS = ("nccl", "aws_ofi_nccl", "libfabric", "efa_installer", "nvidia_driver", "cuda", "torch",
                  "mpi_library", "mpi4py", "container", "fabricbench")
SOFT_KEYS = ("kernel", "python", "hosts", "placement")


def _first_line(value: Any) -> Optional[str]:
    return str(value).strip().splitlines()[0].strip() if value not in (None, "") else None


def _one(values: Iterable[Any]) -> Optional[str]:
    found = sorted({str(v) for v in values if v not in (None, "")})
    return ",".join(found) if found else None


def fingerprint(meta: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The three key groups of one launch (run.json)."""
    versions = meta.get("versions") or {}
    info = meta.get("nccl_info") or {}
    hosts_facts = ((meta.get("preflight") or {}).get("hosts") or {})
    facts = list(hosts_facts.values()) if isinstance(hosts_facts, dict) else list(hosts_facts)
    env = meta.get("environment") or {}
    nnodes = meta.get("nnodes")
    nranks = meta.get("nranks")
    rpn = nranks // nnodes if isinstance(nranks, int) and isinstance(nnodes, int) and nnodes else None
    hosts = sorted((meta.get("hosts") or {}).keys())
    context = {"instance_type": (meta.get("instance") or {}).get("instance_type") or "unknown",
               "nnodes": nnodes, "ranks_per_node": rpn}
    treatment = {
        "nccl": versions.get("nccl") or info.get("nccl"),
        "aws_ofi_nccl": info.get("aws_ofi_nccl") or _one(f.get("aws_ofi_nccl") for f in facts if isinstance(f, dict)),
        "libfabric": info.get("libfabric"),
        "efa_installer": _one(f.get("efa_installer") for f in facts if isinstance(f, dict)),
        "nvidia_driver": _one((f.get("gpus") or {}).get("driver") for f in facts if isinstance(f, dict)),
        "cuda": versions.get("cuda"),
        "torch": versions.get("torch"),
        "mpi_library": _first_line(versions.get("mpi_library")),
        "mpi4py": versions.get("mpi4py"),
        "container": env.get("FABRICBENCH_CONTAINER"),
        "fabricbench": versions.get("fabricbench"),
    }
    soft = {
        "kernel": (meta.get("host") or {}).get("kernel"),
        "python": versions.get("python"),
        "hosts": hashlib.sha256("\n".join(hosts).encode()).hexdigest()[:12] if hosts else None,
        "placement": env.get("FABRICBENCH_PLACEMENT_GROUP"),
    }
    return {"context": context, "treatment": treatment, "soft": soft}


def merged(prints: list[dict[str, dict[str, Any]]], group: str) -> dict[str, Optional[str]]:
    """One value per key over an arm's launches ('a,b' when its launches disagree)."""
    keys = {k for p in prints for k in p[group]}
    return {k: _one(p[group].get(k) for p in prints) for k in sorted(keys)}


def context_mismatches(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return [f"{k}: {a.get(k)} vs {b.get(k)}" for k in CONTEXT_KEYS if str(a.get(k)) != str(b.get(k))]


def diff(a: dict[str, Any], b: dict[str, Any], keys: Iterable[str]) -> list[dict[str, Any]]:
    return [{"key": k, "baseline": a.get(k), "candidate": b.get(k)} for k in keys if a.get(k) != b.get(k)]


def digest(values: dict[str, Any]) -> str:
    text = "\n".join(f"{k}={values[k]}" for k in sorted(values))
    return hashlib.sha256(text.encode()).hexdigest()[:12]
