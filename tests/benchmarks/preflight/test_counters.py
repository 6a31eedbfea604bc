"""RDMA port counters around a run, on fake sysfs trees shaped like real devices.

Shapes: an EFA device (rdmap<bus>s<slot>, driver counters in ports/1/hw_counters, as the efa kernel
driver names them) and a Mellanox IB HCA (mlx5_N, the standard PortCounters in ports/1/counters, data
in 4-byte words, plus mlx5's hw_counters); shared/docs/instances.md 2.1 for the device names.
"""

import json
from pathlib import Path

import pytest

from fabricbench.benchmarks.model.run import NcclInfo, RunRecord
from fabricbench.benchmarks.preflight import counters
from fabricbench.benchmarks.preflight.run import summarise
from fabricbench.reports.explain import rules
from fabricbench.reports.explain.facts import gather
from tests.helpers import base_env, only_run, run_mpi

EFA = {"hw_counters": {"tx_bytes": 0, "rx_bytes": 0, "tx_pkts": 0, "rx_pkts": 0, "rx_drops": 0, "send_bytes": 0,
                       "recv_bytes": 0, "rdma_read_bytes": 0, "rdma_write_bytes": 0, "retrans_pkts": 0,
                       "retrans_timeout_events": 0, "unresponsive_remote_events": 0, "lifespan": 12}}
IB = {"counters": {"port_xmit_data": 0, "port_rcv_data": 0, "port_xmit_packets": 0, "port_rcv_packets": 0,
                   "symbol_error": 0, "link_downed": 0, "port_rcv_errors": 0, "port_xmit_discards": 0},
      "hw_counters": {"out_of_sequence": 0, "local_ack_timeout_err": 0}}


def tree(base: Path, devices: dict[str, dict]) -> Path:
    for dev, kinds in devices.items():
        for kind, values in kinds.items():
            folder = base / dev / "ports" / "1" / kind
            folder.mkdir(parents=True, exist_ok=True)
            for name, value in values.items():
                (folder / name).write_text(f"{value}\n")
        (base / dev / "node_guid").write_text("0000:0000:0000:0001\n")
    return base


def bump(base: Path, dev: str, kind: str, **values: int) -> None:
    for name, value in values.items():
        f = base / dev / "ports" / "1" / kind / name
        f.write_text(f"{int(f.read_text()) + value}\n")


def test_a_snapshot_reads_every_port_counter_and_skips_what_is_not_a_number(tmp_path):
    base = tree(tmp_path, {"rdmap16s27": EFA, "mlx5_0": IB})
    (base / "rdmap16s27" / "ports" / "1" / "hw_counters" / "name").write_text("efa-counters\n")
    snap = counters.snapshot(base)
    assert set(snap) == {"rdmap16s27:1", "mlx5_0:1"}
    assert snap["rdmap16s27:1"]["lifespan"] == 12 and "name" not in snap["rdmap16s27:1"]
    assert snap["mlx5_0:1"]["out_of_sequence"] == 0 and len(snap["mlx5_0:1"]) == 10
    assert counters.snapshot(tmp_path / "absent") == {}


def test_deltas_count_bytes_in_each_counters_unit_and_name_the_errors(tmp_path):
    base = tree(tmp_path, {"rdmap16s27": EFA, "mlx5_0": IB})
    before = counters.snapshot(base)
    bump(base, "rdmap16s27", "hw_counters", tx_bytes=1000, rx_bytes=500, retrans_pkts=3)
    bump(base, "mlx5_0", "counters", port_xmit_data=250, symbol_error=2)  # 250 words = 1000 bytes
    d = counters.delta(before, counters.snapshot(base))
    assert d["rdmap16s27:1"] == {"tx_bytes": 1000, "rx_bytes": 500, "retrans_pkts": 3}
    assert counters.moved_bytes(d["rdmap16s27:1"]) == 1500 and counters.moved_bytes(d["mlx5_0:1"]) == 1000
    assert counters.errors(d["mlx5_0:1"]) == {"symbol_error": 2} and counters.errors(d["rdmap16s27:1"]) == {
        "retrans_pkts": 3}


def run_with(per_host: dict) -> list[str]:
    rec = RunRecord(run_id="t", nnodes=len(per_host), nranks=8 * len(per_host), nccl_info=NcclInfo(),
                    fabric_counters=per_host)
    f = gather(rec)
    return [c for c in ("nic_unused", "nic_errors") if rules.RUN_RULES[c](f, None)]


def deltas(tmp_path, name, **moves):
    base = tree(tmp_path / name, {"rdmap16s27": EFA, "rdmap32s27": EFA})
    before = counters.snapshot(base)
    for dev, values in moves.items():
        bump(base, dev, "hw_counters", **values)
    return counters.delta(before, counters.snapshot(base))


def test_a_nic_that_moved_nothing_and_errors_that_grew_are_named_with_their_host(tmp_path):
    busy = {"tx_bytes": 8 << 30, "rx_bytes": 8 << 30}
    healthy = {"h1": deltas(tmp_path, "a", rdmap16s27=busy, rdmap32s27=busy),
               "h2": deltas(tmp_path, "b", rdmap16s27=busy, rdmap32s27=busy)}
    assert run_with(healthy) == []  # the negative control
    idle = dict(healthy, h2=deltas(tmp_path, "c", rdmap16s27=busy))
    f = gather(RunRecord(run_id="t", nnodes=2, fabric_counters=idle))
    assert rules.nic_unused(f, None) == ["h2: rdmap32s27:1 moved no bytes (the busiest NIC moved 17.2 GB)"]
    errs = dict(healthy, h1=deltas(tmp_path, "d", rdmap16s27={**busy, "retrans_pkts": 40,
                                                               "unresponsive_remote_events": 1}, rdmap32s27=busy))
    f = gather(RunRecord(run_id="t", nnodes=2, fabric_counters=errs))
    assert rules.nic_errors(f, None) == ["h1: rdmap16s27:1: retrans_pkts +40, unresponsive_remote_events +1"]


def facts(host, **extra):
    return {"host": host, "instance": {"instance_type": None}, "gpus": {"count": 8, "model": "NVIDIA H100 80GB HBM3",
            "driver": "550.90.07", "cuda": "12.4", "nccl": "2.21.5"}, "rdma_counts": {"efa": 32},
            "aws_ofi_nccl": "/opt/amazon/ofi-nccl/lib/x86_64-linux-gnu/libnccl-net.so", "efa_installer": "1.34.0",
            "libfabric": "1.22.0", "env": {"NCCL_SOCKET_IFNAME": "^lo,docker"}, **extra}


def test_preflight_names_the_host_whose_versions_or_settings_differ():
    hosts = [facts("h1"), facts("h2"), facts("h3", gpus={**facts("h3")["gpus"], "driver": "535.161.08"},
                                            env={"NCCL_SOCKET_IFNAME": "^lo,docker", "NCCL_P2P_DISABLE": "1"})]
    found = [f.message for f in summarise(hosts, "cuda", None, 3).findings]
    assert "NVIDIA driver differs across hosts: h3 '535.161.08' (the others: '550.90.07')" in found
    assert "NCCL_P2P_DISABLE differs across hosts: h3 '1' (the others: unset)" in found
    assert not any("differs" in m for m in (f.message for f in summarise([facts("h1"), facts("h2")], "cuda", None,
                                                                          2).findings))


def test_preflight_warns_about_nic_error_counters():
    found = summarise([facts("h1", nic_errors={"mlx5_3:1": {"symbol_error": 17}})], "cuda", None, 1).findings
    assert [f.message for f in found if "error counters" in f.message] == [
        "h1: mlx5_3:1 error counters non-zero: symbol_error 17"]


@pytest.mark.mpi
def test_a_run_records_each_hosts_nic_counters(tmp_path):
    base = tree(tmp_path / "sys", {"rdmap16s27": EFA, "mlx5_0": IB})
    env = base_env(FABRICBENCH_SYSFS_INFINIBAND=str(base))
    proc = run_mpi(2, "run", "--backend", "mpi", "-b", "4K", "-e", "4K", "-n", "3", "-w", "1", "--out",
                   str(tmp_path / "out"), env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    meta = json.loads((only_run(tmp_path / "out") / "run.json").read_text())
    [(host, nics)] = meta["fabric_counters"].items()
    assert host in meta["hosts"] and set(nics) == {"rdmap16s27:1", "mlx5_0:1"}  # nothing moved on a fake tree
    assert all(v == {} for v in nics.values())
