"""Read one nccl-tests output file (text or -J JSON) into a classified ParsedLog."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from fabricbench.benchmarks.model.enums import LogClass
from fabricbench.benchmarks.model.errors import UsageError
from fabricbench.benchmarks.model.run import NcclInfo
from fabricbench.benchmarks.mpibench import imb, osu
from fabricbench.benchmarks.nccltests.classify import classify
from fabricbench.benchmarks.nccltests.logjson import JsonLogError, is_rccl_lines, parse_json, parse_rccl_lines
from fabricbench.benchmarks.nccltests.logtext import parse_text
from fabricbench.benchmarks.nccltests.model import ParsedLog
from fabricbench.benchmarks.nccltests.ncclinfo import parse_info

MAX_BYTES = 1 << 30
MPI_BENCHMARKS = ((osu.looks_like, osu.parse_osu), (imb.looks_like, imb.parse_imb))


def not_a_table(source: str, why: str) -> ParsedLog:
    log = ParsedLog(source=source, format="text", status=LogClass.NOT_A_TABLE)
    log.reasons = [f"{LogClass.NOT_A_TABLE}: {why}"]
    return log


def read_log(path: str | Path, collective: Optional[str] = None) -> tuple[ParsedLog, NcclInfo]:
    """(classified log, NCCL INFO facts) of a file holding one test's output (the first, where it holds
    several: read_logs gives them all)."""
    return read_logs(path, collective)[0]


def read_logs(path: str | Path, collective: Optional[str] = None) -> list[tuple[ParsedLog, NcclInfo]]:
    """Every test in a file: [(classified log, NCCL INFO facts)]. A file that cannot be read is a
    one-line UsageError; one that can but is no results table is a log classified not_a_table, with
    the reason."""
    p = Path(path)
    try:
        if p.is_dir():
            raise UsageError(f"{p}: is a directory")
        if p.stat().st_size > MAX_BYTES:
            return [(not_a_table(str(p), "larger than 1 GiB: not a log"), parse_info([]))]
        data = p.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{p}: no such file") from None
    except OSError as exc:
        raise UsageError(f"{p}: cannot read ({exc.strerror})") from None
    text = data.decode("utf-8", errors="replace")
    # OSU, IMB: one log per test in the file. Their titles are looked for before the first nccl-tests
    # header only (none of them prints 'algbw'): the whole of a long nccl-tests log is not searched 6 times.
    header = text.find("algbw")
    before = text if header < 0 else text[:header]
    for looks_like, parse in MPI_BENCHMARKS:
        if looks_like(before):
            return [(classify(log, log.collective or collective), parse_info(log.info_lines))
                    for log in parse(text, str(p))] or [(not_a_table(str(p), "no test results"), parse_info([]))]
    if text.lstrip().startswith("{") and is_rccl_lines(text):
        return [(classify(log, collective), parse_info([])) for log in parse_rccl_lines(text, str(p))] or [
            (not_a_table(str(p), "no rccl-tests result objects"), parse_info([]))]
    if text.lstrip().startswith("{"):
        try:
            log = parse_json(text, str(p))
        except JsonLogError as exc:
            return [(not_a_table(str(p), str(exc).split(": ", 1)[-1]), parse_info([]))]
    else:
        log = parse_text(text, str(p))
    return [(classify(log, collective), parse_info(log.info_lines))]
