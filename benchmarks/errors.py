"""User-facing errors and the exit codes they map to (in one place: the CLI)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # the run finished but something was wrong (wrong data, a backend error)
    USAGE = 2  # bad command line, config, or input file
    INCOMPLETE = 3  # timeout or hang: the run stopped early; completed sizes are kept
    INVALID_ENV = 4  # preflight says the environment is wrong (e.g. TCP fallback): not a performance verdict


class FabricbenchError(Exception):
    """An error a user can cause; its message is one line and is shown without a traceback."""

    exit_code = ExitCode.USAGE


class UsageError(FabricbenchError):
    exit_code = ExitCode.USAGE


class ConfigError(UsageError):
    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(f"{source}: {key}: {problem}")
        self.source, self.key, self.problem = source, key, problem


class RunFailed(FabricbenchError):
    exit_code = ExitCode.FAILED


class InvalidEnvironment(FabricbenchError):
    exit_code = ExitCode.INVALID_ENV


class RunTimeout(FabricbenchError):
    exit_code = ExitCode.INCOMPLETE
