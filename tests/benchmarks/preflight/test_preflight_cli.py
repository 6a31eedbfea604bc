"""preflight, run and ingest on this machine (no GPU, no EFA), with real processes."""

import json

import pytest

from tests.datasets import H200
from tests.helpers import only_run, run_cli, run_mpi

pytestmark = [pytest.mark.mpi]


def test_preflight_on_a_cpu_box():
    proc = run_mpi(2, "preflight", "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("gpus=0") == 1  # one line per host, not per rank
    assert "preflight: ok" in proc.stdout and "no GPU" in proc.stdout and "no EFA" in proc.stdout
    default = run_mpi(2, "preflight")  # the same default device as run: cpu
    assert default.returncode == 0 and "preflight: ok" in default.stdout, default.stdout + default.stderr


def test_preflight_for_cuda_without_gpu_is_invalid():
    proc = run_cli("preflight", "--device", "cuda", "--format", "json")
    assert proc.returncode == 4
    assert json.loads(proc.stdout)["verdict"] == "invalid"


def test_run_records_preflight_and_stops_when_invalid(tmp_path):
    ok = run_mpi(2, "run", "-b", "64", "-e", "64", "-n", "2", "--out", str(tmp_path / "ok"))
    assert ok.returncode == 0
    assert json.loads((only_run(tmp_path / "ok") / "run.json").read_text())["preflight"]["verdict"] == "ok"
    warn = run_mpi(2, "run", "-b", "64", "-e", "64", "-n", "2", "--instance-type", "p5.48xlarge",
                   "--out", str(tmp_path / "warn"))
    assert warn.returncode == 0 and "EFA not available on p5.48xlarge" in warn.stdout
    stop = run_cli("run", "--preset", "p5", "--backend", "mpi", "-b", "64", "-e", "64", "-n", "2",
                   "--out", str(tmp_path / "stop"))
    assert stop.returncode == 4
    assert "fabricbench: error: preflight invalid" in stop.stderr and "--force" in stop.stderr
    meta = json.loads((only_run(tmp_path / "stop") / "run.json").read_text())
    assert meta["status"] == "invalid" and meta["preflight"]["verdict"] == "invalid"


def test_preset_environment_is_applied_and_recorded(tmp_path):
    proc = run_cli("run", "--preset", "p5", "--device", "cpu", "--backend", "mpi", "-b", "64", "-e", "64", "-n", "2",
                   "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    meta = json.loads((only_run(tmp_path) / "run.json").read_text())
    assert meta["environment"]["FI_PROVIDER"] == "efa" and meta["environment"]["NCCL_NVLS_CHUNKSIZE"] == "524288"
    # A preset sets the environment and the sweep, never the instance type (detection or --instance-type do).
    assert meta["instance"]["instance_type"] == "unknown" and meta["config"]["preset_for"] == "p5.48xlarge"
    assert run_cli("run", "--preset", "p9").stderr.startswith("fabricbench: error: --preset: unknown preset 'p9'")


def test_ingested_log_gets_a_verdict(tmp_path):
    proc = run_cli("ingest", str(H200 / "ncclinfo.txt"), "--instance-type", "p5.48xlarge", "--nodes", "2",
                   "--out", str(tmp_path))
    assert proc.returncode == 0
    meta = json.loads((only_run(tmp_path) / "run.json").read_text())
    first = meta["preflight"]["findings"][0]
    assert meta["preflight"]["verdict"] == "invalid" and first["level"] == "invalid"
    assert "NET/Socket in use on p5.48xlarge" in first["message"]
