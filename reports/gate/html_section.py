"""The gate section of the HTML report: verdict, units, and per undecided/failing unit a baseline
overlay (median time per size, both arms) and the effect per size with its 95 % CI."""

from __future__ import annotations

from typing import Any

import pandas as pd

from fabricbench.reports import figures
from fabricbench.reports.gate import rules
from fabricbench.reports.gate.gate import GateResult
from fabricbench.reports.gate.junit import unit_message
from fabricbench.reports.gate.markdown import verdict_line

MAX_FIGURES = 24  # units with figures: every FAIL/INCONCLUSIVE first, by effect


def overlay_figure(sizes: pd.DataFrame, title: str) -> str:
    fig, ax = figures.plt.subplots(figsize=(6.4, 3.2))
    s = sizes.sort_values("size_bytes")
    ax.plot(s["size_bytes"], s["baseline_us"], marker=".", label="baseline / control", color="#777")
    ax.plot(s["size_bytes"], s["candidate_us"], marker=".", label="candidate", color="#c33")
    figures._legend(ax)
    return figures._finish(ax, fig, "median time (us)", title, logy=True)


def effect_figure(sizes: pd.DataFrame, delta_pct: float, title: str) -> str:
    fig, ax = figures.plt.subplots(figsize=(6.4, 3.0))
    s = sizes.sort_values("size_bytes")
    if "ci_low_pct" in s.columns:
        err = [s["effect_pct"] - s["ci_low_pct"], s["ci_high_pct"] - s["effect_pct"]]
        ax.errorbar(s["size_bytes"], s["effect_pct"], yerr=err, marker="o", linestyle="-", capsize=3)
    else:
        ax.plot(s["size_bytes"], s["effect_pct"], marker="o")
    ax.axhline(0.0, color="black", linewidth=1)
    if delta_pct == delta_pct:
        ax.axhline(delta_pct, color="#c33", linestyle="--", linewidth=1, label=f"delta {delta_pct:.1f} %")
        figures._legend(ax)
    return figures._finish(ax, fig, "time change (%), 95% CI", title)


def gate_section(result: GateResult) -> dict[str, Any]:
    units = result.units
    records: list[dict] = []
    if not units.empty:
        order = units.assign(_bad=~units["verdict"].isin([rules.FAIL, rules.INCONCLUSIVE]),
                             _e=-units.get("effect_pct", pd.Series(0.0, index=units.index)).fillna(0))
        for n, u in enumerate(order.sort_values(["_bad", "_e"]).to_dict("records")):
            noise = ""
            if pd.notna(u.get("control_launch_sd_pct", float("nan"))):
                noise = (f"launch SD {u['control_launch_sd_pct']:.1f} % (control), "
                         f"{u['candidate_launch_sd_pct']:.1f} % (candidate); "
                         f"iteration SD {u['iteration_sd_pct']:.1f} %")
            item = {"unit": u["unit"], "verdict": u["verdict"], "finding": unit_message(u, result.mode), "noise": noise,
                    "warnings": u.get("warnings") or "", "overlay": None, "effect": None}
            s = result.sizes[result.sizes["unit"] == u["unit"]] if not result.sizes.empty else pd.DataFrame()
            if n < MAX_FIGURES and not s.empty and u["verdict"] != "skipped":
                item["overlay"] = overlay_figure(s, u["unit"])
                item["effect"] = effect_figure(s, float(u.get("delta_pct") or float("nan")), u["unit"])
            records.append(item)
    return {"headline": verdict_line(result).replace("**", ""), "verdict": result.verdict, "mode": result.mode,
            "invalid": result.invalid, "units": records, "treatment_diff": result.treatment_diff,
            "soft_diff": result.soft_diff}
