"""Probes and parsers on fake sysfs trees and the real examples quoted in shared/docs/instances.md."""

import pytest

from fabricbench.benchmarks.preflight import sysfs, tools
from tests.datasets import H200

# fi_info outputs quoted in shared/docs/instances.md 2.1 (AWS doc p3dn example; EKS pods, newer libfabric).
FI_OLD = """provider: efa
fabric: EFA-fe80::94:3dff:fe89:1b70
domain: efa_0-rdm
version: 2.0
type: FI_EP_RDM
protocol: FI_PROTO_EFA
"""
FI_NEW = """provider: efa
    fabric: efa-direct
    domain: rdmap47s0-rdm
    version: 201.0
    type: FI_EP_RDM
    protocol: FI_PROTO_EFA
provider: efa
    fabric: efa
    domain: rdmap47s0-rdm
    ...
provider: efa
    fabric: efa
    domain: rdmap47s0-dgrm
    type: FI_EP_DGRAM
"""
# nvidia-smi topo -m on a DGX A100, as quoted in shared/docs/instances.md 2.1 (NVIDIA/nccl#1505).
TOPO_DGX = """        GPU0    GPU1    GPU2    GPU3    NIC0    NIC1    CPU Affinity    NUMA Affinity   GPU NUMA ID
GPU0     X      NV12    NV12    NV12    PXB     PXB     48-63,176-191   3               N/A
GPU1    NV12     X      NV12    NV12    PXB     PXB     48-63,176-191   3               N/A
GPU2    NV12    NV12     X      NV12    SYS     SYS     16-31,144-159   1               N/A
GPU3    NV12    NV12    NV12     X      SYS     SYS     16-31,144-159   1               N/A
"""


def _tree(root, names, link_layer=None):
    for n in names:
        d = root / n
        (d / "ports" / "1").mkdir(parents=True)
        (d / "node_guid").write_text("0000:0000:0000:0001\n")
        if link_layer:
            (d / "ports" / "1" / "link_layer").write_text(link_layer + "\n")
    return root


def test_p5_like_tree(tmp_path):
    root = _tree(tmp_path / "ib", [f"rdmap{79 + i}s0" for i in range(32)])
    devs = sysfs.rdma_devices(root)
    assert sysfs.counts(devs) == {"efa": 32} and devs[0].node_guid.startswith("0000")


def test_azure_and_roce_trees(tmp_path):
    az = _tree(tmp_path / "az", [f"mlx5_ib{i}" for i in range(8)] + ["mlx5_an0"], "InfiniBand")
    assert sysfs.counts(sysfs.rdma_devices(az)) == {"ib": 8, "ethernet-vf": 1}
    roce = _tree(tmp_path / "roce", ["mlx5_0", "mlx5_1"], "Ethernet")
    assert sysfs.counts(sysfs.rdma_devices(roce)) == {"roce": 2}
    assert sysfs.rdma_devices(tmp_path / "missing") == []


def test_uverbs(tmp_path):
    for i in range(4):
        (tmp_path / f"uverbs{i}").write_text("")
    (tmp_path / "rdma_cm").write_text("")
    assert sysfs.uverbs_count(tmp_path) == 4 and sysfs.uverbs_count(tmp_path / "nope") == 0


def test_fi_info_examples():
    old = tools.efa_summary(tools.parse_fi_info(FI_OLD))
    assert old == {"efa_provider": True, "efa_rdm_domains": 1, "efa_fabrics": ["EFA-fe80::94:3dff:fe89:1b70"],
                   "fi_provider_version": "2.0"}
    new = tools.efa_summary(tools.parse_fi_info(FI_NEW))
    assert new["efa_rdm_domains"] == 1 and new["efa_fabrics"] == ["efa", "efa-direct"]
    assert tools.efa_summary(tools.parse_fi_info(""))["efa_provider"] is False
    version = "fi_info: 1.22.0amzn4.0\nlibfabric: 1.22.0amzn4.0\nlibfabric api: 1.22"
    assert tools.parse_fi_version(version) == "1.22.0amzn4.0"


def test_topology_real_outputs():
    dgx = tools.parse_topo(TOPO_DGX)
    assert dgx["gpus"] == ["GPU0", "GPU1", "GPU2", "GPU3"] and dgx["nics"] == ["NIC0", "NIC1"]
    assert dgx["nvlinks"] == {"GPU0": 12, "GPU1": 12, "GPU2": 12, "GPU3": 12}
    assert dgx["links"]["GPU2"]["NIC0"] == "SYS"
    one = tools.parse_topo((H200 / "nvidia-smi-topo-m.txt").read_text())  # real, with ANSI underline codes
    assert one["gpus"] == ["GPU0"] and one["nvlinks"] == {"GPU0": 0}


@pytest.mark.parametrize("text", ["", "garbage\n\x00\x01", "GPU0\nGPU0 X"])
def test_topology_garbage_is_harmless(text):
    tools.parse_topo(text)
