"""Parse nccl-tests / rccl-tests text output, every era from 2017 to 2.19.x.

Rules from shared/docs/nccl-tests.md section 7: strip launcher prefixes; a data row is a line
that starts with two integers and a datatype; split on whitespace, never on fixed columns; the
redop may be absent, blank or replaced by root; '#' may have been stripped by a renderer;
#wrong may be a count, N/A or an old-style deviation. Anything else is noise, kept only when it
says something (errors, NCCL INFO). A row-like line that does not fit is recorded as skipped,
never guessed at, so no row is ever produced that was not in the input.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from fabricbench.benchmarks.nccltests.fastrows import REDOPS, TYPES, number, number_occurrences, quick_rows, wrong_token
from fabricbench.benchmarks.nccltests.model import Device, Half, ParsedLog, Row

# Launcher prefixes: srun --label '0: ', Open MPI --tag-output '[1,0]<stdout>:', pdsh 'host: ',
# MPICH/Intel -l '[0] ' at the start of a line. Log collectors: an RFC 3339 / ISO time (kubectl logs
# --timestamps, docker logs -t, Open MPI --timestamp-output's bracketed date), and journald's
# 'MMM DD HH:MM:SS host unit[pid]: '. A prefix is removed whole or not at all: never a value.
_PREFIX = re.compile(r"^(?:\s*\d+:\s|\s*\[\d+,\d+\]<std(?:out|err)>:\s?|\s*\[\d+\]\s|[\w.-]+:\s(?=\s*[#\d])"
                     r"|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\s"
                     r"|\[\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?\]\s?"
                     r"|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d [\w.-]+ [\w.@/-]+(?:\[\d+\])?:\s)")
_MIDLINE_LABEL = re.compile(r"\[\d+\]")  # MPICH -l labels inside a row ('-1[0]    1626.5')
_INT = re.compile(r"^-?\d+$")
_VERSION = re.compile(r"(nccl|rccl)-tests version (\S+)(?: \((\w+)\))?(?: nccl-headers=(\d+) nccl-library=(\d+))?")
_RCCL_TESTS = re.compile(r"^rccl-tests: Version (\S+)")  # 'rccl-tests: Version develop:6405c76'
_ROCM_VERSION = re.compile(r"^(RCCL|HIP|ROCm) version\s*:\s*(\S+)")
_NCCL_RUNTIME = re.compile(r"NCCL version (\d+\.\d+\.\d+)")
_COMPILED = re.compile(r"NCCL Tests compiled with NCCL (\S+)")
_RANK = re.compile(r"Rank\s+(\d+)(?:\s+Group\s+(\d+))?(?:\s+Pid\s+(\d+))?\s+on\s+(\S+)\s+device\s+(\d+)"
                   r"\s+\[([^\]]*)\]\s*(.*)")
_PROGRAM = re.compile(r"\b(\w+_perf)(?:_mpi)?\b")
_ERROR_MARKERS = ("Test NCCL failure", "Test CUDA failure", "NCCL failure", "Test failure", "Test timeout",
                  "CUDA failure")
_WRONG_NAMES = {"#wrong", "wrong", "error", "res", "#errors"}
_HALF_BASE = ("time", "algbw", "busbw", "wrong")
_PER_ITER = ("i_min", "i_max", "i_p99", "i_cv%")


def strip_prefix(line: str) -> str:
    for _ in range(2):  # e.g. a pdsh host prefix in front of an srun label
        if not _may_have_prefix(line):
            break
        m = _PREFIX.match(line)
        if not m:
            break
        line = line[m.end():]
    return line


def _may_have_prefix(line: str) -> bool:
    """False only where _PREFIX cannot match: its forms begin with a space, a digit, '[' or a capital
    letter, or (pdsh) are a run of [\\w.-] whose ':' - the line's first - is followed by a space. Most lines
    of a log (a host name, then NCCL INFO) are answered here, without the regex (a third of their cost)."""
    c = line[:1]
    if c.isspace() or c.isdigit() or c == "[" or c.isupper():
        return True
    k = line.find(":")
    return k > 0 and line[k + 1:k + 2].isspace()


_HALF = [0.5 * 10.0 ** -d for d in range(20)]


def halfunit(tok: str) -> float:
    """Half a unit of the last printed digit: '0.26' -> 0.005, '17407.8' -> 0.05, '1e+06' -> 5e5."""
    e = tok.find("e")
    if e < 0:
        e = tok.find("E")
    if e < 0:
        dot = tok.find(".")
        return _HALF[min(len(tok) - dot - 1, 19)] if dot >= 0 else 0.5
    mantissa, exp = tok[:e], int(tok[e + 1:])
    dot = mantissa.find(".")
    decimals = len(mantissa) - dot - 1 if dot >= 0 else 0
    return 0.5 * 10.0 ** (exp - decimals)


class _Layout:
    """Columns from the header line: leading ones, then two halves, then an optional timestamp."""

    def __init__(self, tokens: list[str]) -> None:
        lead = []
        i = 0
        names = [t.lower() for t in tokens]
        while i < len(names) and names[i] in ("size", "bytes", "count", "n", "type", "redop", "op", "root"):
            lead.append({"bytes": "size", "n": "count", "op": "redop"}.get(names[i], names[i]))
            i += 1
        rest = names[i:]
        self.timestamp = "timestamp" in rest
        half = [n for n in rest if n != "timestamp"]
        self.per_iter = all(p in half for p in _PER_ITER)
        self.lead = lead
        self.has_redop = "redop" in lead
        self.has_root = "root" in lead
        self.half_len = len(_HALF_BASE) + (len(_PER_ITER) if self.per_iter else 0)
        # rccl-tests (2025) appends 'algo proto nchannels'; any further named columns after the two
        # halves are read the same way, by name, never guessed at: only behind two halves whose
        # column names are the known ones (a damaged header reads no trailing columns).
        one = ["time", "algbw", "busbw", "wrong"] + (list(_PER_ITER) if self.per_iter else [])
        halves = [("wrong" if n in _WRONG_NAMES else "time" if n == "cputime" else n) for n in half[:2 * len(one)]]
        tail = half[2 * self.half_len:]
        named = halves == one + one and all(re.fullmatch(r"[a-z][a-z_]*", n) for n in tail)
        self.trailing = tail if named else []
        self.ms = "bytes" in names[:2]  # the 2017 format printed milliseconds
        self.cputime = "cputime" in rest
        self.simple = not self.per_iter and not self.timestamp and len(half) == 8


@lru_cache(maxsize=256)
def _layout(header: tuple[str, ...]) -> _Layout:
    """One _Layout a distinct header: a log, or a folder of them, repeats the same few."""
    return _Layout(list(header))


def _is_header(body: str) -> Optional[list[str]]:
    if "algbw" not in body:
        return None
    tokens = body.split()
    low = [t.lower() for t in tokens]
    if len(tokens) >= 6 and low[0] in ("size", "bytes") and ("time" in low or "cputime" in low) and "algbw" in low:
        return tokens
    return None


def _half(tokens: list[str], per_iter: bool) -> Optional[Half]:
    t, alg, bus, wrong_tok = tokens[:4]
    tv, av, bv = number(t), number(alg), number(bus)
    if tv is None or av is None or bv is None:
        return None
    ok, wrong = wrong_token(wrong_tok)
    if not ok:
        return None
    extra = None
    if per_iter:
        vals = tokens[4:8]
        if any(number(v) is None for v in vals):
            return None
        extra = dict(zip(("min_us", "max_us", "p99_us", "cv_pct"), map(float, vals), strict=True))
    return Half(tv, av, bv, wrong, wrong_tok, per_iter=extra, printed=f"{t} {alg} {bus}")


def parse_row(body: str, layout: Optional[_Layout], line_no: int) -> Optional[Row]:
    tokens = (_MIDLINE_LABEL.sub(" ", body) if "[" in body else body).split()
    if len(tokens) < 7 or not (tokens[0].isdecimal() and tokens[1].isdecimal()):
        return None
    if tokens[2].lower() not in TYPES:
        return None
    size, count, dtype = int(tokens[0]), int(tokens[1]), tokens[2]
    if size < 0 or count < 0:
        return None
    rest = tokens[3:]
    timestamp = ""
    if layout and layout.timestamp and len(rest) >= 2 and re.match(r"^\d{4}-\d\d-\d\d$", rest[-2]):
        timestamp = f"{rest[-2]} {rest[-1]}"
        rest = rest[:-2]
    named = None
    if layout and layout.trailing:
        k = len(layout.trailing)
        if len(rest) <= k:
            return None
        named = {name: _typed(tok) for name, tok in zip(layout.trailing, rest[-k:], strict=True)}
        rest = rest[:-k]
    redop = ""
    if rest and rest[0].lower() in REDOPS:
        redop, rest = rest[0].lower(), rest[1:]
    per_iter = bool(layout and layout.per_iter)
    half_len = 8 if per_iter else 4
    root = -1
    has_root = layout.has_root if layout else len(rest) == 2 * half_len + 1
    if has_root:
        if not rest or not _INT.match(rest[0]):
            return None
        root, rest = int(rest[0]), rest[1:]
    if len(rest) != 2 * half_len:
        return None
    oop, inp = _half(rest[:half_len], per_iter), _half(rest[half_len:], per_iter)
    if oop is None or inp is None:
        return None
    return Row(size, count, dtype, redop, root, oop, inp, line=line_no, timestamp=timestamp, named=named)


def _typed(tok: str) -> object:
    """A trailing column's value: an integer where it is one, None for N/A, else the text as printed."""
    if tok == "N/A":
        return None
    return int(tok) if _INT.match(tok) else tok


def _params(body: str) -> dict:
    """'nThread 1 nGpus 1 minBytes 8 ... warmup iters: 1 iters: 20 ...' (and rccl's 'nThreads: 1 ...')."""
    out: dict = {}
    tokens = body.replace(":", " ").split()
    i = 0
    while i < len(tokens) - 1:
        key = tokens[i]
        if key in ("warmup", "agg") and i + 2 < len(tokens) and tokens[i + 1] == "iters":
            key, i = f"{key}_iters", i + 1
        value = tokens[i + 1]
        if _INT.match(value):
            out[key] = int(value)
            i += 2
        elif key == "step" and re.match(r"^\d+\((factor|bytes)\)$", value):
            out["step"] = value
            i += 2
        else:
            i += 1
    return out


_NEVER = object()  # a header whose layout quick rows cannot have (per-iteration, timestamps)


class _Reader:
    """The line-by-line parser: every line the fast path did not take, with the current header's layout
    (which also says which fast-path rows fit: None = any, no header yet)."""

    __slots__ = ("log", "layout", "accept")

    def __init__(self, log: ParsedLog) -> None:
        self.log, self.layout, self.accept = log, None, None

    def line(self, raw: str, line_no: int) -> None:
        log = self.log
        s = (raw if raw[:1] == "#" else strip_prefix(raw)).strip()  # no prefix begins with '#'
        if not s:
            return
        if "NCCL INFO" in s or "NCCL WARN" in s:
            log.info_lines.append(s)
            return
        if ("ailure" in s or "Test timeout" in s) and any(m in s for m in _ERROR_MARKERS) \
                and not s.lstrip("# ").startswith(("Out of bounds", "Avg bus")):
            log.errors.append(s)
            return
        body = s.lstrip("#").strip()
        if not body:
            return
        first = body[0]
        if first.isdigit() or (first == "-" and len(body) > 1 and body[1].isdigit()):
            row = parse_row(body, self.layout, line_no)
            if row is not None:
                log.rows.append(row)
            elif s[0] != "#" and len(body.split()) >= 7:
                log.skipped.append((line_no, "row-like line that fits no nccl-tests layout"))
            return
        _meta(log, body, s)
        header = _is_header(body)
        if header:
            layout = self.layout = _layout(tuple(header))
            self.accept = layout.has_root if layout.simple else _NEVER
            log.columns = header
            log.header_seen = True
            log.time_unit_us = 1000.0 if layout.ms else 1.0
            log.time_kind = "cputime" if layout.cputime else "time"


def parse_text(text: str, source: str = "<text>") -> ParsedLog:
    log = ParsedLog(source=source, format="text")
    lines = text.splitlines()
    # Quick rows are numbered by '\n'; splitlines() also breaks at a lone '\r' (a progress bar), '\x0b',
    # '\x1c', '\u2028' ...: where the two counts differ the quick path would attach rows to the wrong
    # lines (and repeat one), so such a text takes the line-by-line path only.
    same_numbering = len(lines) == text.count("\n") + (not text.endswith("\n") and bool(text))
    q_lines, q_rows, q_root = quick_rows(text) if same_numbering else ([], [], [])
    reader, rows = _Reader(log), log.rows
    following, i, n, taken = 1, 0, len(q_lines), 0  # following: the first line not read yet
    while i < n:  # a block of consecutive quick rows, after the lines before it
        j = i + 1
        while j < n and q_lines[j] == q_lines[j - 1] + 1:
            j += 1
        for line_no in range(following, q_lines[i]):
            reader.line(lines[line_no - 1], line_no)
        accept = reader.accept  # no header inside a block: one answer for all of it
        if accept is None or (all(q_root[i:j]) if accept is True else accept is False and not any(q_root[i:j])):
            rows.extend(q_rows[i:j])
            taken += j - i
        else:  # rows that do not fit the header's layout are read by it (or skipped) line by line
            for k in range(i, j):
                if accept is q_root[k]:
                    rows.append(q_rows[k])
                else:
                    reader.line(lines[q_lines[k] - 1], q_lines[k])
        following, i = q_lines[j - 1] + 1, j
    for line_no in range(following, len(lines) + 1):
        reader.line(lines[line_no - 1], line_no)
    if not taken == n == len(rows):  # the quick rows counted their occurrences among themselves
        number_occurrences(rows)
    layout = reader.layout
    stamped = [r.timestamp for r in log.rows if r.timestamp]
    if stamped:
        log.started, log.ended = stamped[0], stamped[-1]
    if layout and layout.ms:
        for row in log.rows:
            for half in (row.out_of_place, row.in_place):
                if half:
                    half.time_us *= 1000.0
    return log


def _meta(log: ParsedLog, body: str, raw: str) -> None:
    m = _RANK.search(body) if body.startswith("Rank") else None  # first: the most common line (a device a rank)
    if m:
        rank, group, pid, host, dev, pci, name = m.groups()
        log.devices.append(Device(int(rank), host, int(dev), pci, name.strip(), int(pid) if pid else None,
                                  int(group) if group else None))
        return
    if body in ("...", "[...]") or body.startswith("Truncated"):
        log.elided = True
        return
    m = _RCCL_TESTS.match(body) if body.startswith("rccl-tests:") else None
    if m:
        log.tool, log.version = "rccl-tests", m.group(1)
        return
    m = _ROCM_VERSION.match(body) if " version" in body else None
    if m:
        log.versions[m.group(1).lower()] = m.group(2)
        return
    m = _VERSION.search(body) if "tests version" in body else None
    if m:
        log.tool = f"{m.group(1)}-tests"
        log.version, log.git_hash = m.group(2), m.group(3) or ""
        if m.group(5):
            code = int(m.group(5))
            log.nccl_version = f"{code // 10000}.{code // 100 % 100}.{code % 100}"
        return
    if body.startswith("Collective test starting:"):
        log.program = body.split(":", 1)[1].strip()
        return
    if body.startswith("Collective test concluded"):
        log.concluded = True
        return
    if body.startswith(("nThread ", "nThreads:")):
        log.params = _params(body)
        if body.startswith("nThreads:"):
            log.tool = "rccl-tests"
        return
    if body.startswith("Out of bounds values"):
        tail = body.split(":", 1)[-1].split()
        if tail and _INT.match(tail[0]):
            log.footer_oob = int(tail[0])
        log.footer_ok = None if len(tail) < 2 else tail[1] == "OK"
        return
    if body.startswith("Avg bus bandwidth"):
        tail = body.split(":", 1)[-1].split()
        if tail and number(tail[0]) is not None:
            log.footer_avg_busbw = float(tail[0])
        return
    m = (_NCCL_RUNTIME.search(body) or _COMPILED.search(body)) if "NCCL" in body else None
    if m and not log.nccl_version:
        log.nccl_version = m.group(1)
        return
    if not log.program and "_perf" in body:
        m = _PROGRAM.search(body)
        if m and ("./" in body or "/" in body or body.startswith(m.group(1))):
            log.program = m.group(1)
