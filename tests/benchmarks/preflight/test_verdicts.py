"""Verdicts from facts and from real NCCL INFO lines; the catalog supplies every expectation."""

from fabricbench.benchmarks.nccltests.ingest import read_log
from fabricbench.benchmarks.preflight.run import from_nccl_info, summarise
from fabricbench.benchmarks.preflight.verdict import expectations
from tests.datasets import H200, LOGS


def _facts(host="h1", gpus=0, efa=0, ib=0, itype="unknown"):
    counts = {k: v for k, v in (("efa", efa), ("ib", ib)) if v}
    return {"host": host, "instance": {"instance_type": itype}, "gpus": {"count": gpus, "model": None},
            "rdma_counts": counts, "aws_ofi_nccl": None, "libfabric": None, "fi_info": None, "topology": None}


def test_this_cpu_box_passes_for_cpu_backends():
    r = summarise([_facts()], "cpu", None, 1)
    assert r.verdict == "ok"
    assert any("no GPU" in x for x in r.reasons) and any("no EFA" in x for x in r.reasons)


def test_p5_without_efa():
    r = summarise([_facts(gpus=8, itype="p5.48xlarge")], "cuda", None, 2)
    assert r.verdict == "invalid"
    assert "EFA not available on p5.48xlarge: expected 32 EFA devices, found 0" in r.reasons[0]
    partial = summarise([_facts(gpus=8, efa=15, itype="p5en.48xlarge")], "cuda", None, 2)
    assert partial.verdict == "warning" and "15 of 16 EFA devices" in partial.reasons[0]


def test_cuda_requested_without_gpu():
    assert summarise([_facts()], "cuda", None, 1).verdict == "invalid"


def test_socket_fallback_in_a_real_log_is_invalid_on_p5():
    _, info = read_log(H200 / "ncclinfo.txt")  # a real run that fell back to NET/Socket
    v = from_nccl_info(info, "p5.48xlarge", 2)
    assert v.verdict == "invalid"
    assert v.reasons[0] == "invalid: NET/Socket in use on p5.48xlarge: EFA not used (expected 32 EFA devices)"
    assert any("no net plugin" in r for r in v.reasons)


def test_old_plugin_without_gdr_on_p4d_is_a_warning(corpus):
    _, info = read_log(LOGS / "all_reduce__aws-p4d-efa-2node-ncclinfo__aws-ofi-nccl-i64.txt")
    v = from_nccl_info(info, "p4d.24xlarge", 2)
    assert v.verdict == "warning" and "without GPUDirect RDMA" in v.reasons[0]


def test_logs_without_info_lines_say_so(corpus):
    _, info = read_log(LOGS / "all_reduce__aws-p5-48xlarge-2node__adt-readme.txt")
    v = from_nccl_info(info, "p5.48xlarge", 2)
    assert v.verdict == "ok" and "transport not known" in v.reasons[0]


def test_expectations_come_from_the_catalog():
    assert expectations("p5.48xlarge") == {"instance_type": "p5.48xlarge", "gpus": 8, "efa": True, "ib": False,
                                           "nics": 32, "gdr": True, "nvlink": True}
    assert expectations("Standard_ND96isr_H100_v5")["ib"] is True and expectations("vm") == {}
