"""Every real log in shared/data gets a test: its classification and the rows it must yield.

Counts and values were read by hand from the files; the reason for each classification is in
shared/data/nccl-tests-logs/INDEX.md (and the comment beside it here).
"""

import pytest

from fabricbench.benchmarks.nccltests.ingest import read_log
from tests.datasets import H200, LOGS

# stem: (classification, rows, nranks (devices or derived) or None)
EXPECTED = {
    "all_gather__2gpu-bf16-stepbytes-1node__nccl-i1435": ("truncated", 7, 2),  # no footer
    "all_gather__a100-40gb-8gpu-1node__superbench-allgather": ("ok", 34, 8),
    "all_gather__gcp-a3high-h100-tcpx-2node__dstack-docs": ("ok", 11, 16),  # '#' stripped by the docs renderer
    "all_gather__gcp-a3mega-h100-tcpxo-2node-gke__cluster-toolkit": ("ok", 31, 16),
    "all_gather__gcp-a3mega-h100-tcpxo-2node__dstack-docs": ("ok", 11, 16),
    "all_reduce__a100-40gb-8gpu-1node__superbench-allreduce": ("ok", 34, 8),
    "all_reduce__a100-8gpu-1node-forkformat__nccl-i583": ("hang", 0, 8),  # header, then nothing
    "all_reduce__a100-8gpu-1node-massaged__ml-engineering": ("not_a_table", 0, None),  # '1048_576' sizes, 4 columns
    "all_reduce__aws-p4d-efa-2node-ncclinfo__aws-ofi-nccl-i64": ("hang", 0, None),  # excerpt: header + INFO only
    "all_reduce__aws-p4dn-1to4node-summary__nccl-i527": ("not_a_table", 0, None),  # hand-built: node count column
    "all_reduce__aws-p5-48xlarge-2node__adt-readme": ("truncated", 32, 16),  # srun '0: ' prefix, no footer
    "all_reduce__aws-p5-48xlarge-batch__adt-batch": ("ok", 32, 8),  # busbw/algbw = 1.75: one node
    "all_reduce__azure-gb300-example-SUSPECT__ai-infra-on-azure": ("inconsistent", 3, None),  # busbw < algbw
    "all_reduce__coreweave-gb200-nvl72-20rack__coreweave-readme": ("ok", 6, 1440),
    # every row's busbw/algbw is 1.9843 = 2*127/128, the only device line says 'Rank 143' (INDEX: copy-paste artefact)
    "all_reduce__coreweave-gb200-nvl72-2rack__coreweave-readme": ("inconsistent", 6, 144),
    "all_reduce__coreweave-h100-ib-sharp-k8s__coreweave-readme": ("truncated", 5, 96),  # '...' elision
    "all_reduce__dgx-a100-ib-2node-k8s__deepops-netop": ("ok", 30, 16),  # pre-2.13 deviations 2e-07
    "all_reduce__dgx-spark-gb10-2node__dgx-spark-playbooks-pr103": ("truncated", 4, 2),
    "all_reduce__dgx1-v100-roce100g-2node-k8s__deepops-roce": ("ok", 29, 16),
    "all_reduce__gcp-a4-b200-2node__dstack-docs": ("ok", 11, 16),
    "all_reduce__h100-pcie-nvlink-2gpu-ncclinfo__nccl-tests-i194": ("truncated", 2, 2),
    # Test NCCL failure after 16 GiB; busbw/algbw = 1.998 implies ~1000 ranks (INDEX), 1022 at print precision
    "all_reduce__hpc-ib-multinode-error__nccl-tests-i322": ("error", 5, 1022),
    "all_reduce__lambda-b200-ib-2node__dstack-docs": ("ok", 29, 16),
    "all_reduce__mi210-rocm-4gpu-error__rccl-tests-i50": ("error", 0, 4),  # rccl-tests
    "all_reduce__nebius-h100-ib-2node__dstack-docs": ("ok", 31, 16),
    "all_reduce__oci-gb300-2rack-32node__oci-gb300-quickstart": ("truncated", 2, 128),
    "all_reduce__oci-gb300-nvl72-16node__oci-gb300-quickstart": ("truncated", 2, 64),
    "all_reduce__p100-pcie-8gpu-1node-nccl1-error__nccl-tests-i5": ("error", 0, 8),  # 2017 format, NCCL 1.0
    "alltoall__a100-40gb-8gpu-1node__superbench-alltoall": ("ok", 34, 8),  # blank redop
    "alltoall__oci-gb300-1node__oci-gb300-quickstart": ("truncated", 2, 4),
    "alltoall__rtx5090-1gpu-single__nccl-tests-i287": ("ok", 1, 1),  # overflowing algbw columns
    "alltoall__v100-ib100-8node-errcol__nccl-tests-i78": ("ok", 2, None),  # old deviation column, blank redop
    "broadcast__a100-40gb-8gpu-1node__superbench-broadcast": ("ok", 34, 8),
    "reduce__a100-40gb-8gpu-1node__superbench-reduce": ("ok", 34, 8),
    "reduce_scatter__a100-40gb-8gpu-1node__superbench-reducescatter": ("ok", 34, 8),
    "sendrecv__a40-2node-1gpu-each__nccl-tests-i214": ("truncated", 5, 2),
}


def test_every_corpus_log_has_an_expectation(corpus):
    assert {p.stem for p in corpus.glob("*.txt")} == set(EXPECTED)


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_classification_and_rows(corpus, stem):
    status, nrows, nranks = EXPECTED[stem]
    log, _ = read_log(corpus / f"{stem}.txt")
    assert (log.status, len(log.rows)) == (status, nrows), log.reasons
    assert log.nranks == nranks
    assert log.collective == stem.split("__")[0].replace("alltoall", "all_to_all")
    if status != "ok":
        assert log.reasons and log.reasons[0].startswith(status)


def _row(stem, index):
    log, _ = read_log(LOGS / f"{stem}.txt")
    return log, log.rows[index]


def test_values_read_by_hand(corpus):
    log, r = _row("sendrecv__a40-2node-1gpu-each__nccl-tests-i214", 0)
    assert (r.size, r.count, r.type, r.redop, r.root) == (256, 64, "float", "sum", -1)
    assert (r.out_of_place.time_us, r.out_of_place.wrong, r.in_place.time_us) == (34.24, 0, 33.65)
    assert r.in_place.wrong is None and r.in_place.wrong_raw == "N/A"
    assert log.hosts == ["gpu23", "gpu24"]

    log, r = _row("all_gather__2gpu-bf16-stepbytes-1node__nccl-i1435", 0)
    assert (r.size, r.type, r.out_of_place.time_us, r.in_place.busbw) == (16777216, "bfloat16", 108.8, 85.43)
    assert [x.size for x in log.rows] == [16 * (i + 1) << 20 for i in range(7)]

    _, r = _row("all_reduce__dgx-a100-ib-2node-k8s__deepops-netop", 0)
    assert r.out_of_place.wrong is None and r.out_of_place.wrong_raw == "2e-07"  # a deviation, not a count

    log, r = _row("all_reduce__aws-p5-48xlarge-2node__adt-readme", 0)
    assert (r.size, r.out_of_place.time_us, r.in_place.time_us) == (8, 69.12, 72.43)

    log, r = _row("all_reduce__azure-gb300-example-SUSPECT__ai-infra-on-azure", -1)
    assert (r.size, r.out_of_place.algbw, r.out_of_place.busbw) == (17179869184, 939.58, 936.93)
    assert "busbw < algbw" in log.reasons[0]

    log, r = _row("alltoall__v100-ib100-8node-errcol__nccl-tests-i78", 1)
    assert (r.size, r.redop, r.out_of_place.time_us, r.in_place.wrong_raw) == (536870912, "", 1041974.0, "1e+00")
    assert log.footer_ok is True and log.footer_oob == 0

    _, r = _row("alltoall__rtx5090-1gpu-single__nccl-tests-i287", 0)
    assert (r.out_of_place.algbw, r.in_place.algbw, r.in_place.wrong_raw) == (1715.44, 43046.10, "N/A")

    log, r = _row("all_gather__a100-40gb-8gpu-1node__superbench-allgather", 0)
    assert (r.size, r.count, r.redop, r.root) == (0, 0, "", -1) and log.rows[5].size == 32
    assert len(log.info_lines) == 1

    _, r = _row("broadcast__a100-40gb-8gpu-1node__superbench-broadcast", 10)
    assert r.root == 0 and r.redop == "" and r.out_of_place.algbw == r.out_of_place.busbw

    log, _ = _row("all_reduce__lambda-b200-ib-2node__dstack-docs", 0)
    assert (log.version, log.nccl_version, log.program) == ("2.17.6", "2.26.2", "all_reduce_perf")


def test_error_logs_keep_the_error_line(corpus):
    log, _ = read_log(corpus / "all_reduce__hpc-ib-multinode-error__nccl-tests-i322.txt")
    assert log.errors[0].startswith("HCA-128: Test NCCL failure common.cu:1204 'unhandled cuda error")
    assert log.rows[-1].size == 17179869184
    log, _ = read_log(corpus / "all_reduce__mi210-rocm-4gpu-error__rccl-tests-i50.txt")
    assert log.tool == "rccl-tests" and log.params["nRanks"] == 1


def test_newest_version_line_with_git_hash(corpus):
    log, _ = read_log(corpus / "all_reduce__dgx-spark-gb10-2node__dgx-spark-playbooks-pr103.txt")
    assert (log.version, log.git_hash) == ("2.20.0", "b4d5bee")


@pytest.mark.parametrize("name,rows,collective", [("all_reduce.json", 13, "all_reduce"),
                                                  ("alltoall.json", 13, "all_to_all"),
                                                  ("sendrecv.json", 13, "sendrecv")])
def test_json_files(name, rows, collective):
    log, _ = read_log(H200 / name)
    assert (log.format, log.status, len(log.rows), log.collective) == ("json", "ok", rows, collective)
    assert log.nccl_version == "2.28.9" and log.devices[0].name == "NVIDIA H200"
    assert log.rows[0].size == (0 if collective == "all_to_all" else 8)  # 1 rank: 8 B per peer rounds to 0


def test_json_and_text_of_the_same_run_agree():
    js, _ = read_log(H200 / "all_reduce.json")
    tx, _ = read_log(H200 / "all_reduce_json.txt")
    assert [r.size for r in js.rows] == [r.size for r in tx.rows]
    for a, b in zip(js.rows, tx.rows, strict=True):
        assert abs(a.out_of_place.time_us - b.out_of_place.time_us) <= 0.006


@pytest.mark.parametrize("name,status", [("all_reduce_default.txt", "ok"), ("all_reduce_periter.txt", "ok"),
                                         ("all_reduce_graph.txt", "ok"), ("reduce_scatter_cpu.txt", "ok"),
                                         ("broadcast_z3.txt", "ok"), ("all_gather.txt", "ok"),
                                         ("all_reduce_dall.txt", "error"), ("bad_option.txt", "not_a_table")])
def test_h200_text_formats(name, status):
    log, _ = read_log(H200 / name)
    assert log.status == status, log.reasons


def test_per_iteration_columns_and_timestamps():
    log, _ = read_log(H200 / "all_reduce_periter.txt")
    r = log.rows[0]
    assert set(r.out_of_place.per_iter) == {"min_us", "max_us", "p99_us", "cv_pct"} and r.timestamp


def test_cputime_logs_are_marked():
    log, _ = read_log(H200 / "reduce_scatter_cpu.txt")
    assert log.time_kind == "cputime"
