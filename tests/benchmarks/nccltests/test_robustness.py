"""Launcher prefixes and random corruption of real logs: no crash, and no row that was not there."""

import random
import re
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fabricbench.benchmarks.nccltests import logtext, nativerows
from fabricbench.benchmarks.nccltests.classify import classify
from fabricbench.benchmarks.nccltests.logtext import parse_text, strip_prefix
from tests.datasets import H200, LOGS

CLEAN = "all_reduce__a100-40gb-8gpu-1node__superbench-allreduce.txt"
PREFIXES = {
    "srun --label": lambda i, line: f"0: {line}",
    "Open MPI --tag-output": lambda i, line: f"[1,0]<stdout>:{line}",
    "pdsh host": lambda i, line: f"10.3.35.83: {line}",
    "MPICH -l": lambda i, line: f"[0] {line}",
    "srun label + pdsh": lambda i, line: f"10.3.35.83: 0: {line}",
    # log collectors (issue #12): RFC 3339 times, then the line
    "kubectl logs --timestamps": lambda i, line: f"2026-05-01T12:34:{i % 60:02d}.{i:09d}Z {line}",
    "docker logs -t": lambda i, line: f"2026-05-01T12:34:{i % 60:02d}.{i:06d}+00:00 {line}",
    "journald": lambda i, line: f"May 01 12:34:{i % 60:02d} gpu-node-7 nccl-tests[4121]: {line}",
    "Open MPI --timestamp-output": lambda i, line: f"[2026-05-01 12:34:{i % 60:02d}] {line}",
    "kubectl + srun label": lambda i, line: f"2026-05-01T12:34:{i % 60:02d}Z 0: {line}",
}


def _rows(log):
    return [(r.size, r.count, r.type, r.redop, r.root, r.out_of_place.time_us, r.in_place.busbw) for r in log.rows]


@pytest.mark.parametrize("style", sorted(PREFIXES))
def test_prefixed_logs_parse_like_the_original(corpus, style):
    text = (corpus / CLEAN).read_text()
    prefixed = "\n".join(PREFIXES[style](i, ln) for i, ln in enumerate(text.splitlines()))
    assert _rows(parse_text(prefixed)) == _rows(parse_text(text))
    assert len(parse_text(prefixed).rows) == 34


def test_midline_mpich_labels(corpus):
    text = (corpus / "all_reduce__aws-p5-48xlarge-batch__adt-batch.txt").read_text()
    # MPICH/Intel -l can print a rank label glued to a field: '-1[0]    1626.5'
    labelled = re.sub(r"(\s-1)(\s)", r"\1[0]\2", text)
    assert labelled != text
    assert _rows(parse_text(labelled)) == _rows(parse_text(text))


def test_a_collector_prefix_never_changes_a_value():
    """The timestamp's digits look like a row's: removed whole or not at all."""
    row = ("     1048576        262144     float     sum      -1    76.26   13.75   25.78      0    76.43   13.72"
           "   25.72      0")
    assert strip_prefix(f"2026-05-01T12:34:56.123456789Z {row}") == row
    assert strip_prefix(f"May  1 02:03:04 node-3 kubelet[77]: {row}") == row
    assert strip_prefix("2026-05-01 is when it ran") == "2026-05-01 is when it ran"  # no time: not a prefix


def test_strip_prefix_leaves_content_alone():
    assert strip_prefix("#       size   count") == "#       size   count"
    assert strip_prefix("HCA-128: Test NCCL failure common.cu:1204") == "HCA-128: Test NCCL failure common.cu:1204"
    assert strip_prefix("0:            8             2     float") == "           8             2     float"


_PREFIX_PARTS = ["0:", " ", "\t", "[1,0]<stdout>:", "[0]", "10.3.35.83:", "gpu-node-7", "2026-05-01T12:34:56",
                 ".123Z", "+00:00", "[2026-05-01 12:34:56]", "May", " 1", " 01", "12:34:56", "kubelet[77]:",
                 "ip-10-0-0-1:1:1", "#", "8", "NCCL INFO", "\xa0", "\u3000", "\u0663", "\u00b2", "\u00c9", "x", "-",
                 "."]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_PREFIX_PARTS), max_size=8).map("".join) | st.text(max_size=24))
def test_the_prefix_pre_check_never_skips_a_prefix(line):
    """strip_prefix asks _may_have_prefix before its regex: never False where the regex matches."""
    if logtext._PREFIX.match(line):
        assert logtext._may_have_prefix(line), repr(line)


def test_the_prefix_pre_check_on_every_real_line(corpus):
    lines = [ln for p in sorted(corpus.glob("*.txt")) for ln in p.read_text(errors="replace").splitlines()]
    lines += [f(i, ln) for i, ln in enumerate(lines[:2000]) for f in PREFIXES.values()]
    matched = [ln for ln in lines if logtext._PREFIX.match(ln)]
    assert matched and all(logtext._may_have_prefix(ln) for ln in matched)
    info = [ln for ln in (H200 / "ncclinfo.txt").read_text().splitlines() if "NCCL INFO" in ln]  # a real INFO log
    assert info and not any(logtext._PREFIX.match(ln) for ln in info)
    assert sum(not logtext._may_have_prefix(ln) for ln in info) > len(info) // 2  # what it is for


LOG_FILES = sorted(p.name for p in LOGS.glob("*.txt")) if LOGS.is_dir() else [CLEAN]


ODD_CHARS = ["\r", "\x0b", "\x0c", "\x1c", "\x1e", "\x85", "\u2028", "\xa0", "\u3000", "\u00b2", "\u2075 "]
OPS = ["truncate", "garbage", "swap", "binary", "huge", "drop", "char"]


def _mutate(text: str, ops: list[tuple[str, int, int]]) -> str:
    lines = text.splitlines()
    for op, a, b in ops:
        if not lines:
            break
        i = a % len(lines)
        if op == "truncate":
            cut = sum(len(x) + 1 for x in lines[:i]) + b % 40
            lines = text[:cut].splitlines() if cut < len(text) else lines
        elif op == "garbage":
            rng = random.Random(b)
            lines.insert(i, "".join(rng.choice("0123456789 .#-abcXYZ[]:/\t") for _ in range(b % 120)))
        elif op == "swap":
            toks = lines[i].split()
            if len(toks) > 3:
                j, k = a % len(toks), b % len(toks)
                toks[j], toks[k] = toks[k], toks[j]
                lines[i] = "   ".join(toks)
        elif op == "binary":
            lines[i] = lines[i][: b % 50] + "\x00\xff\x1b[31m\ufffd" + lines[i][b % 50:]
        elif op == "huge":
            lines[i] = re.sub(r"\d+\.\d+", "9" * (b % 400 + 1) + ".5", lines[i], count=1)
        elif op == "drop":
            del lines[i]
        elif op == "char":  # a line break splitlines() knows and '\n' does not, odd spaces, a digit int() refuses
            j = b % (len(lines[i]) + 1)
            lines[i] = lines[i][:j] + ODD_CHARS[a % len(ODD_CHARS)] + lines[i][j:]
        text = "\n".join(lines)
    return "\n".join(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(LOG_FILES),
       ops=st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 10_000), st.integers(0, 10_000)),
                    min_size=1, max_size=6))
def test_corrupted_logs_never_crash_and_never_invent_rows(name, ops):
    text = _mutate((LOGS / name).read_text(errors="replace"), ops)
    log = classify(parse_text(text, name))
    lines = text.splitlines()
    for row in log.rows:
        tokens = re.sub(r"\[\d+\]", " ", strip_prefix(lines[row.line - 1])).lstrip("# ").split()
        assert tokens[0] == str(row.size) and tokens[1] == str(row.count) and tokens[2] == row.type
        assert any(float(t) == row.out_of_place.time_us for t in tokens[3:] if re.match(r"^-?[\d.]+(e[-+]?\d+)?$", t))
    assert log.status in {"ok", "truncated", "hang", "not_a_table", "error", "wrong_data", "inconsistent"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(LOG_FILES),
       ops=st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 10_000), st.integers(0, 10_000)), max_size=4),
       native=st.booleans())
def test_the_fast_path_reads_exactly_what_the_line_parser_reads(name, ops, native):
    """quick_rows is an accelerator (the C scanner, or the Python loop where none builds): with it
    switched off, every log gives the same rows, lines and skipped lines."""
    text = _mutate((LOGS / name).read_text(errors="replace"), ops)
    with mock.patch.object(logtext, "quick_rows", lambda _text: ([], [], [])):
        slow = parse_text(text, name)
    with mock.patch.object(nativerows, "load", nativerows.load if native else lambda: None):
        fast = parse_text(text, name)
    assert fast.rows == slow.rows
    assert fast.skipped == slow.skipped


HEADER = "#  size  count  type  redop  root  time  algbw  busbw  #wrong  time  algbw  busbw  #wrong\n"
ROWS = (" 1024  256  float  sum  -1  10.0  0.10  0.10  0  10.0  0.10  0.10  0\n"
        " 2048  512  float  sum  -1  10.0  0.20  0.20  0  10.0  0.20  0.20  0\n")


@pytest.mark.parametrize("before", ["loading 10%\rloading 100%\n", "a\x1cb\n", "a\u2028b\n", "a\x85b\n"])
def test_a_line_break_only_splitlines_knows_never_repeats_or_moves_a_row(before):
    """A progress bar's lone '\r' before the table made the fast path number lines by '\n' only: the
    2048 row was read twice and both rows had the wrong line (found by the 'char' mutation above)."""
    log = parse_text(before + HEADER + ROWS)
    assert [(r.size, r.line) for r in log.rows] == [(1024, 4), (2048, 5)]


def test_a_digit_that_int_refuses_is_no_count():
    """'\u00b2' passes str.isdigit() and fails int(): a #wrong (or size) of it was a traceback."""
    log = classify(parse_text(HEADER + ROWS.replace("0.10  0\n", "0.10  \u00b2\n").replace(" 2048", " 2\u00b2")))
    assert log.rows == [] and len(log.skipped) == 2 and log.status == "not_a_table"
