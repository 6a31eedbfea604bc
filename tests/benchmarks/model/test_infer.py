"""Where did a log run: what its device lines and NCCL INFO lines say, each with its evidence, and an
instance type only where one catalog row fits every fact (issue #12 item 7)."""

from fabricbench.benchmarks.model.catalog import catalog_rows
from fabricbench.benchmarks.model.infer import gpu_key, infer, same_gpu
from fabricbench.benchmarks.model.run import Device, RunRecord
from fabricbench.benchmarks.nccltests.ingest import read_log
from fabricbench.benchmarks.nccltests.ncclinfo import parse_info
from tests.datasets import LOGS, OTHER
from tests.reports.explain.test_rules import HEALTHY_EFA, HEALTHY_IB


def test_gpu_names_of_device_lines_and_of_the_catalog_meet():
    assert gpu_key("NVIDIA H100 80GB HBM3") == gpu_key("NVIDIA H100-SXM5-80GB (HBM3)") == "H100 80GB"
    assert gpu_key("Tesla V100-SXM2-32GB") == "V100 32GB" and gpu_key("AMD Instinct MI350X") == "MI350X"
    assert same_gpu(gpu_key("NVIDIA H200"), gpu_key("NVIDIA H200 (141GB HBM3e)"))
    assert not same_gpu(gpu_key("NVIDIA A100-SXM4-40GB"), gpu_key("NVIDIA A100 80GB (SXM)"))
    assert gpu_key("NVIDIA Graphics Device") is None


def record(devices, info_lines=()):
    return RunRecord(run_id="t", devices=devices, nccl_info=parse_info(list(info_lines)))


def h100_nodes(n_hosts):
    # as nccl-tests' device lines name them: '#  Rank  0 ... on host-a device  0 [0000:04:00] NVIDIA H100 80GB HBM3'
    return [Device(8 * h + d, f"host-{h}", d, f"0000:{4 + d:02x}:00", "NVIDIA H100 80GB HBM3") for h in range(n_hosts)
            for d in range(8)]


def test_every_fact_agreeing_with_one_catalog_row_names_the_instance():
    found = infer(record(h100_nodes(2), HEALTHY_EFA), catalog_rows())
    assert (found.gpu, found.gpus_per_node, found.nodes, found.fabric, found.nics) == ("H100 80GB", 8, 2, "EFA", 32)
    assert found.instance_type == "p5.48xlarge" and found.candidates == ["p5.48xlarge"]
    assert any("16 device line(s)" in e for e in found.evidence) and any("32 NIC" in e for e in found.evidence)


def test_the_same_gpus_without_a_fabric_stay_unknown_and_are_grouped_by_what_is_known():
    found = infer(record(h100_nodes(2)), catalog_rows())
    assert found.instance_type is None and len(found.candidates) > 1
    assert found.group == "H100 80GB · unknown fabric"
    ib = infer(record(h100_nodes(2), HEALTHY_IB), catalog_rows())
    assert ib.fabric == "InfiniBand/RoCE" and ib.instance_type == "Standard_ND96isr_H100_v5"


def test_an_excerpt_of_the_device_list_counts_no_nodes():
    log, _ = read_log(LOGS / "all_reduce__coreweave-gb200-nvl72-2rack__coreweave-readme.txt")
    rec = RunRecord(run_id="t", devices=log.devices)
    found = infer(rec, catalog_rows())
    assert found.nodes is None and found.gpus_per_node is None


def test_ingest_records_the_inference_and_marks_an_inferred_instance(tmp_path, capsys):
    from fabricbench.cli.main import main as fabricbench

    out = tmp_path / "runs"
    assert fabricbench(["ingest", str(OTHER / "rccl-tests__mi350x-2gpu-algo-columns__amd-dev-sweep-parser.txt"),
                        "--out", str(out)]) == 0
    capsys.readouterr()
    import json

    [run] = list(out.iterdir())
    rec = json.loads((run / "run.json").read_text())
    assert rec["inferred"]["gpu"] == "MI350X" and rec["instance"]["instance_type"] == "unknown"
