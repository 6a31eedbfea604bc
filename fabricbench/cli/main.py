"""`python run_bench.py <command> ...`: the one place that turns errors into exit codes."""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence
from typing import Any, Optional

from fabricbench.benchmarks.config import did_you_mean
from fabricbench.benchmarks.launcher import env_rank
from fabricbench.benchmarks.model.errors import FabricbenchError, UsageError
from fabricbench.benchmarks.model.exitcodes import Exit

# command -> module with add_arguments(parser) and main(args) -> int
COMMANDS = {
    "run": ("fabricbench.cli.run_cmd", "run microbenchmarks (under mpirun/srun for more than one rank)"),
    "summary": ("fabricbench.cli.summary_cmd", "print a run's summary as a table, CSV or JSON"),
    "ingest": ("fabricbench.cli.ingest_cmd", "read nccl-tests logs (text or -J JSON) into results/"),
    "nccl-tests": ("fabricbench.cli.nccltests_cmd", "run an nccl-tests binary and record its results"),
    "preflight": ("fabricbench.cli.preflight_cmd", "check the fabric path on every host (GPUs, EFA/IB, plugin)"),
    "diagnose": ("fabricbench.cli.diagnose_cmd", "name slow links, slow nodes and straggler ranks of a run"),
    "explain": ("fabricbench.cli.explain_cmd", "is each headline number normal for its hardware, and if not, why"),
    "report": ("fabricbench.cli.report_cmd", "write a self-contained HTML report of runs, by instance family"),
    "gate": ("fabricbench.cli.gate_cmd", "regression gate: candidate vs control arm or baseline; exit 0/1/3/4"),
    "ab": ("fabricbench.cli.ab_cmd", "paired session: control and candidate launches ABBA, gated at each look"),
    "baseline": ("fabricbench.cli.baseline_cmd", "add a passing run to a baseline directory, or show one"),
    "export": ("fabricbench.cli.export_cmd", "export runs as pytest-benchmark JSON"),
}


class HelpFormatter(argparse.HelpFormatter):
    """Every option's default and choices in its help line (unless the help already names them)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.choices and "{" not in text and not isinstance(action, argparse._SubParsersAction):
            text += f" {{{', '.join(map(str, action.choices))}}}"
        default = action.default
        if "[default:" not in text and default not in (None, False, argparse.SUPPRESS) and action.option_strings:
            text += f" [default: {default}]"
        return text


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line and exit code 2, not a usage dump."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        if message.startswith("argument COMMAND: invalid choice"):
            word = message.split("'")[1] if "'" in message else ""
            message = f"unknown command {word!r}{did_you_mean(word, list(COMMANDS))} (known: {', '.join(COMMANDS)})"
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> tuple[Parser, dict[str, Parser]]:
    parser = Parser(prog="fabricbench", description="fabricbench: GPU-cluster interconnect benchmarks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands = {}
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module).add_arguments(p)
        commands[name] = p
    return parser, commands


def unknown_arguments(command: str, parser: argparse.ArgumentParser, extras: list[str]) -> str:
    """One line for arguments a command does not take: the nccl-tests equivalent, or the nearest flag."""
    from fabricbench.cli.run_cmd import NCCL_TESTS_FLAGS

    known = [o for a in parser._actions for o in a.option_strings]  # noqa: SLF001 - argparse keeps them there
    for word in extras:
        flag = word.split("=", 1)[0]
        if not flag.startswith("-"):
            continue
        if command == "run" and flag in NCCL_TESTS_FLAGS:
            return f"{command}: {flag} is an nccl-tests flag; {NCCL_TESTS_FLAGS[flag]}"
        return f"{command}: unknown option {flag}{did_you_mean(flag, known)} (see fabricbench {command} --help)"
    return f"{command}: unexpected arguments: {' '.join(extras)}"


def report(message: str) -> None:
    if env_rank() == 0:  # under a launcher every rank hits the same error: say it once
        print(f"fabricbench: error: {message}", file=sys.stderr, flush=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Everything after the first '--' belongs to a wrapped program (nccl-tests), not to us.
    ours, passthrough = (argv[: argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    try:
        parser, commands = build_parser()
        args, extras = parser.parse_known_args(ours)
        if not args.command:
            raise UsageError(f"a command is required: {', '.join(COMMANDS)} (see --help)")
        if extras:
            raise UsageError(unknown_arguments(args.command, commands[args.command], extras))
        if passthrough and not getattr(args, "accepts_passthrough", False):
            raise UsageError(f"{args.command}: unexpected arguments after --: {' '.join(passthrough)}")
        args.passthrough = passthrough
        args.argv = ["run_bench.py", *argv]
        return int(importlib.import_module(COMMANDS[args.command][0]).main(args))
    except FabricbenchError as exc:
        report(str(exc))
        return int(exc.exit_code)
    except KeyboardInterrupt:
        report("interrupted")
        return Exit.INTERRUPTED
    except BrokenPipeError:
        return Exit.OK
    except Exception:  # noqa: BLE001 - a bug, not a user error: show it, then stop every rank
        traceback.print_exc()
        _abort_job(Exit.FAILED)
        return Exit.FAILED


def _abort_job(code: int) -> None:
    """Other ranks may be blocked in a collective with us; MPI_Abort ends the whole job."""
    mpi = sys.modules.get("mpi4py.MPI")
    if mpi is not None and mpi.Is_initialized() and not mpi.Is_finalized() and mpi.COMM_WORLD.size > 1:
        sys.stderr.flush()
        mpi.COMM_WORLD.Abort(code)
