"""The statistics of the gate, vectorised over trials so the synthetic acceptance tests stay fast.

Everything works on log times: a launch's score is a log of a median time, an effect is a
difference of logs (ln of a time ratio), and a materiality delta of 3 % is ln(1.03).
Replication is at the launch level (docs/gating.md): every array here holds one value per
launch, never per iteration.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

EXACT_MAX = 25  # exact Mann-Whitney null distribution up to this many launches per arm


def mwu_greater(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """One-sided Mann-Whitney p for "y tends to be larger than x", along the last axis (scipy).

    x is the control arm, y the candidate (log times: larger is slower). Exact where an arm pair
    has no ties and both arms are small (7 v 7 reaches 2.9e-4); otherwise the normal approximation
    with tie and continuity correction. (Identical, to 1e-15, to the hand-written version it
    replaced, ties included.)
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    lead = np.broadcast_shapes(x.shape[:-1], y.shape[:-1])
    x = np.broadcast_to(x, (*lead, x.shape[-1]))
    y = np.broadcast_to(y, (*lead, y.shape[-1]))
    ties = _has_ties(np.concatenate([x, y], axis=-1))
    exact = ~ties if max(x.shape[-1], y.shape[-1]) <= EXACT_MAX else np.zeros(lead, dtype=bool)
    p = np.empty(lead)
    for mask, method in ((exact, "exact"), (~exact, "asymptotic")):
        if np.any(mask):
            p[mask] = sps.mannwhitneyu(y[mask], x[mask], alternative="greater", axis=-1, method=method,
                                       use_continuity=True).pvalue
    return np.clip(p, 0.0, 1.0)


def _has_ties(both: np.ndarray) -> np.ndarray:
    s = np.sort(both, axis=-1)
    return np.any(np.diff(s, axis=-1) == 0, axis=-1)


def _median_positions(n: int, b: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """For b resamples of n launches: which order statistics their median averages.

    With the data sorted, a resample's median is the mean of the sorted data at the two middle
    resampled indices, so only those (b,) index pairs are needed: a gather instead of b medians.
    """
    idx = np.sort(rng.integers(0, n, size=(b, n)), axis=1)
    return idx[:, (n - 1) // 2], idx[:, n // 2]


def bootstrap_median_diff(x: np.ndarray, y: np.ndarray, b: int, seed: int) -> np.ndarray:
    """Bootstrap replicates of median(y) - median(x), resampling launches within each arm.

    x, y: (..., n) arrays; returns (..., b). One resampling pattern per arm is shared by all
    leading rows (trials or sizes), which keeps whole launches together (sizes stay correlated).
    """
    rng = np.random.default_rng(seed)
    xs, ys = np.sort(np.asarray(x, float), axis=-1), np.sort(np.asarray(y, float), axis=-1)
    x1, x2 = _median_positions(xs.shape[-1], b, rng)
    y1, y2 = _median_positions(ys.shape[-1], b, rng)
    return 0.5 * (ys[..., y1] + ys[..., y2]) - 0.5 * (xs[..., x1] + xs[..., x2])


def median_diff(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.median(y, axis=-1) - np.median(x, axis=-1)


def holm(p: np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p values (family = the sizes of one band)."""
    p = np.asarray(p, float)
    order = np.argsort(p)
    m = p.size
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adj
    return out


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """BH q values, for reporting per-size findings (never for the hard verdict)."""
    p = np.asarray(p, float)
    return sps.false_discovery_control(p, method="bh") if p.size else p


def robust_sd(x: np.ndarray) -> float:
    """The normal-consistent MAD (1.4826 x MAD): the SD of a normal, unmoved by one bad launch."""
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return float("nan")
    return float(sps.median_abs_deviation(x, scale="normal"))


def pct(log_ratio: float) -> float:
    """A log ratio as a percent change of time (positive = slower)."""
    return float(np.expm1(log_ratio) * 100.0)
