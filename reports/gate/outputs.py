"""The gate's outputs that are not JUnit or markdown: the JSON document, the terminal summary, and
the previous verdicts a historical gate reads back (``--previous``)."""

from __future__ import annotations

import json
from pathlib import Path

from fabricbench.benchmarks.model.enums import GateVerdict
from fabricbench.benchmarks.model.errors import UsageError
from fabricbench.reports.gate.gate import GateResult
from fabricbench.reports.gate.junit import unit_message
from fabricbench.reports.gate.markdown import verdict_line

JSON_SCHEMA = 1


def previous_warnings(paths: list[str]) -> dict[str, int]:
    """Warnings per unit in the last two gate JSON files (historical mode: 2 of 3 confirm a FAIL)."""
    counts: dict[str, int] = {}
    for path in paths[-2:]:
        try:
            doc = json.loads(Path(path).read_text())
            units = doc["units"]
        except FileNotFoundError:
            raise UsageError(f"{path}: not found") from None
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
            raise UsageError(f"{path}: not a gate JSON file ({exc.__class__.__name__}: {exc})") from None
        for u in units:
            if u.get("warned") or u.get("verdict") == GateVerdict.FAIL:
                counts[u["unit"]] = counts.get(u["unit"], 0) + 1
    return counts


def to_json(result: GateResult) -> str:
    doc = {"schema": JSON_SCHEMA, "mode": result.mode, "verdict": result.verdict, "exit_code": result.exit_code,
           "baseline": result.baseline, "launches": result.launches, "context": result.context,
           "invalid": result.invalid, "treatment_diff": result.treatment_diff, "soft_diff": result.soft_diff,
           "units": json.loads(result.units.to_json(orient="records")) if not result.units.empty else [],
           "sizes": json.loads(result.sizes.to_json(orient="records")) if not result.sizes.empty else []}
    return json.dumps(doc, indent=1, default=str) + "\n"


def text_summary(result: GateResult) -> str:
    lines = [verdict_line(result).replace("**", "")]
    lines += [f"  invalid: {r}" for r in result.invalid]
    if not result.units.empty:
        for u in result.units.to_dict("records"):
            if u["verdict"] in (GateVerdict.FAIL, GateVerdict.INCONCLUSIVE) or u.get("improved"):
                tag = "improved" if u["verdict"] == GateVerdict.PASS else u["verdict"]
                lines.append(f"  {tag:12s} {u['unit']}: {unit_message(u, result.mode)}")
    for d in result.treatment_diff:
        lines.append(f"  changed: {d['key']}: {d['baseline']} -> {d['candidate']}")
    return "\n".join(lines)
