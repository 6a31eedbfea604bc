"""Ten misconfigurations injected into a healthy p5.48xlarge run, each on the input a real run would have:
NCCL INFO/WARN lines (test_rules.py's healthy EFA log, in NCCL's format strings) and RDMA port counters
read from a fake sysfs tree shaped like EFA devices (tests/benchmarks/preflight/test_counters.py), through
the same code a run uses (parse_info, counters.snapshot/delta, gather, explain_run). Each is caught and
named first; a shortfall with nothing injected is "unexplained", never a silent pass (issue #15).
"""

from pathlib import Path

import pandas as pd
import pytest

from fabricbench.benchmarks.model import counters as model_counters
from fabricbench.benchmarks.model.run import RunRecord
from fabricbench.benchmarks.nccltests.ncclinfo import parse_info
from fabricbench.benchmarks.preflight import counters
from fabricbench.reports.explain.explain import explain_run
from fabricbench.reports.explain.facts import gather
from tests.benchmarks.preflight.test_counters import EFA, bump, tree
from tests.reports.explain.test_rules import HEALTHY_EFA, P, W, replace

HOSTS = ("ip-10-1-2-3", "ip-10-1-2-4")
NICS = ("rdmap79s0", "rdmap80s0", "rdmap81s0", "rdmap82s0")  # four of a p5's EFA devices are enough here
GIB = 1 << 30


def traffic(base: Path, skip: str = "") -> None:
    for nic in NICS:
        if nic != skip:
            bump(base, nic, "hw_counters", tx_bytes=8 * GIB, rx_bytes=8 * GIB, rdma_write_bytes=8 * GIB)


def fault_nic_unused(base: Path) -> None:
    traffic(base, skip="rdmap81s0")


def fault_nic_errors(base: Path) -> None:
    traffic(base)
    bump(base, "rdmap80s0", "hw_counters", retrans_pkts=4100, unresponsive_remote_events=3)


# cause -> (lines edit, run environment, counters edit on the second host)
INJECTIONS = {
    "socket_fallback": (lambda ls: [x for x in replace(ls, "Using network Libfabric", "Using network Socket")
                                    if "NET/Libfabric" not in x] + [P + "Channel 00/0 : 0[0] -> 8[0] [send] via "
                                                                        "NET/Socket/0"], {}, traffic),
    "plugin_missing": (lambda ls: [x for x in ls if "NET/OFI" not in x and "Loaded net plugin" not in x]
                       + [W + "NET/OFI Couldn't find any optimal provider"], {}, traffic),
    "gdr_off": (lambda ls: replace(replace(ls, "/GDRDMA", ""), "GDR 1", "GDR 0"), {}, traffic),
    "fewer_nics": (lambda ls: replace(ls, "(found 32 nics)", "(found 16 nics)"), {}, traffic),
    "efa_too_old": (lambda ls: ls + [W + "NET/OFI Unable to register memory (type = 2) for device 0. RC: -22, "
                                         "Error: Invalid argument"], {}, traffic),
    "nvls_off": (lambda ls: replace(ls, "16 nvls channels", "0 nvls channels"), {"NCCL_NVLS_ENABLE": "0"}, traffic),
    "algo_forced": (lambda ls: ls, {"NCCL_ALGO": "Tree"}, traffic),
    "few_channels": (lambda ls: ls + [P + "NCCL_MAX_NCHANNELS set by environment to 2"], {}, traffic),
    "nic_unused": (lambda ls: ls, {}, fault_nic_unused),
    "nic_errors": (lambda ls: ls, {}, fault_nic_errors),
}


def run_record(tmp_path: Path, lines: list[str], env: dict, second_host) -> RunRecord:
    deltas = {}
    for host in HOSTS:
        base = tree(tmp_path / host, {nic: EFA for nic in NICS})
        before = counters.snapshot(base)
        (second_host if host == HOSTS[1] else traffic)(base)
        deltas[host] = model_counters.delta(before, counters.snapshot(base))
    rec = RunRecord(run_id="injected", nnodes=2, nranks=16, nccl_info=parse_info(lines), environment=env,
                    fabric_counters=deltas)
    rec.instance.instance_type = "p5.48xlarge"
    return rec


def headline(busbw: float) -> pd.DataFrame:
    """One all_reduce result at 1 GiB on 2 nodes; the peak as the model gives it for p5.48xlarge (docs/peaks.md)."""
    return pd.DataFrame([{"collective": "all_reduce", "backend": "nccl", "size_bytes": GIB, "busbw_gbps": busbw,
                          "nnodes": 2, "nranks": 16, "peak_busbw_gbps": 400.0,
                          "peak_basis": "EFA 3200 Gbit/s / 8 per node"}])


@pytest.mark.parametrize("cause", sorted(INJECTIONS))
def test_an_injected_misconfiguration_is_caught_and_named_first(tmp_path, cause):
    edit, env, second_host = INJECTIONS[cause]
    rec = run_record(tmp_path, edit(list(HEALTHY_EFA)), env, second_host)
    found = explain_run(gather(rec), headline(150.0))
    [result] = found["results"]
    assert result["verdict"] == "below"
    assert [c["cause"] for c in result["causes"]][:1] == [cause], result["causes"]
    assert result["causes"][0]["evidence"] and result["causes"][0]["check"]
    assert found["causes"][0]["cause"] == cause


def test_ten_injections_of_ten_distinct_causes():
    assert len(INJECTIONS) == 10


def test_the_healthy_run_is_within_and_a_shortfall_without_a_cause_is_unexplained(tmp_path):
    rec = run_record(tmp_path, list(HEALTHY_EFA), {}, traffic)
    healthy = explain_run(gather(rec), headline(380.0))
    assert healthy["results"][0]["verdict"] == "within" and healthy["causes"] == []
    short = explain_run(gather(rec), headline(150.0))
    assert [c["cause"] for c in short["results"][0]["causes"]] == ["unexplained"]
    assert short["causes"][0]["cause"] == "unexplained"
