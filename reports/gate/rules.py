"""The paired sequential decision rule and the historical rule, on per-launch scores.

Paired (docs/gating.md §2): FAIL iff the one-sided launch-level Mann-Whitney p < alpha AND the
one-sided (1 - alpha) bootstrap lower bound of the effect is > 0 AND the point estimate exceeds
the materiality delta; PASS iff the (1 - alpha) upper bound is below delta + pass_margin;
otherwise INCONCLUSIVE, and a session adds `step` launches per arm up to `max_launches`.
Every function takes (..., n) arrays so one call decides thousands of synthetic trials.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from fabricbench.benchmarks.model.enums import GateVerdict
from fabricbench.reports.gate import stats

PASS, FAIL, INCONCLUSIVE = GateVerdict.PASS, GateVerdict.FAIL, GateVerdict.INCONCLUSIVE


@dataclass(frozen=True)
class PairedRule:
    alpha: float = 0.001
    min_delta: float = 0.03  # materiality floor (relative change of time)
    aa_multiple: float = 2.5  # delta = max(min_delta, aa_multiple x A/A noise)
    pass_margin: float = 0.02  # PASS needs the upper bound below delta + this
    initial_launches: int = 7
    step_launches: int = 4
    max_launches: int = 19
    bootstrap: int = 2000
    # secondary statistics: warnings only
    warn_alpha: float = 0.01
    tail_materiality: float = 0.15
    shape_materiality: float = 0.25
    tail_min_iterations: int = 299  # TriScale: a one-sided 95 % bound on p99 needs n >= 299

    def delta(self, aa_sd: float | None) -> float:
        """Materiality as a relative change: max(floor, multiple x the A/A SD of the effect)."""
        noise = 0.0 if aa_sd is None or not np.isfinite(aa_sd) else float(np.expm1(self.aa_multiple * aa_sd))
        return max(self.min_delta, noise)

    def looks(self) -> list[int]:
        return list(range(self.initial_launches, self.max_launches + 1, self.step_launches))


@dataclass
class PairedOutcome:
    verdict: np.ndarray  # str per row
    effect: np.ndarray  # log ratio median(cand) / median(ctrl)
    lower: np.ndarray  # one-sided (1 - alpha) bounds
    upper: np.ndarray
    ci95_low: np.ndarray
    ci95_high: np.ndarray
    p_slower: np.ndarray
    p_faster: np.ndarray
    improved: np.ndarray  # bool: a material, significant improvement (a PASS, reported apart)


def decide_paired(ctrl: np.ndarray, cand: np.ndarray, delta: float | np.ndarray, rule: PairedRule,
                  seed: int) -> PairedOutcome:
    """Decide rows of (ctrl launches, cand launches) log scores; delta is relative (0.03 = 3 %)."""
    ctrl, cand = np.atleast_2d(np.asarray(ctrl, float)), np.atleast_2d(np.asarray(cand, float))
    d = np.log1p(np.asarray(delta, float))
    margin = np.log1p(np.asarray(delta, float) + rule.pass_margin)
    effect = stats.median_diff(ctrl, cand)
    reps = stats.bootstrap_median_diff(ctrl, cand, rule.bootstrap, seed)
    lower, upper = np.quantile(reps, [rule.alpha, 1.0 - rule.alpha], axis=-1)
    lo95, hi95 = np.quantile(reps, [0.025, 0.975], axis=-1)
    p_slow = stats.mwu_greater(ctrl, cand)
    p_fast = stats.mwu_greater(cand, ctrl)
    fail = (p_slow < rule.alpha) & (lower > 0) & (effect > d)
    passed = ~fail & (upper < margin)
    improved = (p_fast < rule.alpha) & (upper < 0) & (-effect > d)
    verdict = np.where(fail, FAIL, np.where(passed | improved, PASS, INCONCLUSIVE))
    return PairedOutcome(verdict, effect, lower, upper, lo95, hi95, p_slow, p_fast, improved)


def sequential_paired(ctrl: np.ndarray, cand: np.ndarray, delta: float, rule: PairedRule,
                      seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Run the looks of a paired session on pre-drawn launches (trials, max_launches).

    Launch i of each arm is the i-th launch of the ABBA sequence, so taking the first n of each
    is exactly what a session that stopped after n launches per arm would have seen.
    Returns (verdict per trial, launches per arm used).
    """
    trials = ctrl.shape[0]
    verdict = np.full(trials, INCONCLUSIVE, dtype=object)
    used = np.zeros(trials, dtype=int)
    open_ = np.ones(trials, dtype=bool)
    for look, n in enumerate(rule.looks()):
        idx = np.flatnonzero(open_)
        if idx.size == 0:
            break
        out = decide_paired(ctrl[idx, :n], cand[idx, :n], delta, rule, seed + look)
        verdict[idx] = out.verdict
        used[idx] = n
        open_[idx] = out.verdict == INCONCLUSIVE
    return verdict, used


def secondary_warning(ctrl: np.ndarray, cand: np.ndarray, materiality: float, rule: PairedRule) -> np.ndarray:
    """A warn-only test on a per-launch secondary statistic (log p99, or spread): slower/wider."""
    ctrl, cand = np.atleast_2d(ctrl), np.atleast_2d(cand)
    p = stats.mwu_greater(ctrl, cand)
    return (p < rule.warn_alpha) & (stats.median_diff(ctrl, cand) > np.log1p(materiality))


@dataclass(frozen=True)
class HistoryRule:
    min_runs: int = 5  # below this only the golden band can fail; the rest is inconclusive
    window: int = 30
    warn_change: float = 0.05
    quantile: float = 0.99
    gross_band: float = 0.20
    confirm: int = 2  # FAIL when this many of the last 3 runs (this one included) warned
    min_sd: float = 0.005  # floor of the between-run SD (a window of identical runs has MAD 0)


@dataclass
class HistoryOutcome:
    verdict: str
    warned: bool
    effect: float  # vs the window's median centre
    golden_effect: float
    threshold: float  # log: what the effect had to exceed to warn
    runs: int
    reason: str


def decide_history(centres: np.ndarray, golden: float, cand: float, rule: HistoryRule,
                   previous_warnings: int = 0) -> HistoryOutcome:
    """One candidate run's centre against the per-run centres of the accepted window (logs)."""
    centres = np.asarray(centres, float)[-rule.window:]
    k = centres.size
    golden_effect = cand - golden
    effect = cand - float(np.median(centres)) if k else golden_effect
    if golden_effect > np.log1p(rule.gross_band):
        return HistoryOutcome(FAIL, True, effect, golden_effect, np.log1p(rule.gross_band), k,
                              f"{stats.pct(golden_effect):+.1f} % vs the golden reference "
                              f"(gross band {rule.gross_band:.0%})")
    if k < rule.min_runs:
        return HistoryOutcome(INCONCLUSIVE, False, effect, golden_effect, float("nan"), k,
                              f"baseline holds {k} accepted run(s); the statistics need {rule.min_runs}")
    sd = max(stats.robust_sd(centres), rule.min_sd)
    threshold = max(float(sps.t.ppf(rule.quantile, k - 1)) * sd * np.sqrt(1 + 1 / k), np.log1p(rule.warn_change))
    warned = effect > threshold
    if warned and previous_warnings + 1 >= rule.confirm:
        return HistoryOutcome(FAIL, True, effect, golden_effect, threshold, k,
                              f"warned in {previous_warnings + 1} of the last 3 runs")
    if warned:
        return HistoryOutcome(INCONCLUSIVE, True, effect, golden_effect, threshold, k,
                              "warning: confirm with another run (FAIL needs 2 of 3)")
    return HistoryOutcome(PASS, False, effect, golden_effect, threshold, k, "")
