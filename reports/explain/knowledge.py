"""configs/explain/rules.yaml: the causes the rules name and the references behind the expected bands."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Optional

import yaml

from fabricbench.benchmarks.model.resources import CONFIGS

PATH = CONFIGS / "explain" / "rules.yaml"


@dataclass(frozen=True)
class Cause:
    id: str
    title: str
    check: str
    source: str


@dataclass(frozen=True)
class FamilyRef:
    instance_type: str
    collective: str
    nodes: int
    floor: Optional[float]  # a vendor's health-check threshold: the low edge itself
    measured: Optional[float]  # a healthy published result
    source: str


@dataclass(frozen=True)
class BandRules:
    region_bytes: int  # bandwidth is judged against the peak from this size on
    low_fraction: float  # the generic low edge of a band, as a share of the peak
    margin: float
    basis: str  # how low_fraction was reached, in words
    family: tuple[FamilyRef, ...]


@lru_cache(maxsize=1)
def load() -> tuple[dict[str, Cause], BandRules]:
    doc: dict[str, Any] = yaml.safe_load(PATH.read_text())
    causes = {k: Cause(k, v["title"], " ".join(v["check"].split()), v["source"]) for k, v in doc["causes"].items()}
    b = doc["bands"]
    margin = float(b["margin"])
    shares = [(r["measured"] / r["ceiling"], r["what"]) for r in b["references"]]
    lowest, what = min(shares)
    low = lowest - margin
    basis = (f"{low:.0%} of peak: the lowest share healthy published systems reach ({lowest:.0%}, {what}; "
             f"{len(shares)} references in configs/explain/rules.yaml) less {margin:.0%}")
    family = tuple(FamilyRef(f["instance_type"], f["collective"], int(f["nodes"]), f.get("floor"), f.get("measured"),
                             f["source"]) for f in b.get("family", []))
    return causes, BandRules(int(b["bandwidth_region_bytes"]), low, margin, basis, family)


def band(instance_type: Optional[str], collective: str, nnodes: Optional[int],
         peak: float, baseline: Optional[tuple[float, str]] = None) -> tuple[float, float, str]:
    """(low, high, source) of the expected busbw of a large message.

    A baseline the user points to (`explain --baseline`: their own healthy runs of the same shape)
    is the most specific reference there is, so its headline less the margin is the low edge.
    """
    _, rules = load()
    if baseline is not None:
        measured, where = baseline
        return measured * (1 - rules.margin), peak, f"{measured:.4g} GB/s less {rules.margin:.0%}: baseline {where}"
    low, source = rules.low_fraction * peak, rules.basis
    refs = [r for r in rules.family if (r.instance_type, r.collective, r.nodes) == (instance_type, collective, nnodes)]
    floors = [r for r in refs if r.floor is not None]
    if floors:
        f = max(floors, key=lambda r: r.floor or 0.0)
        return float(f.floor or 0.0), max(peak, float(f.floor or 0.0)), f"floor {f.floor:g} GB/s: {f.source}"
    measured = [r for r in refs if r.measured is not None]
    if measured:
        m = min(measured, key=lambda r: r.measured or 0.0)
        ref_low = float(m.measured or 0.0) * (1 - rules.margin)
        if ref_low < low:
            low, source = ref_low, (f"{m.measured:g} GB/s less {rules.margin:.0%}: the lowest healthy published "
                                    f"result for {instance_type} ({m.source})")
    return low, peak, source
