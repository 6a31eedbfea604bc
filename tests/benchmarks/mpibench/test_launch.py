"""Launcher lines as users paste them above a benchmark's output."""

from fabricbench.benchmarks.mpibench.launch import parse_launch


def test_mpirun_srun_and_intel_forms():
    a = parse_launch("$ mpirun -n 144 -N 36 -hostfile ~/hostlist.txt -x UCX_NET_DEVICES=mlx5_2:1 osu_allreduce -m 4:8",
                     "osu_")
    assert (a.ranks, a.per_node, a.node_count) == (144, 36, 4)
    b = parse_launch("srun -N 2 -n 16 --mpi=pmix ./pt2pt/osu_bw D D", "osu_")
    assert (b.ranks, b.nodes, b.node_count, b.args) == (16, 2, 2, ("D", "D"))
    c = parse_launch("mpirun -n 144 -ppn 36 -hostfile h -genv X=1 IMB-MPI1 -msglog 27:28 allreduce", "IMB-")
    assert (c.ranks, c.node_count) == (144, 4)
    d = parse_launch("mpiexec -np 2 ./osu_latency -d cuda D H", "osu_")
    assert (d.ranks, d.node_count, d.args) == (2, None, ("-d", "cuda", "D", "H"))


def test_not_a_launcher_line():
    assert parse_launch("# OSU MPI Latency Test v7.5", "osu_") is None
    assert parse_launch("mpirun -n 4 ./all_reduce_perf -b 8", "osu_") is None
