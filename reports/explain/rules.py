"""One small rule per cause of configs/explain/rules.yaml, over the facts of a run (facts.py).

A rule returns the evidence it rests on (lines or values, in words), or an empty list when it does
not apply. Run rules look at how the run was set up; result rules also at one headline result.
Rules never guess from a missing fact: no INFO lines, no verdict from them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Optional

from fabricbench.benchmarks.model import counters
from fabricbench.benchmarks.model.enums import NcclPath
from fabricbench.reports.explain.facts import Facts

Result = dict[str, Any]
Rule = Callable[[Facts, Optional[Result]], list[str]]
RUN_RULES: dict[str, Rule] = {}
RESULT_RULES: dict[str, Rule] = {}


def run_rule(cause: str) -> Callable[[Rule], Rule]:
    def add(fn: Rule) -> Rule:
        RUN_RULES[cause] = fn
        return fn
    return add


def result_rule(cause: str) -> Callable[[Rule], Rule]:
    def add(fn: Rule) -> Rule:
        RESULT_RULES[cause] = fn
        return fn
    return add


def _on(value: Optional[str]) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _version(text: Optional[str]) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", text or "")[:3])


def _lines(facts: Facts, *needles: str) -> list[str]:
    return [w for w in facts.warnings if any(n.lower() in w.lower() for n in needles)]


@run_rule("socket_fallback")
def socket_fallback(f: Facts, _: Optional[Result]) -> list[str]:
    sockets = sum(n for k, n in f.nccl.transports.items() if k.lower() == "net/socket")
    if f.nccl.path != NcclPath.SOCKET and not sockets:
        return []
    ev = []
    if _on(f.env.get("NCCL_IB_DISABLE")):
        ev.append(f"NCCL_IB_DISABLE={f.env['NCCL_IB_DISABLE']} turns InfiniBand/RoCE off")
    if f.nccl.network and "socket" in f.nccl.network.lower():
        ev.append(f"NCCL chose 'Using network {f.nccl.network}'")
    if sockets:
        ev.append(f"{sockets} channel connection(s) via NET/Socket")
    network = (f.catalog or {}).get("internode_network")
    if network:
        ev.append(f"{f.instance_type} has {network}")
    return ev


@run_rule("plugin_missing")
def plugin_missing(f: Facts, _: Optional[Result]) -> list[str]:
    failed = _lines(f, "libnccl-net", "Failed to load net plugin", "output empty list",
                    "Couldn't find any optimal provider", "OFI NCCL failure")
    needs_plugin = any(k in (f.catalog or {}).get("internode_network", "") for k in ("EFA", "TCPX", "aws-ofi-nccl"))
    if not failed and not (f.nccl.net_plugin_missing and (needs_plugin or f.nccl.path == NcclPath.SOCKET)):
        return []
    ev = ["NET/Plugin: no plugin found"] if f.nccl.net_plugin_missing else []
    return ev + [f"NCCL WARN {w}" for w in failed[:3]]


@run_rule("gdr_off")
def gdr_off(f: Facts, _: Optional[Result]) -> list[str]:
    if not f.inter_node and not f.nccl.net_channels_no_gdr:
        return []
    ev = [f"NCCL WARN {w}" for w in _lines(f, "GDR disabled", "GDR is not", "peermem")]
    level = f.env.get("NCCL_NET_GDR_LEVEL", "").upper()
    if level in ("0", "LOC"):
        ev.append(f"NCCL_NET_GDR_LEVEL={f.env['NCCL_NET_GDR_LEVEL']} turns GPUDirect RDMA off")
    if f.nccl.gdr_disabled_hcas:
        ev.append(f"'GPU Direct RDMA Disabled for HCA' on {', '.join(f.nccl.gdr_disabled_hcas)}")
    gdr, no_gdr = f.nccl.net_channels_gdr or 0, f.nccl.net_channels_no_gdr or 0
    if f.nccl.gdr_far:
        pass  # NCCL left GDR off for distance: the topology is the cause (topology_far), not a missing module
    elif gdr and no_gdr:  # it works elsewhere in this job: a node or NIC without it (peermem not loaded there)
        ev.append(f"{no_gdr} of {gdr + no_gdr} network channel connections without /GDRDMA, the others with it")
    elif no_gdr and f.catalog is None and f.nccl.path == NcclPath.IB:
        ev.append(f"{no_gdr} InfiniBand channel connection(s), none via /GDRDMA")
    if f.gdr_capable():
        if f.nccl.rings_gdr == 0:
            ev.append("'Connected all rings, use ring PXN .. GDR 0'")
        if no_gdr and not gdr:
            ev.append(f"{no_gdr} network channel connection(s), none via /GDRDMA")
        if ev:
            ev.append(f"{f.instance_type} supports GPUDirect RDMA")
    return ev


@run_rule("fewer_nics")
def fewer_nics(f: Facts, _: Optional[Result]) -> list[str]:
    if not f.inter_node:
        return []
    ev = []
    expected = f.expected_nics()
    found = f.nccl.nics if f.nccl.nics is not None else f.nccl.ib_device_count
    if expected and found is not None and found < expected:
        what = f"'found {found} nics'" if f.nccl.nics is not None else f"{found} HCA(s) in 'NET/IB : Using'"
        ev.append(f"NCCL used {what}; {f.instance_type} has {expected}")
    for var in ("NCCL_IB_HCA", "FI_EFA_IFACE"):
        value = f.env.get(var, "")
        if value and not value.startswith("^") and (ev or value.count(",") + 1 < (expected or 2)):
            ev.append(f"{var}={value} limits NCCL to the devices listed")
    return ev


@run_rule("efa_too_old")
def efa_too_old(f: Facts, _: Optional[Result]) -> list[str]:
    ev = [f"NCCL WARN {w}" for w in _lines(f, "Unable to register memory", "unable to set memops")][:3]
    if f.nccl.topo_file and "aws-ofi-nccl" in f.nccl.topo_file and (bad := _lines(f, "graph/xml", "graph/topo")):
        ev.append(f"the plugin's static topology file {f.nccl.topo_file} does not load ('{bad[0]}'): "
                  "aws-ofi-nccl 1.11 and newer generate it for the devices NCCL sees")
    lf, ofi, nccl = _version(f.nccl.libfabric), _version(f.nccl.aws_ofi_nccl), _version(f.nccl.nccl)
    if lf and lf < (1, 18) and ofi >= (1, 7):
        ev.append(f"libfabric {f.nccl.libfabric} with aws-ofi-nccl {f.nccl.aws_ofi_nccl} (1.18 or newer expected)")
    if ev and nccl:
        ev.append(f"NCCL {f.nccl.nccl}")
    return ev


@run_rule("p2p_shm_disabled")
def p2p_shm_disabled(f: Facts, _: Optional[Result]) -> list[str]:
    ev = [f"{v}={f.env[v]}" for v in ("NCCL_P2P_DISABLE", "NCCL_SHM_DISABLE") if _on(f.env.get(v))]
    if f.env.get("NCCL_P2P_LEVEL", "").upper() in ("0", "LOC"):
        ev.append(f"NCCL_P2P_LEVEL={f.env['NCCL_P2P_LEVEL']}")
    shm = sum(n for k, n in f.nccl.transports.items() if k.upper() == "SHM")
    if shm and "NVLink" in (f.catalog or {}).get("intra_node_fabric", ""):
        ev.append(f"{shm} channel connection(s) via SHM (host memory) on an NVLink system")
    return ev


@run_rule("nvls_off")
def nvls_off(f: Facts, _: Optional[Result]) -> list[str]:
    failed = [f"NCCL WARN {w}" for w in f.warnings  # NVLS tried and broke: an NVSwitch system
              if "(NVLS) Multicast" in w or ("nvls.cc" in w and "Cuda failure" in w)]
    if f.catalog is not None and not f.nvswitch() and not failed:
        return []
    ev = failed[:2]
    if f.env.get("NCCL_NVLS_ENABLE", "").strip() == "0":
        ev.append("NCCL_NVLS_ENABLE=0")
    if f.nvswitch():
        if f.nccl.nvls_available is False:
            ev.append("'NVLS multicast support is not available'")
        if f.nccl.nvls_channels == 0:
            ev.append("'0 nvls channels'")
        if ev:
            ev.append(f"{f.instance_type} has NVSwitch ({(f.catalog or {}).get('accelerator_model', '')})")
    return ev


@run_rule("algo_forced")
def algo_forced(f: Facts, _: Optional[Result]) -> list[str]:
    return [f"NCCL_ALGO={f.env['NCCL_ALGO']}"] if f.env.get("NCCL_ALGO") else []


@run_rule("proto_forced")
def proto_forced(f: Facts, _: Optional[Result]) -> list[str]:
    return [f"NCCL_PROTO={f.env['NCCL_PROTO']}"] if f.env.get("NCCL_PROTO") else []


@run_rule("few_channels")
def few_channels(f: Facts, _: Optional[Result]) -> list[str]:
    need = max(8, 2 * (f.expected_nics() or 0))  # p4d guidance: 8 channels for 4 NICs, two a NIC
    ev = []
    for var in ("NCCL_MAX_NCHANNELS", "NCCL_MAX_CTAS"):
        value = f.env.get(var, "")
        if value.isdecimal() and int(value) < need:
            ev.append(f"{var}={value} (fewer than {need})")
    return ev


@run_rule("topology_far")
def topology_far(f: Facts, _: Optional[Result]) -> list[str]:
    far = [p for p in f.nccl.graph_paths if p.split("/")[-1] in ("SYS", "PHB")]
    ev = [f"graph search path type {', '.join(far)}: the GPU-NIC path crosses the CPU"] if far and f.inter_node else []
    if f.nccl.gdr_far and "NCCL_NET_GDR_LEVEL" not in f.env:  # the default level allows PCI switches only
        ev.append(f"'GPU Direct RDMA Disabled for {f.nccl.gdr_far[0]}'"
                  + (f" and {len(f.nccl.gdr_far) - 1} more" if len(f.nccl.gdr_far) > 1 else "")
                  + ": the NIC is not on the GPU's PCI switch, so traffic goes through the CPU")
    return ev


@run_rule("resource_limits")
def resource_limits(f: Facts, _: Optional[Result]) -> list[str]:
    return [f"NCCL WARN {w}" for w in _lines(f, "ibv_reg_mr", "memlock", "/dev/shm", "Cannot allocate memory",
                                             "No space left", "shm_open", "posix_fallocate")][:3]


@run_rule("nic_unused")
def nic_unused(f: Facts, _: Optional[Result]) -> list[str]:
    if not f.inter_node or not f.counters:
        return []
    moved = {(h, nic): counters.moved_bytes(c) for h, nics in f.counters.items() for nic, c in nics.items()
             if not nic.startswith("mlx5_an")}  # Azure's Ethernet VF carries no NCCL traffic
    busiest = max(moved.values(), default=0)
    if busiest == 0:
        return []
    return [f"{h}: {nic} moved no bytes (the busiest NIC moved {busiest / 1e9:.3g} GB)"
            for (h, nic), b in sorted(moved.items()) if b == 0]


@run_rule("nic_errors")
def nic_errors(f: Facts, _: Optional[Result]) -> list[str]:
    grew = [f"{h}: {nic}: " + ", ".join(f"{k} +{v}" for k, v in sorted(errs.items()))
            for h, nics in sorted(f.counters.items()) for nic, c in sorted(nics.items())
            if (errs := counters.errors(c))]
    events = _lines(f, "Got async event")  # the verbs driver told NCCL: port error, link down (a flapping link)
    if events:
        grew.append(f"NCCL WARN {events[0]}" + (f" ({len(events)} times)" if len(events) > 1 else ""))
    return grew


@result_rule("latency_bound")
def latency_bound(f: Facts, r: Optional[Result]) -> list[str]:
    if r is None or r["size_bytes"] >= r["region_bytes"]:
        return []
    return [f"largest size measured {r['size_bytes']} B; busbw is judged from {r['region_bytes']} B"]


def above_peak(f: Facts, r: Result) -> tuple[bool, list[str]]:
    """(explained, evidence): an algorithm that moves less data than the bus model counts."""
    algos = {a.algo.lower() for a in f.nccl.algo_proto}
    nodes = r.get("nnodes") or f.nnodes or 0  # a log without a host list: nodes derived from its ranks
    ev = []
    if f.nccl.nvls_channels or "NVLS" in f.nccl.transports or algos & {"nvls", "nvlstree"}:
        ev.append("NVLS (NVLink SHARP) reduces in the switch" + (f": {f.nccl.nvls_channels} nvls channels"
                                                                 if f.nccl.nvls_channels else ""))
    if any(k.lower().startswith("collnet") for k in f.nccl.transports) or any("collnet" in a for a in algos):
        ev.append("CollNet (SHARP) reduces in the network")
    if "tree" in algos and nodes == 2:
        ev.append("Tree on 2 nodes: busbw can exceed the wire (nccl-tests#22)")
    if ev:
        return True, ev
    if nodes == 2:
        hint = "2 nodes: Tree or NVLSTree can exceed the wire; NCCL_DEBUG_SUBSYS=TUNING shows the algorithm"
    elif nodes == 1 and f.nvswitch():
        hint = "NVLS on this NVSwitch system can exceed the NVLink peak; no INFO line shows it was used"
    else:
        hint = "no algorithm in the log explains it"
    return False, [hint]
