"""JUnit XML: one testsuite per (collective, family, nodes), one testcase per gate unit.

FAIL is a <failure type="PerformanceRegression">, INCONCLUSIVE and skipped units are <skipped>,
INVALID is one <error> testcase; the message carries effect, CI, p, delta and launches, and
<properties> the numbers, so GitLab's MR widget and GitHub reporter actions show them as they are.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pandas as pd

from fabricbench.reports.gate import rules
from fabricbench.reports.gate.gate import GateResult


def num(x: Any, spec: str) -> str:
    """A number for people: 'n/a', never 'nan', where an arm had no launch to measure it."""
    try:
        if x is None or pd.isna(x):
            return "n/a"
        return format(float(x), spec)
    except (TypeError, ValueError):
        return "n/a"


def unit_message(u: dict[str, Any], mode: str) -> str:
    """The one-line finding of a unit, e.g. '+7.8 % [95 % CI +5.1, +10.6], delta 3 %, p=2e-04, 11/11 launches'."""
    if u.get("effect_pct") is None or pd.isna(u.get("effect_pct")):
        return str(u.get("reason") or u["verdict"])
    if mode == "historical":
        text = (f"{num(u['effect_pct'], '+.1f')} % vs the window ({num(u.get('n_control'), '.0f')} runs), "
                f"{num(u.get('golden_effect_pct'), '+.1f')} % vs golden")
    else:
        text = (f"{num(u['effect_pct'], '+.1f')} % [95 % CI {num(u.get('ci_low_pct'), '+.1f')}, "
                f"{num(u.get('ci_high_pct'), '+.1f')}], delta {num(u.get('delta_pct'), '.1f')} %, "
                f"p={num(u.get('p'), '.1e')}, {num(u.get('n_candidate'), '.0f')}/{num(u.get('n_control'), '.0f')} "
                "launches")
    return f"{text}; {u['reason']}" if u.get("reason") else text


def to_junit(result: GateResult) -> str:
    root = ET.Element("testsuites", name="fabricbench gate", tests="0", failures="0", errors="0", skipped="0")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    if result.invalid:
        suite = ET.SubElement(root, "testsuite", name="fabricbench gate: environment", tests="1", failures="0",
                              errors="1", skipped="0")
        case = ET.SubElement(suite, "testcase", classname="fabricbench.gate", name="environment and fingerprint")
        err = ET.SubElement(case, "error", type="InvalidEnvironment", message=result.invalid[0])
        err.text = "\n".join(result.invalid)
        totals["tests"] += 1
        totals["errors"] += 1
    units = result.units
    if not units.empty:
        for (coll, fam, nodes), g in units.groupby(["collective", "family", "nnodes"], sort=True, dropna=False):
            counts = {"tests": len(g), "failures": int((g["verdict"] == rules.FAIL).sum()), "errors": 0,
                      "skipped": int(g["verdict"].isin([rules.INCONCLUSIVE, "skipped"]).sum())}
            suite = ET.SubElement(root, "testsuite", name=f"{coll} {fam} {int(nodes) or 'unknown'} node(s)",
                                  **{k: str(v) for k, v in counts.items()})
            for k in totals:
                totals[k] += counts[k]
            for u in g.to_dict("records"):
                case = ET.SubElement(suite, "testcase", classname=f"fabricbench.gate.{coll}", name=u["unit"])
                props = ET.SubElement(case, "properties")
                for key in ("verdict", "effect_pct", "ci_low_pct", "ci_high_pct", "p", "delta_pct", "n_control",
                            "n_candidate", "baseline_us", "candidate_us", "golden_effect_pct", "warnings",
                            "control_launch_sd_pct", "candidate_launch_sd_pct", "iteration_sd_pct"):
                    v = u.get(key)
                    if v is not None and not (isinstance(v, float) and pd.isna(v)) and v != "":
                        ET.SubElement(props, "property", name=key, value=str(v))
                msg = unit_message(u, result.mode)
                if u["verdict"] == rules.FAIL:
                    f = ET.SubElement(case, "failure", type="PerformanceRegression", message=f"{u['unit']}: {msg}")
                    f.text = msg
                elif u["verdict"] in (rules.INCONCLUSIVE, "skipped"):
                    ET.SubElement(case, "skipped", message=f"{u['verdict']}: {msg}")
                else:
                    out = ET.SubElement(case, "system-out")
                    out.text = msg
    for k, v in totals.items():
        root.set(k, str(v))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
