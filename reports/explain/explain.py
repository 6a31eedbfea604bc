"""Is each headline number normal for its hardware, and if not, why.

For every (run, collective, backend) the headline is busbw at the largest size measured (the better
of in-place and out-of-place). Its band is [low share x peak, peak] (knowledge.py: the low share comes
from the references of configs/explain/rules.yaml; the peak from the catalog, docs/peaks.md). Below the
band, the rules (rules.py) name the probable causes with their evidence; a shortfall no rule
explains is reported as "unexplained". Above the peak, an algorithm that moves less data than the
bus model counts (NVLS, CollNet, Tree on 2 nodes) explains it when the log shows one; otherwise it
is "unexplained" too. Run rules fire whatever the band: a socket fallback is wrong even where no
peak is known.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import pandas as pd

from fabricbench.benchmarks.model.load import Runs
from fabricbench.reports.analysis import _valid, enrich
from fabricbench.reports.explain import rules
from fabricbench.reports.explain.facts import Facts, gather
from fabricbench.reports.explain.knowledge import band, load


def _cause(cause_id: str, evidence: list[str]) -> dict[str, Any]:
    causes, _ = load()
    c = causes[cause_id]
    return {"cause": cause_id, "title": c.title, "evidence": evidence, "check": c.check, "source": c.source}


def _unexplained(evidence: list[str]) -> dict[str, Any]:
    return {"cause": "unexplained", "title": "No rule explains this result", "evidence": evidence,
            "check": "Capture NCCL_DEBUG=INFO NCCL_DEBUG_SUBSYS=INIT,NET,GRAPH,ENV,TUNING and run explain on it; "
                     "run preflight on every node.", "source": ""}


def headlines(enriched: pd.DataFrame) -> pd.DataFrame:
    """Busbw at each series' largest size, the better of in-place and out-of-place."""
    df = _valid(enriched)
    df = df[(df["size_bytes"] > 0) & df["busbw_gbps"].notna()]
    if df.empty:
        return df
    largest = df.groupby(["run_id", "collective", "backend"])["size_bytes"].transform("max")
    top = df[df["size_bytes"] == largest]
    return top.loc[top.groupby(["run_id", "collective", "backend"])["busbw_gbps"].idxmax()]


def _rank() -> dict[str, int]:
    return {cid: i for i, cid in enumerate(load()[0])}  # configs/explain/rules.yaml lists root causes first


def run_causes(facts: Facts) -> list[tuple[str, list[str]]]:
    """(cause, evidence) of every run rule that fires, root causes first."""
    rank = _rank()
    return sorted(((cid, ev) for cid, rule in rules.RUN_RULES.items() if (ev := rule(facts, None))),
                  key=lambda c: rank[c[0]])


Refs = dict[tuple, tuple[float, str]]  # (instance type, collective, backend, nodes, ranks) -> (busbw, which run)


def _key(instance_type: Optional[str], row: Any) -> tuple:
    return (instance_type or "unknown", row.collective, row.backend, _int(row.nnodes), _int(row.nranks))


def baseline_refs(baseline: Runs) -> Refs:
    """The headline of each series of the user's baseline runs; the lowest where several runs share a shape."""
    refs: Refs = {}
    tops = headlines(enrich(baseline.summary, baseline.runs))
    for row in tops.itertuples(index=False):
        rec = baseline.records.get(row.run_id)
        key = _key(rec.instance.instance_type if rec else None, row)
        if key not in refs or row.busbw_gbps < refs[key][0]:
            refs[key] = (float(row.busbw_gbps), f"{row.run_id} ({row.busbw_gbps:.4g} GB/s at {int(row.size_bytes)} B)")
    return refs


def explain_run(facts: Facts, rows: pd.DataFrame, refs: Optional[Refs] = None) -> dict[str, Any]:
    _, band_rules = load()
    rank = _rank()
    run_causes_ = run_causes(facts)
    results, seen = [], dict(run_causes_)
    for row in rows.itertuples(index=False):
        peak = row.peak_busbw_gbps
        res: dict[str, Any] = {"collective": row.collective, "backend": row.backend, "size_bytes": int(row.size_bytes),
                               "busbw_gbps": round(float(row.busbw_gbps), 4), "nnodes": _int(row.nnodes),
                               "nranks": _int(row.nranks)}
        ref = (refs or {}).get(_key(facts.instance_type, row))
        known_peak = peak is not None and math.isfinite(peak)
        if not known_peak and ref is None:
            res.update(band=None, band_source=f"no peak: {row.peak_basis}", verdict="unknown", causes=[])
            results.append(res)
            continue
        low, high, low_source = band(facts.instance_type, row.collective, _int(row.nnodes),
                                     float(peak) if known_peak else math.inf, ref)
        res.update(band=[round(low, 2), round(high, 2) if known_peak else None],
                   band_source=(f"peak {peak:.4g} GB/s ({row.peak_basis})" if known_peak else
                                f"no peak ({row.peak_basis})") + f"; low edge {low_source}")
        if known_peak:
            res["pct_of_peak"] = round(100.0 * row.busbw_gbps / peak, 1)
        ctx = {**res, "region_bytes": band_rules.region_bytes}
        if row.busbw_gbps < low:
            found = sorted([(cid, ev) for cid, rule in rules.RESULT_RULES.items() if (ev := rule(facts, ctx))],
                           key=lambda c: rank[c[0]]) + run_causes_
            res["verdict"] = "below"
            share = (f"{res['pct_of_peak']} % of peak" if known_peak
                     else f"{100.0 * row.busbw_gbps / ref[0]:.1f} % of the baseline")  # ref is set: no peak, a band
            res["causes"] = [_cause(c, ev) for c, ev in found] or [
                _unexplained([f"{share}; no rule matched the facts of this run"])]
            seen.update(found)
        elif row.busbw_gbps > high * 1.005:  # printing rounds; a hair above is the peak
            explained, ev = rules.above_peak(facts, ctx)
            res["verdict"] = "above"
            res["causes"] = [{"cause": "algorithm" if explained else "unexplained",
                              "title": "an algorithm that moves less than the bus model counts" if explained
                              else "above the theoretical peak, and nothing in the log explains it",
                              "evidence": ev, "check": "NCCL_ALGO=Ring measures the wire (2 nodes)", "source":
                              "nccl-tests#22; NVIDIA/nccl#1031"}]
        else:
            res["verdict"] = "within"
            res["causes"] = []
        results.append(res)
    distinct = [_cause(c, ev) for c, ev in seen.items()]
    distinct += [c for r in results for c in r["causes"] if c["cause"] == "unexplained"]
    return {"results": results, "causes": distinct}


def _int(value: Any) -> Any:
    return int(value) if value is not None and value == value else None


def explain(runs: Runs, enriched: Optional[pd.DataFrame] = None, baseline: Optional[Runs] = None) -> dict[str, Any]:
    """Every run: {"runs": [{"run_id", "instance_type", "results", "causes"}], "causes": [...distinct...]}."""
    enriched = enrich(runs.summary, runs.runs) if enriched is None else enriched
    refs = baseline_refs(baseline) if baseline is not None else None
    tops = headlines(enriched)
    by_run = dict(iter(tops.groupby("run_id", observed=True))) if not tops.empty else {}
    out, union = [], {}
    for run_id, rec in runs.records.items():
        rows = by_run.get(run_id, tops.iloc[0:0])
        one = explain_run(gather(rec), rows, refs)
        out.append({"run_id": run_id, "instance_type": rec.instance.instance_type, **one})
        for c in one["causes"]:
            union.setdefault(c["cause"], {**c, "run_ids": []})["run_ids"].append(run_id)
    return {"runs": out, "causes": list(union.values())}
