import filecmp

import pytest

from fabricbench.benchmarks.model.catalog import family_of, load_catalog
from fabricbench.benchmarks.model.resources import CATALOG
from fabricbench.reports.peaks import peak_busbw
from tests.datasets import CATALOG_SOURCE


def test_catalog_is_the_sourced_copy_with_its_sources():
    assert filecmp.cmp(CATALOG_SOURCE, CATALOG, shallow=False)
    cat = load_catalog()
    assert {"source_refs", "src_intra", "src_internode"} <= set(cat.columns)
    assert len(cat) == 24


@pytest.mark.parametrize("itype,nodes,coll,expected", [
    ("p5.48xlarge", 2, "all_reduce", 3200 / 8),  # a ring spreads over all 32 EFA: 400 GB/s
    ("p5.48xlarge", 1, "all_reduce", 450.0),  # NVLink 4: 900 bidirectional / 2
    ("p5en.48xlarge", 4, "all_to_all", 3200 / 8 / 8),  # one GPU's NIC share: 50 GB/s
    ("p4d.24xlarge", 2, "all_reduce", 400 / 8),
    ("Standard_ND96isr_H100_v5", 2, "all_reduce", 400.0),
    ("Standard_ND96isr_H100_v5", 2, "sendrecv", 50.0),
    ("a3-megagpu-8g", 2, "all_gather", 1600 / 8),  # GPU NICs only, not the host NIC
    ("p6-b200.48xlarge", 1, "reduce_scatter", 900.0),
    ("p5.48xlarge", 2, "p2p_bibw", 100.0),  # one GPU's share, both directions
])
def test_peaks_hand_computed(itype, nodes, coll, expected):
    assert peak_busbw(itype, nodes, coll).gbps == pytest.approx(expected)


@pytest.mark.parametrize("itype,nodes", [("g5.48xlarge", 1), ("unknown", 2), ("m5.large", 1), ("p5.48xlarge", None),
                                         ("trn1.32xlarge", 1)])
def test_no_peak_without_a_sourced_number(itype, nodes):
    peak = peak_busbw(itype, nodes, "all_reduce")
    assert peak.gbps is None and peak.basis


def test_families():
    assert family_of("p5.48xlarge") == "P5" and family_of("Standard_ND96isr_H100_v5") == "ND_H100_v5"
    assert family_of("a3-megagpu-8g") == "A3 Mega" and family_of("vm") == "unknown" and family_of(None) == "unknown"
