"""The statistics of the gate, vectorised over trials so the synthetic acceptance tests stay fast.

Everything works on log times: a launch's score is a log of a median time, an effect is a
difference of logs (ln of a time ratio), and a materiality delta of 3 % is ln(1.03).
Replication is at the launch level (docs/gating.md): every array here holds one value per
launch, never per iteration.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import stats as sps

EXACT_MAX = 25  # exact Mann-Whitney null distribution up to this many launches per arm


@lru_cache(maxsize=256)
def _u_cdf(n1: int, n2: int) -> np.ndarray:
    """P(U <= u) for u = 0..n1*n2 under H0 without ties (the classic counting recursion)."""
    # f[i][j][u]: number of arrangements; build with a rolling table over (i, j).
    table = {(0, j): np.array([1.0]) for j in range(n2 + 1)}
    for i in range(1, n1 + 1):
        table[(i, 0)] = np.array([1.0])
        for j in range(1, n2 + 1):
            a, b = table[(i - 1, j)], table[(i, j - 1)]  # last element from arm 1 (adds j) or arm 2
            out = np.zeros(i * j + 1)
            out[j: j + a.size] += a
            out[: b.size] += b
            table[(i, j)] = out
    counts = table[(n1, n2)]
    return np.cumsum(counts) / counts.sum()


def mwu_greater(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """One-sided Mann-Whitney p for "y tends to be larger than x", along the last axis.

    x is the control arm, y the candidate (log times: larger is slower). Exact without ties for
    small arms (7 v 7 reaches 2.9e-4); otherwise the normal approximation with tie and continuity
    correction.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    n1, n2 = x.shape[-1], y.shape[-1]
    both = np.concatenate([x, y], axis=-1)
    ranks = sps.rankdata(both, axis=-1)
    u_y = ranks[..., n1:].sum(axis=-1) - n2 * (n2 + 1) / 2.0  # count of (x < y) pairs
    ties = _has_ties(both)
    p = np.empty(u_y.shape)
    if n1 <= EXACT_MAX and n2 <= EXACT_MAX:
        cdf = _u_cdf(n1, n2)
        # P(U >= u) = 1 - P(U <= u - 1); U is an integer when there are no ties
        k = np.ceil(u_y - 1e-9).astype(int) - 1
        p_exact = np.where(k < 0, 1.0, 1.0 - cdf[np.clip(k, 0, cdf.size - 1)])
        p = np.where(ties, np.nan, p_exact)
    else:
        p[...] = np.nan
    need = np.isnan(p)
    if np.any(need):
        p = np.where(need, _normal_p(u_y, both, n1, n2), p)
    return np.clip(p, 0.0, 1.0)


def _has_ties(both: np.ndarray) -> np.ndarray:
    s = np.sort(both, axis=-1)
    return np.any(np.diff(s, axis=-1) == 0, axis=-1)


def _normal_p(u: np.ndarray, both: np.ndarray, n1: int, n2: int) -> np.ndarray:
    n = n1 + n2
    s = np.sort(both, axis=-1)
    # tie correction: sum over tie groups of (t^3 - t)
    tie_term = np.zeros(u.shape)
    flat_s = s.reshape(-1, n)
    flat_t = tie_term.reshape(-1)
    for i, row in enumerate(flat_s):
        _, counts = np.unique(row, return_counts=True)
        flat_t[i] = np.sum(counts.astype(float) ** 3 - counts)
    var = n1 * n2 / 12.0 * ((n + 1) - tie_term / (n * (n - 1)))
    z = (u - n1 * n2 / 2.0 - 0.5) / np.sqrt(np.maximum(var, 1e-300))
    return sps.norm.sf(z)


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
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return out


def robust_sd(x: np.ndarray) -> float:
    """1.4826 x MAD: the SD of a normal, unmoved by one bad launch."""
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return float("nan")
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def pct(log_ratio: float) -> float:
    """A log ratio as a percent change of time (positive = slower)."""
    return float(np.expm1(log_ratio) * 100.0)
