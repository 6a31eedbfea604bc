"""What NCCL_DEBUG=INFO lines say about the path a run took.

Patterns are NCCL's and aws-ofi-nccl's own format strings (shared/docs/instances.md section 3.4).
The result is facts, not a verdict: which network NCCL chose (Libfabric/EFA, IB, Socket...), the
plugin and provider, NICs found, GPUDirect RDMA, NVLS, the transports channels used, the
algorithm/protocol when the TUNING subsystem printed them, the NCCL_*/FI_* settings NCCL reports
("X set by environment to Y") and the GPU-to-NIC path types of the graph search.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from fabricbench.benchmarks.model.enums import NcclPath
from fabricbench.benchmarks.model.run import AlgoProto, NcclInfo

_PATTERNS = {
    "network": re.compile(r"Using network (.+?)\s*$"),
    "plugin_loaded": re.compile(r"NET/Plugin\s*: Loaded net plugin (\S+)(?: \(v(\d+)\))?"),
    "plugin_missing": re.compile(r"NET/Plugin\s*: (?:No plugin found|Could not find)"),
    "ofi_version": re.compile(r"NET/OFI (?:Initializing|Using) aws-ofi-nccl (\S+)"),
    "libfabric_version": re.compile(r"NET/OFI Using Libfabric version (\S+)"),
    "provider": re.compile(r"NET/OFI Selected [Pp]rovider is (\w[\w-]*)(?:, fabric is (\S+))?"
                           r"(?: \(found (\d+) nics\))?"),
    "platform": re.compile(r"NET/OFI Running on (\S+) platform"),
    "ib_devices": re.compile(r"NET/IB : Using (.+?); OOB"),
    "ib_none": re.compile(r"NET/IB : No device found"),
    "socket": re.compile(r"NET/Socket : Using"),
    "channel": re.compile(r"via (NET/[^\s]+(?: [^\s\[]+)*|P2P/[\w/ ]+|SHM/[\w/]+|NVLS|CollNet[\w/]*)"),
    "rings_gdr": re.compile(r"Connected all rings(?:, use ring PXN (\d) GDR (\d))?"),
    "nvls_available": re.compile(r"NVLS multicast support is (not )?available"),
    "channels": re.compile(r"(\d+) coll channels, (?:(\d+) collnet channels, )?(?:(\d+) nvls channels, )?"),
    "tuning": re.compile(r"(\w+): (\d+) Bytes -> Algo (\w+) proto (\w+)"),
    "nranks": re.compile(r"nRanks (\d+) nNodes (\d+) localRanks (\d+)"),
    "env_set": re.compile(r"\b((?:NCCL|FI)_[A-Z0-9_]+) set by environment to (\S+)"),
    "graph": re.compile(r"Pattern \d+, crossNic (\d+), nChannels (\d+), bw [\d.]+/[\d.]+, type (\w+)/(\w+)"),
    "nccl_version": re.compile(r"NCCL version (\d+\.\d+\.\d+)"),
    "gdr_disabled": re.compile(r"GPU Direct RDMA Disabled for HCA \d+ '([^']+)'"),
    "gdr_far": re.compile(r"GPU Direct RDMA Disabled for GPU (\w+) / HCA (\d+) \(distance (\d+) > (\d+)\)"),
    "topo_file": re.compile(r"Setting NCCL_TOPO_FILE environment variable to (\S+)"),
    "warn_source": re.compile(r"(\S+\.(?:cc|cu|c|cpp|h):\d+)\s*$"),
    "libfabric_warn": re.compile(r"libfabric:\d+:\d+::(\S+)<warn>\s*(.*)$"),
}
# A literal every match of each pattern contains: parse_info searches a line only where it is present
# (tests/benchmarks/nccltests/test_ncclinfo.py holds each pattern to its literal on every real line).
# The NET/ patterns, which all contain 'NET/', are looked at only on such lines (_net_facts).
GUARDS = {"network": "Using network ", "plugin_loaded": "NET/Plugin", "plugin_missing": "NET/Plugin",
          "ofi_version": "NET/OFI ", "libfabric_version": "NET/OFI ", "provider": "NET/OFI ",
          "platform": "NET/OFI ", "ib_devices": "NET/IB : ", "ib_none": "NET/IB : ", "socket": "NET/Socket : Using",
          "channel": "via ", "rings_gdr": "Connected all rings", "nvls_available": "NVLS multicast",
          "channels": " coll channels, ", "tuning": " Bytes -> Algo ", "nranks": "nRanks ",
          "env_set": " set by environment to ", "graph": ", crossNic ", "nccl_version": "NCCL version ",
          "gdr_disabled": "GPU Direct RDMA Disabled for ", "gdr_far": "GPU Direct RDMA Disabled for ",
          "topo_file": "Setting NCCL_TOPO_FILE ", "libfabric_warn": "<warn>", "warn_source": ""}
NET = tuple(name for name, guard in GUARDS.items() if guard.startswith("NET/"))  # _net_facts' patterns


def _transport_kind(via: str) -> str:
    if via.startswith("NET/"):
        name = via[4:].split("/")[0]
        return f"NET/{name}"
    return via.split("/")[0]


def _net_facts(line: str, facts: dict[str, Any]) -> None:
    """The NET/Plugin, NET/OFI, NET/IB and NET/Socket lines (every pattern here names 'NET/')."""
    g, p = GUARDS, _PATTERNS
    if g["plugin_loaded"] in line:  # plugin_missing has the same guard
        if m := p["plugin_loaded"].search(line):
            facts["net_plugin"] = m.group(1)
        if p["plugin_missing"].search(line):
            facts["net_plugin_missing"] = True
    if g["ofi_version"] in line:  # as do libfabric_version, provider, platform
        if m := p["ofi_version"].search(line):
            facts["aws_ofi_nccl"] = m.group(1)
        if m := p["libfabric_version"].search(line):
            facts["libfabric"] = m.group(1)
        if m := p["provider"].search(line):
            facts["provider"] = m.group(1)
            if m.group(2):
                facts["fabric"] = m.group(2)
            if m.group(3):
                facts["nics"] = int(m.group(3))
        if m := p["platform"].search(line):
            facts["platform"] = m.group(1)
    if g["ib_devices"] in line:  # and ib_none
        if m := p["ib_devices"].search(line):
            facts["ib_devices"] = m.group(1).strip()
        if p["ib_none"].search(line):
            facts["ib_no_device"] = True
    if g["socket"] in line and p["socket"].search(line):
        facts["socket_available"] = True


def parse_info(lines: Iterable[str]) -> NcclInfo:
    facts: dict[str, Any] = {"lines": 0}
    transports: Counter = Counter()
    gdr_channels = non_gdr_channels = 0
    algos: Counter = Counter()
    paths: set[str] = set()
    g, p = GUARDS, _PATTERNS
    for line in lines:
        if g["libfabric_warn"] in line and (m := p["libfabric_warn"].search(line)):  # aws-ofi-nccl's EFA failures often
            facts["lines"] += 1                                            # show only here
            facts.setdefault("warnings", []).append(f"libfabric {m.group(1)} {m.group(2).strip()}"[:200])
            continue
        if "NCCL INFO" not in line and "NCCL WARN" not in line:
            continue
        facts["lines"] += 1
        if "NCCL WARN" in line:
            before, after = line.split("NCCL WARN", 1)
            where = m.group(1) + " " if (m := p["warn_source"].search(before)) else ""
            facts.setdefault("warnings", []).append((where + after.strip())[:200])  # 'transport/nvls.cc:165 Cuda ...'
            continue
        # Each search runs only where its pattern's own literal (GUARDS) is in the line: the same facts at
        # a tenth of the cost, which an NCCL_DEBUG=INFO log of thousands of lines pays once a line.
        if "NET/" in line:  # every pattern of _net_facts contains it
            _net_facts(line, facts)
        if g["network"] in line and (m := p["network"].search(line)):
            facts["network"] = m.group(1)
        if g["channel"] in line and (m := p["channel"].search(line)):
            via = m.group(1).strip()
            transports[_transport_kind(via)] += 1
            if via.startswith("NET/"):
                if "/GDRDMA" in via:
                    gdr_channels += 1
                else:
                    non_gdr_channels += 1
        if g["rings_gdr"] in line and (m := p["rings_gdr"].search(line)) and m.group(2) is not None:
            facts["rings_gdr"] = int(m.group(2))
        if g["nvls_available"] in line and (m := p["nvls_available"].search(line)):
            facts["nvls_available"] = m.group(1) is None
        if g["channels"] in line and (m := p["channels"].search(line)) and m.group(3) is not None:
            facts["nvls_channels"] = int(m.group(3))
        if g["tuning"] in line and (m := p["tuning"].search(line)):
            algos[(m.group(1), m.group(3), m.group(4))] += 1
        if g["nranks"] in line and (m := p["nranks"].search(line)):
            facts["nranks"], facts["nnodes"] = int(m.group(1)), int(m.group(2))
        if g["env_set"] in line and (m := p["env_set"].search(line)):
            facts.setdefault("env_set", {})[m.group(1)] = m.group(2).rstrip(".")
        if g["graph"] in line and (m := p["graph"].search(line)):
            paths.add(f"{m.group(3)}/{m.group(4)}")
        if g["nccl_version"] in line and (m := p["nccl_version"].search(line)):
            facts.setdefault("nccl", m.group(1))
        if g["gdr_far"] in line:  # gdr_disabled has the same guard
            if m := p["gdr_far"].search(line):
                far = facts.setdefault("gdr_far", [])
                one = f"GPU {m.group(1)} / HCA {m.group(2)} (distance {m.group(3)} > {m.group(4)})"
                far += [] if one in far else [one]
            if m := p["gdr_disabled"].search(line):
                hcas = facts.setdefault("gdr_disabled_hcas", [])
                hcas += [] if m.group(1) in hcas else [m.group(1)]
        if g["topo_file"] in line and (m := p["topo_file"].search(line)):
            facts["topo_file"] = m.group(1)
    if transports:
        facts["transports"] = dict(transports)
    if paths:
        facts["graph_paths"] = sorted(paths)
    if facts.get("ib_devices"):
        facts["ib_device_count"] = len(re.findall(r"\[\d+\]", facts["ib_devices"]))
    if gdr_channels or non_gdr_channels:
        facts["net_channels_gdr"], facts["net_channels_no_gdr"] = gdr_channels, non_gdr_channels
    if algos:
        facts["algo_proto"] = [AlgoProto(op, a, p, n) for (op, a, p), n in algos.items()]
    facts["path"] = summarize_path(facts)
    return NcclInfo(**facts)  # typed as declared (a test round-trips it through from_dict): no checks per field


def summarize_path(facts: dict[str, Any]) -> NcclPath:
    """The inter-node path: efa-rdma, efa, ib-rdma, ib, tcpx, socket, intra-node, other or unknown."""
    network = (facts.get("network") or "").lower()
    transports = facts.get("transports") or {}
    if "socket" in network or any(k.lower() == "net/socket" for k in transports):
        return NcclPath.SOCKET
    gdr = facts.get("net_channels_gdr", 0) > 0 or facts.get("rings_gdr") == 1
    libfabric = any("libfabric" in k.lower() or "ofi" in k.lower() for k in transports)
    if "libfabric" in network or facts.get("provider") == "efa" or libfabric:
        return NcclPath.EFA_RDMA if gdr else NcclPath.EFA
    if network == "ib" or any(k == "NET/IB" for k in transports):
        return NcclPath.IB_RDMA if gdr else NcclPath.IB
    if "tcpx" in network or any("tcpx" in k.lower() for k in transports):
        return NcclPath.TCPX
    if network:
        return NcclPath.OTHER
    if transports and not any(k.startswith("NET/") for k in transports):
        return NcclPath.INTRA_NODE
    return NcclPath.UNKNOWN
