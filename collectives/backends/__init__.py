"""Backends execute collective specs: torch.distributed (NCCL, gloo) and MPI (mpi4py).

A backend is looked up by name; importing one never requires the others (or a GPU).
"""

from __future__ import annotations

import importlib

from fabricbench.collectives.backends.base import Backend, BackendUnavailable, Unsupported

# name -> (module, class). Modules are imported lazily: torch is heavy and CUDA may be absent.
_BACKENDS = {
    "mpi": ("fabricbench.collectives.backends.mpi_backend", "MpiBackend"),
    "torch": ("fabricbench.collectives.backends.torch_backend", "TorchBackend"),
}


def names() -> list[str]:
    return list(_BACKENDS)


def backend_class(name: str) -> type[Backend]:
    if name not in _BACKENDS:
        raise KeyError(f"unknown backend {name!r} (known: {', '.join(_BACKENDS)})")
    module, cls = _BACKENDS[name]
    return getattr(importlib.import_module(module), cls)


__all__ = ["Backend", "BackendUnavailable", "Unsupported", "backend_class", "names"]
