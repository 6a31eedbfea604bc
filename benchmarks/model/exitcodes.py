"""Every exit code fabricbench returns, named, per command family: one vocabulary.

A command returns a member of its family; the CLI turns it into the process status. Each member
carries the words the README uses, and the README's exit-code table is generated from them
(``readme_table``); a test keeps the two equal.
"""

from __future__ import annotations

from enum import IntEnum


class Code(IntEnum):
    """An exit code with its meaning in a few words."""

    words: str

    def __new__(cls, value: int, words: str) -> Code:
        obj = int.__new__(cls, value)
        obj._value_ = value
        obj.words = words
        return obj


class Exit(Code):
    """Codes every command shares (summary, report, export and the rest)."""

    OK = 0, "ok"
    FAILED = 1, "a bug (a traceback is shown: please report it)"
    USAGE = 2, "bad input (one line names the file or flag, the field and the problem)"
    INTERRUPTED = 130, "interrupted (Ctrl-C)"


class RunExit(Code):
    OK = 0, "ok"
    WRONG_DATA = 1, "wrong data at some size, or a runtime failure"
    USAGE = 2, "bad input"
    TIMEOUT = 3, "no progress for --timeout seconds: stopped early, completed sizes kept"
    INVALID_ENV = 4, "preflight found the environment invalid (not a performance verdict)"
    NOTHING_RAN = 5, "no size could run (every requested size was skipped, each with its reason)"
    INTERRUPTED = 130, "interrupted (Ctrl-C): completed sizes kept, run.json says interrupted"


class PreflightExit(Code):
    OK = 0, "ok, or warnings only"
    USAGE = 2, "bad input"
    INVALID_ENV = 4, "some host is invalid for the requested device"


class GateExit(Code):
    PASS = 0, "pass"
    FAIL = 1, "a material regression (baseline add: run refused)"
    USAGE = 2, "bad input"
    INCONCLUSIVE = 3, "inconclusive: add 4 launches per arm (up to 19)"
    INVALID = 4, "invalid comparison: the environment, not the performance, is wrong"


class NcclTestsExit(Code):
    OK = 0, "ok"
    WRONG_DATA = 1, "wrong data"
    USAGE = 2, "usage error (ours, or nccl-tests' `invalid option`, which it exits 0 on)"
    TIMEOUT = 3, "timeout or hang"
    NCCL_FAILURE = 5, "NCCL/CUDA failure"
    MISSING = 6, "binary not found"
    OTHER = 7, "other non-zero exit"


class IngestExit(Code):
    OK = 0, "every input ingested"
    NOT_A_TABLE = 1, "some input is not a results table (each named, with the reason)"
    USAGE = 2, "unreadable input"


class DiagnoseExit(Code):
    CLEAN = 0, "nothing flagged (says what was examined)"
    FLAGGED = 1, "a slow link, slow node or straggler was named"
    USAGE = 2, "no run, or bad input"


class ExplainExit(Code):
    NOTHING_KNOWN = 0, "every result within its band (or no band known) and no cause found"
    CAUSES = 1, "a cause was found, or a result is below or above its band"
    USAGE = 2, "no run, or bad input"


FAMILIES: dict[str, type[Code]] = {
    "run": RunExit, "preflight": PreflightExit, "gate, ab, baseline add": GateExit,
    "nccl-tests": NcclTestsExit, "ingest": IngestExit, "diagnose": DiagnoseExit, "explain": ExplainExit,
    "every command": Exit,
}


def describe(family: type[Code]) -> str:
    """'0 ok · 1 ... · 2 ...'."""
    return " · ".join(f"{int(m)} {m.words}" for m in family)


def readme_table() -> str:
    """The README's exit-code table (tests/benchmarks/model/test_exitcodes.py checks it is there)."""
    rows = [f"| {name} | {describe(family)} |" for name, family in FAMILIES.items()]
    return "\n".join(["| command | exit codes |", "|---|---|", *rows])
