"""The native loop's compiler is found wherever the MPI is, not only on PATH."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fabricbench.collectives.backends import native_loop
from tests.helpers import BIN, ROOT, mpiexec, only_run


def test_mpicc_env_wins_then_beside_libmpi_then_prefix_then_path(tmp_path, monkeypatch):
    from fabricbench.benchmarks.launcher import import_mpi

    import_mpi()  # loads libmpi: the second place looked at
    fake = tmp_path / "my-mpicc"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert native_loop.find_mpicc({"MPICC": str(fake), "PATH": "/nonexistent"}) == (str(fake), "MPICC")
    found, where = native_loop.find_mpicc({"PATH": "/nonexistent"})
    assert found == str(BIN / "mpicc") and where.startswith("beside ") and "libmpi" in where
    monkeypatch.setattr(native_loop, "_loaded_libmpi", lambda: None)
    found, where = native_loop.find_mpicc({"PATH": "/nonexistent"})
    assert found == str(BIN / "mpicc") and "interpreter" in where
    monkeypatch.setattr(native_loop.sys, "prefix", str(tmp_path))
    monkeypatch.setattr(native_loop.sys, "executable", str(tmp_path / "python"))
    assert native_loop.find_mpicc({"PATH": str(BIN)}) == (str(BIN / "mpicc"), "PATH")
    found, where = native_loop.find_mpicc({"PATH": "/nonexistent"})
    assert found is None and "no mpicc" in where
    bad = native_loop.find_mpicc({"MPICC": "/nonexistent/mpicc", "PATH": "/nonexistent"})
    assert bad[0] is None and "MPICC=/nonexistent/mpicc" in bad[1]


@pytest.mark.mpi
def test_an_absolute_venv_python_without_the_venv_on_path_uses_the_native_timer(tmp_path):
    """How clusters start ranks: `mpirun -np 16 /opt/fb/bin/python run_bench.py ...`, no venv on PATH."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path), "OMP_NUM_THREADS": "1",
           "FABRICBENCH_CACHE": str(tmp_path / "cache")}
    proc = subprocess.run([mpiexec(), "-n", "2", sys.executable, str(ROOT / "run_bench.py"), "run", "--backend", "mpi",
                           "--sizes", "8,64K", "-n", "20", "--out", str(tmp_path / "r")],
                          capture_output=True, text=True, env=env, timeout=240, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run = only_run(tmp_path / "r")
    meta = json.loads((run / "run.json").read_text())
    assert meta["native_timer"]["available"] is True, meta["native_timer"]
    assert Path(meta["native_timer"]["mpicc"]).parent == BIN
    assert {json.loads(x)["timer"] for x in (run / "samples.jsonl").read_text().splitlines()} == {"native-c"}
    assert "python timer" not in proc.stdout


@pytest.mark.mpi
def test_without_a_compiler_the_table_says_so_in_words(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "OMP_NUM_THREADS": "1", "MPICC": "/nonexistent/mpicc",
           "FABRICBENCH_CACHE": str(tmp_path / "cache")}
    proc = subprocess.run([mpiexec(), "-n", "2", sys.executable, str(ROOT / "run_bench.py"), "run", "--backend", "mpi",
                           "--sizes", "8", "-n", "10", "--out", str(tmp_path / "r")],
                          capture_output=True, text=True, env=env, timeout=240, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "# note: python timer: small-message times include ~0.7 us of interpreter time per call" in proc.stdout
    assert "MPICC=/nonexistent/mpicc is not an executable" in proc.stdout
    meta = json.loads((only_run(tmp_path / "r") / "run.json").read_text())
    assert meta["native_timer"]["available"] is False
