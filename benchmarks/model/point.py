"""One line of samples.jsonl: one size of one collective configuration, every rank's times."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from fabricbench.benchmarks.model.enums import TimingMode
from fabricbench.benchmarks.model.run import doc

SAMPLE_SCHEMA_VERSION = 2


@dataclass
class PointRecord:
    """One size point; ``time_us`` is [rank][iteration] in microseconds per operation."""

    collective: str = field(metadata=doc("the spec's name (collectives/)"))
    backend: str = field(metadata=doc("mpi · torch · nccl-tests · ..."))
    transport: str = field(metadata=doc("mpi · gloo · nccl"))
    device: str = field(metadata=doc("cpu · cuda"))
    dtype: str
    redop: str = field(metadata=doc("reduction, or `none`"))
    inplace: bool
    root: int = field(metadata=doc("root rank, -1 where unused"))
    size_bytes: int = field(metadata=doc("nccl-tests semantics (docs/formulas.md)"))
    count: int
    nranks: int
    nnodes: int = field(metadata=doc("0 = unknown (a log without host names)"))
    timing: TimingMode
    timer: str = field(metadata=doc("python · native-c · cuda-events · cuda-graph · nccl-tests ..."))
    ops_per_sample: int = field(metadata=doc("operations per timed sample (time_us is already divided by it)"))
    warmup: int
    stop_reason: str = field(metadata=doc("fixed · ci_target · time_cap · max_iters"))
    wrong: Optional[int] = field(metadata=doc("wrong elements summed over ranks; null = not checked"))
    time_us: list[list[float]] = field(repr=False, metadata=doc("[rank][iteration] us per operation", raw=True))
    peers: Optional[list[int]] = field(default=None, metadata=doc("the two ranks of a point-to-point test"))
    busbw_factor: float = field(default=0.0, metadata=doc("busbw / algbw for this collective and rank count"))
    wall_s: float = field(default=0.0, metadata=doc("wall time of the whole point"))
    source: str = field(default="fabricbench", metadata=doc("fabricbench, or the tool a log came from"))
    extra: Optional[dict[str, Any]] = field(default=None, metadata=doc(
        "source-specific facts (nccl-tests: printed values, line)", flat=True))
    pattern: str = field(default="collective", metadata=doc("collective · pairwise · bisection · intra"))
    pairs: Optional[list[list[int]]] = field(default=None, metadata=doc("concurrent rank pairs of a pattern round"))
    round: Optional[int] = None
    group: Optional[list[int]] = field(default=None, metadata=doc("locate: the ranks of this group"))
    role: Optional[str] = field(default=None, metadata=doc("locate: reference, or the test it was (half0, whole...)"))
    trusted: bool = field(default=True, metadata=doc("false for rows of a log whose numbers contradict themselves"))
    schema: int = SAMPLE_SCHEMA_VERSION
