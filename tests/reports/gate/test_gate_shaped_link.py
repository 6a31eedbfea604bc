"""A really slower candidate: the same benchmark across two network-namespace hosts, with the
candidate's launches run while host h2's link is shaped by tc (1 Gbit/s token bucket).

The gate must fail the mid band (256 KiB, 2 MiB) and name it; the latency band's small messages
barely feel a token bucket and must not fail on their own sizes.
"""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
import gate_real_runs as real  # noqa: E402
import netns_testbed as nt  # noqa: E402

WHY = nt.can_create_namespaces()
pytestmark = [pytest.mark.mpi, pytest.mark.slow,
              pytest.mark.skipif(WHY is not None, reason=f"no multi-host test bed: {WHY}")]


def test_shaped_link_fails_the_bandwidth_sizes(tmp_path):
    assert real.shaped_launches(7, tmp_path, "1gbit") == 7  # max 7: one look
    code, text = real.run_gate(tmp_path, "shaped")
    assert code == 1, text
    doc = json.loads((tmp_path / "shaped.json").read_text())
    units = {u["band"]: u for u in doc["units"]}
    assert units["mid"]["verdict"] == "fail" and units["mid"]["effect_pct"] > 100
    sizes = {s["size_bytes"]: s for s in doc["sizes"]}
    assert sizes[2 * 1024 * 1024]["effect_pct"] > 100
    assert not sizes[8]["size_fail"] and sizes[8]["effect_pct"] < sizes[256 * 1024]["effect_pct"] / 5
    assert "mid" in text or "64KiB-16MiB" in text
