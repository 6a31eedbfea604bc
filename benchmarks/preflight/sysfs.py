"""RDMA devices from /sys/class/infiniband and /dev/infiniband (shared/docs/instances.md 2.1).

EFA devices are named rdmap<bus>s<slot> (older libfabric: efa_N); Azure IB HCAs mlx5_ib<N> with an
Ethernet VF mlx5_an<N>; generic Mellanox mlx5_<N>, IB or RoCE by the port's link_layer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SYSFS = Path("/sys/class/infiniband")
DEV = Path("/dev/infiniband")


@dataclass(frozen=True)
class RdmaDevice:
    name: str
    kind: str  # efa | ib | roce | ethernet-vf | unknown
    node_guid: str = ""


def _link_layer(dev: Path) -> str:
    for port in sorted((dev / "ports").glob("*")) if (dev / "ports").is_dir() else []:
        try:
            return (port / "link_layer").read_text().strip().lower()
        except OSError:
            continue
    return ""


def classify(name: str, dev: Path) -> str:
    if re.match(r"^(rdmap\d+s\d+|efa_\d+)", name):
        return "efa"
    if name.startswith("mlx5_an"):
        return "ethernet-vf"
    if name.startswith("mlx5"):
        layer = _link_layer(dev)
        return "roce" if layer == "ethernet" else "ib"
    return "unknown"


def rdma_devices(root: Path = SYSFS) -> list[RdmaDevice]:
    if not root.is_dir():
        return []
    out = []
    for dev in sorted(root.iterdir()):
        try:
            guid = (dev / "node_guid").read_text().strip()
        except OSError:
            guid = ""
        out.append(RdmaDevice(dev.name, classify(dev.name, dev), guid))
    return out


def uverbs_count(root: Path = DEV) -> int:
    return len(list(root.glob("uverbs*"))) if root.is_dir() else 0


def counts(devices: list[RdmaDevice]) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in devices:
        out[d.kind] = out.get(d.kind, 0) + 1
    return out
