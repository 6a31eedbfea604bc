"""Read one nccl-tests output file (text or -J JSON) into a classified ParsedLog."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from fabricbench.benchmarks.model.errors import UsageError
from fabricbench.benchmarks.nccltests.classify import classify
from fabricbench.benchmarks.nccltests.logjson import JsonLogError, parse_json
from fabricbench.benchmarks.nccltests.logtext import parse_text
from fabricbench.benchmarks.nccltests.model import ParsedLog
from fabricbench.benchmarks.nccltests.ncclinfo import parse_info

MAX_BYTES = 1 << 30


def read_log(path: str | Path, collective: Optional[str] = None) -> tuple[ParsedLog, dict]:
    """(classified log, NCCL INFO facts). Unreadable files are one-line UsageErrors."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_BYTES:
            raise UsageError(f"{p}: larger than 1 GiB; not an nccl-tests log")
        data = p.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{p}: is a directory") from None
    except OSError as exc:
        raise UsageError(f"{p}: cannot read ({exc.strerror})") from None
    text = data.decode("utf-8", errors="replace")
    if text.lstrip().startswith("{"):
        try:
            log = parse_json(text, str(p))
        except JsonLogError as exc:
            raise UsageError(str(exc)) from None
    else:
        log = parse_text(text, str(p))
    return classify(log, collective), parse_info(log.info_lines)
