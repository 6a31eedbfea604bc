"""Pairwise diagnosis on launches recorded on the network-namespace test bed (tests/data/netns-pairwise).

Three hosts, one rank each, p2p_bw over the full matrix: `clean`, `link` (h1 <-> h3 shaped to
200 Mbit/s with htb) and `host` (h2 rate-limited with tbf). Recorded by `python
scripts/netns_testbed.py --trials 1 --cases clean,link,host --record DIR`; diagnosed with the test
bed's thresholds (docs/diagnosis.md, "Proven on this machine"). The live launches in
test_multihost.py assert only what load cannot change.
"""

import json
import subprocess
import sys

import pytest

from tests.helpers import ROOT

DATA = ROOT / "tests" / "data" / "netns-pairwise"
EXPECTED = {"clean": [], "link": [("slow_link", ["h1", "h3"])], "host": [("slow_node", ["h2"])]}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_diagnosis_names_exactly_the_culprit(case):
    [run] = [p.parent for p in (DATA / case).glob("*/run.json")]
    proc = subprocess.run([sys.executable, str(ROOT / "run_bench.py"), "diagnose", str(run), "--format", "json",
                           "--rel-threshold", "0.9", "--z-threshold", "1"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == (1 if EXPECTED[case] else 0), proc.stderr
    found = json.loads(proc.stdout)
    assert [(v["kind"], sorted(v["hosts"])) for v in found["verdicts"]] == EXPECTED[case]
    assert found["examined"]["pattern_points"] > 0
