"""End to end on a real multi-host test bed: network namespaces, real mpirun, shaped links.

Skips, with the reason, where namespaces cannot be created (not root, no iproute2). The test bed
is torn down even when a case fails (scripts/netns_testbed.py: testbed()).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import netns_testbed as nt  # noqa: E402

WHY = nt.can_create_namespaces()
pytestmark = [pytest.mark.mpi, pytest.mark.skipif(WHY is not None, reason=f"no multi-host test bed: {WHY}")]


@pytest.mark.parametrize("case", ["clean", "link", "host"])
def test_diagnosis_names_exactly_the_culprit(case, tmp_path):
    hit, false_flags, verdicts = nt.trial(case, tmp_path)
    assert hit and false_flags == 0, verdicts
    assert subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.count("fb") == 0


def test_ranks_really_are_on_three_hosts(tmp_path):
    with nt.testbed(3) as bed:
        proc = bed.mpirun(1, ["run", "--collectives", "all_reduce", "--backend", "mpi,torch", "-b", "1K", "-e", "1K",
                              "-n", "3", "--out", str(tmp_path)])
    assert proc.returncode == 0, proc.stderr[-2000:]
    meta = json.loads(next(tmp_path.glob("*/run.json")).read_text())
    assert meta["nnodes"] == 3 and sorted(meta["hosts"]) == ["h1", "h2", "h3"]


def test_report_shows_the_matrix_and_the_verdict(tmp_path, browser):
    from tests.reports.test_report_browser import inspect

    with nt.testbed(3) as bed:
        bed.slow_link("h1", "h3", "200mbit")
        run = bed.mpirun(1, nt.PAIRWISE + ["--out", str(tmp_path / "runs")])
    assert run.returncode == 0, run.stderr[-2000:]
    out = tmp_path / "report.html"
    proc = subprocess.run([sys.executable, str(nt.ROOT / "run_bench.py"), "report", str(tmp_path / "runs"),
                           "--out", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    seen = inspect(browser, out, "multihost-slow-link")
    assert "Fabric diagnosis" in seen["text"]
    assert seen["errors"] == [] and all(c and w > 0 for c, w, *_ in seen["images"])
    # The verdict uses the report's default thresholds; the heat map is there either way.
    assert "link matrix" in out.read_text()
