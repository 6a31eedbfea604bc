"""Classify a parsed log and check that its numbers agree with its collective.

The rank count is taken from the device list and, independently, recovered from busbw/algbw by
inverting the collective's own busbw factor (collectives/), with the uncertainty that the
printed decimals allow. A ratio that matches no integer rank count, a derived count
that contradicts the device list, or algbw != size/time means the table is not a faithful
nccl-tests run: it is flagged, not trusted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from fabricbench.benchmarks.nccltests import model
from fabricbench.benchmarks.nccltests.model import ParsedLog
from fabricbench.collectives import registry
from fabricbench.collectives.spec import CollectiveSpec


def identify_collective(log: ParsedLog, explicit: Optional[str] = None) -> str:
    """Explicit > the program named in the log > the file name; '' when unknown."""
    if explicit:
        return explicit
    spec = registry.by_program(log.program) if log.program else None
    spec = spec or registry.from_file_name(Path(log.source).name)
    return spec.name if spec else ""


def precision(h: model.Half) -> tuple[float, float]:
    """(time, bandwidth) half units of the printed digits, computed on first use."""
    if h.time_halfunit is None or h.bw_halfunit is None:
        from fabricbench.benchmarks.nccltests.logtext import halfunit

        printed = h.printed.split()
        t, alg, bus = printed if len(printed) == 3 else ("", "", "")
        h.time_halfunit = halfunit(t) if t else 1e-9
        h.bw_halfunit = max(halfunit(alg), halfunit(bus)) if alg and bus else 1e-9
    return h.time_halfunit, h.bw_halfunit


def _ratio_bounds(busbw: float, algbw: float, half_unit: float) -> tuple[float, float]:
    lo = max(busbw - half_unit, 0.0) / (algbw + half_unit)
    hi = (busbw + half_unit) / max(algbw - half_unit, 1e-12)
    return lo, hi


def derive_nranks(best: Optional[model.Half], spec: Optional[CollectiveSpec]) -> tuple[Optional[int], bool, list[str]]:
    """(rank count the busbw/algbw ratio implies, whether it is unique, contradictions found).

    ``best``: the log's half with the highest algbw (>= 1 GB/s, busbw > 0; the first such), the most
    significant digits, found by check_consistency's one pass. Inverts the spec's own busbw factor; a
    factor that does not depend on n says nothing.
    """
    if spec is None or best is None or spec.busbw_factor(2) == spec.busbw_factor(1 << 20):
        return None, False, []
    lo, hi = _ratio_bounds(best.busbw, best.algbw, precision(best)[1])
    found = spec.ranks_for_factor(lo, hi)
    if found is None:
        kind = "busbw < algbw" if best.busbw < best.algbw else "busbw/algbw"
        return None, False, [f"{kind} ({best.busbw:g} vs {best.algbw:g} GB/s) matches no rank count for this "
                             "collective"]
    first, last = found
    if first == last:
        return first, True, []
    ratio = best.busbw / best.algbw
    above = spec.ranks_for_factor(ratio, hi)  # the first n whose factor reaches the printed ratio
    n = above[0] if above else last
    if n > first and abs(spec.busbw_factor(n - 1) - ratio) < abs(spec.busbw_factor(n) - ratio):
        n -= 1
    return n, False, []


def _algbw_fits(size: int, h: model.Half, unit_us: float) -> bool:
    """algbw = size/time within what the printed digits allow (and 2 %, as measured on real logs).

    Called only for rows outside 2 % of size/time (check_consistency filters the common case inline).
    """
    dt_unit, da = precision(h)
    dt = dt_unit * unit_us
    lo_t, hi_t = max(h.time_us - dt, 1e-12), h.time_us + dt
    lo, hi = size / (hi_t * 1e3), size / (lo_t * 1e3)
    return lo * 0.98 - da <= h.algbw <= hi * 1.02 + da


def check_consistency(log: ParsedLog, spec: Optional[CollectiveSpec]) -> list[str]:
    """Every half once, in one loop (ingest runs it on every row): algbw against size/time (the common
    case inline, only outliers pay for _algbw_fits; one problem a row, three at most), the top busbw
    for the footer's average, and the best half for the rank count."""
    problems: list[str] = []
    check, unit_us = log.time_kind == "time", log.time_unit_us
    top: Optional[float] = None
    best, best_algbw = None, 0.0
    for row in log.rows:
        size, flagged = row.size, False
        for h in (row.out_of_place, row.in_place):
            if h is None:
                continue
            algbw, busbw = h.algbw, h.busbw
            if top is None or busbw > top:  # max()'s rule: the first of the largest
                top = busbw
            if algbw > best_algbw and algbw >= 1.0 and busbw > 0:
                best, best_algbw = h, algbw
            if not check or flagged or len(problems) >= 3 or algbw < 0.5 or h.time_us <= 0:
                continue
            if abs(size / (h.time_us * 1e3) - algbw) <= 0.02 * algbw:
                continue
            if not _algbw_fits(size, h, unit_us):
                expected = size / (h.time_us * 1e3)  # GB/s; never time x 1e-6, which a denormal time makes 0
                problems.append(f"line {row.line}: algbw {algbw:g} GB/s is not size/time ({expected:.3g})")
                flagged = True
    if log.footer_avg_busbw is not None and check:
        if top is not None and log.footer_avg_busbw > top + 0.0051:  # the average of the rows cannot exceed them
            problems.append(f"Avg bus bandwidth {log.footer_avg_busbw:g} is above every row's busbw (max {top:g})")
    derived, exact, ratio_problems = derive_nranks(best, spec)
    problems += ratio_problems
    log.nranks_derived = derived
    if exact and log.nranks_devices and not log.devices_elided and derived != log.nranks_devices:
        problems.append(f"busbw/algbw implies {derived} ranks but the device list has {log.nranks_devices}")
    if spec is not None and spec.busbw_factor(2) == spec.busbw_factor(1 << 20) == 1.0:
        for row in log.rows:
            h = row.out_of_place
            if h and h.algbw >= 1.0 and abs(h.busbw - h.algbw) > 0.02 * h.algbw + 0.01:
                problems.append(f"line {row.line}: busbw {h.busbw:g} != algbw {h.algbw:g} for a factor-1 collective")
                break
    return problems


def legacy_gather_ranks(log: ParsedLog, spec: Optional[CollectiveSpec]) -> Optional[int]:
    """nccl-tests before June 2020 (nccl-tests#45, fixed in ec1b5e2) printed all_gather and
    reduce_scatter with algbw = busbw = (n-1)/n x size/t. Such a log is recognised by its numbers, not
    guessed: algbw equals busbw on every row big enough to tell, size/(count x element) is one integer
    n > 1 on every row, and algbw is size/t x (n-1)/n within what the printed digits allow. Returns n."""
    if spec is None or not spec.pre2020_algbw_is_busbw or not log.rows:
        return None
    from fabricbench.collectives.dtypes import get_dtype

    ns, checked = set(), 0
    for row in log.rows:
        try:
            elt = get_dtype(row.type).size
        except KeyError:
            return None
        if row.count <= 0 or row.size % (row.count * elt):
            return None
        ns.add(row.size // (row.count * elt))
        for h in (row.out_of_place, row.in_place):
            if h is None or h.algbw < 1.0 or h.time_us <= 0:
                continue
            _, bw_half = precision(h)
            if abs(h.algbw - h.busbw) > 2 * bw_half:
                return None
            checked += 1
    if len(ns) != 1 or checked == 0:
        return None
    n = ns.pop()
    if n < 2:
        return None
    for row in log.rows:
        for h in (row.out_of_place, row.in_place):
            if h is not None and h.algbw >= 1.0 and h.time_us > 0:
                expected = row.size / (h.time_us * log.time_unit_us * 1e3) * (n - 1) / n
                if abs(expected - h.algbw) > 0.02 * h.algbw + precision(h)[1]:
                    return None
    return n


def classify(log: ParsedLog, collective: Optional[str] = None) -> ParsedLog:
    """Fill collective, rank counts, status and reasons."""
    log.collective = identify_collective(log, collective)
    if log.devices:
        log.nranks_devices = max(d.rank for d in log.devices) + 1
        log.devices_elided = log.elided and len(log.devices) < log.nranks_devices
    reasons: dict[str, list[str]] = {}
    ran = bool(log.header_seen or log.rows or log.params or log.version or log.devices or log.program)
    if log.errors and not ran:  # a page that quotes a failure is not a failed run
        reasons[model.NOT_A_TABLE] = [f"quotes a failure ({log.errors[0][:80]}) but holds no nccl-tests output"]
    elif log.errors:
        reasons.setdefault(model.ERROR, []).append(log.errors[0])
    wrong = [r for r in log.rows for h in (r.out_of_place, r.in_place) if h and h.wrong]
    if wrong or log.footer_ok is False:
        what = f"{len(wrong)} row half(s) with #wrong > 0" if wrong else "footer says FAILED"
        reasons.setdefault(model.WRONG_DATA, []).append(what)
    spec = registry.get(log.collective) if log.collective in registry.names() else None
    legacy = legacy_gather_ranks(log, spec)
    if legacy is not None:  # the old definition, read as such: rank count from size/count, today's busbw
        log.nranks_derived = legacy
        problems = []
        if log.nranks_devices and not log.devices_elided and legacy != log.nranks_devices:
            problems.append(f"size/count implies {legacy} ranks but the device list has {log.nranks_devices}")
    else:  # OSU, IMB print times (and MB/s), not nccl-tests' busbw: nothing of theirs to cross-check
        problems = check_consistency(log, spec) if log.rows and not log.timing else []
    if problems:
        reasons[model.INCONSISTENT] = problems
    if not log.rows and not log.errors:
        footer = log.footer_oob is not None or log.footer_avg_busbw is not None
        if log.skipped:
            reasons[model.NOT_A_TABLE] = [f"{len(log.skipped)} row-like line(s) fit no known layout (e.g. line "
                                          f"{log.skipped[0][0]}): not read"]
        elif log.header_seen and not footer:
            reasons[model.HANG] = ["a table header, then no rows, no footer and no error: the run hung or was "
                                   "cut before the first size"]
        elif log.header_seen:
            reasons[model.NOT_A_TABLE] = ["a table header and a footer but no rows"]
        else:
            reasons[model.NOT_A_TABLE] = ["no nccl-tests table found"]
    elif (log.footer_oob is None and log.footer_printed) or log.elided:
        reasons[model.TRUNCATED] = ["an excerpt: elided lines" if log.elided else "no footer: an excerpt or a run "
                                    "that stopped early"]
    log.status = next((s for s in model.SEVERITY if s in reasons), model.OK)
    log.reasons = [f"{s}: {r}" for s in model.SEVERITY for r in reasons.get(s, [])]
    if legacy is not None:
        log.reasons.append(f"note: pre-2020 {log.collective} numbers (algbw = busbw = (n-1)/n x size/t, "
                           f"nccl-tests#45): {legacy} ranks from size/count; busbw reported by today's definition, "
                           "the printed values kept")
    if not log.collective and log.rows:
        log.reasons.append("note: collective unknown (no program line, the file name names none); "
                           "pass --collective")
    return log
