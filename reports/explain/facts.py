"""What the rules look at, gathered once per run from the results model: NCCL's own INFO facts, the
settings (captured environment and the ones NCCL reports), the instance's catalog row and the shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from fabricbench.benchmarks.model.catalog import catalog_row, expectations
from fabricbench.benchmarks.model.run import NcclInfo, RunRecord


@dataclass
class Facts:
    nccl: NcclInfo
    env: dict[str, str]  # NCCL_* / FI_* settings: the run's captured environment, then what NCCL reported
    instance_type: Optional[str]
    catalog: Optional[dict[str, str]]
    nnodes: Optional[int]
    nranks: Optional[int]
    warnings: list[str] = field(default_factory=list)
    counters: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # host -> NIC -> what grew

    @property
    def inter_node(self) -> bool:
        return bool(self.nnodes and self.nnodes > 1) or bool(self.nccl.nnodes and self.nccl.nnodes > 1)

    def expected_nics(self) -> Optional[int]:
        return expectations(self.instance_type).get("nics")

    def gdr_capable(self) -> bool:
        return bool(expectations(self.instance_type).get("gdr"))

    def nvswitch(self) -> bool:
        """An NVSwitch system of Hopper or later: where NVLS exists."""
        row = self.catalog or {}
        model = row.get("accelerator_model", "")
        return "NVSwitch" in row.get("intra_node_fabric", "") and any(g in model for g in ("H100", "H200", "B200",
                                                                                             "B300", "GB200", "GB300"))


def gather(rec: RunRecord) -> Facts:
    env = {k: v for k, v in rec.environment.items() if k.startswith(("NCCL_", "FI_"))}
    env.update(rec.nccl_info.env_set)
    itype = rec.instance.instance_type if rec.instance.instance_type != "unknown" else None
    return Facts(nccl=rec.nccl_info, env=env, instance_type=itype, catalog=catalog_row(itype),
                 nnodes=rec.nnodes or rec.nccl_info.nnodes, nranks=rec.nranks or rec.nccl_info.nranks,
                 warnings=list(rec.nccl_info.warnings), counters=rec.fabric_counters)
