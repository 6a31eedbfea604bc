"""The closed vocabularies of results: statuses, verdicts, paths and timing modes.

Every one is a string on disk (so files stay readable and stable) and an enum in code (so a
misspelt status is an error where it is written, and a reader never recovers a verdict from the
prefix of a sentence).
"""

from __future__ import annotations

from fabricbench.benchmarks.model.typed import StrEnum


class RunStatus(StrEnum):
    """How a run (or an ingested log) ended."""

    OK = "ok"  # every size done, data correct
    FAILED = "failed"  # some size had wrong data, or the log reports a failure
    INCOMPLETE = "incomplete"  # ended early: timeout, killed rank, crash, truncated log
    INTERRUPTED = "interrupted"  # stopped by Ctrl-C (SIGINT/SIGTERM): completed sizes are kept
    INVALID = "invalid"  # preflight refused the environment: nothing was measured


class Verdict(StrEnum):
    """A preflight (or explain) judgement; ordered: ok < warning < invalid."""

    OK = "ok"
    WARNING = "warning"
    INVALID = "invalid"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]

    @classmethod
    def worst(cls, verdicts: list[Verdict]) -> Verdict:
        return max(verdicts, key=lambda v: v.severity, default=cls.OK)


_SEVERITY = {Verdict.OK: 0, Verdict.WARNING: 1, Verdict.INVALID: 2}


class GateVerdict(StrEnum):
    """The regression gate's answer for a unit and for a whole comparison."""

    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    INVALID = "invalid"  # the environment, not the performance, is wrong
    SKIPPED = "skipped"  # a unit present on one side only: not compared


class NcclPath(StrEnum):
    """The inter-node path NCCL took, from its INFO lines (benchmarks.nccltests.ncclinfo)."""

    EFA_RDMA = "efa-rdma"  # EFA through aws-ofi-nccl with GPUDirect RDMA
    EFA = "efa"  # EFA without GPUDirect RDMA
    IB_RDMA = "ib-rdma"
    IB = "ib"
    TCPX = "tcpx"  # GCP GPUDirect-TCPX / TCPXO plugins
    SOCKET = "socket"  # NET/Socket: TCP fallback
    INTRA_NODE = "intra-node"  # no network transport used (one node)
    OTHER = "other"  # a network NCCL named that none of the above covers
    UNKNOWN = "unknown"  # no INFO lines, or nothing that says


class TimingMode(StrEnum):
    """How a point's samples were taken. The gate never compares two timing modes."""

    ITER = "iter"  # one operation per sample, barrier before each (own runs; nccl-tests -I)
    BATCH = "batch"  # back-to-back operations per sample (nccl-tests style)
    GRAPH = "graph"  # CUDA-graph replay of a batch
    NCCL_TESTS = "nccl-tests"  # an nccl-tests row: the mean of its timed iterations
    NCCL_TESTS_GRAPH = "nccl-tests-graph"  # an nccl-tests row with -G (CUDA graph launches)
    CPUTIME = "cputime"  # nccl-tests -C 1: CPU launch time, not a latency
    OSU = "osu"  # an OSU Micro-Benchmarks row: the mean over its iterations, averaged over ranks
    IMB = "imb"  # an Intel MPI Benchmarks row: per-rank mean over repetitions, the slowest rank (t_max)
    PRODUCTION = "production"  # a real job's operations (NCCL Inspector): never gated against benchmark runs


class LogClass(StrEnum):
    """What an ingested log is; most severe first (the first that applies is its class)."""

    ERROR = "error"  # a "Test NCCL/CUDA failure" or timeout line
    WRONG_DATA = "wrong_data"  # #wrong > 0, or the footer says FAILED
    INCONSISTENT = "inconsistent"  # its numbers contradict its collective: kept, not trusted
    HANG = "hang"  # a table header, then no rows, no footer and no error
    NOT_A_TABLE = "not_a_table"  # nothing that parses as a results table
    TRUNCATED = "truncated"  # rows but no footer, or elided parts: an excerpt or a killed run
    OK = "ok"


LOG_SEVERITY = list(LogClass)
