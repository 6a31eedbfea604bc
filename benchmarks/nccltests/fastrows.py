"""The fast path of the text parser: every ordinary table row of a log, found in one pass.

Ingest must run at >= 20 MB/s on one core (measured by tests/perf/test_ingest_speed.py). Rows whose
halves are (time algbw busbw #wrong) twice, with or without redop and root, are found by a scanner in
C (native/fb_rows.c, built on first use: nativerows.py) and become records column by column; where
no C compiler exists a flat Python loop finds the same rows at about half the speed. The
line-by-line parser in logtext.py uses a row from here only where it agrees with the header's layout,
and parses everything else (per-iteration columns, timestamps, odd prefixes) itself. Both paths are
only ever stricter than that parser: tests/benchmarks/nccltests/test_robustness.py holds each of
them to its rows on corrupted real logs.
"""

from __future__ import annotations

import ctypes
import re
from itertools import repeat
from operator import attrgetter
from typing import Optional

import numpy as np

from fabricbench.benchmarks.nccltests import nativerows
from fabricbench.benchmarks.nccltests.model import Half, Row

# Line numbers, rows (occurrence counted among these rows), whether each had a root column.
QuickRows = tuple[list[int], list[Row], list[bool]]

TYPES = {"int8", "uint8", "int32", "uint32", "int64", "uint64", "half", "float", "double", "bfloat16",
         "f8e4m3", "f8e5m2", "char", "int", "uint", "float16", "float32", "float64", "fp8_e4m3", "fp8_e5m2"}
REDOPS = {"sum", "prod", "min", "max", "avg", "mulsum", "premulsum", "none"}

# Candidate rows (two integers, then the rest), with the common launcher prefixes (srun '0: ',
# Open MPI '[1,0]<stdout>:', MPICH '[0] '), found in one C-level pass; a cheap regex, because one
# that spelled out every column backtracked down to 50 MB/s. Rows whose halves are
# (time algbw busbw #wrong) twice are finished here; anything else goes through the general path.
CANDIDATES = re.compile(r"^(?:[ \t]*\d+:[ \t]|\[\d+,\d+\]<stdout>:|\[\d+\][ \t])?[ \t]*(\d+)[ \t]+(\d+)[ \t]+(.*)$",
                         re.M)


def number(tok: str) -> Optional[float]:
    """A plain decimal number as nccl-tests prints it; None for nan, inf, N/A, '1_000' or garbage."""
    if not tok or not tok[-1].isdigit() or "_" in tok:
        return None
    c = tok[1] if tok[0] == "-" and len(tok) > 1 else tok[0]
    if not (c.isdigit() or c == "."):
        return None
    try:
        return float(tok)
    except ValueError:
        return None


def wrong_token(tok: str) -> tuple[bool, Optional[int]]:
    """(valid, count): a count (>= 2.13), N/A, or a pre-2.13 deviation such as '2e-07' (not a count).

    isdecimal, not isdigit: '\u00b2' is a digit that int() refuses."""
    if tok.isdecimal():
        return True, int(tok)
    if tok == "N/A":
        return True, None
    return number(tok) is not None, None


def quick_rows(text: str) -> QuickRows:
    """Every 4-column-half row: (line numbers, rows, whether each had a root column), in line order.

    Line numbers count '\\n' only: the caller uses them only where that agrees with splitlines()."""
    lib = nativerows.load()
    return _native_rows(lib, text) if lib is not None else python_rows(text)


_NAMES = (" ".join(sorted(TYPES)).encode(), " ".join(sorted(REDOPS)).encode())


FIRST_CAP = 1 << 16  # rows the first scan has room for (120 B a row); a log with more is scanned again


def _native_rows(lib: ctypes.CDLL, text: str) -> QuickRows:
    data = text.encode("utf-8", "surrogatepass")
    most = len(data) // 21 + 1  # a row is >= 21 bytes (counting the lines would cost a fifth of the scan)
    for cap in dict.fromkeys((min(most, FIRST_CAP), most)):  # no 1 GB of arrays for a 1 GB log of INFO lines
        ints, vals = np.empty((cap, 9), dtype=np.int64), np.empty((cap, 6), dtype=np.float64)
        tokcap = len(data) + 6 * cap
        buf, used = ctypes.create_string_buffer(tokcap), ctypes.c_long(0)
        n = lib.fb_scan_rows(data, len(data), _NAMES[0], _NAMES[1], cap, ints.ctypes.data, vals.ctypes.data, buf,
                             tokcap, ctypes.byref(used))
        if n >= 0:
            break
    if n < 0:  # out of memory in the scanner: the Python path is always right
        return python_rows(text)
    if n == 0:
        return [], [], []
    lines, size, count, root, w1, w2, nth = ints[:n, [0, 1, 2, 3, 5, 6, 7]].T.tolist()
    has_root = ints[:n, 4].astype(bool).tolist()
    v = vals[:n].T.tolist()
    fields = ctypes.string_at(buf, used.value).decode("ascii").split("\n")
    dtype, redop, p1, r1, p2, r2 = (fields[k:6 * n:6] for k in range(6))
    if min(w1) < 0:
        w1 = [w if w >= 0 else None for w in w1]
    if min(w2) < 0:
        w2 = [w if w >= 0 else None for w in w2]
    nones = repeat(None)
    oop = map(Half, v[0], v[1], v[2], w1, r1, nones, nones, nones, p1)
    inp = map(Half, v[3], v[4], v[5], w2, r2, nones, nones, nones, p2)
    # Positional arguments: measurably cheaper than keywords.
    rows = list(map(Row, size, count, dtype, redop, root, oop, inp, nth, lines))
    return lines, rows, has_root


def python_rows(text: str) -> QuickRows:
    """quick_rows without the C scanner. Written flat (no helper calls per token): this loop is where
    ingest spends its time when it runs."""
    lines, rows, roots = [], [], []
    line_no, pos = 1, 0
    for m in CANDIDATES.finditer(text):
        size, count, tail = m.groups()
        if "_" in tail:
            continue
        toks = tail.split()
        n = len(toks)
        if n < 9 or toks[0] not in TYPES:
            continue
        redop = toks[1] if toks[1] in REDOPS else ""
        i = 2 if redop else 1
        if n - i == 9:
            if not toks[i].lstrip("-").isdecimal():
                continue
            root, has_root, i = int(toks[i]), True, i + 1
        elif n - i == 8:
            root, has_root = -1, False
        else:
            continue
        t1, a1, b1, w1, t2, a2, b2, w2 = toks[i:i + 8]
        if not (t1[-1].isdigit() and a1[-1].isdigit() and b1[-1].isdigit() and t2[-1].isdigit()
                and a2[-1].isdigit() and b2[-1].isdigit()) or "+" in (t1[0], a1[0], b1[0], t2[0], a2[0], b2[0]):
            continue  # float() takes '+5'; number() and the line parser do not (found by test_fastrows)
        try:
            ft1, fa1, fb1, ft2, fa2, fb2 = float(t1), float(a1), float(b1), float(t2), float(a2), float(b2)
        except ValueError:
            continue
        if w1.isdecimal() and w2.isdecimal():  # the common case: two counts
            c1, c2 = int(w1), int(w2)
        else:
            (ok1, c1), (ok2, c2) = wrong_token(w1), wrong_token(w2)
            if not (ok1 and ok2):
                continue
        line_no += text.count("\n", pos, m.start())
        pos = m.start()
        lines.append(line_no)
        rows.append(Row(int(size), int(count), toks[0], redop, root,
                        Half(ft1, fa1, fb1, c1, w1, None, None, None, f"{t1} {a1} {b1}"),
                        Half(ft2, fa2, fb2, c2, w2, None, None, None, f"{t2} {a2} {b2}"), 0, line_no))
        roots.append(has_root)
    number_occurrences(rows)
    return lines, rows, roots


_KEY = attrgetter("size", "type", "redop", "root")


def number_occurrences(rows: list[Row]) -> None:
    """Row.occurrence: the n-th time its (size, type, redop, root) appeared (-N cycles, concatenated runs)."""
    keys = list(map(_KEY, rows))
    if len(set(keys)) == len(keys):
        return  # every row the first of its key: 0, as made
    seen: dict[tuple, int] = {}
    for row, key in zip(rows, keys, strict=True):
        row.occurrence = seen.get(key, 0)
        seen[key] = row.occurrence + 1
