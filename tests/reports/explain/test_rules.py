"""Each cause's rule on real-shaped NCCL INFO lines: a positive case, and the healthy log of the same
family as its negative control.

The lines follow NCCL's and aws-ofi-nccl's own format strings (shared/docs/instances.md 3.4, copied
into docs/explain.md); host names, pids and counts are shaped like the public logs there.
"""

import pytest

from fabricbench.benchmarks.model.run import NcclInfo, RunRecord
from fabricbench.benchmarks.nccltests.ncclinfo import parse_info
from fabricbench.reports.explain import rules
from fabricbench.reports.explain.facts import gather
from fabricbench.reports.explain.knowledge import load

P = "ip-10-1-2-3:4021:4087 [0] NCCL INFO "
W = "ip-10-1-2-3:4021:4087 [0] NCCL WARN "

# p5.48xlarge, 2 nodes, EFA with GPUDirect RDMA, all 32 NICs, NVLS on: nothing to explain.
HEALTHY_EFA = [
    P + "NCCL version 2.23.4+cuda12.6",
    P + "NET/Plugin: Loaded net plugin Libfabric (v9)",
    P + "NET/OFI Initializing aws-ofi-nccl 1.13.2",
    P + "NET/OFI Using Libfabric version 1.22",
    P + "NET/OFI Selected provider is efa, fabric is efa (found 32 nics)",
    P + "NET/OFI Running on p5.48xlarge platform, topology file /opt/amazon/ofi-nccl/share/p5.48xl-topo.xml",
    P + "Using network Libfabric",
    P + "NVLS multicast support is available on dev 0 (NVLS_NCHANNELS 16)",
    P + "comm 0x55d1 rank 0 nRanks 16 nNodes 2 localRanks 8 localRank 0 MNNVL 0",
    P + "Pattern 4, crossNic 0, nChannels 16, bw 40.000000/40.000000, type NVL/PIX, sameChannels 1",
    P + "Channel 00/0 : 0[0] -> 8[0] [send] via NET/Libfabric/0/GDRDMA",
    P + "Channel 00/0 : 8[0] -> 0[0] [receive] via NET/Libfabric/0/GDRDMA",
    P + "Channel 00/1 : 0[0] -> 1[1] via P2P/CUMEM",
    P + "Connected all rings, use ring PXN 0 GDR 1",
    P + "32 coll channels, 32 collnet channels, 16 nvls channels, 32 p2p channels, 32 p2p channels per peer",
]
# Standard_ND96isr_H100_v5, 2 nodes, plain NCCL IB on 8 HCAs.
HEALTHY_IB = [
    P + "NCCL version 2.21.5+cuda12.4",
    P + "NET/Plugin : No plugin found (libnccl-net.so), using internal implementation",
    P + "NET/IB : Using [0]mlx5_ib0:1/IB [1]mlx5_ib1:1/IB [2]mlx5_ib2:1/IB [3]mlx5_ib3:1/IB [4]mlx5_ib4:1/IB "
        "[5]mlx5_ib5:1/IB [6]mlx5_ib6:1/IB [7]mlx5_ib7:1/IB [RO]; OOB eth0:10.0.0.4<0>",
    P + "Using network IB",
    P + "NVLS multicast support is available on dev 0",
    P + "comm 0x7f1c rank 0 nRanks 16 nNodes 2 localRanks 8 localRank 0 MNNVL 0",
    P + "Channel 00/0 : 0[0] -> 8[0] [send] via NET/IB/0/GDRDMA",
    P + "Connected all rings, use ring PXN 0 GDR 1",
    P + "32 coll channels, 0 collnet channels, 16 nvls channels, 32 p2p channels, 32 p2p channels per peer",
]
FAMILY = {"efa": (HEALTHY_EFA, "p5.48xlarge"), "ib": (HEALTHY_IB, "Standard_ND96isr_H100_v5")}


def facts(lines, instance_type, env=None, nnodes=2):
    info = parse_info(lines)
    rec = RunRecord(run_id="t", nnodes=nnodes, nranks=8 * nnodes, nccl_info=info, environment=env or {})
    rec.instance.instance_type = instance_type
    return gather(rec)


def fired(f) -> list[str]:
    return [cid for cid, rule in rules.RUN_RULES.items() if rule(f, None)]


def replace(lines, old, new):
    out = [line.replace(old, new) for line in lines]
    assert out != lines, old
    return out


# cause -> (family, how the healthy log is broken, environment)
CASES = {
    "socket_fallback": ("efa", lambda ls: [x for x in replace(ls, "Using network Libfabric", "Using network Socket")
                                           if "via NET/Libfabric" not in x]
                        + [P + "NET/Socket : Using [0]ens32:10.1.2.3<0>",
                           P + "Channel 00/0 : 0[0] -> 8[0] [send] via NET/Socket/0"], {}),
    "plugin_missing": ("efa", lambda ls: [x for x in ls if "Loaded net plugin" not in x and "NET/OFI" not in x]
                       + [P + "NET/Plugin : No plugin found (libnccl-net.so), using internal implementation"], {}),
    "gdr_off": ("efa", lambda ls: replace(replace(ls, "/GDRDMA", ""), "GDR 1", "GDR 0"), {}),
    "fewer_nics": ("efa", lambda ls: replace(ls, "(found 32 nics)", "(found 8 nics)"), {}),
    "efa_too_old": ("efa", lambda ls: ls + [W + "NET/OFI Unable to register memory (type = 2) for device 4. RC: -22, "
                                            "Error: Invalid argument"], {}),
    "p2p_shm_disabled": ("ib", lambda ls: ls + [P + "NCCL_P2P_DISABLE set by environment to 1",
                                                P + "Channel 00 : 0[0] -> 1[1] via SHM/direct/direct"], {}),
    "nvls_off": ("ib", lambda ls: replace(replace(ls, "support is available", "support is not available"),
                                          "16 nvls channels", "0 nvls channels"), {}),
    "algo_forced": ("efa", lambda ls: ls + [P + "NCCL_ALGO set by environment to Ring"], {}),
    "proto_forced": ("efa", lambda ls: ls, {"NCCL_PROTO": "simple"}),
    "few_channels": ("ib", lambda ls: ls + [P + "NCCL_MAX_NCHANNELS set by environment to 4"], {}),
    "topology_far": ("ib", lambda ls: ls + [P + "Pattern 4, crossNic 0, nChannels 8, bw 20.000000/20.000000, "
                                                "type NVL/SYS, sameChannels 1"], {}),
    "resource_limits": ("ib", lambda ls: ls + [W + "Call to ibv_reg_mr failed with error Cannot allocate memory"], {}),
}


@pytest.mark.parametrize("family", sorted(FAMILY))
def test_a_healthy_log_of_each_family_triggers_nothing(family):
    lines, itype = FAMILY[family]
    assert fired(facts(lines, itype)) == []


@pytest.mark.parametrize("cause", sorted(CASES))
def test_each_cause_fires_on_its_misconfiguration_and_names_its_evidence(cause):
    family, breaks, env = CASES[cause]
    lines, itype = FAMILY[family]
    f = facts(breaks(list(lines)), itype, env)
    assert fired(f)[:1] == [cause], fired(f)
    assert all(isinstance(e, str) and e for e in rules.RUN_RULES[cause](f, None))


def test_every_cause_has_a_rule_and_every_rule_a_cause():
    causes, _ = load()
    assert set(causes) == set(rules.RUN_RULES) | set(rules.RESULT_RULES)
    # each cause is tested here, in test_explain.py (latency) or tests/benchmarks/preflight/test_counters.py
    assert set(CASES) | {"latency_bound", "nic_unused", "nic_errors"} == set(causes)


def test_no_info_lines_no_verdict_from_them():
    f = facts([], "p5.48xlarge")
    assert f.nccl == NcclInfo(path=f.nccl.path) and fired(f) == []


def test_a_plugin_is_not_missing_where_the_fabric_needs_none():
    """'No plugin found' is every plain-IB system's normal line (HEALTHY_IB has it)."""
    assert "plugin_missing" not in fired(facts(HEALTHY_IB, "Standard_ND96isr_H100_v5"))


def test_nvls_off_is_not_a_cause_without_nvswitch():
    lines = replace(HEALTHY_IB, "support is available", "support is not available")
    assert "nvls_off" not in fired(facts(lines, "p4d.24xlarge"))  # A100: no NVLS exists
    assert "nvls_off" in fired(facts(lines, "Standard_ND96isr_H100_v5"))


def test_the_ib_hca_list_counts():
    lines = replace(HEALTHY_IB, "[4]mlx5_ib4:1/IB [5]mlx5_ib5:1/IB [6]mlx5_ib6:1/IB [7]mlx5_ib7:1/IB ", "")
    f = facts(lines, "Standard_ND96isr_H100_v5", {"NCCL_IB_HCA": "mlx5_ib0,mlx5_ib1,mlx5_ib2,mlx5_ib3"})
    assert f.nccl.ib_device_count == 4
    assert rules.fewer_nics(f, None) == ["NCCL used 4 HCA(s) in 'NET/IB : Using'; Standard_ND96isr_H100_v5 has 8",
                                         "NCCL_IB_HCA=mlx5_ib0,mlx5_ib1,mlx5_ib2,mlx5_ib3 limits NCCL to the devices "
                                         "listed"]
    assert rules.fewer_nics(facts(HEALTHY_IB, "Standard_ND96isr_H100_v5", {"NCCL_IB_HCA": "^mlx5_an0"}), None) == []


def test_gdr_off_without_a_catalog_row():
    """On-prem machines have no catalog row: GDR lines of the log itself decide."""
    disabled = HEALTHY_IB + [P + "NET/IB : GPU Direct RDMA Disabled for HCA 0 'mlx5_ib0'",
                             P + "NET/IB : GPU Direct RDMA Disabled for HCA 0 'mlx5_ib0'"]
    f = facts(disabled, None)
    assert f.nccl.gdr_disabled_hcas == ["mlx5_ib0"]
    assert rules.gdr_off(f, None) == ["'GPU Direct RDMA Disabled for HCA' on mlx5_ib0"]
    mixed = HEALTHY_IB + [P + "Channel 01/0 : 9[1b000] -> 1[1b000] [receive] via NET/IB/1"]
    assert rules.gdr_off(facts(mixed, None), None) == [
        "1 of 2 network channel connections without /GDRDMA, the others with it"]
    assert rules.gdr_off(facts(HEALTHY_IB, None), None) == []


def test_a_nic_beyond_the_gpus_pci_switch_is_topology_not_a_missing_module():
    """NVIDIA/nccl#1151's line: GDR is off because of the distance, so the topology is the cause."""
    far = HEALTHY_IB + [P + "GPU Direct RDMA Disabled for GPU b1000 / HCA 0 (distance 7 > 4)",
                        P + "Channel 01/0 : 9[b1000] -> 1[b1000] [receive] via NET/IB/1"]
    f = facts(far, None)
    assert f.nccl.gdr_far == ["GPU b1000 / HCA 0 (distance 7 > 4)"]
    assert fired(f)[:1] == ["topology_far"] and "not on the GPU's PCI switch" in rules.topology_far(f, None)[0]
    # the user set the level: their choice, not the machine's shape
    assert rules.topology_far(facts(far, None, {"NCCL_NET_GDR_LEVEL": "PIX"}), None) == []


def test_warnings_keep_where_nccl_raised_them_and_libfabric_warnings_count():
    info = parse_info(["h:1:2 [0] transport/nvls.cc:165 NCCL WARN Cuda failure 'invalid argument'",
                       "libfabric:51873:1718011342::efa:mr:efa_mr_hmem_setup():254<warn> unable to set memops for "
                       "cuda ptr", "libfabric:51873:1718011342::core:core:ofi_init():1 <info> not a warning"])
    assert info.warnings == ["transport/nvls.cc:165 Cuda failure 'invalid argument'",
                             "libfabric efa:mr:efa_mr_hmem_setup():254 unable to set memops for cuda ptr"]
    assert info.lines == 2


@pytest.mark.parametrize("cause, added, itype", [
    ("nvls_off", [W.replace("NCCL WARN", "transport/nvls.cc:244 NCCL WARN") + "Cuda failure 1 'invalid argument'"],
     None),
    ("efa_too_old", ["libfabric:51873:1718011342::efa:mr:efa_mr_hmem_setup():254<warn> unable to set memops for "
                     "cuda ptr"], "p5.48xlarge"),
    ("efa_too_old", [P + "NET/OFI Running on p5.48xlarge platform, Setting NCCL_TOPO_FILE environment variable to "
                         "/opt/amazon/efa/share/aws-ofi-nccl/xml/p5.48xl-topo.xml",
                     W.replace("NCCL WARN", "graph/xml.h:101 NCCL WARN") + "Attribute arch of node cpu not found"],
     "p5.48xlarge"),
    ("nic_errors", [W + "NET/IB : Got async event : port error"] * 3, "Standard_ND96isr_H100_v5"),
    ("socket_fallback", [P + "NCCL_IB_DISABLE set by environment to 1.", P + "NET/Socket : Using [0]eno1:10.5.0.1<0>",
                         P + "Using network Socket"], None),
])
def test_each_cause_read_from_the_log_lines_of_its_public_cases(cause, added, itype):
    base = HEALTHY_EFA if itype == "p5.48xlarge" else HEALTHY_IB
    base = [x for x in base if "Using network" not in x] if cause == "socket_fallback" else base
    f = facts(base + added, itype)
    assert fired(f)[:1] == [cause], fired(f)


def test_the_plugins_topology_file_alone_is_no_cause():
    """Negative control for aws-ofi-nccl#785: setting the file is normal; only its failure to load is a cause."""
    line = (P + "NET/OFI Running on p5.48xlarge platform, Setting NCCL_TOPO_FILE environment variable to "
            "/opt/amazon/efa/share/aws-ofi-nccl/xml/p5.48xl-topo.xml")
    f = facts(HEALTHY_EFA + [line], "p5.48xlarge")
    assert f.nccl.topo_file.endswith("p5.48xl-topo.xml") and fired(f) == []


def test_a_failure_that_stops_nccl_comes_before_a_setting_that_slows_it():
    """nccl-tests#206: SHM disabled on purpose to test IB on one node; the memlock limit is what failed."""
    f = facts(HEALTHY_IB + [P + "NCCL_SHM_DISABLE set by environment to 1.",
                            W + "Call to ibv_reg_mr_iova2 failed with error Cannot allocate memory"], None, nnodes=1)
    from fabricbench.reports.explain.explain import run_causes

    assert [c for c, _ in run_causes(f)][:2] == ["resource_limits", "p2p_shm_disabled"]  # configs/explain order
