"""The live nccl-tests-style table rank 0 prints as sizes complete."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Optional

HEADER = ("#{:>12} {:>12} {:>9} {:>6} {:>5} {:>11} {:>11} {:>11} {:>9} {:>9} {:>7} {:>7} {:>10}"
          .format("size", "count", "type", "redop", "root", "time(us)", "p99(us)", "ci95(us)",
                  "algbw", "busbw", "#wrong", "iters", "stop"))
UNITS = "#{:>12} {:>12} {:>52} {:>11} {:>9} {:>9}".format("(B)", "(elements)", "(median)", "(+/-)", "(GB/s)", "(GB/s)")


def _num(x: float, width: int) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return f"{'n/a':>{width}}"
    for digits in (2, 1, 0):
        text = f"{x:.{digits}f}"
        if len(text) <= width:
            return f"{text:>{width}}"
    return f"{x:>{width}.3g}"


def case_banner(meta: Mapping[str, Any]) -> str:
    return (f"# {meta['collective']}  backend {meta['backend']} ({meta['transport']} on {meta['device']})"
            f"  {meta['dtype']}  {'in-place' if meta['inplace'] else 'out-of-place'}"
            f"  timing {meta['timing']}/{meta['timer']}  {meta['nranks'] or 'unknown'} ranks on "
            f"{meta['nnodes'] or 'unknown'} node(s)"  # 0 = unknown (a log that names none): never shown as 0
            + (f"  communicator {meta['comm_name']}" if isinstance(meta.get("comm_name"), str) else ""))


def pairs_label(pairs: Any, round_index: Any = None, hosts: Optional[Mapping[int, str]] = None,
                limit: int = 4) -> str:
    """'round 2: 0->3 (a->b), 1->2 (a->b) +6 more': which pairs ran concurrently, in which direction."""
    if not pairs:
        return ""
    def one(p: Any) -> str:
        a, b = int(p[0]), int(p[1])
        where = f" ({hosts.get(a, '?')}->{hosts.get(b, '?')})" if hosts else ""
        return f"{a}->{b}{where}"
    shown = ", ".join(one(p) for p in list(pairs)[:limit])
    more = f" +{len(pairs) - limit} more" if len(pairs) > limit else ""
    head = f"round {int(round_index)}: " if round_index is not None and round_index == round_index else ""
    return f"  {head}{shown}{more}"


def row(r: Mapping[str, Any], hosts: Optional[Mapping[int, str]] = None) -> str:
    half = (r["time_us_ci_high"] - r["time_us_ci_low"]) / 2
    wrong = "n/a" if r.get("wrong") is None or r["wrong"] != r["wrong"] else str(int(r["wrong"]))
    return (f" {r['size_bytes']:>12} {r['count']:>12} {r['dtype']:>9} {r['redop']:>6} {r['root']:>5}"
            f" {_num(r['time_us_median'], 11)} {_num(r['time_us_p99'], 11)} {_num(half, 11)}"
            f" {_num(r['algbw_gbps'], 9)} {_num(r['busbw_gbps'], 9)} {wrong:>7} {r['iterations']:>7}"
            f" {r['stop_reason']:>10}{pairs_label(r.get('pairs'), r.get('round'), hosts)}")


def footer(rows: list[Mapping[str, Any]]) -> list[str]:
    """nccl-tests' closing lines, so parsers and habits built on its output keep working."""
    wrong = sum(int(r["wrong"]) for r in rows if r.get("wrong") is not None and r["wrong"] == r["wrong"])
    checked = any(r.get("wrong") is not None and r["wrong"] == r["wrong"] for r in rows)
    bws = [float(r["busbw_gbps"]) for r in rows if r.get("busbw_gbps") is not None and math.isfinite(r["busbw_gbps"])]
    avg = sum(bws) / len(bws) if bws else float("nan")
    verdict = "OK" if wrong == 0 else "FAILED"
    return [f"# Out of bounds values : {wrong if checked else 'N/A'} {verdict if checked else ''}".rstrip(),
            f"# Avg bus bandwidth    : {avg:.4g}" if bws else "# Avg bus bandwidth    : n/a"]


def summary_tables(runs: Any) -> list[str]:
    """Every run of a loaded set as tables: a line naming the run, then one table per case."""
    out = []
    summary = runs.summary
    key = ["collective", "backend", "device", "dtype", "redop", "inplace"]
    for run in runs.runs.itertuples():
        out.append(f"# run {run.run_id}  status {run.status}  instance {run.instance_type}"
                   + (f"  ({run.status_reason})" if run.status != "ok" and run.status_reason else ""))
        mine = summary[summary["run_id"] == run.run_id] if not summary.empty else summary
        if mine.empty:
            out.append("# no completed sizes")
            continue
        rows_all = []
        by = key + [c for c in ("comm_name",) if c in mine.columns]  # production: one table per communicator
        for _, group in mine.groupby(by, sort=False, dropna=False):
            rows = group.to_dict("records")
            rows_all += rows
            out.append(case_banner(rows[0]))
            out.append(HEADER)
            out.extend(row(r) for r in rows)
        out.extend(footer(rows_all))
    return out
