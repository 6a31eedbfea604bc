"""Integer-exact test data: input values and the closed-form expected results.

Every value is a small integer, exactly representable in every supported dtype (int8 through
bfloat16), and every reduction has a closed form, so the data check is exact (avg excepted,
see ``Redop.tolerance``) and costs O(count) whatever the number of ranks. That matters on a
1,024-rank job, where a rank-by-rank reference reduction would dwarf the benchmark.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# Written into receive buffers before a check so an element the operation never touched is
# caught. Outside every fill range below and representable in int8, uint8 and float16.
SENTINEL = 111.0
# Distinct values per rank for data-movement collectives (all_gather, all_to_all, ...).
PATTERN_PERIOD = 97


def pattern(rank: int, idx: np.ndarray) -> np.ndarray:
    """Values of a non-reducing collective: depend on rank and index so misplacement shows."""
    return ((idx + 3 * rank) % PATTERN_PERIOD).astype(np.float64)


def _one_hot(rank: int, nranks: int, idx: np.ndarray) -> np.ndarray:
    return (idx % nranks == rank).astype(np.float64)


def _periodic(rank: int, idx: np.ndarray, period: int, offset: float) -> np.ndarray:
    return ((idx + rank) % period + offset).astype(np.float64)


def _fold(nranks: int, idx: np.ndarray, period: int, offset: float, ufunc: np.ufunc) -> np.ndarray:
    """max/min over ranks of a rank-periodic fill: only min(n, period) ranks are distinct."""
    acc = _periodic(0, idx, period, offset)
    for r in range(1, min(nranks, period)):
        acc = ufunc(acc, _periodic(r, idx, period, offset))
    return acc


@dataclass(frozen=True)
class Redop:
    """A reduction operator: its input fill and its closed-form reduction over all ranks."""

    name: str
    fill: Callable[[int, int, np.ndarray], np.ndarray]  # (rank, nranks, idx) -> values
    reduced: Callable[[int, np.ndarray], np.ndarray]  # (nranks, idx) -> reduction over ranks
    float_only: bool = False
    tolerance: float = 0.0  # relative; non-zero only where the exact result is not representable


REDOPS: dict[str, Redop] = {
    r.name: r
    for r in (
        # One-hot: every element gets exactly one 1 from exactly one rank, so the sum is 1
        # for any rank count and a dropped or doubled contribution is always visible.
        Redop("sum", _one_hot, lambda n, idx: np.ones(idx.shape, np.float64)),
        Redop(
            "prod",
            lambda r, n, idx: 1.0 + _one_hot(r, n, idx),
            lambda n, idx: np.full(idx.shape, 2.0 if n >= 1 else 1.0),
        ),
        Redop(
            "max",
            lambda r, n, idx: _periodic(r, idx, 5, 0.0),
            lambda n, idx: _fold(n, idx, 5, 0.0, np.maximum),
        ),
        Redop(
            "min",
            lambda r, n, idx: _periodic(r, idx, 5, 1.0),
            lambda n, idx: _fold(n, idx, 5, 1.0, np.minimum),
        ),
        # 1/n is exact only for powers of two; nccl-tests also allows a few ulps for avg.
        Redop(
            "avg",
            _one_hot,
            lambda n, idx: np.full(idx.shape, 1.0 / n),
            float_only=True,
            tolerance=1e-2,
        ),
    )
}


def count_wrong(actual: np.ndarray, expected: np.ndarray, tolerance: float) -> int:
    """Number of mismatching elements (NaN counts as wrong)."""
    if tolerance:
        ok = np.isclose(actual, expected, rtol=tolerance, atol=0.0)
    else:
        ok = actual == expected
    return int(actual.size - np.count_nonzero(ok))
