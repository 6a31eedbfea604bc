"""Fault injection, for tests only: make a rank stall or corrupt its result at one point.

FABRICBENCH_FAULT="stall:rank=1,collective=all_reduce,size=64K"
FABRICBENCH_FAULT="corrupt:rank=0,collective=all_gather,size=1K"
FABRICBENCH_FAULT="stall:rank=1,stage=init"   (while opening the backends: communicator init)
Keys other than the kind are optional filters (rank, collective, size, backend, stage). A stall
sleeps before the rank arrives at the point (as a hung or dead peer would look); corrupt
flips one element of the rank's output after the data-check operation.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Optional

from fabricbench.benchmarks.sizes import parse_size

ENV = "FABRICBENCH_FAULT"


@dataclass(frozen=True)
class Fault:
    kind: str
    rank: Optional[int] = None
    collective: Optional[str] = None
    size: Optional[int] = None
    backend: Optional[str] = None
    stage: Optional[str] = None  # None: a size point; "init": while the backends open

    def at_init(self, rank: int) -> bool:
        return self.stage == "init" and (self.rank is None or self.rank == rank)

    def matches(self, rank: int, collective: str, size: int, backend: str) -> bool:
        return (self.stage is None and (self.rank is None or self.rank == rank)
                and (self.collective is None or self.collective == collective)
                and (self.size is None or self.size == size)
                and (self.backend is None or self.backend == backend))


def from_env(environ: Optional[dict] = None) -> Optional[Fault]:
    text = (environ if environ is not None else os.environ).get(ENV, "").strip()
    if not text:
        return None
    kind, _, rest = text.partition(":")
    fields = dict(kv.split("=", 1) for kv in rest.split(",") if "=" in kv)
    return Fault(
        kind=kind.strip(),
        rank=int(fields["rank"]) if "rank" in fields else None,
        collective=fields.get("collective"),
        size=parse_size(fields["size"]) if "size" in fields else None,
        backend=fields.get("backend"),
        stage=fields.get("stage"),
    )


def stall_forever() -> None:
    while True:
        time.sleep(3600)
