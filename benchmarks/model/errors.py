"""Errors a user can cause: one line each, shown without a traceback, mapped to an exit code.

Nothing below the CLI prints at users or exits; it raises one of these and the CLI (the one place
that turns errors into process statuses) reports the message and returns ``exit_code``.
"""

from __future__ import annotations

from fabricbench.benchmarks.model.exitcodes import Exit, RunExit


class FabricbenchError(Exception):
    """An error a user can cause; its message is one line."""

    exit_code: int = Exit.USAGE

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(FabricbenchError):
    """Bad command line, config or input file."""


class ConfigError(UsageError):
    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(f"{source}: {key}: {problem}")
        self.source, self.key, self.problem = source, key, problem


class ResultsError(UsageError):
    """A results folder or file that cannot be read; the message names the file and the field."""


class InvalidEnvironment(FabricbenchError):
    """Preflight refused the environment: not a performance verdict."""

    exit_code = RunExit.INVALID_ENV
