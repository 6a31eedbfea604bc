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


_RCCL_KEYS = ("algBw", "busBw")


def is_rccl_lines(text: str) -> bool:
    """rccl-tests --output_file: one JSON object per line, with algBw and busBw."""
    first = text.lstrip().split("\n", 1)[0].strip()
    if not first.startswith("{"):
        return False
    try:
        obj = json.loads(first)
    except ValueError:
        return False
    return isinstance(obj, dict) and all(k in obj for k in _RCCL_KEYS)


def parse_rccl_lines(text: str, source: str = "<jsonl>") -> list[ParsedLog]:
    """rccl-tests `--output_file` (one object per line: name, size, type, redop, inPlace, time, algBw,
    busBw, #wrong, gpus). One log per collective name; a row's out-of-place and in-place halves are
    the objects of equal (size, type, redop, root) in order. A line that is not such an object is
    recorded as skipped, never guessed at."""
    logs: dict[str, ParsedLog] = {}
    open_rows: dict[tuple, Row] = {}
    seen: dict[tuple, int] = {}
    for line_no, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
            name = str(obj["name"])
            size, dtype = int(obj["size"]), str(obj["type"])
            redop, root = str(obj.get("redop", "")).strip(), int(str(obj.get("root", -1)).strip() or -1)
            inplace = int(obj.get("inPlace", 0)) == 1
            t, alg, bus = _num(obj.get("time")), _num(obj.get("algBw")), _num(obj.get("busBw"))
        except (ValueError, TypeError, KeyError, AttributeError):
            some = next(iter(logs.values()), None)
            if some is not None:
                some.skipped.append((line_no, "not an rccl-tests result object"))
            else:
                logs.setdefault("", ParsedLog(source=source, format="jsonl", tool="rccl-tests")).skipped.append(
                    (line_no, "not an rccl-tests result object"))
            continue
        log = logs.get(name) or logs.setdefault(name, ParsedLog(source=source, format="jsonl", tool="rccl-tests",
                                                                 header_seen=True, footer_printed=False))
        spec = registry.by_tool_name(name)
        log.program = log.program or (f"{spec.name}_perf" if spec else name)
        if t is None or alg is None or bus is None:
            log.skipped.append((line_no, "no numeric time/algBw/busBw"))
            continue
        wrong_raw = str(obj.get("#wrong", obj.get("wrong", "N/A"))).strip()
        wrong = int(wrong_raw) if wrong_raw.isdecimal() else None
        half = Half(t, alg, bus, wrong, wrong_raw, bw_halfunit=max(5e-5 * alg, 5e-5), time_halfunit=max(5e-5 * t, 5e-3))
        gpus = obj.get("gpus")
        if isinstance(gpus, int) and gpus > 0:
            log.nranks_devices = gpus  # the tool's own rank count, like a device list
            log.params["gpus"] = gpus
        key = (name, size, dtype, redop, root)
        row = open_rows.get(key)
        if row is None or (row.in_place if inplace else row.out_of_place) is not None:
            count = int(obj["count"]) if isinstance(obj.get("count"), int) else _count(size, dtype)
            occ = seen.get(key, 0)
            seen[key] = occ + 1
            row = Row(size, count, dtype, redop, root, None, None, occurrence=occ, line=line_no)
            open_rows[key] = row
            log.rows.append(row)
        if inplace:
            row.in_place = half
        else:
            row.out_of_place = half
    return [log for log in logs.values() if log.rows or log.skipped]


def _count(size: int, dtype: str) -> int:
    from fabricbench.collectives.dtypes import get_dtype

    try:
        return size // get_dtype(dtype).size
    except (KeyError, ZeroDivisionError):
        return 0
