"""The loader on real files: a run written by RunWriter, then damaged the ways runs get damaged."""

import json

import numpy as np
import pytest

from fabricbench.benchmarks.model.errors import ResultsError
from fabricbench.benchmarks.model.load import load_run, load_runs
from fabricbench.benchmarks.model.point import PointRecord
from fabricbench.benchmarks.model.run import Instance, RunRecord
from fabricbench.benchmarks.model.store import RunWriter


def _record(size, rng):
    return PointRecord(collective="all_reduce", backend="mpi", transport="mpi", device="cpu", dtype="float32",
                       redop="sum", inplace=False, root=-1, size_bytes=size, count=size // 4, nranks=2, nnodes=1,
                       timing="iter", timer="python", ops_per_sample=1, warmup=1, stop_reason="fixed", wrong=0,
                       time_us=rng.uniform(1, 2, size=(2, 10)).tolist(), busbw_factor=1.0)


@pytest.fixture
def run_dir(tmp_path):
    rng = np.random.default_rng(0)
    w = RunWriter(tmp_path, "r1", [])
    w.write_run(RunRecord(run_id="r1", status="ok", instance=Instance("unknown")))
    for size in (64, 128, 256):
        w.append_point(_record(size, rng))
    w.close(columnar=False)
    return tmp_path / "r1"


def test_loads_tidy_frames(run_dir):
    runs = load_run(run_dir)
    assert list(runs.summary["size_bytes"]) == [64, 128, 256]
    assert len(runs.samples) == 30 and len(runs.rank_samples) == 60
    assert set(runs.samples.columns) >= {"run_id", "point_id", "iteration", "time_us", "skew_us", "last_rank"}
    assert runs.problems == []
    grouped = runs.rank_samples.groupby(["point_id", "iteration"])["time_us"].max().to_numpy()
    np.testing.assert_allclose(grouped, runs.samples["time_us"].to_numpy())


def test_torn_last_line_is_reported_not_fatal(run_dir):
    with open(run_dir / "samples.jsonl", "a") as f:
        f.write('{"collective": "all_reduce", "time_us": [[1.0, 2')
    runs = load_run(run_dir)
    assert len(runs.summary) == 3
    assert len(runs.problems) == 1 and "line 4: torn last line" in runs.problems[0]


def test_corrupt_middle_line_names_file_and_line(run_dir):
    lines = (run_dir / "samples.jsonl").read_text().splitlines()
    lines[1] = "garbage"
    (run_dir / "samples.jsonl").write_text("\n".join(lines) + "\n")
    runs = load_run(run_dir)
    assert len(runs.summary) == 2 and "samples.jsonl: line 2: unreadable" in runs.problems[0]


def test_missing_or_bad_run_json(tmp_path, run_dir):
    with pytest.raises(ResultsError, match="no such directory"):
        load_runs([tmp_path / "nope"])
    (run_dir / "run.json").write_text("{bad")
    with pytest.raises(ResultsError, match=r"run.json: invalid JSON"):
        load_run(run_dir)
    (run_dir / "run.json").write_text(json.dumps({"x": 1}))
    with pytest.raises(ResultsError, match="field run_id: missing"):
        load_run(run_dir)


def test_results_folder_finds_runs(tmp_path, run_dir):
    assert len(load_runs([tmp_path]).runs) == 1
    empty = load_runs([tmp_path / "r1" / ".."])
    assert len(empty.summary) == 3


def test_a_wrong_field_is_named_with_its_file(run_dir):
    meta = json.loads((run_dir / "run.json").read_text())
    meta["preflight"]["verdict"] = "maybe"
    (run_dir / "run.json").write_text(json.dumps(meta))
    with pytest.raises(ResultsError, match=r"run.json: field preflight.verdict: 'maybe' is not one of ok, "
                                           r"warning, invalid"):
        load_run(run_dir)
    meta["preflight"]["verdict"], meta["nranks"] = "ok", "two"
    (run_dir / "run.json").write_text(json.dumps(meta))
    with pytest.raises(ResultsError, match="field nranks: expected int"):
        load_run(run_dir)


def test_unknown_fields_survive_a_read_and_a_write(tmp_path, run_dir):
    from fabricbench.benchmarks.model.store import read_run

    meta = json.loads((run_dir / "run.json").read_text())
    meta["written_by_a_newer_version"] = {"x": 1}
    (run_dir / "run.json").write_text(json.dumps(meta))
    rec = read_run(run_dir)
    w = RunWriter(tmp_path / "copy", "r1", [])
    w.write_run(rec)
    assert json.loads((tmp_path / "copy" / "r1" / "run.json").read_text())["written_by_a_newer_version"] == {"x": 1}
