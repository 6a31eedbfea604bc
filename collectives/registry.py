"""The collective registry: name -> spec. Specs register themselves on import."""

from __future__ import annotations

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
