"""Gate units: group launch tables into units, apply the paired or the historical rule.

Pure functions: launch tables in, (units, sizes) DataFrames out. A unit is (collective, backend,
device, dtype, op, in-place, timing, family, nodes x ranks per node, size band); its per-launch
score is the mean over the band's sizes of the log median time, so the band effect is the
geometric mean of time ratios and resampling launches keeps sizes correlated.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fabricbench.benchmarks.model.enums import GateVerdict
from fabricbench.reports.gate import rules, stats
from fabricbench.reports.gate.launches import UNIT_KEYS, unit_name

SKIPPED = GateVerdict.SKIPPED


@dataclass(frozen=True)
class Delta:
    value: float  # relative materiality, e.g. 0.03
    aa_sd: float | None  # measured A/A SD of the effect (log), when known
    source: str


def seed_of(name: str) -> int:
    return int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)


def _pivot(df: pd.DataFrame, sizes: list[int] | None = None, column: str = "log_median",
           index: str | list[str] = "run_id") -> pd.DataFrame:
    """launches x sizes (the first value of each pair, launches sorted); launches that miss a size are
    dropped (a score needs every size). A scatter into a numpy matrix: pandas' pivot_table was most of
    the gate's time."""
    cols = sorted(set(df["size_bytes"])) if sizes is None else list(sizes)
    keys = df[index] if isinstance(index, str) else pd.MultiIndex.from_frame(df[index])
    codes, uniques = pd.factorize(keys, sort=True)
    pos = pd.Index(cols).get_indexer(df["size_bytes"])
    values = df[column].to_numpy(dtype=float)
    keep = (pos >= 0) & (codes >= 0) & ~np.isnan(values)
    rows, where, vals = codes[keep], pos[keep], values[keep]
    _, first = np.unique(rows * len(cols) + where, return_index=True)  # the first value of each pair
    mat = np.full((len(uniques), len(cols)), np.nan)
    mat[rows[first], where[first]] = vals[first]
    out = pd.DataFrame(mat, index=uniques, columns=cols)
    out.columns.name = "size_bytes"
    return out.dropna()


def launch_scores(df: pd.DataFrame, sizes: list[int] | None = None, index: str | list[str] = "run_id") -> pd.Series:
    """A unit's score per launch: the mean over its sizes (all of them by default) of the log median."""
    return _pivot(df, sizes, index=index).mean(axis=1)


def split_half_sd(scores_by_group: list[np.ndarray], per_arm: int, seed: int = 0, splits: int = 25) -> float | None:
    """A/A noise from launches of one stack: effects between random halves, scaled to `per_arm`.

    Each group (one allocation) with >= 4 launches gives `splits` random half/half effects; their
    robust SD, times sqrt(half / per_arm), estimates the SD of a per_arm v per_arm effect.
    """
    rng = np.random.default_rng(seed)
    effects, halves = [], []
    for s in scores_by_group:
        s = np.asarray(s, float)
        if s.size < 4:
            continue
        half = s.size // 2
        for _ in range(splits):
            perm = rng.permutation(s.size)
            effects.append(np.median(s[perm[half: 2 * half]]) - np.median(s[perm[:half]]))
            halves.append(half)
    if len(effects) < 10:
        return None
    return stats.robust_sd(np.array(effects)) * float(np.sqrt(np.mean(halves) / per_arm))


def _base_row(key: tuple, keys: list[str]) -> dict:
    row = dict(zip(keys, key, strict=True))
    row["unit"] = unit_name(row)
    return row


def _size_rows(row: dict, sizes: list[int], ctrl: pd.DataFrame, cand: pd.DataFrame, d: float,
               rule: rules.PairedRule, seed: int) -> tuple[list[dict], bool]:
    x, y = ctrl.to_numpy().T, cand.to_numpy().T  # sizes x launches
    eff = stats.median_diff(x, y)
    p = stats.mwu_greater(x, y)
    reps = stats.bootstrap_median_diff(x, y, rule.bootstrap, seed + 1)
    lo, hi = np.quantile(reps, [0.025, 0.975], axis=-1)
    p_holm, q_bh = stats.holm(p), stats.benjamini_hochberg(p)
    fail = (eff >= np.log1p(2 * d)) & (p_holm < rule.alpha)
    out = []
    for i, size in enumerate(sizes):
        out.append({"unit": row["unit"], "size_bytes": size, "baseline_us": float(np.exp(np.median(x[i]))),
                    "candidate_us": float(np.exp(np.median(y[i]))), "effect_pct": stats.pct(eff[i]),
                    "ci_low_pct": stats.pct(lo[i]), "ci_high_pct": stats.pct(hi[i]), "p": float(p[i]),
                    "p_holm": float(p_holm[i]), "q_bh": float(q_bh[i]), "size_fail": bool(fail[i])})
    return out, bool(fail.any())


def _secondary(ctrl: pd.DataFrame, cand: pd.DataFrame, sizes: list[int], rule: rules.PairedRule) -> list[str]:
    warns = []
    cp, kp = _pivot(ctrl, sizes, "log_p99"), _pivot(cand, sizes, "log_p99")
    if len(cp) >= 3 and len(kp) >= 3:
        if rules.secondary_warning(cp.mean(axis=1).to_numpy(), kp.mean(axis=1).to_numpy(),
                                   rule.tail_materiality, rule)[0]:
            eff = np.median(kp.mean(axis=1)) - np.median(cp.mean(axis=1))
            warns.append(f"tail: p99 {stats.pct(eff):+.1f} %")
    spread = {}
    for name, df in (("c", ctrl), ("k", cand)):
        q = df.assign(spread=np.log(np.maximum(df["log_q75"] - df["log_q25"], 1e-12)))
        spread[name] = _pivot(q, sizes, "spread").mean(axis=1).to_numpy()
    if spread["c"].size >= 3 and spread["k"].size >= 3:
        if rules.secondary_warning(spread["c"], spread["k"], rule.shape_materiality, rule)[0]:
            warns.append("shape: the spread of iteration times widened (a mode may have moved)")
    return warns


def _matched_units(ref: pd.DataFrame, cand: pd.DataFrame, units: list[dict], ref_name: str):
    """Yield (row, reference rows, candidate rows) per unit both sides have; list the rest as skipped."""
    ref_groups = {k: g for k, g in ref.groupby(UNIT_KEYS, dropna=False)}
    cand_groups = {k: g for k, g in cand.groupby(UNIT_KEYS, dropna=False)}
    for key in sorted(set(ref_groups) | set(cand_groups), key=str):
        row = _base_row(key, UNIT_KEYS)
        r, k = ref_groups.get(key), cand_groups.get(key)
        if r is None or k is None:
            row.update(verdict=SKIPPED, reason="not measured by the candidate" if k is None
                       else f"not in the {ref_name}: nothing to compare with")
            units.append(row)
            continue
        yield row, r, k


def _noise(ctrl: pd.DataFrame, cp: pd.DataFrame, kp: pd.DataFrame) -> dict[str, float]:
    """Where the noise is (Kalibera & Jones): between launches (robust SD of launch scores, per
    arm) and within a launch (iteration SD from the interquartile width of log times)."""
    width = (ctrl["log_q75"] - ctrl["log_q25"]).dropna()
    return {"control_launch_sd_pct": 100 * stats.robust_sd(cp.mean(axis=1).to_numpy()),
            "candidate_launch_sd_pct": 100 * stats.robust_sd(kp.mean(axis=1).to_numpy()),
            "iteration_sd_pct": 100 * float(np.median(width)) / 1.349 if len(width) else float("nan")}


def paired_units(ctrl: pd.DataFrame, cand: pd.DataFrame, deltas: Mapping[str, Delta],
                 rule: rules.PairedRule) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Control arm (or the baseline's launches) vs candidate launches, unit by unit."""
    units: list[dict] = []
    size_rows: list[dict] = []
    for row, c, k in _matched_units(ctrl, cand, units, "baseline/control"):
        delta = deltas.get(row["band"]) or Delta(rule.min_delta, None, "floor")
        sizes = sorted(set(c["size_bytes"]) & set(k["size_bytes"]))
        cp, kp = _pivot(c, sizes), _pivot(k, sizes)
        row.update(sizes=len(sizes), n_control=len(cp), n_candidate=len(kp), delta_pct=100 * delta.value,
                   delta_source=delta.source)
        if len(cp) < 2 or len(kp) < 2:
            row.update(verdict=rules.INCONCLUSIVE, reason=f"{len(cp)} control and {len(kp)} candidate launch(es) "
                       "with every size; the rule needs at least 2 per arm")
            units.append(row)
            continue
        seed = seed_of(row["unit"])
        out = rules.decide_paired(cp.mean(axis=1).to_numpy(), kp.mean(axis=1).to_numpy(), delta.value, rule, seed)
        per_size, any_size_fail = _size_rows(row, sizes, cp, kp, delta.value, rule, seed)
        size_rows += per_size
        verdict = str(out.verdict[0])
        reason = ""
        wrong = pd.to_numeric(k["wrong"], errors="coerce").fillna(0).sum()
        if wrong > 0:
            verdict, reason = rules.FAIL, f"wrong data: {int(wrong)} wrong element(s) in the candidate"
        elif verdict != rules.FAIL and any_size_fail:
            bad = [s for s in per_size if s["size_fail"]]
            verdict, reason = rules.FAIL, f"{len(bad)} size(s) at >= 2 x delta with Holm p < {rule.alpha:g}"
        elif verdict == rules.INCONCLUSIVE:
            more = min(len(cp), len(kp)) < rule.max_launches
            reason = (f"add {rule.step_launches} launches per arm (up to {rule.max_launches})" if more
                      else f"still undecided at {rule.max_launches} launches per arm")
        row.update(verdict=verdict, reason=reason, improved=bool(out.improved[0]),
                   effect_pct=stats.pct(out.effect[0]), ci_low_pct=stats.pct(out.ci95_low[0]),
                   ci_high_pct=stats.pct(out.ci95_high[0]), bound_low_pct=stats.pct(out.lower[0]),
                   bound_high_pct=stats.pct(out.upper[0]), p=float(out.p_slower[0]),
                   p_improved=float(out.p_faster[0]),
                   baseline_us=float(np.exp(np.median(cp.mean(axis=1)))),
                   candidate_us=float(np.exp(np.median(kp.mean(axis=1)))),
                   warnings="; ".join(_secondary(c, k, sizes, rule)), **_noise(c, cp, kp))
        units.append(row)
    return pd.DataFrame(units), pd.DataFrame(size_rows)


def _centres(df: pd.DataFrame, sizes: list[int], by: str) -> pd.Series:
    """Per group (a baseline run = its launches), the median over launches of the band score."""
    return launch_scores(df, sizes, index=[by, "run_id"]).groupby(level=0).median()


def history_units(base: pd.DataFrame, golden_group: str, window: list[str], cand: pd.DataFrame,
                  rule: rules.HistoryRule, previous: Mapping[str, int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The candidate run (its launches) against the accepted window; `base` has a `group` column
    (a baseline run id) and holds the window's runs and the golden run (in the window or not)."""
    units: list[dict] = []
    size_rows: list[dict] = []
    for row, b, k in _matched_units(base, cand, units, "baseline"):
        sizes = sorted(set(b["size_bytes"]) & set(k["size_bytes"]))
        centres = _centres(b, sizes, "group")
        cand_centre = float(_centres(k.assign(group="candidate"), sizes, "group").iloc[0])
        in_window = centres[centres.index.isin(window)]
        golden = float(centres.get(golden_group, np.median(centres)))
        out = rules.decide_history(in_window.to_numpy(), golden, cand_centre, rule, previous.get(row["unit"], 0))
        row.update(sizes=len(sizes), n_control=int(len(in_window)), n_candidate=int(k["run_id"].nunique()),
                   verdict=out.verdict, reason=out.reason, warned=out.warned, effect_pct=stats.pct(out.effect),
                   golden_effect_pct=stats.pct(out.golden_effect),
                   threshold_pct=stats.pct(out.threshold) if np.isfinite(out.threshold) else None,
                   baseline_us=float(np.exp(np.median(in_window))) if len(in_window) else float("nan"),
                   candidate_us=float(np.exp(cand_centre)),
                   improved=bool(out.effect < -np.log1p(rule.warn_change) and out.verdict == rules.PASS))
        wrong = pd.to_numeric(k["wrong"], errors="coerce").fillna(0).sum()
        if wrong > 0:
            row.update(verdict=rules.FAIL, reason=f"wrong data: {int(wrong)} wrong element(s) in the candidate")
        for size in sizes:
            bm = b[b["size_bytes"] == size].groupby("group")["log_median"].median()
            km = k[k["size_bytes"] == size]["log_median"].median()
            size_rows.append({"unit": row["unit"], "size_bytes": size, "baseline_us": float(np.exp(bm.median())),
                              "candidate_us": float(np.exp(km)), "effect_pct": stats.pct(km - bm.median())})
        units.append(row)
    return pd.DataFrame(units), pd.DataFrame(size_rows)
