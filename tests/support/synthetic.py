"""A generator of benchmark timings with hierarchical noise, to test the gate itself.

Log-time model per cell (docs/gating.md §5, after measurement-and-gating.md §6): an allocation
effect N(0, sigma_alloc); a launch effect N(0, sigma_launch) plus, with probability p_bad, a
congested launch adding U(10 %, 30 %); per iteration N(0, 3 %) with a slow mode (weight 10 %,
+15 % +- 5 %) and 1 % spikes of Exp(mean 50 %); a +-1 % linear drift across the session.
Sizes of one unit share the allocation and launch effects and draw their own iterations.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np


@dataclass(frozen=True)
class NoiseModel:
    sigma_alloc: float
    sigma_launch: float
    p_bad: float
    bad_low: float = 0.10
    bad_high: float = 0.30
    sigma_iter: float = 0.03
    slow_weight: float = 0.10
    slow_mean: float = 0.15
    slow_sd: float = 0.05
    spike_p: float = 0.01
    spike_mean: float = 0.50
    drift: float = 0.01
    iterations: int = 200


PRESETS = {
    "quiet": NoiseModel(0.015, 0.008, 0.02),
    "reference": NoiseModel(0.03, 0.015, 0.05),
    "noisy": NoiseModel(0.05, 0.025, 0.10),
}


@dataclass(frozen=True)
class Injection:
    """What differs in the candidate arm. effect applies to the sizes flagged in `sizes`."""

    effect: float = 0.0  # relative change of time, e.g. 0.10 = 10 % slower
    sizes: tuple[bool, ...] | None = None  # per size: does the effect apply (None: all)
    bad_launch: float = 0.0  # one candidate launch this much slower
    tail: float = 0.0  # the slowest 2 % of iterations this much slower (median unchanged)
    slow_weight: float | None = None  # the candidate's slow-mode weight
    drift: float | None = None  # force a drift (both arms), instead of a random +-model.drift


@dataclass
class LaunchStats:
    """Per trial x launch x size, the per-launch statistics the gate stores (log microseconds)."""

    median: np.ndarray
    p99: np.ndarray
    q25: np.ndarray
    q75: np.ndarray
    iterations: np.ndarray | None = None  # (trials, launches, sizes, iterations), when kept


def abba_positions(n_per_arm: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions in [0, 1] of control (A) and candidate (B) launches in an ABBA sequence."""
    order = np.array([0, 1, 1, 0] * ((n_per_arm + 1) // 2 + 1))[: 2 * n_per_arm]
    pos = np.linspace(0.0, 1.0, order.size)
    return pos[order == 0][:n_per_arm], pos[order == 1][:n_per_arm]


def iteration_logs(model: NoiseModel, rng: np.random.Generator, base: np.ndarray, slow_weight: np.ndarray | float,
                   iterations: int) -> np.ndarray:
    """Per-iteration log times around base (..., sizes) -> (..., sizes, iterations)."""
    shape = (*base.shape, iterations)
    logs = base[..., None] + rng.normal(0.0, model.sigma_iter, shape)
    w = np.asarray(slow_weight, float)
    w = w.reshape(w.shape + (1,) * (len(shape) - w.ndim)) if w.ndim else w
    slow = rng.random(shape) < w
    logs += np.where(slow, rng.normal(model.slow_mean, model.slow_sd, shape), 0.0)
    spike = rng.random(shape) < model.spike_p
    logs += np.where(spike, np.log1p(rng.exponential(model.spike_mean, shape)), 0.0)
    return logs


def simulate_arms(model: NoiseModel, inj: Injection, trials: int, n_per_arm: int, sizes: int, seed: int,
                  same_allocation: bool = True, iterations: int | None = None,
                  keep_iterations: bool = False) -> tuple[LaunchStats, LaunchStats]:
    """(control, candidate) launch statistics for `trials` independent paired sessions."""
    rng = np.random.default_rng(seed)
    its = iterations or model.iterations
    size_base = np.log(np.geomspace(10.0, 10_000.0, sizes))  # arbitrary per-size scale, cancels out
    alloc = rng.normal(0.0, model.sigma_alloc, (trials, 2 if not same_allocation else 1))
    slope = inj.drift if inj.drift is not None else model.drift * rng.choice([-1.0, 1.0], (trials, 1))
    pos = abba_positions(n_per_arm)
    mask = np.ones(sizes, bool) if inj.sizes is None else np.asarray(inj.sizes, bool)
    arms = []
    for arm in (0, 1):
        launch = rng.normal(0.0, model.sigma_launch, (trials, n_per_arm))
        bad = rng.random((trials, n_per_arm)) < model.p_bad
        launch += np.where(bad, np.log1p(rng.uniform(model.bad_low, model.bad_high, (trials, n_per_arm))), 0.0)
        if arm == 1 and inj.bad_launch:
            launch[:, rng.integers(0, n_per_arm)] += np.log1p(inj.bad_launch)
        a = alloc[:, min(arm, alloc.shape[1] - 1)][:, None]
        base = (a + launch + slope * (pos[arm][None, :] - 0.5))[..., None] + size_base
        if arm == 1:
            base = base + np.log1p(inj.effect) * mask
        w = model.slow_weight if (arm == 0 or inj.slow_weight is None) else inj.slow_weight
        logs = iteration_logs(model, rng, base, w, its)
        if arm == 1 and inj.tail:
            cut = np.quantile(logs, 0.98, axis=-1, keepdims=True)
            logs = np.where(logs > cut, logs + np.log1p(inj.tail), logs)
        q25, med, q75, p99 = np.quantile(logs, [0.25, 0.5, 0.75, 0.99], axis=-1)
        arms.append(LaunchStats(med, p99, q25, q75, logs if keep_iterations else None))
    return arms[0], arms[1]


def band_scores(s: LaunchStats, which: str = "median", sizes: np.ndarray | None = None) -> np.ndarray:
    """A unit's per-launch score: the mean over its sizes of a log statistic (trials, launches)."""
    # spread: the log of the interquartile width, so its materiality is a ratio like the others'
    values = getattr(s, which) if which != "spread" else np.log(np.maximum(s.q75 - s.q25, 1e-12))
    if sizes is not None:
        values = values[..., np.asarray(sizes, bool)]
    return values.mean(axis=-1)


def with_model(name: str, **changes: float) -> NoiseModel:
    return replace(PRESETS[name], **changes)


def launch_tables(units: int, sizes: int, n_per_arm: int, seed: int, model: NoiseModel = PRESETS["reference"],
                  effect: float = 0.0) -> tuple[Any, Any]:
    """Synthetic (control, candidate) launch tables in the gate's schema: for speed tests and demos."""
    import pandas as pd

    from fabricbench.reports.gate.launches import COLUMNS, band_of

    size_list = [8 * 4 ** i for i in range(sizes)] if sizes <= 14 else [2 ** (3 + i) for i in range(sizes)]
    colls = ["all_reduce", "all_gather", "reduce_scatter", "all_to_all", "broadcast", "reduce"]
    frames: dict[int, list] = {0: [], 1: []}
    for u in range(units):
        c, k = simulate_arms(model, Injection(effect=effect), 1, n_per_arm, len(size_list), seed + u)
        for arm, s in ((0, c), (1, k)):
            for launch in range(n_per_arm):
                med = s.median[0, launch]
                frames[arm].append(pd.DataFrame({
                    "collective": colls[u % len(colls)], "backend": "torch", "transport": "nccl", "device": "cuda",
                    "dtype": ["float32", "bfloat16"][(u // len(colls)) % 2], "redop": "sum", "inplace": False,
                    "timing": "iter", "pattern": "collective", "family": "p5", "nnodes": 1 + u // 12,
                    "ranks_per_node": 8, "instance_type": "p5.48xlarge", "size_bytes": size_list,
                    "run_id": f"{'ck'[arm]}{launch:02d}", "iterations": 200, "log_median": med,
                    "log_p99": s.p99[0, launch], "log_q25": s.q25[0, launch], "log_q75": s.q75[0, launch],
                    "wrong": 0, "started": None}))
    out = []
    for arm in (0, 1):
        df = pd.concat(frames[arm], ignore_index=True)
        df["band"] = band_of(df["size_bytes"])
        out.append(df[COLUMNS])
    return out[0], out[1]


def fit(table: Any, iterations: int = 200) -> tuple[NoiseModel, dict[str, float]]:
    """A noise model fitted to real launches of one allocation (a launch table, e.g. an A/A arm).

    Launch noise: robust SD of each unit's launch scores, median over units; a launch more than
    max(3 SD, 5 %) above its unit's median counts as bad. Iteration noise: the interquartile width
    of log times / 1.349. One allocation cannot show the allocation effect; paired mode cancels it,
    so sigma_alloc is set to the launch SD (stated in the returned facts).
    """
    from fabricbench.reports.gate.evaluate import launch_scores
    from fabricbench.reports.gate.launches import UNIT_KEYS

    sds, bad, total = [], 0, 0
    for _, unit in table.groupby(UNIT_KEYS, dropna=False):
        s = launch_scores(unit).to_numpy()
        if len(s) < 4:
            continue
        dev = s - np.median(s)
        sd = 1.4826 * float(np.median(np.abs(dev)))
        flagged = dev > max(3 * sd, np.log1p(0.05))
        sds.append(1.4826 * float(np.median(np.abs(dev[~flagged] - np.median(dev[~flagged])))))
        bad += int(flagged.sum())
        total += len(s)
    if not sds:
        raise ValueError("fit needs at least one unit with 4 or more launches")
    width = (table["log_q75"] - table["log_q25"]).dropna()
    sigma_launch = float(np.median(sds))
    sigma_iter = float(np.median(width)) / 1.349 if len(width) else PRESETS["reference"].sigma_iter
    model = replace(PRESETS["reference"], sigma_alloc=sigma_launch, sigma_launch=sigma_launch,
                    p_bad=bad / total, sigma_iter=sigma_iter, iterations=iterations)
    facts = {"units": len(sds), "launches": total, "bad_launches": bad, "sigma_launch": sigma_launch,
             "sigma_iter": sigma_iter}
    return model, facts
