"""The instance catalog (configs/instances.csv): instance type -> family, cloud, GPUs, fabric, peaks.

Data with sources, not code (configs/instances.md). Values the catalog marks `unsourced` read as
empty (no number), never as a guess. Rows are read without pandas where every rank of a run needs
them at start-up (preflight); the DataFrame form is for analysis.
"""

from __future__ import annotations

import csv
import difflib
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Optional

from fabricbench.benchmarks.model.resources import CATALOG

if TYPE_CHECKING:
    import pandas as pd


@lru_cache(maxsize=4)
def _rows(path: str = str(CATALOG)) -> dict[str, dict[str, str]]:
    with open(path, newline="") as f:
        return {row["instance_type"]: {k: ("" if v == "unsourced" else v) for k, v in row.items()}
                for row in csv.DictReader(f)}


def catalog_row(instance_type: Optional[str], path: str = str(CATALOG)) -> Optional[dict[str, str]]:
    """One catalog row as strings ('' where unsourced), or None for a type the catalog lacks."""
    return _rows(path).get(instance_type or "")


def catalog_rows(path: str = str(CATALOG)) -> list[dict[str, str]]:
    return list(_rows(path).values())


def known_types(path: str = str(CATALOG)) -> list[str]:
    return list(_rows(path))


def closest_types(instance_type: str, n: int = 3) -> list[str]:
    """Catalog types spelled most like ``instance_type`` (for 'did you mean')."""
    return difflib.get_close_matches(instance_type, known_types(), n=n, cutoff=0.5)


@lru_cache(maxsize=4)
def load_catalog(path: str = str(CATALOG)) -> pd.DataFrame:
    import pandas as pd

    df = pd.read_csv(path, na_values=["unsourced"], keep_default_na=False)
    return df.set_index("instance_type", drop=False)


def expectations(instance_type: Optional[str]) -> dict[str, Any]:
    """What a catalogued instance type should show (GPUs, fabric, NIC count, GPUDirect RDMA, NVLink);
    {} for a type the catalog lacks. Preflight's host rules and explain's rules both judge against it."""
    row = catalog_row(instance_type) if instance_type else None
    if row is None:
        return {}
    network = row["internode_network"]
    nics = row["internode_nic_count"]
    return {"instance_type": instance_type, "gpus": int(float(row["accelerator_count"])),
            "efa": "EFA" in network, "ib": "InfiniBand" in network,
            "nics": int(float(nics)) if nics else None, "gdr": str(row["gpudirect_rdma"]).startswith("yes"),
            "nvlink": "NVLink" in str(row["intra_node_fabric"])}


def family_of(instance_type: Optional[str]) -> str:
    row = catalog_row(instance_type)
    return row["family"] if row else "unknown"


def cloud_of(instance_type: Optional[str]) -> str:
    row = catalog_row(instance_type)
    return row["cloud"] if row else "unknown"
