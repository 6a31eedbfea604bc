"""The locator on launches recorded on the network-namespace test bed (tests/data/netns-locate, README there).

A live launch on this shared machine cannot be asserted to name the right host (load changes what
it measures), so the verdicts are asserted on real recorded launches: eight namespace hosts, one
rate-limited to 100 Mbit/s (`host`) or none (`clean`). The decisions are replayed from the recorded
group values with the recorded settings: the same plan each round, the same verdicts. When the
strategy changes on purpose, record again: `python scripts/netns_testbed.py --trials 1
--cases locate-host,locate-clean --record DIR`.
"""

import json
import subprocess
import sys

import pytest

from fabricbench.benchmarks.locate.strategy import Locator, Settings
from tests.helpers import ROOT

DATA = ROOT / "tests" / "data" / "netns-locate"
CASES = {"host": [("slow_node", ["h5"])], "clean": []}


def run_dir(case: str):
    [found] = [p.parent for p in (DATA / case).glob("*/run.json")]
    return found


def replay(doc: dict) -> Locator:
    """Feed the recorded rounds back to the decision code; every planned round must be the recorded one."""
    loc = Locator(doc["names"], Settings(**doc["settings"]))
    for i, rnd in enumerate(doc["rounds"]):
        tests = loc.plan()
        planned = [sorted(loc.names[m] for m in t.members) for t in tests]
        assert planned == [g["hosts"] for g in rnd["groups"]], f"round {rnd['round']} planned differently: re-record"
        for t, g in zip(tests, rnd["groups"], strict=True):
            t.value = g["busbw_gbps"] or 1e-9
        judged = loc.observe(tests)
        assert [t.slow for t in judged.tests] == [g["slow"] for g in rnd["groups"]]
        assert judged.decisions == rnd["decisions"]
        assert loc.done() == (i == len(doc["rounds"]) - 1)
    return loc


@pytest.mark.parametrize("case", sorted(CASES))
def test_replayed_decisions_give_the_recorded_verdicts(case):
    doc = json.loads((run_dir(case) / "run.json").read_text())["locate"]
    loc = replay(doc)
    got = [(v["kind"], v["hosts"]) for v in loc.verdicts()]
    assert got == [(v["kind"], v["hosts"]) for v in doc["verdicts"]] == CASES[case]
    assert doc["rounds_used"] == len(doc["rounds"]) <= 10


def test_the_slow_host_was_slow_in_every_group_that_held_it():
    doc = json.loads((run_dir("host") / "run.json").read_text())["locate"]
    held = [g for r in doc["rounds"] for g in r["groups"] if "h5" in g["hosts"]]
    assert held and all(g["slow"] for g in held)
    [verdict] = doc["verdicts"]
    assert verdict["evidence"]["slow_tests"] == len(held) and verdict["evidence"]["median_vs_healthy"] < -0.5


@pytest.mark.parametrize("case", sorted(CASES))
def test_diagnose_reads_the_recorded_verdicts(case):
    proc = subprocess.run([sys.executable, str(ROOT / "run_bench.py"), "diagnose", str(run_dir(case)), "--format",
                           "json"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == (1 if CASES[case] else 0), proc.stderr
    got = [(v["kind"], v["hosts"]) for v in json.loads(proc.stdout)["verdicts"] if "locate" in v["evidence"]["method"]]
    assert got == CASES[case]


def test_report_shows_the_verdict_and_how_it_was_reached(tmp_path, browser):
    from tests.reports.test_report_browser import inspect

    out = tmp_path / "locate.html"
    proc = subprocess.run([sys.executable, str(ROOT / "run_bench.py"), "report", str(run_dir("host")), "--out",
                           str(out)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    seen = inspect(browser, out, "locate-recorded-host")
    assert seen["errors"] == []
    text = seen["text"]
    assert "slow node: h5 (rank 4)" in text
    assert "all_reduce: slow in 3 of 3 group tests (locate (group testing))" in text
    # the details element is closed: its summary shows, the rounds table is in the page
    assert "How the locator reached this: 3 rounds of concurrent group tests" in text
    assert "h5 named slow (2 of 2 tests)" in out.read_text()
