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


def test_a_shaped_link_launch_measures_every_pair_and_diagnoses(tmp_path):
    """The live launch asserts what load cannot change: the full matrix of a 3-host pairwise run and a
    diagnosis that reads it. Whether it names the shaped link is asserted on recorded launches of the
    same bed (tests/benchmarks/test_multihost_recorded.py): a live verdict on this shared 2-core machine
    failed once in five loaded runs of the suite."""
    _, _, verdicts, run_dir = nt.trial("link", tmp_path)
    pts = [json.loads(line) for line in (run_dir / "samples.jsonl").read_text().splitlines()]
    pairs = {tuple(sorted(p)) for pt in pts for p in pt["pairs"]}
    assert len(pairs) == 3 and {pt["pattern"] for pt in pts} == {"pairwise"}
    assert all(kind in ("slow_link", "slow_node") and set(hosts) <= {"h1", "h2", "h3"} for kind, hosts in verdicts)
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


def test_locate_on_eight_hosts_records_how_it_decided(tmp_path):
    """A short version of the locate trials (scripts/netns_testbed.py --cases locate-host): one launch on
    eight namespace hosts, h5 rate-limited. What load cannot change is asserted here: every host screened
    once, disjoint groups each round, a point per group and round, and a finished search (every host
    cleared, named or reported unresolved). Which host it names, trial after trial, is the script's table
    and the recorded launches replayed in tests/benchmarks/locate/test_recorded.py."""
    _, _, verdicts, rounds, run_dir = nt.locate_trial("host", tmp_path)
    meta = json.loads((run_dir / "run.json").read_text())
    loc = meta["locate"]
    hosts = [f"h{i}" for i in range(1, 9)]
    assert meta["status"] == "ok" and meta["nnodes"] == 8 and sorted(loc["names"]) == hosts
    assert sorted(h for g in loc["rounds"][0]["groups"] for h in g["hosts"]) == hosts
    for r in loc["rounds"]:
        members = [h for g in r["groups"] for h in g["hosts"]]
        assert len(members) == len(set(members))
    samples = (run_dir / "samples.jsonl").read_text().splitlines()
    assert len(samples) == sum(len(r["groups"]) for r in loc["rounds"]) and rounds == loc["rounds_used"]
    assert all(kind in ("slow_node", "slow_link", "unresolved") for kind, _ in verdicts)
    assert subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.count("fb") == 0
