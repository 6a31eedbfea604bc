"""`run --pattern locate` in real mpirun launches: four 'nodes' on this machine, each rank in a UTS
namespace of its own (its own hostname), so the launch sees four hosts and groups them for real:
MPI sub-communicators and torch process groups, every group's collective at once.

These launches share two cores, so what they measure is noise: the tests assert the mechanics
(groups, rounds, points, records, diagnose and report wiring), never which node was named. The
verdicts on a shaped link are tests/benchmarks/test_multihost.py (network-namespace test bed).
"""

import json
import shutil
import subprocess
import sys

import pytest

from tests.helpers import ROOT, base_env, mpiexec, only_run


def _unshare() -> list[str] | None:
    """The command that gives a process its own hostname here: unshare --uts (root) or in a user namespace."""
    if not shutil.which("unshare"):
        return None
    for cmd in (["unshare", "--uts"], ["unshare", "-r", "--uts"]):
        if subprocess.run([*cmd, "hostname", "fb-probe"], capture_output=True).returncode == 0:
            return cmd
    return None


UNSHARE = _unshare()
pytestmark = [pytest.mark.mpi, pytest.mark.skipif(UNSHARE is None, reason="cannot give a process its own hostname "
                                                  "(unshare --uts needs root or user namespaces)")]


def launch(tmp_path, hosts: list[str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """One rank per entry of ``hosts``, each under that hostname (MPMD: one app context per rank)."""
    cmd = [mpiexec()]
    for i, host in enumerate(hosts):
        inner = f"hostname {host} && exec {sys.executable} {ROOT / 'run_bench.py'} " + " ".join(args)
        cmd += ([":"] if i else []) + ["-n", "1", *UNSHARE, "sh", "-c", inner]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=base_env(), cwd=ROOT)


def points(run_dir):
    return [json.loads(line) for line in (run_dir / "samples.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("backend", ["mpi", "torch"])
def test_locate_runs_groups_at_once_and_records_every_round(tmp_path, backend):
    hosts = ["node0", "node1", "node2", "node3"]
    proc = launch(tmp_path, hosts, "run", "--pattern", "locate", "--backend", backend, "--sizes", "64K", "-n", "5",
                  "-w", "1", "--group-size", "2", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = only_run(tmp_path)
    meta = json.loads((run / "run.json").read_text())
    loc = meta["locate"]
    assert meta["status"] == "ok" and meta["nnodes"] == 4
    assert loc["collective"] == "all_reduce" and loc["size_bytes"] == 65536 and loc["nodes"] == 4
    rounds = loc["rounds"]
    assert rounds and loc["rounds_used"] == len(rounds)
    first = [h for g in rounds[0]["groups"] for h in g["hosts"]]
    assert sorted(first) == hosts and all(len(g["hosts"]) == 2 for g in rounds[0]["groups"])  # screening
    for r in rounds:
        members = [h for g in r["groups"] for h in g["hosts"]]
        assert len(members) == len(set(members))  # disjoint groups in one round
        assert r["healthy_busbw_gbps"] > 0 and all(g["busbw_gbps"] > 0 for g in r["groups"])
    pts = points(run)
    assert len(pts) == sum(len(r["groups"]) for r in rounds) == meta["points_completed"]
    assert {p["pattern"] for p in pts} == {"locate"} and {p["backend"] for p in pts} == {backend}
    for p in pts:  # each point: the group's ranks, the round and role it served
        assert p["nranks"] == len(p["group"]) == p["nnodes"] and p["round"] >= 1 and p["role"]
        assert len(p["time_us"]) == p["nranks"] and len(p["time_us"][0]) == 5
    for v in loc["verdicts"]:
        assert v["kind"] in ("slow_node", "slow_link", "unresolved") and set(v["hosts"]) <= set(hosts) and v["ranks"]
    assert f"# done: {len(pts)} group tests in {len(rounds)} rounds" in proc.stdout
    assert "Avg bus bandwidth" not in proc.stdout

    diag = subprocess.run([sys.executable, str(ROOT / "run_bench.py"), "diagnose", str(run), "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT)
    found = json.loads(diag.stdout)
    located = [v for v in found["verdicts"] if v["evidence"].get("method", "").startswith("locate")]
    assert len(located) == len(loc["verdicts"]) and diag.returncode == (1 if found["verdicts"] else 0)
    assert found["examined"]["located_nodes"] == 4

    html = tmp_path / "r.html"
    rep = subprocess.run([sys.executable, str(ROOT / "run_bench.py"), "report", str(run), "--out", str(html)],
                         capture_output=True, text=True, cwd=ROOT)
    assert rep.returncode == 0, rep.stderr
    assert f"How the locator reached this: {len(rounds)} rounds" in html.read_text()


def test_per_gpu_groups_hold_every_local_rank(tmp_path):
    hosts = ["node0", "node0", "node1", "node1", "node2", "node2", "node3", "node3"]
    proc = launch(tmp_path, hosts, "run", "--pattern", "locate", "--backend", "mpi", "--sizes", "16K", "-n", "3",
                  "-w", "1", "--per-gpu", "1", "--group-size", "2", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = only_run(tmp_path)
    meta = json.loads((run / "run.json").read_text())
    by_rank = {int(r): h for h, ranks in meta["hosts"].items() for r in ranks}
    assert sorted(set(by_rank.values())) == ["node0", "node1", "node2", "node3"]
    for p in points(run):
        assert p["nranks"] == 2 * p["nnodes"] == len(p["group"])
        nodes = {by_rank[r] for r in p["group"]}
        assert all(sum(by_rank[r] == n for r in p["group"]) == 2 for n in nodes)  # both ranks of each node


def test_locate_refuses_fewer_than_four_nodes(tmp_path):
    proc = launch(tmp_path, ["a", "b"], "run", "--pattern", "locate", "--backend", "mpi", "--out", str(tmp_path))
    assert proc.returncode == 2
    assert "needs at least 4 nodes (got 2)" in proc.stderr and "Traceback" not in proc.stderr
