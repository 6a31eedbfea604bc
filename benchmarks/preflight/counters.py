"""RDMA port counters around a run: what each NIC moved and which errors grew.

Linux exposes every RDMA port's counters under /sys/class/infiniband/<dev>/ports/<port>/: the
standard IB PortCounters in `counters/` (port_xmit_data and port_rcv_data count 4-byte words) and the
driver's own in `hw_counters/` (EFA: tx_bytes, rx_bytes, rdma_read_bytes, retrans_pkts...; mlx5 RoCE:
out_of_sequence, local_ack_timeout_err...). A snapshot reads them all; the run record keeps, per host
and NIC, the counters that changed between the snapshots before and after the run.

FABRICBENCH_SYSFS_INFINIBAND points the reader at another tree (the tests' fake EFA and IB devices).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from fabricbench.benchmarks.model.counters import Snapshot, delta, errors, moved_bytes

__all__ = ["Snapshot", "delta", "errors", "moved_bytes", "root", "snapshot"]


def root() -> Path:
    return Path(os.environ.get("FABRICBENCH_SYSFS_INFINIBAND", "/sys/class/infiniband"))


def snapshot(base: Optional[Path] = None) -> Snapshot:
    """Every numeric counter of every port; {} where the tree is absent or unreadable."""
    base = root() if base is None else base
    out: Snapshot = {}
    if not base.is_dir():
        return out
    for dev in sorted(base.iterdir()):
        ports = dev / "ports"
        for port in sorted(ports.iterdir()) if ports.is_dir() else []:
            values: dict[str, int] = {}
            for sub in ("counters", "hw_counters"):
                folder = port / sub
                for f in sorted(folder.iterdir()) if folder.is_dir() else []:
                    try:
                        values[f.name] = int(f.read_text().split()[0])
                    except (OSError, ValueError, IndexError):
                        continue  # write-only or non-numeric entries (lifespan), or a vanished file
            if values:
                out[f"{dev.name}:{port.name}"] = values
    return out
