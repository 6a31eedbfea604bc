"""The collective registry: name -> spec. Specs register themselves on import."""

from __future__ import annotations

import re
from typing import Optional

from fabricbench.collectives.spec import CollectiveSpec

_SPECS: dict[str, CollectiveSpec] = {}
# Spellings users bring from nccl-tests binaries, MPI and OSU.
ALIASES = {
    "allreduce": "all_reduce",
    "allgather": "all_gather",
    "reducescatter": "reduce_scatter",
    "alltoall": "all_to_all",
    "bcast": "broadcast",
    "pingpong": "p2p_latency",
    "latency": "p2p_latency",
    "bw": "p2p_bw",
    "bibw": "p2p_bibw",
}


DEFAULT = "all_reduce"  # what `run` measures when no collective is named


class UnknownCollective(KeyError):
    pass


def register(spec: CollectiveSpec) -> CollectiveSpec:
    if spec.name in _SPECS:
        raise ValueError(f"collective {spec.name!r} registered twice")
    _SPECS[spec.name] = spec
    return spec


def canonical(name: str) -> str:
    key = name.strip().lower().replace("-", "_")
    return ALIASES.get(key, key)


def get(name: str) -> CollectiveSpec:
    key = canonical(name)
    if key not in _SPECS:
        known = ", ".join(names())
        raise UnknownCollective(f"unknown collective {name!r} (known: {known})")
    return _SPECS[key]


def names() -> list[str]:
    return list(_SPECS)


def all_specs() -> list[CollectiveSpec]:
    return list(_SPECS.values())


def by_program(program: str) -> Optional[CollectiveSpec]:
    """The spec an nccl-tests/rccl-tests binary measures (`all_reduce_perf`, `..._perf_mpi`)."""
    name = program.strip().rsplit("/", 1)[-1].removesuffix("_mpi")
    return next((s for s in _SPECS.values() if name in s.nccl_tests_programs), None)


def by_tool_name(name: str) -> Optional[CollectiveSpec]:
    """The spec another tool's name stands for (NCCL `AllReduce`, IMB `Allreduce`, `osu_bw` ...)."""
    key = name.strip().lower()
    for s in _SPECS.values():
        if key == s.name or key in (t.lower() for t in s.tool_names):
            return s
    return None


def from_file_name(stem: str) -> Optional[CollectiveSpec]:
    """The spec a log's file name suggests (`all_reduce__p5-2node.txt`), or None."""
    text = stem.lower().split("__")[0] if "__" in stem else stem.lower()
    for s in _SPECS.values():
        if any(re.search(h, text) for h in s.name_hints):
            return s
    return None


def program_names() -> list[str]:
    return [p for s in _SPECS.values() for p in s.nccl_tests_programs]
