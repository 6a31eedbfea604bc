"""The gate: candidate launches vs a control arm (paired) or a baseline window (historical).

Checks the inputs first: launches that did not finish, a preflight that judged the path invalid,
or a context mismatch (instance type, nodes, ranks per node) make the result INVALID (exit 4),
which is never a performance verdict. Then units are decided and folded into one exit code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import pandas as pd

from fabricbench.benchmarks.model.enums import GateVerdict, RunStatus, Verdict
from fabricbench.benchmarks.model.exitcodes import GateExit
from fabricbench.benchmarks.model.run import RunRecord
from fabricbench.reports.gate import evaluate, rules, stats
from fabricbench.reports.gate.baseline import Baseline, calibrate
from fabricbench.reports.gate.fingerprint import (
    SOFT_KEYS,
    TREATMENT_KEYS,
    context_mismatches,
    diff,
    disagreements,
    fingerprint,
    merged,
)
from fabricbench.reports.gate.launches import UNIT_KEYS

INVALID = GateVerdict.INVALID


@dataclass
class GateResult:
    mode: str
    verdict: GateVerdict
    exit_code: GateExit
    units: pd.DataFrame
    sizes: pd.DataFrame
    invalid: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    treatment_diff: list[dict] = field(default_factory=list)
    soft_diff: list[dict] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    launches: dict[str, int] = field(default_factory=dict)
    baseline: Optional[str] = None

    def counts(self) -> dict[str, int]:
        if self.units.empty:
            return {}
        return {str(k): int(v) for k, v in self.units["verdict"].value_counts().items()}


def launch_problems(records: dict[str, RunRecord], arm: str) -> list[str]:
    out = []
    for rid, rec in sorted(records.items()):
        if rec.status in (RunStatus.INCOMPLETE, RunStatus.INVALID, RunStatus.INTERRUPTED):
            out.append(f"{arm} launch {rid}: status {rec.status}: {rec.status_reason or 'no reason recorded'}")
        if rec.preflight.verdict is Verdict.INVALID:
            out.append(f"{arm} launch {rid}: preflight invalid: {'; '.join(rec.preflight.reasons)}")
    return out


def _arm_context(records: dict[str, RunRecord], arm: str, problems: list[str]) -> dict[str, Any]:
    prints = [fingerprint(r) for r in records.values()]
    mixed = disagreements(prints, "context")
    if mixed:
        problems.append(f"{arm} launches disagree on context: "
                        + ", ".join(f"{k}={' | '.join(v)}" for k, v in mixed.items()))
    return merged(prints, "context")


def fold(units: pd.DataFrame, invalid: list[str]) -> tuple[GateVerdict, GateExit]:
    if invalid:
        return GateVerdict.INVALID, GateExit.INVALID
    verdicts = set(units["verdict"]) if not units.empty else set()
    if GateVerdict.FAIL in verdicts:
        return GateVerdict.FAIL, GateExit.FAIL
    if GateVerdict.INCONCLUSIVE in verdicts or not (verdicts - {GateVerdict.SKIPPED}):
        return GateVerdict.INCONCLUSIVE, GateExit.INCONCLUSIVE
    return GateVerdict.PASS, GateExit.PASS


def _golden_check(base: Baseline, table: pd.DataFrame) -> pd.Series:
    """Per unit: log effect of an arm against the golden reference run (NaN where not comparable)."""
    golden = dict(list(base.table[base.table["group"] == base.golden].groupby(UNIT_KEYS, dropna=False)))
    out = {}
    for key, k in table.groupby(UNIT_KEYS, dropna=False):
        ref = golden.get(key)
        if ref is None:
            continue
        sizes = sorted(set(ref["size_bytes"]) & set(k["size_bytes"]))
        if not sizes:
            continue
        r = ref[ref["size_bytes"].isin(sizes)].groupby("size_bytes")["log_median"].median()
        c = k[k["size_bytes"].isin(sizes)].groupby("size_bytes")["log_median"].median()
        out[evaluate.unit_name(dict(zip(UNIT_KEYS, key, strict=True)))] = float((c - r).mean())
    return pd.Series(out, dtype=float)


def run_gate(candidate: pd.DataFrame, cand_metas: dict[str, RunRecord], baseline: Optional[Baseline] = None,
             control: Optional[pd.DataFrame] = None, ctrl_metas: Optional[dict[str, RunRecord]] = None,
             rule: rules.PairedRule = rules.PairedRule(), history: rules.HistoryRule = rules.HistoryRule(),
             previous: Optional[dict[str, int]] = None) -> GateResult:
    invalid = launch_problems(cand_metas, "candidate")
    cand_ctx = _arm_context(cand_metas, "candidate", invalid)
    cand_prints = [fingerprint(m) for m in cand_metas.values()]
    cand_treat, cand_soft = merged(cand_prints, "treatment"), merged(cand_prints, "soft")
    notes: list[str] = []
    if control is not None:
        mode = "paired"
        invalid += launch_problems(ctrl_metas or {}, "control")
        ref_ctx = _arm_context(ctrl_metas or {}, "control", invalid)
        ctrl_prints = [fingerprint(m) for m in (ctrl_metas or {}).values()]
        ref_treat, ref_soft = merged(ctrl_prints, "treatment"), merged(ctrl_prints, "soft")
    elif baseline is not None:
        mode = "historical"
        ref_ctx, ref_treat, ref_soft = baseline.context(), baseline.treatment(), {}
    else:
        raise ValueError("a gate needs a control arm or a baseline")
    if baseline is not None and baseline.accepted:
        invalid += [f"context differs from baseline {baseline.path}: {m}"
                    for m in context_mismatches(baseline.context(), cand_ctx)]
    if control is not None:
        invalid += [f"context differs between control and candidate: {m}"
                    for m in context_mismatches(ref_ctx, cand_ctx)]
    result = GateResult(mode, GateVerdict.INCONCLUSIVE, GateExit.INCONCLUSIVE, pd.DataFrame(), pd.DataFrame(),
                        invalid, notes,
                        diff(ref_treat, cand_treat, TREATMENT_KEYS), diff(ref_soft, cand_soft, SOFT_KEYS),
                        cand_ctx, {"candidate": len(cand_metas)},
                        str(baseline.path) if baseline is not None else None)
    if invalid:
        result.verdict, result.exit_code = fold(result.units, invalid)
        return result
    if mode == "paired":
        deltas = baseline.deltas() if baseline is not None and baseline.manifest.get("delta") else \
            _control_deltas(control, rule)
        units, sizes = evaluate.paired_units(control, candidate, deltas, rule)
        result.launches["control"] = len(ctrl_metas or {})
        if baseline is not None and baseline.golden:
            _paired_golden(result, units, baseline, control, candidate, history.gross_band)
    else:
        window = [r["id"] for r in baseline.window()]
        base = baseline.table[baseline.table["group"].isin(window + [baseline.golden])]
        units, sizes = evaluate.history_units(base, baseline.golden, window, candidate, history, previous or {})
        result.launches["baseline_runs"] = len(window)
    result.units, result.sizes = units, sizes
    if units.empty or (units["verdict"] == GateVerdict.SKIPPED).all():
        result.invalid.append("no unit in common between the candidate and the "
                              f"{'control arm' if mode == 'paired' else 'baseline'}: nothing was compared "
                              "(different collectives, dtypes, sizes or timing modes?)")
    result.verdict, result.exit_code = fold(units, result.invalid)
    return result


def _control_deltas(control: pd.DataFrame, rule: rules.PairedRule) -> dict[str, evaluate.Delta]:
    """No baseline: the control arm's own launches are an A/A sample of this allocation."""
    found = calibrate(control.assign(group="control"), rule, "the control arm")
    return {band: evaluate.Delta(d["value"], d["aa_sd"], d["source"]) for band, d in found.items()}


def _paired_golden(result: GateResult, units: pd.DataFrame, baseline: Baseline, control: pd.DataFrame,
                   candidate: pd.DataFrame, gross: float) -> None:
    """Gross band: a control arm far below the golden reference means a sick allocation (exit 4)."""
    ctrl_eff = _golden_check(baseline, control)
    cand_eff = _golden_check(baseline, candidate)
    limit = np.log1p(gross)
    for name, eff in ctrl_eff.items():
        if eff > limit:
            result.invalid.append(f"control arm {stats.pct(eff):+.1f} % vs the golden reference for {name}: "
                                  f"the allocation or fabric is unhealthy (gross band {gross:.0%})")
    for name, eff in cand_eff.items():
        mask = units["unit"] == name
        if eff > limit and mask.any() and units.loc[mask, "verdict"].iloc[0] != rules.FAIL:
            units.loc[mask, "verdict"] = rules.FAIL
            units.loc[mask, "reason"] = f"{stats.pct(eff):+.1f} % vs the golden reference (gross band {gross:.0%})"
