"""The markdown summary ($GITHUB_STEP_SUMMARY, GitLab notes) and GitHub annotations.

GitHub rejects a step summary over 1 MiB, so per-size details are added unit by unit only while
the text stays under the budget; what does not fit is counted, never silently dropped.
Annotations: GitHub shows about 10 per kind per step, so only the top regressions are emitted.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from fabricbench.benchmarks.sizes import format_size
from fabricbench.reports.gate import rules
from fabricbench.reports.gate.gate import GateResult
from fabricbench.reports.gate.junit import num, unit_message

BUDGET = 1024 * 1024 - 4096
ICONS = {rules.PASS: "✅ PASS", rules.FAIL: "❌ FAIL", rules.INCONCLUSIVE: "⚠️ INCONCLUSIVE", "invalid": "⛔ INVALID"}


def _cell(text: Any) -> str:
    """Input strings go into table cells: pipes and markup characters must stay text."""
    s = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    for ch in ("\\", "|", "<", ">", "`", "*", "_", "[", "]"):
        s = s.replace(ch, "\\" + ch)
    return s.replace("\n", " ")


def verdict_line(result: GateResult) -> str:
    counts = result.counts()
    parts = [f"{counts[v]} {v}" for v in (rules.FAIL, rules.INCONCLUSIVE, rules.PASS, "skipped") if counts.get(v)]
    launches = ", ".join(f"{k} {v}" for k, v in result.launches.items())
    return (f"**fabricbench gate: {ICONS[result.verdict]}** ({result.mode}; {', '.join(parts) or 'no units'}; "
            f"launches: {launches}; exit {result.exit_code})")


def _unit_table(units: pd.DataFrame, mode: str) -> list[str]:
    ref = "control µs" if mode == "paired" else "baseline µs"
    lines = [f"| unit | verdict | {ref} | candidate µs | Δ % | finding |", "|---|---|---:|---:|---:|---|"]
    for u in units.to_dict("records"):
        lines.append(f"| {_cell(u['unit'])} | {u['verdict']} | {num(u.get('baseline_us'), '.4g')} | "
                     f"{num(u.get('candidate_us'), '.4g')} | {num(u.get('effect_pct'), '+.1f')} | "
                     f"{_cell(unit_message(u, mode))} |")
    return lines


def _size_details(result: GateResult, unit: str) -> list[str]:
    s = result.sizes[result.sizes["unit"] == unit] if not result.sizes.empty else pd.DataFrame()
    if s.empty:
        return []
    has_ci = "ci_low_pct" in s.columns
    out = [f"<details><summary>{_cell(unit)}: per size</summary>", "",
           "| size | baseline µs | candidate µs | Δ % |" + (" 95 % CI | p (Holm) |" if has_ci else ""),
           "|---:|---:|---:|---:|" + ("---|---:|" if has_ci else "")]
    for r in s.to_dict("records"):
        line = f"| {format_size(int(r['size_bytes']))} | {num(r['baseline_us'], '.4g')} | " \
               f"{num(r['candidate_us'], '.4g')} | {num(r['effect_pct'], '+.1f')} |"
        if has_ci:
            flag = " **size fail**" if r.get("size_fail") else ""
            line += (f" [{num(r['ci_low_pct'], '+.1f')}, {num(r['ci_high_pct'], '+.1f')}] | "
                     f"{num(r['p_holm'], '.1e')}{flag} |")
        out.append(line)
    return out + ["", "</details>"]


def to_markdown(result: GateResult, report_link: str | None = None, budget: int = BUDGET) -> str:
    lines = [verdict_line(result), ""]
    if result.invalid:
        lines += ["### Invalid environment or fingerprint (not a performance verdict)", ""]
        lines += [f"- {_cell(r)}" for r in result.invalid] + [""]
    units = result.units
    if not units.empty:
        key = units["effect_pct"] if "effect_pct" in units.columns else pd.Series(0.0, index=units.index)
        units = units.assign(_e=key.fillna(0)).sort_values("_e", ascending=False)
        bad = units[units["verdict"].isin([rules.FAIL, rules.INCONCLUSIVE])]
        if not bad.empty:
            lines += ["### Regressions and undecided units (by effect)", "", *_unit_table(bad, result.mode), ""]
        better = units[units.get("improved", pd.Series(False, index=units.index)).fillna(False).astype(bool)]
        if not better.empty:
            lines += ["### Improvements (consider `baseline add`)", "",
                      *_unit_table(better.sort_values("_e"), result.mode), ""]
        compared = units[units["verdict"] != "skipped"]
        if not compared.empty:
            lines += [f"<details><summary>all {len(compared)} compared unit(s)</summary>", "",
                      *_unit_table(compared, result.mode), "", "</details>", ""]
        skipped = units[units["verdict"] == "skipped"]
        if not skipped.empty:
            lines += [f"<details><summary>{len(skipped)} unit(s) not compared</summary>", ""]
            lines += [f"- {_cell(u['unit'])}: {_cell(u['reason'])}" for u in skipped.to_dict("records")]
            lines += ["", "</details>", ""]
    if result.treatment_diff:
        lines += ["### What changed (suspected cause)", "", "| key | baseline/control | candidate |", "|---|---|---|"]
        lines += [f"| {d['key']} | {_cell(d['baseline'])} | {_cell(d['candidate'])} |" for d in result.treatment_diff]
        lines.append("")
    if result.soft_diff:
        lines.append("Soft differences (warning only): " + ", ".join(
            f"{_cell(d['key'])} {_cell(d['baseline'])} → {_cell(d['candidate'])}" for d in result.soft_diff))
        lines.append("")
    if report_link:
        lines += [f"Full report: {_cell(report_link)}", ""]
    text = "\n".join(lines)
    left_out = 0
    if not units.empty and not result.sizes.empty:
        for u in units[units["verdict"] != "skipped"]["unit"]:
            block = "\n".join(_size_details(result, u)) + "\n"
            if len((text + block).encode()) > budget:
                left_out += 1
                continue
            text += block
    if left_out:
        text += f"\n{left_out} unit(s) of per-size detail left out to stay under GitHub's 1 MiB summary limit.\n"
    return text


def annotations(result: GateResult, limit: int = 10) -> list[str]:
    """GitHub workflow commands for the top regressions (and the invalid reasons)."""
    out = [f"::error title=fabricbench gate: invalid::{_escape(r)}" for r in result.invalid[:limit]]
    if not result.units.empty:
        fails = result.units[result.units["verdict"] == rules.FAIL]
        fails = fails.sort_values("effect_pct", ascending=False) if "effect_pct" in fails else fails
        for u in fails.head(limit).to_dict("records"):
            out.append(f"::error title=perf regression::{_escape(u['unit'] + ': ' + unit_message(u, result.mode))}")
        undecided = result.units[result.units["verdict"] == rules.INCONCLUSIVE]
        for u in undecided.head(limit).to_dict("records"):
            out.append(f"::warning title=perf inconclusive::{_escape(u['unit'] + ': ' + unit_message(u, result.mode))}")
    return out


def _escape(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
