"""Build the self-contained HTML report: one file, inline figures, no network, escaped text.

Jinja2 renders with autoescaping on, so every string that came from input (hostnames, tags,
environment values, log paths) is text, never markup; figures are <img> data URIs.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import jinja2
import pandas as pd

from fabricbench.benchmarks.sizes import format_size
from fabricbench.reports import analysis, figures, production
from fabricbench.reports.diagnose import higher_is_better

TEMPLATES = Path(__file__).resolve().parent / "templates"
TABLE_COLUMNS = ["size_bytes", "count", "dtype", "redop", "inplace", "nranks", "iterations", "time_us_median",
                 "time_us_ci_low", "time_us_ci_high", "time_us_p99", "algbw_gbps", "busbw_gbps", "pct_of_peak",
                 "wrong", "stop_reason", "timing"]


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["size"] = lambda n: format_size(int(n)) if pd.notna(n) else ""
    env.filters["num"] = lambda x, d=2: "" if x is None or pd.isna(x) else f"{x:,.{d}f}"
    return env


def _records(df: pd.DataFrame) -> list[dict]:
    """Rows for the template: missing values become None (shown empty), whole floats ints."""
    if df.empty:
        return []
    out = []
    for row in df.to_dict("records"):
        clean = {}
        for k, v in row.items():
            if isinstance(v, float) and pd.isna(v):
                v = None
            elif isinstance(v, float) and v.is_integer() and k in ("nnodes", "nranks", "runs"):
                v = int(v)
            clean[k] = v
        out.append(clean)
    return out


def fabric_section(run_ids: set, diagnostics: dict, points: pd.DataFrame) -> list[dict]:
    """Per run: the diagnosis verdicts and link-matrix heat maps, and per-rank skew of collectives."""
    out = []
    for run_id in sorted(run_ids):
        item: dict = {"run_id": run_id, "verdicts": [], "heatmaps": [], "skew": None, "locate": []}
        d = diagnostics.get(run_id)
        if d:
            item["verdicts"] = d["verdicts"]
            item["locate"] = d.get("locate", [])
            for coll, links in d["matrices"].items():
                if not links.empty:
                    unit = "GB/s" if higher_is_better(coll) else "us"
                    size = int(links["size_bytes"].iloc[0])
                    item["heatmaps"].append(figures.heatmap_figure(links, f"{coll} at {size} B ({unit})", unit))
        if not points.empty and "rank_median_us" in points.columns:
            pattern = points["pattern"] if "pattern" in points.columns else pd.Series("collective", index=points.index)
            coll = points[(points["run_id"] == run_id) & (pattern.fillna("collective") == "collective")
                          & (points["nranks"] >= 3) & points["rank_median_us"].notna()]
            if not coll.empty:
                item["skew"] = figures.rank_skew_figure(coll, f"per-rank skew, run {run_id[-6:]}")
        if item["verdicts"] or item["heatmaps"] or item["skew"] or item["locate"]:
            out.append(item)
    return out


def family_sections(enriched: pd.DataFrame, runs: pd.DataFrame, warns: pd.DataFrame,
                    diagnostics: Optional[dict] = None, points: Optional[pd.DataFrame] = None) -> list[dict]:
    sections = []
    for family, fam_all in enriched.groupby("family", sort=True):
        plots = []
        pattern = fam_all["pattern"] if "pattern" in fam_all.columns else pd.Series(None, index=fam_all.index)
        fam = fam_all[pattern.fillna("collective") == "collective"]  # pattern points go to the matrix
        for (coll, nnodes), g in fam.groupby(["collective", "nnodes"], sort=True):
            peaks = g["peak_busbw_gbps"].dropna().unique()
            peak = float(peaks[0]) if len(peaks) == 1 else None
            title = f"{coll}, {family}, {int(nnodes) or 'unknown'} node(s)"  # 0 = a log that names no nodes
            plots.append({"collective": coll, "nnodes": int(nnodes), "peak": peak,
                          "peak_basis": g["peak_basis"].iloc[0], "busbw": figures.busbw_figure(g, title, peak),
                          "latency": figures.latency_figure(g, title),
                          "rows": _records(g.sort_values(["run_id", "backend", "inplace", "size_bytes"])),
                          "series": sorted({figures.series_label(r) for r in _records(g)})})
        run_ids = set(fam_all["run_id"])
        comparisons = []
        for coll, g in fam.groupby("collective"):
            ids = sorted(set(g["run_id"]))
            if len(ids) >= 2:
                cmp = analysis.compare_runs(g, ids[0])
                if not cmp.empty:
                    comparisons.append({"collective": coll, "reference": ids[0],
                                        "figure": figures.ratio_figure(cmp, f"{coll}: runs vs {ids[0][-6:]}"),
                                        "rows": _records(cmp.sort_values(["run_id", "size_bytes"]))})
        sections.append({
            "family": family, "cloud": fam_all["cloud"].iloc[0], "plots": plots, "comparisons": comparisons,
            "runs": _records(runs[runs["run_id"].isin(run_ids)]),
            "warnings": _records(warns[(warns["family"] == family)]) if not warns.empty else [],
            "fabric": fabric_section(run_ids, diagnostics or {}, points if points is not None else pd.DataFrame()),
        })
    return sections


def production_sections(ops: pd.DataFrame, enriched: pd.DataFrame, records: dict, diagnostics: dict) -> list[dict]:
    """Per production job: its structure, late ranks, what it used against a benchmark of its family, and its
    busbw over time with the dips marked (reports/production.py)."""
    out = []
    used = production.versus_benchmark(production.usage(ops), enriched)
    line = production.timeline(ops)
    dips = production.dips(line)
    for run_id, rec in sorted(records.items()):
        if not rec.production:
            continue
        job = rec.production
        mine_line, mine_dips = line[line["run_id"] == run_id], dips[dips["run_id"] == run_id]
        verdicts = [v for v in diagnostics.get(run_id, {}).get("verdicts", []) if v["kind"] == "late_rank"]
        out.append({
            "run_id": run_id, "instance_type": rec.instance.instance_type, "job": job,
            "comms": job.get("communicators", []), "started": rec.started, "ended": rec.ended,
            "late": verdicts, "used": _records(used[used["run_id"] == run_id]),
            "dips": _records(mine_dips),
            "timeline": figures.timeline_figure(mine_line, mine_dips, f"busbw over the job, run {run_id[-6:]}")
            if not mine_line.empty else None})
    return out


def cross_family(enriched: pd.DataFrame) -> list[dict]:
    out = []
    # families of the catalog only: a GPU-and-fabric group of unknown machines is no family or cloud
    known = enriched[(enriched["family"] != "unknown") & (enriched["instance_type"] != "unknown")
                     & ~enriched["inplace"].astype(bool)]
    for coll, g in known.groupby("collective", sort=True):
        if g["family"].nunique() >= 2:
            out.append({"collective": coll, "families": sorted(g["family"].unique()),
                        "figure": figures.busbw_figure(g, f"{coll} across families (out-of-place)", None,
                                                       color_by="family")})
    return out


def render(enriched: pd.DataFrame, runs: pd.DataFrame, problems: list[str], inputs: list[str],
           title: Optional[str] = None, diagnostics: Optional[dict] = None,
           points: Optional[pd.DataFrame] = None, gate: Optional[dict] = None,
           explained: Optional[dict] = None, production_ops: Optional[pd.DataFrame] = None,
           records: Optional[dict] = None) -> str:
    """enriched holds every row; production rows (a different timing mode) get their own section only."""
    prod_ids = {run_id for run_id, rec in (records or {}).items() if rec.production}
    everything = enriched
    enriched = enriched[~enriched["run_id"].isin(prod_ids)] if prod_ids and not enriched.empty else enriched
    warns = analysis.warnings(enriched, runs)
    model = {
        "title": title or "fabricbench report",
        "generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "inputs": inputs,
        "problems": problems,
        "families": _records(analysis.families(everything, runs)),  # production jobs count in their family
        "headline": _records(head := analysis.headline(enriched)) if not enriched.empty else [],
        "headline_groups": _records(analysis.headline_groups(head)) if not enriched.empty else [],
        "sections": family_sections(enriched, runs, warns, diagnostics, points) if not enriched.empty else [],
        "cross": cross_family(enriched) if not enriched.empty else [],
        "global_warnings": _records(warns[warns["family"].eq("unknown") & warns["run_id"].eq("")])
        if not warns.empty else [],
        "columns": TABLE_COLUMNS,
        "gate": gate,
        "explained": explained or {"runs": [], "causes": []},
        "production": production_sections(production_ops if production_ops is not None else pd.DataFrame(),
                                           everything, records or {}, diagnostics or {}) if prod_ids else [],
    }
    figures.draw_all(list(_pending(model)))
    return _env().get_template("report.html.j2").render(**model)


def _pending(obj: object):
    """Every pending figure in the template model."""
    if isinstance(obj, figures.Pending):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _pending(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _pending(v)
