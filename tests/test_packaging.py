"""The product installs anywhere: the wheel, in a fresh venv without torch, away from the checkout.

Builds the wheel from this checkout, installs it with the MPICH wheel into a new venv, and then,
from an empty directory with a PATH that does not contain the venv (as `mpirun -np 16
/opt/fb/bin/python ...` starts ranks on a cluster), runs the console command: an MPI run that must
record the native timer, a report, preflight, ingest and a preset, and validates what they wrote
against the schemas the wheel ships.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from tests.datasets import H200
from tests.helpers import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.mpi]
CLEAN_PATH = "/usr/local/bin:/usr/bin:/bin"


def _packages_in_tree() -> set[str]:
    out = {"fabricbench"}
    for top in ("benchmarks", "collectives", "reports", "configs"):
        for init in (ROOT / top).rglob("__init__.py"):
            out.add("fabricbench." + ".".join(init.parent.relative_to(ROOT).parts))
    for init in (ROOT / "fabricbench").rglob("__init__.py"):
        out.add(".".join(init.parent.relative_to(ROOT).parts))
    return out


def test_pyproject_lists_every_package():
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    assert listed == _packages_in_tree()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                           "-w", str(out), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return next(out.glob("fabricbench-*.whl"))


def test_wheel_holds_one_namespace_and_every_data_file(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"fabricbench"}
    for needed in ("fabricbench/reports/templates/report.html.j2", "fabricbench/configs/instances.csv",
                   "fabricbench/configs/local.yaml", "fabricbench/configs/presets/p5.yaml",
                   "fabricbench/configs/explain/rules.yaml",
                   "fabricbench/collectives/backends/native/fb_loop.c",
                   "fabricbench/benchmarks/nccltests/native/fb_rows.c",
                   "fabricbench/benchmarks/model/schemas/run.v2.schema.json",
                   "fabricbench/benchmarks/model/schemas/sample.v2.schema.json", "fabricbench/__main__.py"):
        assert needed in names, needed
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "fabricbench = fabricbench.cli.main:main" in zipfile.ZipFile(wheel).read(entry).decode()


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, timeout=120)
    proc = subprocess.run([str(root / "bin" / "python"), "-m", "pip", "install", "-q",
                           "--disable-pip-version-check", str(wheel), "mpich"],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root


def _run(venv: Path, cwd: Path, *cmd: str, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {"PATH": CLEAN_PATH, "HOME": str(cwd), "OMP_NUM_THREADS": "1", "FABRICBENCH_CACHE": str(cwd / ".cache")}
    return subprocess.run(list(cmd), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def test_the_installed_command_works_without_torch_and_without_the_venv_on_path(venv, tmp_path):
    py, fb, mpiexec = (str(venv / "bin" / n) for n in ("python", "fabricbench", "mpiexec"))
    work = tmp_path / "empty"
    work.mkdir()
    assert _run(venv, work, py, "-c", "import torch").returncode != 0  # torch really is absent

    run = _run(venv, work, mpiexec, "-n", "2", fb, "run", "--backend", "mpi", "-b", "8", "-e", "64K", "-f", "8",
               "-n", "20", "--out", "r")
    assert run.returncode == 0, run.stdout + run.stderr
    run_dir = next(p for p in (work / "r").iterdir() if (p / "run.json").is_file())
    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["native_timer"]["available"] is True, meta["native_timer"]
    assert meta["native_timer"]["mpicc"].startswith(str(venv))
    lines = (run_dir / "samples.jsonl").read_text().splitlines()
    assert lines and all(json.loads(x)["timer"] == "native-c" for x in lines)
    assert "torch" not in meta["versions"] or meta["versions"]["torch"] is None

    schemas = next(venv.glob("lib/python*/site-packages/fabricbench/benchmarks/model/schemas"))
    jsonschema.validate(meta, json.loads((schemas / "run.v2.schema.json").read_text()))
    jsonschema.validate(json.loads(lines[0]), json.loads((schemas / "sample.v2.schema.json").read_text()))

    report = _run(venv, work, fb, "report", str(run_dir), "--out", "r.html")
    assert report.returncode == 0, report.stderr
    assert (work / "r.html").stat().st_size > 10_000
    pre = _run(venv, work, fb, "preflight")
    assert pre.returncode == 0 and "preflight: ok" in pre.stdout, pre.stdout + pre.stderr
    ingest = _run(venv, work, fb, "ingest", str(H200 / "all_reduce_default.txt"), "--out", "i")
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    scanner = _run(venv, work, py, "-c", "from fabricbench.benchmarks.nccltests import nativerows as n; "
                   "print(n.load() is not None, n.STATUS['reason'])")  # the row scanner's C ships and builds
    assert scanner.stdout.startswith("True"), scanner.stdout + scanner.stderr
    explained = _run(venv, work, fb, "explain", "i")  # its rules and bands ship as package data
    assert explained.returncode == 0 and "explain: nothing wrong that the rules know of" in explained.stdout, (
        explained.stdout + explained.stderr)
    preset = _run(venv, work, mpiexec, "-n", "2", fb, "run", "--preset", "p5", "--device", "cpu", "--backend", "mpi",
                  "--sizes", "8", "-n", "5", "--out", "p")
    assert preset.returncode == 0, preset.stdout + preset.stderr
    module = _run(venv, work, py, "-m", "fabricbench", "--help")
    assert module.returncode == 0 and "fabricbench" in module.stdout
