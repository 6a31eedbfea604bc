"""Theoretical peaks from the catalog: what a collective's busbw could reach on an instance type.

Peak model (docs/peaks.md): a run on one node is bound by each GPU's unidirectional NVLink (or
other intra-node fabric) bandwidth; across nodes, ring/tree collectives by the node's accelerator
NICs in total (Gbit/s / 8) and all_to_all / point-to-point by one GPU's share of them (/ GPUs):
the spec's ``peak_scope``. Values the catalog marks `unsourced` give no peak (None), never a
guess. A spec spanning both link directions (``directions`` = 2) has twice the one-way figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pandas as pd

from fabricbench.benchmarks.model.catalog import load_catalog
from fabricbench.collectives import registry


@dataclass(frozen=True)
class Peak:
    gbps: Optional[float]  # GB/s of busbw
    basis: str  # what bounds it, in words
    source: str  # catalog source keys behind the number


def peak_busbw(instance_type: Optional[str], nnodes: Optional[int], collective: str,
               catalog: Optional[pd.DataFrame] = None, nranks: Optional[int] = None) -> Peak:
    cat = load_catalog() if catalog is None else catalog
    if nranks is not None and nranks == 1:
        return Peak(None, "one rank: nothing crosses a link (a local copy), so no fabric peak applies", "")
    if not instance_type or instance_type not in cat.index or not nnodes:
        return Peak(None, "unknown instance type" if nnodes else "unknown node count", "")
    row = cat.loc[instance_type]
    spec = registry.get(collective) if collective in registry.names() else None
    mult = spec.directions if spec else 1.0
    if int(nnodes) <= 1:
        value = row["intra_bw_per_accel_unidir_GBps"]
        basis = f"intra-node: {row['intra_node_fabric']}, per-GPU unidirectional"
        source = str(row["src_intra"])
    else:
        per_accel, gpus = row["internode_per_accel_Gbps"], int(row["accelerator_count"])
        source = str(row["src_internode"])
        if per_accel != per_accel:  # NaN: unsourced
            value, basis = float("nan"), "inter-node bandwidth unsourced"
        elif spec is not None and spec.peak_scope == "gpu":
            value = per_accel / 8.0
            basis = (f"inter-node, one GPU's NIC share: {row['internode_network']}, "
                     f"{per_accel * gpus:g} Gbit/s / 8 / {gpus} GPUs")
        else:
            value = per_accel * gpus / 8.0
            basis = f"inter-node, all NICs of a node: {row['internode_network']}, {per_accel * gpus:g} Gbit/s / 8"
    if value != value:  # NaN: unsourced
        return Peak(None, basis + " (unsourced)", source)
    return Peak(float(value) * mult, basis + (" x2 (both directions)" if mult != 1 else ""), source)
