"""A really slower candidate: the same benchmark across two network-namespace hosts, with the
candidate's launches run while host h2's link is shaped by tc (1 Gbit/s token bucket).

The verdict is asserted on a recorded session of the test bed (tests/data/gate-shaped-link): the
gate must fail the mid band (256 KiB, 2 MiB) and name it, and the latency band's small messages,
which barely feel a token bucket, must not fail on their own sizes. The live test builds the bed
and asserts only what machine load cannot change.
"""

import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
import gate_real_runs as real  # noqa: E402
import netns_testbed as nt  # noqa: E402

from tests.datasets import DATA  # noqa: E402

WHY = nt.can_create_namespaces()


def test_recorded_shaped_link_fails_the_bandwidth_sizes(tmp_path):
    shutil.copytree(DATA / "gate-shaped-link", tmp_path, dirs_exist_ok=True)
    code, text = real.run_gate(tmp_path, "shaped")
    assert code == 1, text
    doc = json.loads((tmp_path / "shaped.json").read_text())
    units = {u["band"]: u for u in doc["units"]}
    assert units["mid"]["verdict"] == "fail" and units["mid"]["effect_pct"] > 100
    assert units["latency"]["verdict"] != "fail"
    sizes = {s["size_bytes"]: s for s in doc["sizes"]}
    assert sizes[2 * 1024 * 1024]["effect_pct"] > 100
    assert not sizes[8]["size_fail"] and sizes[8]["effect_pct"] < sizes[256 * 1024]["effect_pct"] / 5
    assert "mid" in text or "64KiB-16MiB" in text


@pytest.mark.mpi
@pytest.mark.slow
@pytest.mark.skipif(WHY is not None, reason=f"no multi-host test bed: {WHY}")
def test_live_shaped_session_runs_on_the_test_bed(tmp_path):
    assert real.shaped_launches(3, tmp_path, "1gbit") == 3  # one look at 3 launches per arm
    code, text = real.run_gate(tmp_path, "shaped")
    assert code in (0, 3), text  # 3 v 3 can never reach p < 0.001
    doc = json.loads((tmp_path / "shaped.json").read_text())
    assert doc["launches"] == {"candidate": 3, "control": 3} and doc["exit_code"] == code
    assert {u["band"] for u in doc["units"]} == {"latency", "mid"}
    hosts = {h for arm in ("control", "candidate") for r in (tmp_path / arm).iterdir()
             for h in json.loads((r / "run.json").read_text())["hosts"]}
    assert hosts == {"h1", "h2"}  # the launches really ran on two hosts
