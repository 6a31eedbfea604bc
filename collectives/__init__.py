"""Collective specs (one module each) and the backends that execute them.

Importing the package registers every spec, in the order a sweep runs them;
use ``collectives.registry.get(name)``.
"""

# isort: off  (registration order is the sweep order)
from fabricbench.collectives import (
    all_gather,  # noqa: F401
    all_reduce,  # noqa: F401
    all_to_all,  # noqa: F401
    broadcast,  # noqa: F401
    point_to_point,  # noqa: F401
    reduce,  # noqa: F401
    reduce_scatter,  # noqa: F401
    sendrecv,  # noqa: F401
)

# isort: on
from fabricbench.collectives.registry import all_specs, get, names

__all__ = ["all_specs", "get", "names"]
