"""Datatypes, reductions, in-place modes and timing modes, checked for exact data under mpiexec."""

import json

import pytest

from tests.helpers import only_run, read_run, run_cli, run_mpi

pytestmark = [pytest.mark.mpi]

CASES = {
    "mpi-reductions": ["--backend", "mpi", "--collectives", "all_reduce,reduce,reduce_scatter",
                       "-d", "int8,uint8,int32,int64,float16,float64", "-o", "sum,prod,max,min"],
    "torch-reductions": ["--backend", "torch", "--collectives", "all_reduce,reduce_scatter,reduce",
                         "-d", "bfloat16,float16,int32", "-o", "sum,prod,max,min"],
    "torch-avg": ["--backend", "torch", "--collectives", "all_reduce,reduce_scatter", "-d", "float32,bfloat16",
                  "-o", "avg"],
    "mpi-inplace": ["--backend", "mpi", "--collectives", "all_reduce,all_gather,reduce", "--inplace", "both"],
    "torch-inplace": ["--backend", "torch", "--collectives", "all_gather,reduce_scatter", "--inplace", "both"],
    "mpi-batch": ["--backend", "mpi", "--collectives", "all_reduce,p2p_bw", "--timing", "batch",
                  "--batch-ops", "4"],
    "torch-batch": ["--backend", "torch", "--collectives", "all_reduce,sendrecv", "--timing", "batch",
                    "--batch-ops", "4"],
    "root-and-pair": ["--backend", "mpi,torch", "--collectives", "broadcast,reduce,p2p_latency,p2p_bibw",
                      "--root", "2", "--pair", "1,2"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matrix_case(name, tmp_path):
    np_ = 3 if name == "root-and-pair" else 2
    proc = run_mpi(np_, "run", *CASES[name], "-b", "64", "-e", "4K", "-f", "8", "-n", "4", "-w", "1",
                   "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    meta, summary = read_run(only_run(tmp_path))
    assert meta["status"] == "ok"
    assert (summary["wrong"] == 0).all(), summary[summary["wrong"] != 0].to_string()
    if name.endswith("reductions"):
        assert summary.groupby(["dtype", "redop"]).ngroups >= 12
    if name.endswith("inplace"):
        assert set(summary["inplace"]) == {True, False}
    if name.endswith("batch"):
        assert set(summary["timing"]) == {"batch"} and (summary["ops_per_sample"] % 4 == 0).all()
    if name == "root-and-pair":
        rooted = summary[summary["collective"].isin(["broadcast", "reduce"])]
        assert set(rooted["root"]) == {2}
        points = [json.loads(x) for x in (only_run(tmp_path) / "samples.jsonl").read_text().splitlines()]
        assert {tuple(p["peers"]) for p in points if p["peers"]} == {(1, 2)}


def test_single_rank_smoke_says_it_needs_a_launcher(tmp_path):
    proc = run_cli("run", "--collectives", "all", "--backend", "mpi", "-b", "64", "-e", "64", "-n", "3",
                   "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "needs a launcher" in proc.stderr and "p2p_bw skipped" in proc.stdout
    meta, summary = read_run(only_run(tmp_path))
    assert meta["nranks"] == 1 and meta["launcher"] == "singleton" and (summary["wrong"] == 0).all()


def test_summary_formats(tmp_path):
    proc = run_mpi(2, "run", "--collectives", "all_reduce", "--backend", "mpi", "-b", "64", "-e", "256",
                   "-f", "2", "-n", "3", "--out", str(tmp_path))
    assert proc.returncode == 0
    run_dir = only_run(tmp_path)
    csv = run_cli("summary", str(run_dir), "--format", "csv").stdout.splitlines()
    assert csv[0].startswith("collective,backend,device,dtype,redop,inplace,size_bytes,count,nranks")
    assert len(csv) == 4
    assert (run_dir / "summary.csv").read_text().splitlines()[0].startswith(csv[0])
    rows = json.loads(run_cli("summary", str(tmp_path), "--format", "json").stdout)
    assert [r["size_bytes"] for r in rows] == [64, 128, 256]
    table = run_cli("summary", str(run_dir)).stdout
    assert "# all_reduce  backend mpi" in table and "busbw" in table
