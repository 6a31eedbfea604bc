"""`ab`: a real paired session, launches interleaved ABBA, gated at each look."""

from __future__ import annotations

import json
import shlex
import sys

import pytest

from fabricbench.reports.gate.session import abba
from tests.datasets import DATA
from tests.helpers import MPI_FLAVOUR, ROOT, launch_cmd, run_cli

pytestmark = pytest.mark.mpi
SESSION = DATA / "gate-session-tcp"
# Shared memory off: MPICH over UCX TCP loopback, Open MPI over its TCP BTL. A real transport
# fallback, the kind of stack regression the gate exists for (~4x at 8 B, +20-40 % at 1 MiB here).
TCP_FALLBACK = "OMPI_MCA_btl=self,tcp " if MPI_FLAVOUR == "openmpi" else "MPIR_CVAR_NOLOCAL=1 UCX_TLS=tcp,self "


def bench(sizes: str) -> str:
    cmd = launch_cmd(2, "run", "--backend", "mpi", "--collectives", "all_reduce", "--sizes", sizes, "-n", "40",
                     "-w", "5", "--out", "OUT")
    return " ".join(shlex.quote(c) for c in cmd).replace("OUT", "{out}")


def test_abba_order():
    assert abba(0, 8) == ["control", "candidate", "candidate", "control"] * 2
    assert abba(14, 4) == ["candidate", "control", "control", "candidate"]


def test_session_catches_a_transport_fallback(tmp_path):
    """A recorded real session (tests/data/gate-session-tcp) replayed through `ab`: the same verdict
    every time, whatever the machine is doing."""
    replay = f"{shlex.quote(sys.executable)} {ROOT / 'tests/support/replay_launch.py'}"
    proc = run_cli("ab", "--out", str(tmp_path / "s"), "--control", f"{replay} {SESSION / 'control'} {{out}}",
                   "--candidate", f"{replay} {SESSION / 'candidate'} {{out}}", "--max-launches", "7",
                   "--json", str(tmp_path / "g.json"), "--junit", str(tmp_path / "g.xml"), timeout=600)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    doc = json.loads((tmp_path / "g.json").read_text())
    assert doc["launches"] == {"candidate": 7, "control": 7}
    (unit,) = doc["units"]
    assert unit["verdict"] == "fail" and unit["effect_pct"] > 1000 and unit["p"] < 0.001
    assert "look at 7 launches per arm: fail" in proc.stdout


def test_a_live_fallback_session_runs_its_launches_and_decides_consistently(tmp_path):
    """The same session with real launches now: only what load cannot change is asserted (under a CPU
    hog, busy-polling shared memory can lose more than the TCP fallback does, so not even the sign)."""
    b = bench("8,512,64K")
    proc = run_cli("ab", "--out", str(tmp_path / "s"), "--control", b, "--candidate", TCP_FALLBACK + b,
                   "--initial", "3", "--max-launches", "3", "--json", str(tmp_path / "g.json"), timeout=600)
    assert proc.returncode in (0, 3), proc.stdout[-3000:] + proc.stderr[-2000:]  # 3 v 3: p >= 0.05, never FAIL
    doc = json.loads((tmp_path / "g.json").read_text())
    assert doc["launches"] == {"candidate": 3, "control": 3} and doc["exit_code"] == proc.returncode
    assert {u["verdict"] for u in doc["units"]} <= {"pass", "inconclusive"}
    assert doc["verdict"] == ("inconclusive" if proc.returncode == 3 else "pass")


def test_sequential_looks_add_launches_in_abba_order(tmp_path):
    b = bench("8,64K")
    out = tmp_path / "s"
    proc = run_cli("ab", "--out", str(out), "--control", b, "--candidate", b, "--initial", "3", "--step", "2",
                   "--max-launches", "5", timeout=600)
    assert proc.returncode in (0, 3), proc.stdout[-3000:] + proc.stderr[-2000:]
    runs = [p for arm in ("control", "candidate") for p in (out / arm).iterdir() if (p / "run.json").is_file()]
    n = len(runs) // 2
    assert n in (3, 5) and len(runs) == 2 * n
    # The order the session launched them in, as it printed it ("[i] arm: command"); run ids have
    # one-second resolution, so two short launches can share a second and cannot order them.
    order = [line.split("] ", 1)[1].split(":", 1)[0] for line in proc.stdout.splitlines() if line.startswith("[")]
    assert order == abba(0, 2 * n)
    assert proc.stdout.count("look at") == (1 if n == 3 else 2)


def test_commands_without_out_placeholder_are_refused():
    proc = run_cli("ab", "--out", "/tmp/x", "--control", "true", "--candidate", "true {out}")
    assert proc.returncode == 2 and "--control: the command must contain {out}" in proc.stderr


if sys.platform != "linux":  # pragma: no cover
    pytest.skip("needs Linux", allow_module_level=True)
