"""Transport facts from real NCCL INFO lines (the corpus) and from the format strings in instances.md."""

from fabricbench.benchmarks.model.typed import to_dict
from fabricbench.benchmarks.nccltests.ingest import read_log
from fabricbench.benchmarks.nccltests.ncclinfo import parse_info
from tests.datasets import H200, LOGS


def test_socket_fallback_on_the_h200_machine():
    _, info = read_log(H200 / "ncclinfo.txt")
    assert info.network == "Socket" and info.path == "socket"
    assert info.net_plugin_missing is True and info.ib_no_device is True
    assert info.nvls_channels == 0 and info.nranks == 1


def test_old_aws_plugin_on_p4d_without_gdr(corpus):
    _, info = read_log(LOGS / "all_reduce__aws-p4d-efa-2node-ncclinfo__aws-ofi-nccl-i64.txt")
    assert info.transports["NET/AWS Libfabric"] == 2 and info.transports["P2P"] == 1
    assert info.net_channels_gdr == 0 and info.path == "efa"


def test_intra_node_p2p_only(corpus):
    _, info = read_log(LOGS / "all_reduce__h100-pcie-nvlink-2gpu-ncclinfo__nccl-tests-i194.txt")
    assert info.path == "intra-node"


def test_documented_lines():
    # Real examples quoted in shared/docs/instances.md section 3.4.
    lines = [
        "ip-10-0-0-1:1:1 [0] NCCL INFO NET/Plugin: Loaded net plugin Libfabric (v12)",
        "ip-10-0-0-1:1:1 [0] NCCL INFO NET/OFI Initializing aws-ofi-nccl git-6e504db",
        "ip-10-0-0-1:1:1 [0] NCCL INFO NET/OFI Selected provider is efa, fabric is efa-direct (found 16 nics)",
        "ip-10-0-0-1:1:1 [0] NCCL INFO Using network Libfabric",
        "ip-10-0-0-1:1:1 [0] NCCL INFO Channel 00/0 : 0[0] -> 1[0] [send] via NET/Libfabric/0/GDRDMA",
        "ip-10-0-0-1:1:1 [0] NCCL INFO Channel 00/1 : 0[0] -> 1[1] via P2P/CUMEM",
        "ip-10-0-0-1:1:1 [0] NCCL INFO Connected all rings, use ring PXN 0 GDR 1",
        "ip-10-0-0-1:1:1 [0] NCCL INFO NVLS multicast support is available on dev 0 (NVLS_NCHANNELS 16)",
        "ip-10-0-0-1:1:1 [0] NCCL INFO AllReduce: 1048576 Bytes -> Algo RING proto SIMPLE channel{Lo..Hi}={0..31}",
    ]
    info = parse_info(lines)
    assert (info.net_plugin, info.aws_ofi_nccl, info.provider, info.fabric, info.nics) == \
        ("Libfabric", "git-6e504db", "efa", "efa-direct", 16)
    assert info.path == "efa-rdma" and info.rings_gdr == 1 and info.nvls_available is True
    assert [to_dict(a) for a in info.algo_proto] == [{"op": "AllReduce", "algo": "RING", "proto": "SIMPLE", "count": 1}]
    ib = parse_info(["x NCCL INFO NET/IB : Using [0]mlx5_0:1/IB [RO]; OOB enp71s0:10.0.0.7<0>",
                     "x NCCL INFO Using network IB",
                     "x NCCL INFO Channel 00/0 : 0[0] -> 1[0] [send] via NET/IB/0/GDRDMA"])
    assert ib.path == "ib-rdma" and ib.ib_devices.startswith("[0]mlx5_0:1/IB")


def _info_lines() -> list[str]:
    """Every NCCL INFO/WARN and libfabric line of the real logs and the explain corpus."""
    from tests.datasets import DATA

    out = []
    for path in sorted(DATA.rglob("*")):
        if path.suffix in (".txt", ".log", ".out") and path.is_file():
            out += [s for s in path.read_text(errors="replace").splitlines()
                    if "NCCL INFO" in s or "NCCL WARN" in s or "<warn>" in s]
    return out


def test_each_pattern_matches_only_where_its_guard_is():
    """parse_info searches a line only where the pattern's literal (GUARDS) is in it: that skips nothing
    if no match can lack it. Held on every real line, and on the NET/ group's shared literal."""
    from fabricbench.benchmarks.nccltests.ncclinfo import _PATTERNS, GUARDS, NET

    lines = _info_lines()
    assert len(lines) > 400
    assert set(GUARDS) == set(_PATTERNS)
    for name, pattern in _PATTERNS.items():  # each literal is written in its pattern (as a required part:
        assert GUARDS[name] in pattern.pattern, name  # read by eye; the lines below test it)
    hits = dict.fromkeys(_PATTERNS, 0)
    net = set(NET)  # the NET/ group, read only on lines with 'NET/'
    assert net == {"plugin_loaded", "plugin_missing", "ofi_version", "libfabric_version", "provider", "platform",
                   "ib_devices", "ib_none", "socket"}
    for line in lines:
        for name, pattern in _PATTERNS.items():
            m = pattern.search(line)
            if m:
                hits[name] += 1
                assert GUARDS[name] in m.group(0), (name, line)  # in the match itself
                assert name not in net or "NET/" in line
    assert sum(v > 0 for v in hits.values()) >= 15  # the corpus exercises most patterns



def test_parse_info_builds_the_record_as_declared():
    """parse_info builds NcclInfo directly (from_dict's checks cost a third of it): the same record as
    from_dict gives, on every real line and on each log's lines alone."""
    from fabricbench.benchmarks.model.run import NcclInfo
    from fabricbench.benchmarks.model.typed import from_dict

    lines = _info_lines()
    for chunk in [lines] + [lines[i:i + 40] for i in range(0, len(lines), 40)]:
        info = parse_info(chunk)
        assert info == from_dict(NcclInfo, to_dict(info))
        assert to_dict(info) == to_dict(from_dict(NcclInfo, to_dict(info)))
