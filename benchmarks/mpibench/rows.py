"""One measured size of an MPI benchmark, as the shared nccl-tests Row (one half: these tools have no
in-place/out-of-place pair), with the tool's own statistic named beside the number."""

from __future__ import annotations

from typing import Any, Optional

from fabricbench.benchmarks.nccltests.model import Half, Row

MB = 1e6  # OSU's and IMB's MB/s are 10^6 bytes per second


def time_row(size: int, dtype_size: int, dtype: str, time_us: float, stats: dict[str, Any], line: int,
             wrong: Optional[int] = None) -> Row:
    """A row whose number is a time (latency, t_max...)."""
    algbw = size / (time_us * 1e3) if time_us > 0 else 0.0
    half = Half(time_us, algbw, algbw, wrong, "N/A" if wrong is None else str(wrong), bw_halfunit=5e-3,
                time_halfunit=5e-3, per_iter=stats)
    return Row(size, size // dtype_size if dtype_size else 0, dtype, "", -1, half, None, line=line)


def bandwidth_row(size: int, dtype_size: int, dtype: str, mb_per_s: float, factor: float, stats: dict[str, Any],
                  line: int, wrong: Optional[int] = None) -> Row:
    """A row whose number is a bandwidth (osu_bw, osu_bibw): the time per message that bandwidth means,
    `factor` x size / bandwidth, so busbw = size/time x factor gives the printed bandwidth back."""
    time_us = factor * size / (mb_per_s * MB) * 1e6 if mb_per_s > 0 else 0.0
    return time_row(size, dtype_size, dtype, time_us, stats, line, wrong)
