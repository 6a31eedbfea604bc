"""The locator's decisions against the cluster model (the same code the live launch runs).

The model is seeded, so each result here is a fixed fact of the decision code, not a measurement.
The acceptance table over 1,000 random scenarios a row is scripts/locate_scenarios.py.
"""

import json
import subprocess
import sys

import pytest

from fabricbench.benchmarks.locate.simulate import Cluster, Model, load_model, simulate
from fabricbench.benchmarks.locate.strategy import Locator, Settings, Task
from fabricbench.benchmarks.model.errors import UsageError
from tests.helpers import ROOT


def named(result: dict) -> set:
    return {(v["kind"], tuple(v["hosts"])) for v in result["verdicts"]}


def test_a_clean_quiet_cluster_is_cleared_in_the_screening_round():
    result = simulate(Model(1024, seed=3, noise_cv=0.0), Settings(group_size=16))
    assert result["verdicts"] == []
    assert result["rounds"] == 1 and result["node_rounds"] == 1024
    assert result["collective_calls"] == 64 * Settings().reps  # 64 groups of 16, 7 measurements each


def test_a_false_alarm_in_screening_is_cleared_by_re_testing():
    """Seed 3 at 5 % noise: one screening group lands below the threshold by chance; both its halves test
    healthy, the whole group is re-tested and cleared: three rounds, nothing named."""
    model = Model(1024, seed=3)
    loc = Locator(model.names, Settings(group_size=16, seed=3))
    cluster = Cluster(model)
    while not loc.done():
        tests = loc.plan()
        for t, v in zip(tests, cluster.measure([t.members for t in tests], 7), strict=True):
            t.value = v
        loc.observe(tests)
    decisions = [d for r in loc.rounds for d in r.decisions]
    assert loc.verdicts() == [] and len(loc.rounds) == 3 and len(loc.cleared) == 1024
    assert "slow: suspects" in decisions[0] and "false alarm" in decisions[-1]


def test_slow_nodes_are_named_with_their_evidence():
    model = Model(1024, seed=7, slow_nodes={"n0017": 0.7, "n0900": 0.5})
    result = simulate(model, Settings(group_size=16))
    assert named(result) == {("slow_node", ("n0017",)), ("slow_node", ("n0900",))}
    for v in result["verdicts"]:
        ev = v["evidence"]
        assert ev["confirmations"] in ("2 of 2", "2 of 3") and ev["slow_tests"] >= 2
        assert ev["method"] == "locate (group testing)"
    slow = {v["hosts"][0]: v["evidence"]["median_vs_healthy"] for v in result["verdicts"]}
    assert slow["n0900"] == pytest.approx(-0.5, abs=0.05) and slow["n0017"] == pytest.approx(-0.3, abs=0.05)
    assert result["rounds"] <= 14  # log2(16) halvings after screening, plus confirmation


def test_a_slow_link_between_healthy_nodes_needs_full_coverage():
    model = Model(1024, seed=7, slow_links={"n0003-n0500": 0.4})
    found = simulate(model, Settings(group_size=16, links="found"))
    full = simulate(model, Settings(group_size=16, links="full"))
    # Screening groups of 16 rarely hold both ends; "found" says nothing rather than blame a node.
    assert not any(v["kind"] == "slow_node" for v in found["verdicts"])
    assert named(full) == {("slow_link", ("n0003", "n0500"))}
    ev = full["verdicts"][0]["evidence"]
    assert ev["pair"] == "slow" and ev["ends_alone"] == "healthy" and ev["slow_tests"] >= 2


def test_a_slow_node_and_a_slow_link_together():
    model = Model(256, seed=11, slow_nodes={"n0040": 0.6}, slow_links={"n0100-n0200": 0.45})
    result = simulate(model, Settings(group_size=16, links="full"))
    assert named(result) == {("slow_node", ("n0040",)), ("slow_link", ("n0100", "n0200"))}


def test_the_same_model_gives_the_same_answer():
    model = Model(512, seed=5, noise_cv=0.05, slow_nodes={"n0100": 0.8})
    assert simulate(model, Settings(group_size=16)) == simulate(model, Settings(group_size=16))


def test_groups_of_a_round_are_disjoint_and_screening_covers_everyone():
    loc = Locator([f"h{i}" for i in range(64)], Settings(group_size=8, seed=1))
    cluster = Cluster(Model(64, seed=1, slow_nodes={"n0009": 0.5}))
    seen_all = False
    while not loc.done():
        tests = loc.plan()
        members = [m for t in tests for m in t.members]
        assert len(members) == len(set(members))  # one group per node per round
        assert all(len(t.members) >= 2 for t in tests)  # a group of one measures nothing
        if not loc.rounds:
            assert sorted(members) == list(range(64))
            seen_all = True
        for t, v in zip(tests, cluster.measure([t.members for t in tests], 7), strict=True):
            t.value = v
        loc.observe(tests)
    assert seen_all and [v["hosts"] for v in loc.verdicts()] == [["h9"]]


def test_a_noisy_false_alarm_is_cleared_not_named():
    """A group that measures slow once (noise) is re-tested; a node is named only when it is slow in
    two of its confirmation tests."""
    loc = Locator([f"h{i}" for i in range(32)], Settings(group_size=4, seed=2))
    tests = loc.plan()
    for i, t in enumerate(tests):
        t.value = 50.0 if i == 0 else 100.0 * (1 + 0.01 * (i % 3))  # one group: a one-off slow result
    loc.observe(tests)
    while not loc.done():
        tests = loc.plan()
        for i, t in enumerate(tests):
            t.value = 100.0 * (1 + 0.01 * (i % 3))
        loc.observe(tests)
    assert loc.verdicts() == [] and len(loc.cleared) == 32
    decisions = [d for r in loc.rounds for d in r.decisions]
    assert "slow: suspects" in decisions[0] and "false alarm" in decisions[-1], decisions


def test_suspects_left_at_the_round_limit_are_reported_unresolved_not_dropped():
    model = Model(256, seed=7, slow_nodes={"n0017": 0.5})
    result = simulate(model, Settings(group_size=16, max_rounds=2))
    assert result["rounds"] == 2
    [verdict] = result["verdicts"]
    assert verdict["kind"] == "unresolved" and "n0017" in verdict["hosts"]
    assert verdict["evidence"]["why"] == "the round limit was reached"
    assert verdict["evidence"]["slow_tests"] >= 1


def test_a_suspect_with_no_healthy_node_left_to_pair_with_is_unresolved():
    """A lone suspect measures nothing by itself; with every cleared node gone it cannot be decided."""
    loc = Locator([f"h{i}" for i in range(4)], Settings(group_size=2))
    loc.screened = True
    loc.tasks = [Task("confirm", [0], votes=1)]
    loc.cleared = set()
    assert loc.done()
    assert loc.verdicts() == [{"kind": "unresolved", "hosts": ["h0"], "ranks": [],
                               "evidence": {"tests": 0, "slow_tests": 0, "median_vs_healthy": None,
                                            "rounds": [], "method": "locate (group testing)",
                                            "why": "no known-healthy node is left to test them against"}}]


def test_a_cluster_slow_everywhere_is_beyond_relative_testing():
    """Group testing compares groups with each other: when most groups hold a slow node there is no
    healthy level to be slower than. That is what % of peak (report, explain) is for; the locator
    says nothing rather than guess."""
    model = Model(16, seed=1, noise_cv=0.02, slow_nodes={f"n{i:04d}": 0.5 for i in range(12)})
    result = simulate(model, Settings(group_size=4))
    assert result["verdicts"] == [] and result["rounds"] == 1


def test_16384_nodes_finish():
    model = Model(16384, seed=9, slow_nodes={"n01234": 0.75, "n15000": 0.6})
    result = simulate(model, Settings(group_size=16))
    assert named(result) == {("slow_node", ("n01234",)), ("slow_node", ("n15000",))}
    assert result["rounds"] <= 26


@pytest.mark.parametrize("doc, problem", [
    ({"base_busbw": 1}, "nodes: missing"),
    ({"nodes": 4, "nodez": 3}, "nodez: unknown key"),
    ({"nodes": 1}, "nodes must be >= 2"),
    ({"nodes": "many"}, "not a number"),
    ({"nodes": 8, "slow_nodes": {"n0099": 0.5}}, "slow_nodes: n0099"),
    ({"nodes": 8, "slow_nodes": {"n0001": 1.5}}, "slow_nodes: n0001"),
    ({"nodes": 8, "slow_links": {"n0001": 0.5}}, "slow_links: n0001"),
    ({"nodes": 8, "slow_links": {"n0001-n0001": 0.5}}, "slow_links: n0001-n0001"),
    ([1, 2], "must be a JSON object"),
])
def test_model_errors_name_the_file_and_field(tmp_path, doc, problem):
    path = tmp_path / "model.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(UsageError) as err:
        load_model(path)
    assert str(path) in str(err.value) and problem in str(err.value) and "\n" not in str(err.value)


def test_model_file_not_json_or_missing(tmp_path):
    bad = tmp_path / "m.json"
    bad.write_text("{nodes: 4")
    with pytest.raises(UsageError, match="not a JSON model"):
        load_model(bad)
    with pytest.raises(UsageError, match="no such file"):
        load_model(tmp_path / "absent.json")


def test_the_issue_example_loads(tmp_path):
    path = tmp_path / "m.json"
    path.write_text('{"nodes": 1024, "base_busbw": 100.0, "noise_cv": 0.05, "seed": 7,\n'
                    ' "slow_nodes": {"n0017": 0.7, "n0900": 0.5}, "slow_links": {"n0003-n0500": 0.4}}')
    m = load_model(path)
    assert m.nodes == 1024 and m.names[17] == "n0017" and m.slow_links == {"n0003-n0500": 0.4}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run_bench.py"), "run", *args], capture_output=True,
                          text=True, cwd=ROOT)


def test_simulate_command_prints_verdicts_and_cost(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"nodes": 1024, "seed": 7, "slow_nodes": {"n0017": 0.7},
                                "slow_links": {"n0003-n0500": 0.4}}))
    proc = cli("--simulate", str(path), "--locate-links", "full")
    assert proc.returncode == 1, proc.stderr  # something named: diagnose's exit code
    out = json.loads(proc.stdout)
    assert named(out) == {("slow_node", ("n0017",)), ("slow_link", ("n0003", "n0500"))}
    assert out["rounds"] >= 2 and out["collective_calls"] > 0 and out["node_rounds"] >= 1024
    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps({"nodes": 64}))
    proc = cli("--simulate", str(clean), "--pattern", "locate")
    assert proc.returncode == 0 and json.loads(proc.stdout)["verdicts"] == []


def test_simulate_command_errors_are_one_line(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"nodes": 64}))
    for args, words in [(("--simulate", str(path), "--pattern", "pairwise"), "simulates --pattern locate"),
                        (("--simulate", str(tmp_path / "none.json")), "no such file"),
                        (("--simulate", str(path), "--locate-links", "some"), "locate_links")]:
        proc = cli(*args)
        assert proc.returncode == 2 and words in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
