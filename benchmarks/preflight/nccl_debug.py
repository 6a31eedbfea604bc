"""Capture NCCL's own INFO lines during a CUDA run, to record (and judge) the path it took.

Unless the user set NCCL_DEBUG already, a CUDA run with the torch backend sets NCCL_DEBUG=INFO,
NCCL_DEBUG_SUBSYS=INIT,NET,GRAPH and NCCL_DEBUG_FILE=<dir>/nccl.%h.%p before NCCL starts; after the
first size the files are parsed (benchmarks.nccltests.ncclinfo) into run.json's nccl_info.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Optional

from fabricbench.benchmarks.nccltests.ncclinfo import parse_info


def enable(cfg: Any) -> Optional[str]:
    if cfg.device != "cuda" or "torch" not in cfg.backends or "NCCL_DEBUG" in os.environ:
        return None
    directory = tempfile.mkdtemp(prefix="fabricbench-nccl-")
    os.environ.update(NCCL_DEBUG="INFO", NCCL_DEBUG_SUBSYS="INIT,NET,GRAPH",
                      NCCL_DEBUG_FILE=str(Path(directory) / "nccl.%h.%p"))
    return directory


def facts(directory: str) -> Optional[dict[str, Any]]:
    lines: list[str] = []
    for f in sorted(Path(directory).glob("nccl.*")):
        try:
            lines += f.read_text(errors="replace").splitlines()
        except OSError:
            continue
    return parse_info(lines) if lines else None
