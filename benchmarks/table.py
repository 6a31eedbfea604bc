"""The live nccl-tests-style table rank 0 prints as sizes complete."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

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
            f"  timing {meta['timing']}/{meta['timer']}  {meta['nranks']} ranks on {meta['nnodes']} node(s)")


def row(r: Mapping[str, Any]) -> str:
    half = (r["time_us_ci_high"] - r["time_us_ci_low"]) / 2
    wrong = "n/a" if r.get("wrong") is None else str(int(r["wrong"]))
    return (f" {r['size_bytes']:>12} {r['count']:>12} {r['dtype']:>9} {r['redop']:>6} {r['root']:>5}"
            f" {_num(r['time_us_median'], 11)} {_num(r['time_us_p99'], 11)} {_num(half, 11)}"
            f" {_num(r['algbw_gbps'], 9)} {_num(r['busbw_gbps'], 9)} {wrong:>7} {r['iterations']:>7}"
            f" {r['stop_reason']:>10}")
