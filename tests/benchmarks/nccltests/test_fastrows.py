"""The two fast paths of the row reader (the C scanner, the flat Python loop) read the same rows, with
the same values to the last bit, as each other and as the line-by-line parser (each fast path only
ever takes fewer lines, which that parser then reads); and without a compiler
ingest still works, on the Python path, and says why."""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fabricbench.benchmarks.nccltests import fastrows, logtext, nativerows
from fabricbench.benchmarks.nccltests.logtext import parse_text
from fabricbench.collectives.backends.cbuild import compile_shared
from tests.datasets import H200, LOGS, OTHER

ALL_LOGS = sorted([*LOGS.glob("*.txt"), *OTHER.glob("*.txt"), *H200.glob("*.txt")])


@pytest.fixture(scope="module")
def lib():
    found = nativerows.load()
    assert found is not None, nativerows.STATUS  # this machine and CI have a C compiler: the fast path must build
    return found


@pytest.mark.parametrize("path", ALL_LOGS, ids=lambda p: p.name[:60])
def test_the_c_scanner_reads_every_real_log_like_the_python_loop(lib, path):
    text = path.read_text(errors="replace")
    native = fastrows._native_rows(lib, text)
    assert native == fastrows.python_rows(text)


def _line_parser(text: str):
    saved = logtext.quick_rows
    logtext.quick_rows = lambda _text: ([], [], [])
    try:
        return parse_text(text).rows
    finally:
        logtext.quick_rows = saved


# Value tokens as a printf, a renderer or damage could leave them: plain decimals (the scanner's exact
# fast division), long mantissas and exponents (strtod), and strings no parser may take.
DECIMAL = st.from_regex(r"-?[0-9]{1,20}(\.[0-9]{1,20})?([eE][-+]?[0-9]{1,3})?", fullmatch=True)
JUNK = st.text(alphabet="-+.0123456789eE", min_size=1, max_size=8)


@settings(max_examples=400, deadline=None)
@given(values=st.lists(st.one_of(DECIMAL, DECIMAL, JUNK), min_size=6, max_size=6),
       wrong=st.sampled_from(["0", "3", "N/A", "2e-07", "-1", "1.5", "x", "00"]),
       root=st.sampled_from(["", " -1", " 0"]))
def test_every_value_token_is_read_to_the_same_double_or_refused_by_all(lib, values, wrong, root):
    t1, a1, b1, t2, a2, b2 = values
    text = ("#  size  count  type  redop" + (" root" if root else "") + "  time  algbw  busbw  #wrong  time  algbw"
            "  busbw  #wrong\n" + f"  1024  256  float  sum{root}  {t1}  {a1}  {b1}  {wrong}  {t2}  {a2}  {b2}  0\n")
    slow = _line_parser(text)
    for lines, rows, _ in (fastrows._native_rows(lib, text), fastrows.python_rows(text)):
        assert rows == [r for r in slow if r.line in lines]  # what a fast path takes, read to the same bits
    assert parse_text(text).rows == slow  # and what it leaves (1E400: strtod's overflow) the line parser reads
    with mock.patch.object(nativerows, "load", lambda: None):
        assert parse_text(text).rows == slow


def test_without_a_compiler_ingest_reads_the_same_rows_on_the_python_path(tmp_path):
    code = ("from fabricbench.benchmarks.nccltests import nativerows as n, fastrows as f; import sys; "
            "text = open(sys.argv[1]).read(); rows = f.quick_rows(text)[1]; "
            "print(n.STATUS['available'], n.STATUS['reason'], len(rows), sum(r.in_place.busbw for r in rows))")
    log = str(H200 / "all_reduce_default.txt")
    env = {**os.environ, "FABRICBENCH_CACHE": str(tmp_path / "cache")}
    with_cc = subprocess.run([sys.executable, "-c", code, log], env=env, capture_output=True, text=True, timeout=120)
    no_cc = subprocess.run([sys.executable, "-c", code, log], env={**env, "CC": str(tmp_path / "no-such-cc")},
                           capture_output=True, text=True, timeout=120)
    disabled = subprocess.run([sys.executable, "-c", code, log], env={**env, "FABRICBENCH_NO_NATIVE": "1"},
                              capture_output=True, text=True, timeout=120)
    assert with_cc.stdout.startswith("True  "), with_cc.stdout + with_cc.stderr
    assert no_cc.stdout.startswith(f"False CC={tmp_path / 'no-such-cc'} is not an executable "), no_cc.stderr
    assert disabled.stdout.startswith("False disabled by FABRICBENCH_NO_NATIVE "), disabled.stderr
    counts = {out.stdout.split()[-2:][0] for out in (with_cc, no_cc, disabled)}
    sums = {out.stdout.split()[-1] for out in (with_cc, no_cc, disabled)}
    assert len(counts) == 1 and int(counts.pop()) > 10 and len(sums) == 1


def test_a_source_that_does_not_compile_is_one_line_and_no_library(tmp_path):
    bad = tmp_path / "bad.c"
    bad.write_text("int f(void) { return }\n")
    with pytest.raises(RuntimeError, match=r"^cc failed \(exit 1\): .*bad\.c:1:\d+: error: ") as err:
        compile_shared(bad, "cc", "libbad.so", cache_dir=tmp_path / "cache")
    assert "\n" not in str(err.value)
    assert not list((tmp_path / "cache").rglob("*.so"))


def test_the_library_is_built_once_and_found_again(tmp_path):
    src = Path(nativerows.SOURCE)
    first = compile_shared(src, "cc", "libfbrows.so", cache_dir=tmp_path)
    stamp = first.stat().st_mtime_ns
    assert compile_shared(src, "cc", "libfbrows.so", cache_dir=tmp_path) == first
    assert first.stat().st_mtime_ns == stamp


def test_repeated_sizes_are_numbered_alike_by_the_scanner_the_loop_and_the_line_parser(lib):
    """-N cycles and concatenated runs repeat (size, type, redop, root): the scanner counts them in C."""
    one = (H200 / "all_reduce_default.txt").read_text()
    text = one + one + one
    native, python = fastrows._native_rows(lib, text), fastrows.python_rows(text)
    assert native == python
    counts = [r.occurrence for r in native[1]]
    per_run = len(counts) // 3
    assert counts == [0] * per_run + [1] * per_run + [2] * per_run and per_run > 10
    assert parse_text(text).rows == _line_parser(text)


def test_a_log_with_more_rows_than_the_first_scan_holds_is_scanned_again(lib):
    text = (H200 / "all_reduce_default.txt").read_text() * 2
    with mock.patch.object(fastrows, "FIRST_CAP", 3):
        native = fastrows._native_rows(lib, text)
    assert native == fastrows.python_rows(text) and len(native[1]) > 20
