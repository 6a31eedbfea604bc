"""The CI examples' gate command lines, run as written against real fixture launches."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.helpers import ROOT, base_env, run_mpi

EXAMPLES = {"github": ROOT / "examples/ci/github-actions.yml", "gitlab": ROOT / "examples/ci/gitlab-ci.yml"}


def gate_lines(path: Path) -> list[str]:
    doc = yaml.safe_load(path.read_text())
    text = []
    for job in doc.get("jobs", {}).values():
        text += [s.get("run", "") for s in job.get("steps", [])]
    for job in doc.values():
        if isinstance(job, dict) and "script" in job:
            text += job["script"]
    return [ln.strip() for t in text for ln in t.splitlines() if "run_bench.py gate" in ln]


@pytest.fixture(scope="module")
def fixture_results(tmp_path_factory):
    root = tmp_path_factory.mktemp("ci-example")
    for arm in ["control", "candidate", "candidate", "control"] * 3 + ["control", "candidate"]:
        proc = run_mpi(2, "run", "--backend", "mpi", "--collectives", "all_reduce", "-b", "8", "-e", "64K", "-f", "8",
                       "-n", "30", "-w", "3", "--out", str(root / "results" / arm), "--tag", arm)
        assert proc.returncode == 0, proc.stderr[-1500:]
    add = subprocess.run([str(Path(os.sys.executable)), str(ROOT / "run_bench.py"), "baseline", "add",
                          str(root / "results" / "control"), "--to", str(root / "baselines" / "p5-2node"),
                          "--note", "fixture"], capture_output=True, text=True, env=base_env())
    assert add.returncode == 0, add.stderr
    return root


@pytest.mark.mpi
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_gate_command_runs(name, fixture_results, tmp_path):
    lines = gate_lines(EXAMPLES[name])
    assert len(lines) == 1, lines
    env = base_env(BASELINE=str(fixture_results / "baselines/p5-2node"),
                   CANDIDATE=str(fixture_results / "results/candidate"),
                   CONTROL=str(fixture_results / "results/control"),
                   GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"))
    cmd = lines[0].replace("python run_bench.py", f"{shlex.quote(os.sys.executable)} {ROOT / 'run_bench.py'}")
    proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode in (0, 1, 3), proc.stdout + proc.stderr  # a verdict, not a usage error or invalid
    assert (tmp_path / "gate.xml").is_file() and (tmp_path / "gate.html").is_file()
    summary = tmp_path / ("summary.md" if name == "github" else "gate.md")
    assert re.match(r"\*\*fabricbench gate: ", summary.read_text())
