"""Ingest throughput on real logs: prints MB/s (target >= 20 MB/s on one core).

Run with the numbers: `pytest tests/perf --benchmark-enable -s`. Under the default
`--benchmark-disable` it runs once, as a smoke test, and still prints the figure.
"""

import time
from unittest import mock

import pytest

from fabricbench.benchmarks.nccltests import nativerows
from fabricbench.benchmarks.nccltests.ingest import read_log
from tests.datasets import LOGS

N_LOGS = 1000


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory):
    sources = [p.read_text(errors="replace") for p in sorted(LOGS.glob("*.txt"))]
    big = [s for s in sources if len(s) > 2000]
    d = tmp_path_factory.mktemp("ingest-speed")
    total = 0
    for i in range(N_LOGS):
        # A real-size log (~50 KB: a long sweep with NCCL INFO noise) built by concatenating real logs.
        text = "".join(big[(i + k) % len(big)] for k in range(12))
        (d / f"log{i:04d}.txt").write_text(text)
        total += len(text)
    return d, total


def test_ingest_throughput(benchmark, log_dir):
    d, total = log_dir
    paths = sorted(d.iterdir())

    def ingest_all():
        return sum(len(read_log(p)[0].rows) for p in paths)

    assert nativerows.load() is not None, nativerows.STATUS
    t0 = time.perf_counter()
    rows = benchmark.pedantic(ingest_all, rounds=1, iterations=1)
    seconds = time.perf_counter() - t0
    print(f"\ningest: {N_LOGS} logs, {total / 1e6:.1f} MB, {rows} rows in {seconds:.2f} s = "
          f"{total / 1e6 / seconds:.1f} MB/s (target >= 20 MB/s; rows found by the C scanner)")
    with mock.patch.object(nativerows, "load", lambda: None):  # a machine without a C compiler
        t0 = time.perf_counter()
        assert ingest_all() == rows
        seconds = time.perf_counter() - t0
    print(f"ingest without a C compiler (the Python loop): {total / 1e6 / seconds:.1f} MB/s")
    assert rows > 0
