"""OSU Micro-Benchmarks logs (published and recorded, tests/data/other-logs/INDEX.md): every number
read by hand, the statistic named, ranks and nodes from the launcher line, busbw by our factors."""

import json

import pandas as pd
import pytest

from fabricbench.benchmarks.model.enums import LogClass
from fabricbench.benchmarks.mpibench.osu import parse_osu
from fabricbench.benchmarks.nccltests.ingest import read_logs
from fabricbench.cli.main import main as fabricbench
from tests.datasets import OTHER

OCI_GPU = OTHER / "osu__oci-bm-gpu4-8-a100-cuda-2node__ocitutorials-run-omb-gpu.txt"
OCI_HPC = OTHER / "osu__oci-bm-optimized3-36-roce-4node__ocitutorials-run-omb-hpc.txt"
FULL = OTHER / "osu__allreduce-full-8node-cxl-numa__nwtnni-collective.txt"


def summaries(tmp_path, capsys, log, *extra):
    out = tmp_path / "runs"
    assert fabricbench(["ingest", str(log), "--out", str(out), *extra]) == 0
    capsys.readouterr()
    rows = []
    for run in sorted(p for p in out.iterdir() if p.is_dir()):
        s = pd.read_csv(run / "summary.csv")
        s["program"] = json.loads((run / "run.json").read_text())["log"]["program"]
        rows.append(s)
    return pd.concat(rows, ignore_index=True)


def test_one_log_per_test_with_the_launcher_line_read(tmp_path, capsys):
    logs = [log for log, _ in read_logs(OCI_GPU)]
    assert [(log.collective, log.nranks, log.nodes_hint, log.device, log.transport) for log in logs] == [
        ("p2p_latency", 2, None, "cuda", "mpi"), ("p2p_bw", 2, None, "cuda", "mpi"),
        ("p2p_latency", 2, 2, "cuda", "mpi"), ("p2p_bw", 2, 2, "cuda", "mpi"),
        ("all_reduce", 16, 2, "cuda", "nccl")]  # osu_xccl_allreduce: NCCL under OSU's loop
    assert all(log.status == LogClass.OK and log.version == "7.5" for log in logs)
    assert logs[1].params["buffers"] == "D D" and logs[1].params["datatype"] == "MPI_CHAR"


def test_values_latency_bandwidth_and_a_collective(tmp_path, capsys):
    s = summaries(tmp_path, capsys, OCI_GPU)
    lat = s[(s.collective == "p2p_latency") & (s.nnodes == 2)].iloc[0]
    assert lat.time_us_median == 3.89 and lat.size_bytes == 1 and lat.timing == "osu"
    assert lat.statistic.startswith("osu: mean one-way latency")
    bw = s[(s.collective == "p2p_bw") & (s.nnodes == 2)].iloc[0]
    # 11962.21 MB/s (10^6 B/s) for 256 MiB: time per message = 268435456 / 11962.21e6 s
    assert bw.time_us_median == pytest.approx(268435456 / 11962.21, rel=1e-9)
    assert bw.busbw_gbps == pytest.approx(11.96221, abs=1e-5)
    ar = s[s.collective == "all_reduce"].iloc[0]
    # 1 GiB in 13482.19 us on 16 ranks: algbw 79.641, busbw x 2*15/16
    assert ar.busbw_gbps == pytest.approx(1073741824 / 13482.19e-6 / 1e9 * 1.875, rel=1e-9)
    assert (ar.nranks, ar.nnodes, ar.device, ar.transport) == (16, 2, "cuda", "nccl")


def test_alltoall_sizes_become_the_whole_buffer_once_the_rank_count_is_known(tmp_path, capsys):
    s = summaries(tmp_path, capsys, OCI_HPC)
    a2a = s[s.collective == "all_to_all"].sort_values("size_bytes")
    assert a2a.nranks.eq(36).all() and a2a.nnodes.eq(0).all()  # 'mpirun -n 36' names no node count
    last = a2a.iloc[-1]
    assert last.size_bytes == 67108864 * 36 and last.time_us_median == 747888.64
    assert last.busbw_gbps == pytest.approx(67108864 * 36 / 747888.64e-6 / 1e9 * 35 / 36, rel=1e-9)
    ar = s[s.collective == "all_reduce"].sort_values("size_bytes").iloc[-1]
    assert (ar.nranks, ar.nnodes, ar.size_bytes, ar.time_us_median) == (144, 4, 268435456, 496306.98)
    assert s[s.collective == "p2p_bw"].iloc[0].busbw_gbps == pytest.approx(12.25416, abs=1e-5)


def test_full_format_keeps_min_max_and_iterations_and_needs_a_rank_count(tmp_path, capsys):
    [log] = parse_osu(FULL.read_text())
    first = log.rows[0].out_of_place
    assert (first.time_us, first.per_iter["min_us"], first.per_iter["max_us"], first.per_iter["iterations"]) == (
        22133.49, 21507.13, 22292.83, 1000.0)
    assert log.params["datatype"] == "MPI_FLOAT" and log.rows[0].type == "float32" and log.rows[0].count == 1
    s = summaries(tmp_path, capsys, FULL)
    assert s.busbw_gbps.isna().all()  # no rank count in the output: no busbw, never a guessed one
    s = summaries(tmp_path / "with", capsys, FULL, "--ranks", "8")
    last = s.sort_values("size_bytes").iloc[-1]
    assert last.nranks == 8 and last.busbw_gbps == pytest.approx(1048576 / 657.88e-6 / 1e9 * 1.75, rel=1e-9)


RECORDED = {  # file -> (collective, rows, last size as OSU prints it, its number)
    "recorded__osu_latency.txt": ("p2p_latency", 23, 4194304, 3425.09),
    "recorded__osu_bw.txt": ("p2p_bw", 23, 4194304, 2935.60),
    "recorded__osu_bibw.txt": ("p2p_bibw", 23, 4194304, 5626.33),
    "recorded__osu_allreduce-np2-full.txt": ("all_reduce", 19, 1048576, 2394.45),
    "recorded__osu_alltoall-np2-full.txt": ("all_to_all", 19, 1048576, 365.05),
    "recorded__osu_reduce_scatter-np2-full.txt": ("reduce_scatter", 19, 1048576, 884.64),
    "recorded__ombpy-latency.txt": ("p2p_latency", 22, 1048576, 146.95),
    "recorded__ombpy-bw.txt": ("p2p_bw", 21, 1048576, 8427.63),
    "recorded__omb53-osu_latency.txt": ("p2p_latency", 24, 4194304, 1546.06),  # OMB 5.x header: 0 B to 4 MiB
    "recorded__omb53-osu_allreduce-full.txt": ("all_reduce", 15, 65536, 44.85),
}


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_recorded_outputs_of_this_machine(name):
    collective, n_rows, size, value = RECORDED[name]
    [(log, _)] = read_logs(OTHER / name)
    assert (log.collective, len(log.rows), log.nranks, log.status) == (collective, n_rows, 2, LogClass.OK)
    last = log.rows[-1]
    shown = last.out_of_place.per_iter.get("bandwidth_MBps", last.out_of_place.time_us)
    assert (last.size, shown) == (size, value)


def test_bibw_time_is_twice_the_message_over_the_aggregate_bandwidth():
    [(log, _)] = read_logs(OTHER / "recorded__osu_bibw.txt")
    half = log.rows[-1].out_of_place
    assert half.time_us == pytest.approx(2 * 4194304 / 5626.33, rel=1e-12)  # busbw x2 gives 5626.33 MB/s back


def test_a_failed_omb_py_run_is_an_error_log():
    [(log, _)] = read_logs(OTHER / "recorded__ombpy-allreduce.txt")
    assert log.status == LogClass.ERROR and log.rows == [] and "Traceback" in log.errors[0]


def test_a_file_is_osu_only_where_its_title_comes_before_any_nccl_tests_table(tmp_path, corpus):
    """OSU/IMB titles are looked for before the first nccl-tests header only (ingest speed): a real OSU
    output is OSU wherever it sits before a table, and an nccl-tests log is never searched past its header."""
    from tests.datasets import LOGS

    osu = (OTHER / "recorded__osu_latency.txt").read_text()
    nccl = (LOGS / "all_reduce__a100-40gb-8gpu-1node__superbench-allreduce.txt").read_text()
    for name, text, backend in (("osu-first.txt", osu + nccl, "osu"), ("nccl-first.txt", nccl + osu, "nccl-tests"),
                                ("osu.txt", osu, "osu")):
        (tmp_path / name).write_text(text)
        logs = [log for log, _ in read_logs(tmp_path / name)]
        assert {log.backend for log in logs} == {backend}, name
        assert all(log.rows for log in logs)
