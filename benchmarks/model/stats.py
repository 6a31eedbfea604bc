"""The confidence interval of a median from order statistics (Le Boudec; no normality assumed).

Used by the engine's stopping rule, the summary and the analysis alike: one formula, stated in
docs/formulas.md.
"""

from __future__ import annotations

import math

import numpy as np

Z95 = 1.959963984540054


def median_ci_ranks(n: int, z: float = Z95) -> tuple[int, int]:
    """0-based order-statistic indices (lo, hi) bounding the median at confidence z.

    Le Boudec: lower rank floor((n - z sqrt n) / 2), upper rank ceil(1 + (n + z sqrt n) / 2),
    both 1-based, clipped to [1, n].
    """
    if n <= 0:
        raise ValueError("no samples")
    root = z * math.sqrt(n)
    lo = max(1, math.floor((n - root) / 2))
    hi = min(n, math.ceil(1 + (n + root) / 2))
    return lo - 1, hi - 1


def median_ci(values: np.ndarray, z: float = Z95) -> tuple[float, float]:
    s = np.sort(np.asarray(values, dtype=np.float64))
    lo, hi = median_ci_ranks(len(s), z)
    return float(s[lo]), float(s[hi])
