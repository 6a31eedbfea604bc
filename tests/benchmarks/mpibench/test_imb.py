"""Intel MPI Benchmarks logs (tests/data/other-logs/INDEX.md): one run per '# Benchmarking' block,
#processes as the rank count, t_max as the time with t_min/t_avg kept, values read by hand."""

import pandas as pd
import pytest

from fabricbench.benchmarks.model.enums import LogClass
from fabricbench.benchmarks.nccltests.ingest import read_logs
from fabricbench.cli.main import main as fabricbench
from tests.datasets import OTHER

OCI = OTHER / "imb__oci-bm-optimized3-36-roce-4node__ocitutorials-run-imb.txt"
RECORDED = OTHER / "recorded__imb-mpi1-np2.txt"


def test_every_block_of_the_recorded_run():
    logs = [log for log, _ in read_logs(RECORDED)]
    assert [(log.collective, log.nranks, len(log.rows)) for log in logs] == [
        ("p2p_latency", 2, 22), ("sendrecv", 2, 22), ("all_reduce", 2, 20), ("all_gather", 2, 22),
        ("all_to_all", 2, 22), ("broadcast", 2, 22), ("reduce", 2, 20), ("reduce_scatter", 2, 20)]
    assert all(log.status == LogClass.OK and log.version == "2021.11" and log.concluded for log in logs)
    pingpong, sendrecv, allreduce = logs[:3]
    last = pingpong.rows[-1].out_of_place
    assert (pingpong.rows[-1].size, last.time_us, last.per_iter["bandwidth_MBps"]) == (1048576, 249.70, 4199.27)
    s = sendrecv.rows[-1].out_of_place
    assert (s.time_us, s.per_iter["min_us"], s.per_iter["avg_us"]) == (290.34, 290.24, 290.29)  # t_max kept
    a = allreduce.rows[-1]
    assert (a.type, a.redop, a.count, a.out_of_place.time_us) == ("float32", "sum", 262144, 1551.56)


def test_oci_144_ranks_on_4_nodes(tmp_path, capsys):
    out = tmp_path / "runs"
    assert fabricbench(["ingest", str(OCI), "--out", str(out)]) == 0
    capsys.readouterr()
    s = pd.concat([pd.read_csv(p / "summary.csv") for p in sorted(out.iterdir())], ignore_index=True)
    pp = s[s.collective == "p2p_latency"].sort_values("size_bytes").iloc[-1]
    assert (pp.nranks, pp.nnodes, pp.time_us_median) == (2, 2, 21983.36)
    assert pp.busbw_gbps == pytest.approx(12.21085, abs=1e-5)  # = 12210.85 Mbytes/sec as printed
    ar = s[s.collective == "all_reduce"].sort_values("size_bytes").iloc[-1]
    assert (ar.nranks, ar.nnodes, ar.size_bytes, ar.time_us_median, ar.timing) == (
        144, 4, 268435456, 433311.53, "imb")
    assert ar.busbw_gbps == pytest.approx(268435456 / 433311.53e-6 / 1e9 * 2 * 143 / 144, rel=1e-9)
    assert ar.statistic.startswith("imb: t_max")


def test_allgather_sizes_are_per_rank_in_imb(tmp_path, capsys):
    out = tmp_path / "runs"
    assert fabricbench(["ingest", str(RECORDED), "--out", str(out)]) == 0
    capsys.readouterr()
    s = pd.concat([pd.read_csv(p / "summary.csv") for p in sorted(out.iterdir())], ignore_index=True)
    ag = s[s.collective == "all_gather"].sort_values("size_bytes").iloc[-1]
    assert ag.size_bytes == 2 * 1048576 and ag.time_us_median == 1019.13
