"""The shipped scripts: the GPU smoke script parses, and the nccl-tests comparison runs on real data."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.datasets import H200
from tests.helpers import ROOT, only_run, run_mpi


def test_gpu_smoke_is_valid_bash_and_refuses_without_gpu(tmp_path):
    assert subprocess.run(["bash", "-n", str(ROOT / "scripts/gpu_smoke.sh")]).returncode == 0
    proc = subprocess.run(["bash", str(ROOT / "scripts/gpu_smoke.sh"), str(tmp_path / "out")], capture_output=True,
                          text=True, env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"})
    assert proc.returncode == 2 and "no CUDA device" in proc.stderr


@pytest.mark.mpi
def test_compare_with_real_nccl_tests_json(tmp_path):
    # Our sizes match the H200 JSON's (8 B to 256 MiB by 4); the numbers differ (CPU vs GPU) and
    # the H200 run has one rank (busbw 0), so only the mechanics are checked here.
    proc = run_mpi(2, "run", "--backend", "mpi", "--collectives", "all_reduce", "-b", "8", "-e", "2K", "-f", "4",
                   "-n", "3", "--inplace", "0", "--out", str(tmp_path))
    assert proc.returncode == 0
    cmp = subprocess.run([sys.executable, str(ROOT / "scripts/compare_nccl_tests.py"), str(only_run(tmp_path)),
                          str(H200 / "all_reduce.json")], capture_output=True, text=True)
    lines = [ln for ln in cmp.stdout.splitlines() if ln.startswith("all_reduce")]
    assert [int(ln.split()[1]) for ln in lines] == [8, 32, 128, 512, 2048]
    assert cmp.stdout.rstrip().splitlines()[-1].startswith("# targets")
