"""The instance catalog (configs/instances.csv) and the theoretical peaks derived from it.

Peak model (docs/peaks.md): a run on one node is bound by each GPU's unidirectional NVLink (or
other intra-node fabric) bandwidth; across nodes, ring/tree collectives by the node's accelerator
NICs in total (Gbit/s / 8) and all_to_all / point-to-point by one GPU's share of them (/ GPUs). Values the
catalog marks `unsourced` give no peak (None), never a guess. Point-to-point bidirectional
bandwidth spans both directions, so its peak is twice the one-way figure.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Optional

from fabricbench.benchmarks.model.resources import CATALOG

if TYPE_CHECKING:  # preflight (on every rank at start-up) reads rows without pandas
    import pandas as pd

# How many link directions a collective's busbw definition spans (docs/formulas.md).
DIRECTIONS = {"p2p_bibw": 2.0}
# Across nodes, what bounds busbw (docs/peaks.md): ring/tree collectives spread their channels
# over every NIC of a node, so the node's total NIC bandwidth bounds them; all_to_all and
# point-to-point traffic leaves through each GPU's own share of the NICs.
NETWORK_SCOPE = {"all_to_all": "gpu", "sendrecv": "gpu", "p2p_latency": "gpu", "p2p_bw": "gpu", "p2p_bibw": "gpu"}


@lru_cache(maxsize=4)
def catalog_row(instance_type: str, path: str = str(CATALOG)) -> Optional[dict[str, str]]:
    """One catalog row as strings ('' where the catalog says unsourced), without pandas:
    preflight runs on every rank at start-up, where importing pandas is measurable cost."""
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["instance_type"] == instance_type:
                return {k: ("" if v == "unsourced" else v) for k, v in row.items()}
    return None


@lru_cache(maxsize=4)
def load_catalog(path: str = str(CATALOG)) -> pd.DataFrame:
    import pandas as pd

    df = pd.read_csv(path, na_values=["unsourced"], keep_default_na=False)
    return df.set_index("instance_type", drop=False)


@dataclass(frozen=True)
class Peak:
    gbps: Optional[float]  # GB/s of busbw
    basis: str  # what bounds it, in words
    source: str  # catalog source keys behind the number


def family_of(instance_type: Optional[str], catalog: Optional[pd.DataFrame] = None) -> str:
    cat = load_catalog() if catalog is None else catalog
    if instance_type and instance_type in cat.index:
        return str(cat.loc[instance_type, "family"])
    return "unknown"


def cloud_of(instance_type: Optional[str], catalog: Optional[pd.DataFrame] = None) -> str:
    cat = load_catalog() if catalog is None else catalog
    if instance_type and instance_type in cat.index:
        return str(cat.loc[instance_type, "cloud"])
    return "unknown"


def peak_busbw(instance_type: Optional[str], nnodes: Optional[int], collective: str,
               catalog: Optional[pd.DataFrame] = None) -> Peak:
    cat = load_catalog() if catalog is None else catalog
    if not instance_type or instance_type not in cat.index or not nnodes:
        return Peak(None, "unknown instance type" if nnodes else "unknown node count", "")
    row = cat.loc[instance_type]
    mult = DIRECTIONS.get(collective, 1.0)
    if int(nnodes) <= 1:
        value = row["intra_bw_per_accel_unidir_GBps"]
        basis = f"intra-node: {row['intra_node_fabric']}, per-GPU unidirectional"
        source = str(row["src_intra"])
    else:
        per_accel, gpus = row["internode_per_accel_Gbps"], int(row["accelerator_count"])
        source = str(row["src_internode"])
        if per_accel != per_accel:  # NaN: unsourced
            value, basis = float("nan"), "inter-node bandwidth unsourced"
        elif NETWORK_SCOPE.get(collective, "node") == "gpu":
            value = per_accel / 8.0
            basis = (f"inter-node, one GPU's NIC share: {row['internode_network']}, "
                     f"{per_accel * gpus:g} Gbit/s / 8 / {gpus} GPUs")
        else:
            value = per_accel * gpus / 8.0
            basis = f"inter-node, all NICs of a node: {row['internode_network']}, {per_accel * gpus:g} Gbit/s / 8"
    if value != value:  # NaN: unsourced
        return Peak(None, basis + " (unsourced)", source)
    return Peak(float(value) * mult, basis + (" x2 (both directions)" if mult != 1 else ""), source)
