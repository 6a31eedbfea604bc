"""samples.parquet: written when a run ends, read when fresh, rebuilt when stale, never trusted stale."""

import os

import numpy as np
import pytest

from fabricbench.benchmarks.model import columnar
from fabricbench.benchmarks.model.load import load_run
from fabricbench.benchmarks.model.point import PointRecord
from fabricbench.benchmarks.model.run import RunRecord
from fabricbench.benchmarks.model.store import RunWriter


def _point(size, times):
    return PointRecord(collective="all_reduce", backend="mpi", transport="mpi", device="cpu", dtype="float32",
                       redop="sum", inplace=False, root=-1, size_bytes=size, count=size // 4, nranks=len(times),
                       nnodes=1, timing="iter", timer="python", ops_per_sample=1, warmup=1, stop_reason="fixed",
                       wrong=0, time_us=times, busbw_factor=1.0)


@pytest.fixture
def run_dir(tmp_path):
    w = RunWriter(tmp_path, "r", [])
    w.write_run(RunRecord(run_id="r", status="ok"))
    rng = np.random.default_rng(3)
    for size in (8, 1024):
        w.append_point(_point(size, rng.uniform(1, 3, size=(3, 50)).round(3).tolist()))
    w.close()
    return tmp_path / "r"


def test_written_at_the_end_and_read_back_exactly(run_dir):
    assert (run_dir / columnar.COLUMNAR_FILE).is_file()
    from_cache = load_run(run_dir)
    assert len(from_cache.matrices) == 2  # the times are read from the cache on first use
    os.remove(run_dir / columnar.COLUMNAR_FILE)
    problems: list[str] = []
    from_json = list(columnar.read_points(run_dir, problems, rebuild=False))
    assert len(from_cache.matrices) == len(from_json) == 2
    for m, (_, j) in zip(from_cache.matrices, from_json, strict=True):
        np.testing.assert_array_equal(m, j)
    assert from_cache.points["size_bytes"].tolist() == [8, 1024]


def test_a_stale_cache_is_rebuilt_not_read(run_dir):
    first = load_run(run_dir)
    assert len(first.summary) == 2
    # The run appends a size after the cache was made (e.g. a resumed or still-running run).
    with open(run_dir / "samples.jsonl", "a") as f:
        f.write(open(run_dir / "samples.jsonl").readline())
    again = load_run(run_dir)
    assert len(again.summary) == 3
    kv = columnar._fresh(run_dir / columnar.COLUMNAR_FILE, run_dir)
    assert kv is not None and kv["samples_size"] == str((run_dir / "samples.jsonl").stat().st_size)


def test_a_cache_from_another_file_is_never_read(run_dir, tmp_path):
    other = tmp_path / "other"
    w = RunWriter(other, "r", [])
    w.write_run(RunRecord(run_id="r", status="ok"))
    w.append_point(_point(64, [[9.0, 9.0]]))
    w.close()
    os.replace(other / "r" / columnar.COLUMNAR_FILE, run_dir / columnar.COLUMNAR_FILE)
    runs = load_run(run_dir)
    assert runs.points["size_bytes"].tolist() == [8, 1024]


def test_torn_lines_are_reported_through_the_cache_too(run_dir):
    with open(run_dir / "samples.jsonl", "a") as f:
        f.write('{"collective": "all_reduce", "time_us": [[1.0')
    assert "torn last line" in load_run(run_dir).problems[0]
    assert "torn last line" in load_run(run_dir).problems[0]  # second load: from the rebuilt cache


def test_a_folder_where_no_cache_can_be_written_still_loads(run_dir):
    os.remove(run_dir / columnar.COLUMNAR_FILE)
    (run_dir / f".{columnar.COLUMNAR_FILE}.tmp").mkdir()  # the writer's temporary path is taken: OSError
    assert len(load_run(run_dir).summary) == 2
    assert not (run_dir / columnar.COLUMNAR_FILE).exists()


def test_times_asked_for_after_the_cache_changed_come_from_the_record(run_dir):
    runs = load_run(run_dir)  # fields and summaries from the cache; the times not read yet
    os.remove(run_dir / columnar.COLUMNAR_FILE)
    assert [m.shape for m in runs.matrices] == [(3, 50), (3, 50)]
