"""The new readers (OSU, IMB, rccl-tests trailing columns and --output_file lines) on corrupted real
logs: no traceback, and no row that was not in the input (its size and its number are on its line)."""

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fabricbench.benchmarks.mpibench.imb import parse_imb
from fabricbench.benchmarks.mpibench.osu import parse_osu
from fabricbench.benchmarks.nccltests.classify import classify
from fabricbench.benchmarks.nccltests.logjson import parse_rccl_lines
from fabricbench.benchmarks.nccltests.logtext import parse_text
from tests.benchmarks.nccltests.test_robustness import OPS as MUTATIONS
from tests.benchmarks.nccltests.test_robustness import _mutate
from tests.datasets import OTHER

OPS = st.lists(st.tuples(st.sampled_from(MUTATIONS), st.integers(0, 10_000), st.integers(0, 10_000)),
               min_size=1, max_size=6)
OSU = sorted(p.name for p in OTHER.glob("*.txt") if "osu" in p.name or "ombpy" in p.name)
IMB = sorted(p.name for p in OTHER.glob("*imb*.txt"))
NUMBER = re.compile(r"^-?[\d.]+(e[-+]?\d+)?$")


def _on_its_line(text: str, row) -> None:
    tokens = text.splitlines()[row.line - 1].split()
    assert tokens[0] == str(row.size)
    printed = [float(t) for t in tokens[1:] if NUMBER.match(t)]
    half = row.out_of_place
    shown = half.per_iter.get("bandwidth_MBps") if half.per_iter.get("value") == "bandwidth" else None
    assert half.time_us in printed or shown in printed or half.per_iter.get("bandwidth_MBps") in printed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(OSU), ops=OPS)
def test_osu_never_crashes_and_never_invents_rows(name, ops):
    text = _mutate((OTHER / name).read_text(), ops)
    for log in parse_osu(text, name):
        classify(log, log.collective or None)
        for row in log.rows:
            _on_its_line(text, row)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(IMB), ops=OPS)
def test_imb_never_crashes_and_never_invents_rows(name, ops):
    text = _mutate((OTHER / name).read_text(), ops)
    for log in parse_imb(text, name):
        classify(log, log.collective or None)
        for row in log.rows:
            _on_its_line(text, row)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS)
def test_rccl_trailing_columns_never_crash_and_never_invent_rows(ops):
    text = _mutate((OTHER / "rccl-tests__mi350x-2gpu-algo-columns__amd-dev-sweep-parser.txt").read_text(), ops)
    log = classify(parse_text(text))
    for row in log.rows:
        tokens = text.splitlines()[row.line - 1].split()
        assert tokens[0] == str(row.size) and tokens[-3:] == [str(v) for v in row.named.values()]


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(st.one_of(
    st.text(max_size=80),
    st.fixed_dictionaries({"name": st.sampled_from(["AllReduce", "AllGather", "Bogus"]),
                           "size": st.integers(0, 1 << 40), "type": st.sampled_from(["float", "half", "int8", "?"]),
                           "inPlace": st.integers(0, 2), "time": st.floats(allow_nan=True),
                           "algBw": st.one_of(st.floats(allow_nan=True), st.text(max_size=4)),
                           "busBw": st.floats(allow_nan=True),
                           "#wrong": st.one_of(st.text(max_size=3), st.sampled_from(["\u00b2", "1\u00b2"])),
                           "gpus": st.integers(-1, 1 << 20)}).map(lambda d: __import__("json").dumps(d))),
    max_size=12))
@example(lines=['{"name": "AllReduce", "size": 0, "type": "float", "inPlace": 0, "time": 5e-324, "algBw": 1.0, '
                '"busBw": 0.0, "#wrong": "", "gpus": 0}'])  # found by CI: time x 1e-6 underflowed to 0
def test_output_file_lines_never_crash(lines):
    for log in parse_rccl_lines("\n".join(lines)):
        classify(log)
        assert all(r.size >= 0 for r in log.rows)
