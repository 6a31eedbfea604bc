"""Parse nccl-tests `-J` JSON output (file version 3, nccl-tests >= 2.17.3).

Per-iteration statistics (`-I`) come along when present, including each process's per-iteration
maximum, which becomes real per-iteration samples in our records. NaN is written as the string
"nan" by nccl-tests; any value that is not a number where a number belongs makes that half
unusable (recorded in skipped), never a guessed value.
"""

from __future__ import annotations

import json
import math
from typing import Any, Optional

from fabricbench.benchmarks.nccltests.model import Device, Half, ParsedLog, Row
from fabricbench.collectives import registry


class JsonLogError(ValueError):
    pass


def _num(value: Any) -> Optional[float]:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return None


def _half(obj: Any, per_iter: Any) -> Optional[Half]:
    if not isinstance(obj, dict):
        return None
    t = _num(obj.get("time", obj.get("cpu_time")))
    alg, bus = _num(obj.get("alg_bw")), _num(obj.get("bus_bw"))
    if t is None or alg is None or bus is None:
        return None
    nwrong = obj.get("nwrong")
    wrong = int(nwrong) if _num(nwrong) is not None else None
    extra = None
    if isinstance(per_iter, dict):
        extra = {k: per_iter.get(k) for k in ("min_us", "max_us", "avg_us", "p50_us", "p95_us", "p99_us", "stdev_us",
                                              "cv_pct", "times_us", "per_process_max_times_us")}
    # The JSON writer rounds (e.g. alg_bw 0.001112): allow a few significant digits.
    return Half(t, alg, bus, wrong, "N/A" if nwrong is None else str(nwrong), bw_halfunit=max(5e-4 * alg, 5e-7),
                time_halfunit=max(5e-4 * t, 5e-7), per_iter=extra)


def parse_json(text: str, source: str = "<json>") -> ParsedLog:
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise JsonLogError(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise JsonLogError(f"{source}: not an nccl-tests -J file (no 'results' list)")
    log = ParsedLog(source=source, format="json", header_seen=True)
    args = doc.get("args") or []
    if args and isinstance(args[0], str):
        prog = args[0].rsplit("/", 1)[-1]
        log.program = prog if registry.by_program(prog) else log.program
    log.version = str(doc.get("version", ""))
    log.started, log.ended = str(doc.get("start_time") or ""), str(doc.get("end_time") or "")
    nccl = doc.get("nccl_version")
    if isinstance(nccl, int):
        log.nccl_version = f"{nccl // 10000}.{nccl // 100 % 100}.{nccl % 100}"
    elif isinstance(nccl, str):
        log.nccl_version = nccl
    config = doc.get("config") if isinstance(doc.get("config"), dict) else {}
    log.params = {k: v for k, v in config.items() if not isinstance(v, (list, dict))}
    if config.get("report_cputime") in (1, True, "true"):
        log.time_kind = "cputime"
    for d in config.get("devices") or doc.get("devices") or []:
        if isinstance(d, dict) and isinstance(d.get("rank"), int):
            log.devices.append(Device(d["rank"], str(d.get("hostname", "")), int(d.get("device", 0) or 0),
                                      str(d.get("device_hex", "")), str(d.get("device_info", "")), d.get("pid"),
                                      d.get("group")))
    seen: dict[tuple, int] = {}
    for i, r in enumerate(doc["results"]):
        try:
            size, count = int(r["size"]), int(r["count"])
            root = int(str(r.get("root", "-1")).strip() or -1)
            dtype, redop = str(r["type"]), str(r.get("redop", "")).strip()
        except (KeyError, TypeError, ValueError, AttributeError):
            log.skipped.append((0, f"results[{i}]: missing or malformed size/count/type/root"))
            continue
        oop = _half(r.get("out_of_place"), r.get("out_of_place_per_iter"))
        inp = _half(r.get("in_place"), r.get("in_place_per_iter"))
        if oop is None and inp is None:
            log.skipped.append((0, f"results[{i}]: no numeric time/alg_bw/bus_bw"))
            continue
        key = (size, dtype, redop, root)
        row = Row(size, count, dtype, redop, root, oop, inp, occurrence=seen.get(key, 0))
        seen[key] = row.occurrence + 1
        log.rows.append(row)
    oob = doc.get("out_of_bounds")
    if isinstance(oob, dict):
        log.footer_oob = int(oob["count"]) if _num(oob.get("count")) is not None else None
        okay = oob.get("okay")
        log.footer_ok = okay if isinstance(okay, bool) else (okay == "true" if isinstance(okay, str) else None)
    avg = doc.get("average_bus_bandwidth")
    if isinstance(avg, dict):
        log.footer_avg_busbw = _num(avg.get("bandwidth"))
    log.errors = [str(e) for e in doc.get("errors") or [] if str(e).strip()]
    log.concluded = bool(doc.get("end_time"))
    return log
