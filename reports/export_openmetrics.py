"""`export --format openmetrics`: any results folder as OpenMetrics text, for node_exporter's
textfile collector or a Pushgateway (metric names: README "OpenMetrics export").

Pure: runs in, text out. One sample per (run, collective, size, ...) point: busbw in bytes per
second and the median latency in seconds (base units, as Prometheus asks), labelled with what
groups a fleet's dashboards (collective, size, backend, transport, device, dtype, in-place,
timing, family, instance type, nodes, ranks, run id); a run's status as an info metric; explain's
causes, diagnose's findings and the gate's verdicts as gauges equal to 1. Every label value is
escaped (backslash, double quote, newline); a value that is not a number is left out, never
written as one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any, Optional

import pandas as pd

PREFIX = "fabricbench"
POINT_LABELS = ["collective", "size_bytes", "backend", "transport", "device", "dtype", "inplace", "timing", "family",
                "instance_type", "nnodes", "nranks", "run_id"]
FAMILIES = {  # name -> (type, unit, help)
    "busbw_bytes_per_second": ("gauge", "bytes_per_second",
                               "bus bandwidth of a point: algbw x the busbw factor (docs/formulas.md)"),
    "algbw_bytes_per_second": ("gauge", "bytes_per_second", "algorithm bandwidth of a point: size / median time"),
    "latency_seconds": ("gauge", "seconds", "median time per operation of a point (the max over ranks per iteration)"),
    # a gauge of 1 (not OpenMetrics' info type): promtool and the Prometheus text parser read it too
    "run_info": ("gauge", "", "one per run, value 1: its source, status, classification and where it ran"),
    "explain_cause": ("gauge", "", "1 for each cause explain names for a run (configs/explain/rules.yaml)"),
    "diagnose_finding": ("gauge", "", "1 for each slow link, slow node, straggler or late rank diagnose names"),
    "gate_verdict": ("gauge", "", "the gate's verdict per unit: 1 pass, 0 fail, -1 inconclusive, -2 invalid"),
}
GATE_VALUE = {"pass": 1, "fail": 0, "inconclusive": -1, "invalid": -2}  # skipped units are not compared: none


def escape(value: Any) -> str:
    """A label value as OpenMetrics writes it."""
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(pairs: Iterable[tuple[str, Any]]) -> str:
    body = ",".join(f'{k}="{escape(v)}"' for k, v in pairs if v is not None and not _missing(v))
    return "{" + body + "}" if body else ""


def _missing(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)


def _number(v: Any) -> Optional[str]:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if not math.isfinite(x) else repr(x)


def _point_label(row: pd.Series, key: str) -> Any:
    v = row.get(key)
    if key in ("nnodes", "nranks"):  # 0 = a log that names none
        return "unknown" if v is None or _missing(v) or int(v) == 0 else int(v)
    if key == "size_bytes":
        return int(v)
    if key == "inplace":
        return "true" if bool(v) else "false"
    return v


def samples(enriched: pd.DataFrame, runs: pd.DataFrame, explained: Optional[dict] = None,
            findings: Optional[list[dict]] = None, gate: Optional[dict] = None) -> dict[str, list[tuple[str, str]]]:
    """Metric family -> [(labels, value)]."""
    out: dict[str, list[tuple[str, str]]] = {name: [] for name in FAMILIES}
    seen: set[str] = set()
    for ordinal, (_, row) in enumerate(enriched.iterrows()):
        # a production job's communicator (NCCL Inspector) is part of what a point is
        labels = _labels([*((k, _point_label(row, k)) for k in POINT_LABELS), ("comm", row.get("comm_name"))])
        if labels in seen:  # two points alike in every label (point-to-point links of one job): number them
            labels = labels[:-1] + f',point="{ordinal}"}}'
        seen.add(labels)
        for name, col, scale in (("busbw_bytes_per_second", "busbw_gbps", 1e9),
                                 ("algbw_bytes_per_second", "algbw_gbps", 1e9),
                                 ("latency_seconds", "time_us_median", 1e-6)):
            value = _number(row.get(col))
            if value is not None:
                out[name].append((labels, repr(float(value) * scale)))
    for _, r in runs.iterrows():
        out["run_info"].append((_labels([("run_id", r.get("run_id")), ("source", r.get("source")),
                                    ("status", r.get("status")), ("classification", r.get("classification")),
                                    ("instance_type", r.get("instance_type")), ("hosts", r.get("hosts") or None)]),
                           "1"))
    for run in (explained or {}).get("runs", []):
        for cause in dict.fromkeys(c["cause"] for c in run.get("causes", [])):  # one series per distinct cause
            out["explain_cause"].append((_labels([("run_id", run["run_id"]), ("cause", cause)]), "1"))
    for f in findings or []:
        out["diagnose_finding"].append((_labels([("run_id", f.get("run_id")), ("kind", f.get("kind")),
                                                 ("comm", (f.get("evidence") or {}).get("comm_name")),
                                                 ("hosts", ",".join(f.get("hosts") or [])),
                                                 ("ranks", ",".join(map(str, f.get("ranks") or [])))]), "1"))
    for u in (gate or {}).get("units", []):
        value = GATE_VALUE.get(str(u.get("verdict")))
        if value is not None:
            out["gate_verdict"].append((_labels([("unit", u.get("unit")), ("collective", u.get("collective")),
                                                 ("family", u.get("family")), ("nnodes", u.get("nnodes")),
                                                 ("band", u.get("band"))]), str(value)))
    return out


def render(families: dict[str, list[tuple[str, str]]]) -> str:
    return "".join(_lines(families))


def _lines(families: dict[str, list[tuple[str, str]]]) -> Iterator[str]:
    for name, rows in families.items():
        if not rows:
            continue
        kind, unit, help_text = FAMILIES[name]
        full = f"{PREFIX}_{name}"
        yield f"# TYPE {full} {kind}\n"
        if unit:
            yield f"# UNIT {full} {unit}\n"
        yield f"# HELP {full} {help_text}\n"
        for labels, value in rows:
            yield f"{full}{labels} {value}\n"
    yield "# EOF\n"
