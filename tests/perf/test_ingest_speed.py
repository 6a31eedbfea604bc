"""Ingest throughput on real logs: prints MB/s (target >= 20 MB/s on one core for reading nccl-tests logs).

Run with the numbers: `pytest tests/perf/test_ingest_speed.py --benchmark-enable -s`. Under the default
`--benchmark-disable` it runs once, as a smoke test, and still prints every figure:

- reading (read_log: parse, classify, NCCL INFO facts) of two corpora of 1,000 real-size logs built from
  the real logs in tests/data: table-heavy (12 logs a file, ~390 rows) and NCCL_DEBUG=INFO-heavy (the
  real H200 and p4d INFO logs twice, then a table: ~630 INFO lines a file), with the C row scanner and on
  the Python path (no C compiler);
- the whole `fabricbench ingest` command on 100 of the table-heavy logs, results written (run.json,
  samples.jsonl, summary.csv, samples.parquet a log): what a user waits for.

The figures are printed, never asserted: this VM's speed drifts by a third within the hour.
"""

import time
from unittest import mock

import pytest

from fabricbench.benchmarks.nccltests import nativerows
from fabricbench.benchmarks.nccltests.ingest import read_log
from fabricbench.cli.main import main as fabricbench
from tests.datasets import H200, LOGS

N_LOGS = 1000
N_END_TO_END = 100
INFO_LOGS = (H200 / "ncclinfo.txt", LOGS / "all_reduce__aws-p4d-efa-2node-ncclinfo__aws-ofi-nccl-i64.txt")


def _write(d, texts):
    total = 0
    for i, text in enumerate(texts):
        (d / f"log{i:04d}.txt").write_text(text)
        total += len(text)
    return d, total


@pytest.fixture(scope="module")
def table_logs(tmp_path_factory):
    sources = [p.read_text(errors="replace") for p in sorted(LOGS.glob("*.txt"))]
    big = [s for s in sources if len(s) > 2000]
    # A real-size log (~50 KB: a long sweep with some NCCL INFO noise) built by concatenating real logs.
    return _write(tmp_path_factory.mktemp("ingest-table"),
                  ("".join(big[(i + k) % len(big)] for k in range(12)) for i in range(N_LOGS)))


@pytest.fixture(scope="module")
def info_logs(tmp_path_factory):
    sources = [p.read_text(errors="replace") for p in sorted(LOGS.glob("*.txt"))]
    big = [s for s in sources if len(s) > 2000]
    info = "".join(p.read_text() for p in INFO_LOGS)
    # An NCCL_DEBUG=INFO run: the real INFO logs' lines twice, then one real table.
    return _write(tmp_path_factory.mktemp("ingest-info"), (info * 2 + big[i % len(big)] for i in range(N_LOGS)))


def _read_all(d):
    paths = sorted(d.iterdir())
    t0 = time.perf_counter()
    rows = sum(len(read_log(p)[0].rows) for p in paths)
    return rows, time.perf_counter() - t0


def test_ingest_throughput(benchmark, table_logs, info_logs):
    assert nativerows.load() is not None, nativerows.STATUS
    figures = {}
    # pytest-benchmark records the table-heavy read (its stored figure); every figure is printed below.
    benchmark.pedantic(_read_all, args=(table_logs[0],), rounds=1, iterations=1)
    for name, (d, total) in (("table-heavy", table_logs), ("INFO-heavy", info_logs)):
        rows, seconds = _read_all(d)
        with mock.patch.object(nativerows, "load", lambda: None):  # a machine without a C compiler
            python_rows, python_seconds = _read_all(d)
        assert rows > 0 and python_rows == rows
        figures[name] = (total, rows, seconds, python_seconds)
    for name, (total, rows, seconds, python_seconds) in figures.items():
        print(f"\nread {name}: {N_LOGS} logs, {total / 1e6:.1f} MB, {rows} rows in {seconds:.2f} s = "
              f"{total / 1e6 / seconds:.1f} MB/s (target >= 20 MB/s; rows found by the C scanner); "
              f"without a C compiler: {total / 1e6 / python_seconds:.1f} MB/s")


def test_ingest_command_end_to_end(table_logs, tmp_path, capsys):
    d, _ = table_logs
    paths = sorted(d.iterdir())[:N_END_TO_END]
    size = sum(p.stat().st_size for p in paths)
    t0 = time.perf_counter()
    assert fabricbench(["ingest", *map(str, paths), "--out", str(tmp_path / "results")]) == 0
    seconds = time.perf_counter() - t0
    runs = list((tmp_path / "results").iterdir())
    written = sum(f.stat().st_size for r in runs for f in r.iterdir())
    assert len(runs) == N_END_TO_END and all((r / "samples.parquet").is_file() for r in runs)
    capsys.readouterr()
    with capsys.disabled():
        print(f"\nfabricbench ingest, results written: {N_END_TO_END} logs, {size / 1e6:.1f} MB in {seconds:.2f} s = "
              f"{size / 1e6 / seconds:.2f} MB/s ({written / 1e6:.0f} MB of results: one point a row half)")
