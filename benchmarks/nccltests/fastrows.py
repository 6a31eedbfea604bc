"""The fast path of the text parser: every ordinary table row of a log, found in one pass.

Ingest must run at >= 20 MB/s on one core (measured by tests/perf/test_ingest_speed.py). A cheap
multiline regex finds candidate lines in C; a flat loop finishes rows whose halves are
(time algbw busbw #wrong) twice, with or without redop and root. The line-by-line parser in
logtext.py uses a row from here only where it agrees with the header's layout, and parses
everything else (per-iteration columns, timestamps, odd prefixes) itself.
"""

from __future__ import annotations

import re
from typing import Optional

from fabricbench.benchmarks.nccltests.model import Half, Row

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


def quick_rows(text: str) -> dict[int, tuple[Row, bool]]:
    """line number -> (row, whether it had a root column), for every 4-column-half row.

    Written flat (no helper calls per token): this loop is where ingest spends its time.
    """
    out = {}
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
                and a2[-1].isdigit() and b2[-1].isdigit()):
            continue
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
        # Positional arguments: measurably cheaper than keywords in this loop.
        row = Row(int(size), int(count), toks[0], redop, root,
                  Half(ft1, fa1, fb1, c1, w1, None, None, None, (t1, a1, b1)),
                  Half(ft2, fa2, fb2, c2, w2, None, None, None, (t2, a2, b2)), 0, line_no)
        out[line_no] = (row, has_root)
    return out


