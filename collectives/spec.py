"""The collective spec: everything the generic engine needs to know about one operation.

Modelled on nccl-tests' ``testColl`` record (byte-count mapper, data initialiser, bandwidth
function, launcher). The engine only ever talks to these fields, so adding a collective means
adding one record, never an ``if name == ...`` branch. Every formula here is stated in
docs/formulas.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from fabricbench.collectives.data import Redop


@dataclass(frozen=True)
class Counts:
    """Element counts for one size point, in nccl-tests' meaning.

    ``size_bytes`` and ``count`` are the values nccl-tests prints in its ``size`` and ``count``
    columns; ``send``/``recv`` are the per-rank buffer lengths in elements.
    """

    send: int
    recv: int
    count: int
    size_bytes: int
    chunk: int = 0  # per-rank (or per-peer) element count for split collectives


@dataclass(frozen=True)
class Context:
    """What a launch or a check needs to know about where it runs."""

    rank: int
    nranks: int
    root: int
    redop: Redop
    counts: Counts
    peers: tuple[int, int] = (0, 1)  # the (initiator, responder) pair for point-to-point specs
    window: int = 64


@dataclass(frozen=True)
class Buffers:
    """The buffers of one rank; ``send`` and ``recv`` may overlap (in-place)."""

    send: Any
    recv: Any
    ack: Any = None
    inplace: bool = False


# A launch issues the operation through backend primitives and returns a handle (or None).
Launch = Callable[[Any, Buffers, Context], Any]
# Values of the elements at global indices ``idx`` (a numpy int64 array), as float64.
Values = Callable[[Context, np.ndarray], Optional[np.ndarray]]


@dataclass(frozen=True)
class CollectiveSpec:
    """One collective. Pure data plus small pure functions; no backend code lives here."""

    name: str
    primitive: str  # the backend primitive the launch uses (for capability checks)
    counts: Callable[[int, int, int], Counts]  # (size_bytes, elem_size, nranks) -> Counts
    busbw_factor: Callable[[int], float]  # nranks -> busbw / algbw
    launch: Launch
    fill: Values  # input values of this rank's send buffer
    expected: Values  # expected values of this rank's recv buffer; None = undefined here
    inplace_modes: tuple[bool, ...] = (False, True)
    # In-place layout, nccl-tests style: send and recv live in one buffer at these offsets.
    inplace_offsets: Callable[[Context], tuple[int, int]] = lambda ctx: (0, 0)
    uses_redop: bool = False
    uses_root: bool = False
    point_to_point: bool = False  # runs between two ranks (ctx.peers); others idle
    min_ranks: int = 1
    ops_per_sample: Callable[[Context], int] = lambda ctx: 1  # time divisor per iteration
    native_kernel: Optional[str] = None  # name of the C timing-loop kernel, if there is one
    description: str = ""
    notes: Sequence[str] = field(default_factory=tuple)
    # -- what the rest of fabricbench knows about it (nothing outside collectives/ keys on a name)
    nccl_tests_programs: tuple[str, ...] = ()  # nccl-tests / rccl-tests binaries that measure it
    tool_names: tuple[str, ...] = ()  # how other tools name it (NCCL, MPI, OSU, IMB), matched case-blind
    name_hints: tuple[str, ...] = ()  # regexes that find it in a log's file name
    one_way: bool = False  # point-to-point traffic flows one way: a pattern round measures each direction
    metric: str = "bandwidth"  # the headline metric: "bandwidth" (higher is better) or "latency" (lower is)
    peak_scope: str = "node"  # across nodes, bound by a node's NICs ("node") or one GPU's share ("gpu")
    directions: float = 1.0  # link directions its busbw spans (2 for bidirectional bandwidth)
    # MPI benchmarks (OSU, IMB) print one rank's message for it, where nccl-tests prints the whole buffer
    mpi_size_per_rank: bool = False
    # nccl-tests before June 2020 (nccl-tests#45) printed its algbw already times (n-1)/n, equal to busbw
    pre2020_algbw_is_busbw: bool = False

    def participates(self, ctx: Context) -> bool:
        """Whether this rank takes part (only the pair does for point-to-point specs)."""
        return not self.point_to_point or ctx.rank in ctx.peers


    def ranks_for_factor(self, low: float, high: float, limit: int = 1 << 30) -> Optional[tuple[int, int]]:
        """Rank counts n >= 2 whose busbw factor lies in [low, high]: the inverse of ``busbw_factor``.

        Lets a log's printed busbw/algbw tell how many ranks ran. None when the factor does not
        depend on n (broadcast, reduce: 1 for every n) or when no n fits.
        """
        f = self.busbw_factor
        if f(2) == f(limit):
            return None
        first = _bisect(lambda n: f(n) >= low, 2, limit)
        last = _bisect(lambda n: f(n) > high, 2, limit) - 1
        return (first, last) if first is not None and last is not None and first <= last else None


def _bisect(pred: Callable[[int], bool], lo: int, hi: int) -> Optional[int]:
    """The smallest n in [lo, hi] with pred(n) (pred monotone: False...True); hi + 1 if none."""
    if pred(lo):
        return lo
    if not pred(hi):
        return hi + 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid
    return hi


def split_count(size_bytes: int, elem_size: int, nranks: int) -> int:
    """Per-rank element count of a split collective, rounded down to a multiple of 16 bytes.

    This is nccl-tests' rule (``(count / nranks) & -(16 / eltSize)``), which is why small
    requested sizes turn into 0-byte rows.
    """
    count = size_bytes // elem_size
    per_rank = count // max(nranks, 1)
    granule = max(16 // elem_size, 1)
    return per_rank - per_rank % granule


def whole_counts(size_bytes: int, elem_size: int, nranks: int) -> Counts:
    """Counts of a collective whose ``size`` is the whole (unsplit) buffer."""
    count = size_bytes // elem_size
    return Counts(send=count, recv=count, count=count, size_bytes=count * elem_size, chunk=count)


def ring_factor(nranks: int) -> float:
    """(n-1)/n: reduce_scatter, all_gather, all_to_all (nccl-tests PERFORMANCE.md)."""
    return (nranks - 1) / nranks if nranks > 0 else 0.0


def unit_factor(nranks: int) -> float:
    return 1.0
