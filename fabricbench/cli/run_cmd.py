"""`run`: the benchmark sweep. Flags mirror nccl-tests where they overlap."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

from fabricbench.benchmarks.config import (
    BACKENDS,
    DEVICES,
    PATTERNS,
    TIMING_MODES,
    RunConfig,
    build_config,
    did_you_mean,
    load_yaml,
)
from fabricbench.benchmarks.model.catalog import catalog_row, closest_types
from fabricbench.benchmarks.model.errors import UsageError
from fabricbench.benchmarks.model.exitcodes import Exit
from fabricbench.benchmarks.model.resources import PRESETS
from fabricbench.benchmarks.sizes import format_size
from fabricbench.collectives import registry
from fabricbench.collectives.data import REDOPS
from fabricbench.collectives.dtypes import DTYPES

# flag -> config key; None-valued flags are "not given" and leave the config file's value.
FLAGS: list[tuple[tuple[str, ...], str, str]] = [
    (("-b", "--minbytes"), "minbytes", "smallest size, e.g. 8, 64K, 1M (binary suffixes)"),
    (("-e", "--maxbytes"), "maxbytes", "largest size"),
    (("-f", "--stepfactor"), "stepfactor", "multiply the size by this factor each step"),
    (("-i", "--stepbytes"), "stepbytes", "linear increment when no step factor is given"),
    (("--sizes",), "sizes", "explicit comma list of sizes (replaces -b/-e/-f/-i), e.g. 8,64K,1M"),
    (("-n", "--iters"), "iters", "fixed number of timed samples per size (none: adaptive)"),
    (("-w", "--warmup_iters", "--warmup-iters"), "warmup_iters", "untimed operations per size"),
    (("-d", "--datatype", "--dtypes"), "dtypes", "datatype(s), a comma list, or all"),
    (("-o", "--op", "--redops"), "redops", "reduction(s), a comma list, or all (every one each backend can run)"),
    (("-c", "--check"), "check", "data-check operations per size (0 disables)"),
    (("-r", "--root"), "root", "root rank of the collectives that have one"),
    (("--collectives",), "collectives", "a comma list, or all"),
    (("--backend", "--backends"), "backends", "a comma list"),
    (("--device",), "device", "where the buffers live"),
    (("--inplace",), "inplace", "auto (each backend's natural mode), 0, 1, or both (every mode a backend has)"),
    (("--timing",), "timing", "auto, iter (per-iteration), batch (nccl-tests style), graph (CUDA graphs)"),
    (("--batch-ops",), "batch_ops", "operations per sample in batch and graph timing"),
    (("--ci-target",), "ci_target", "stop when the 95%% CI of the median is within this fraction"),
    (("--time-cap",), "time_cap", "seconds of sampling per size before stopping anyway"),
    (("--min-iters",), "min_iters", "samples before the CI target is checked"),
    (("--max-iters",), "max_iters", "hard cap on samples per size"),
    (("--timeout",), "timeout", "stop the run when nothing progresses for this many seconds (0 = never)"),
    (("--window",), "window", "messages in flight for bandwidth point-to-point tests"),
    (("--pair",), "pair", "the two ranks of point-to-point tests, e.g. 0,-1 (negative: from the end)"),
    (("--pattern",), "pattern", "collective; pairwise / bisection / intra node pairs for point-to-point tests; "
     "locate: find slow nodes and links by group testing (docs/diagnosis.md)"),
    (("--per-gpu",), "per_gpu", "pairwise: 1 = every local rank with its peer on the other node"),
    (("--rounds",), "rounds", "pairwise: measure a random subset of this many rounds (none: all)"),
    (("--group-size",), "group_size", "locate: nodes per group (0: 16, or a quarter of the nodes below 64)"),
    (("--locate-links",), "locate_links", "locate: found (links that show up in the tests) or full (cover every "
     "pair of nodes too: a slow link between healthy nodes)"),
    (("--seed",), "seed", "locate: how the groups are drawn"),
    (("--out",), "out", "results directory"),
    (("--tag",), "tag", "a label added to the run id"),
    (("--instance-type",), "instance_type", "instance type when it cannot be detected (none: detect)"),
    (("--instance-metadata",), "instance_metadata", "1 = ask the cloud metadata service for the type (opt-in)"),
]
CHOICES = {
    "collectives": registry.names, "backends": lambda: list(BACKENDS), "device": lambda: list(DEVICES),
    "dtypes": lambda: list(DTYPES), "redops": lambda: list(REDOPS), "inplace": lambda: ["auto", "0", "1", "both"],
    "timing": lambda: list(TIMING_MODES), "pattern": lambda: list(PATTERNS),
    "locate_links": lambda: ["found", "full"],
}
# nccl-tests flags that mean something else here: the equivalent, instead of "unrecognized".
NCCL_TESTS_FLAGS = {
    "-g": "one process per GPU here: start more ranks (mpirun -np N) instead of -g",
    "-t": "one process per GPU here: start more ranks (mpirun -np N) instead of -t threads",
    "-a": "every rank's times are kept and the iteration time is the max over ranks; -a has no equivalent",
    "-m": "aggregated operations per sample: --timing batch --batch-ops N",
    "-z": "blocking mode: every timing mode here waits for each operation (--timing iter)",
    "-G": "CUDA graph launches: --timing graph --batch-ops N",
    "-T": "a timeout: --timeout SECONDS",
    "-N": "run cycles: -n/--iters samples per size, or more launches (the gate replicates launches)",
    "-C": "CPU launch time: not measured here; every mode times completion",
    "-R": "NCCL user-buffer registration: not supported",
    "-I": "per-iteration times: always kept here (samples.jsonl)",
    "-J": "JSON output: always written here (run.json, samples.jsonl)",
}


def _default(key: str) -> str:
    value = next(f for f in dataclasses.fields(RunConfig) if f.name == key).default
    if value is None or value == ():
        return "none"
    if key in ("minbytes", "maxbytes", "stepbytes"):
        return format_size(int(value))
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(value)


def presets() -> list[str]:
    return sorted(x.stem for x in PRESETS.glob("*.yaml"))


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", help=f"instance-family preset (env + sweep): {', '.join(presets())}")
    p.add_argument("--config", help="YAML config file (configs/*.yaml); flags override it")
    p.add_argument("--force", action="store_true", default=None, help="run even if preflight finds the path invalid")
    p.add_argument("--list", action="store_true", help="list collectives, datatypes, reductions, presets and exit")
    p.add_argument("--simulate", metavar="MODEL.json", help="--pattern locate against a model of a cluster instead "
                   "of MPI: prints the verdict JSON and what it cost (format: docs/diagnosis.md)")
    for names, key, help_text in FLAGS:
        extra = f" [default: {_default(key)}]"
        if key in CHOICES:
            extra += f" {{{', '.join(CHOICES[key]())}}}"
        p.add_argument(*names, dest=key, default=None, help=help_text + extra)


def listing() -> str:
    lines = ["collectives (--collectives):"]
    for spec in registry.all_specs():
        lines.append(f"  {spec.name:<16} {spec.description}")
    lines.append("datatypes (-d): " + ", ".join(DTYPES))
    lines.append("reductions (-o): " + ", ".join(REDOPS))
    lines.append("backends (--backend): " + ", ".join(BACKENDS) + "; devices (--device): " + ", ".join(DEVICES))
    lines.append("timing (--timing): " + ", ".join(TIMING_MODES) + "; patterns (--pattern): " + ", ".join(PATTERNS))
    lines.append("presets (--preset): " + ", ".join(presets()))
    return "\n".join(lines)


def preset_layer(name: str) -> tuple[str, dict[str, Any]]:
    path = PRESETS / f"{name}.yaml"
    if not path.is_file():
        raise UsageError(f"--preset: unknown preset {name!r}{did_you_mean(name, presets())} "
                         f"(known: {', '.join(presets())})")
    values = dict(load_yaml(path))
    # A preset sets the environment and the sweep; the instance type comes only from detection or
    # --instance-type. What it was written for is kept apart, for the record.
    if "instance_type" in values:
        values["preset_for"] = values.pop("instance_type")
    return str(path), values


def resolve_config(args: Any) -> RunConfig:
    layers = [preset_layer(args.preset)] if args.preset else []
    if args.config:
        layers.append((args.config, load_yaml(args.config)))
    flags = {key: getattr(args, key) for _, key, _ in FLAGS if getattr(args, key) is not None}
    if args.force:
        flags["force"] = True
    layers.append(("command line", flags))
    return build_config(layers)


def check_out(out: str) -> None:
    """The results folder must be creatable before any rank starts (one line, never a rank's traceback)."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {out}: is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot create it ({exc.strerror})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: not writable")


def instance_type_warning(itype: str | None) -> str | None:
    if not itype or catalog_row(itype) is not None:
        return None
    close = closest_types(itype)
    hint = f"; closest known: {', '.join(close)}" if close else ""
    return f"instance type {itype!r} is not in the catalog (no family, no peak){hint}"


def simulate_main(model_path: str, cfg: RunConfig, pattern_given: bool) -> int:
    """`run --simulate MODEL.json`: the locator's decisions against a model; no MPI, no results folder."""
    import json

    from fabricbench.benchmarks.locate.live import default_group_size
    from fabricbench.benchmarks.locate.simulate import load_model, simulate
    from fabricbench.benchmarks.locate.strategy import Settings
    from fabricbench.benchmarks.model.exitcodes import DiagnoseExit

    if pattern_given and cfg.pattern != "locate":
        raise UsageError(f"--simulate: simulates --pattern locate, not --pattern {cfg.pattern}")
    model = load_model(model_path)
    settings = Settings(group_size=cfg.group_size or default_group_size(model.nodes), links=cfg.locate_links)
    result = simulate(model, settings)
    print(json.dumps(result, indent=1))
    return DiagnoseExit.FLAGGED if result["verdicts"] else DiagnoseExit.CLEAN


def main(args: Any) -> int:
    if args.list:
        print(listing())
        return Exit.OK
    cfg = resolve_config(args)  # validated before MPI starts: bad input never reaches a launch
    if args.simulate:
        return simulate_main(args.simulate, cfg, pattern_given=args.pattern is not None)
    check_out(cfg.out)
    for name, value in cfg.env:  # a preset's environment, unless the user set the variable
        os.environ.setdefault(name, value)
    from fabricbench.benchmarks.engine import Engine
    from fabricbench.benchmarks.interrupts import InterruptGuard
    from fabricbench.benchmarks.launcher import bootstrap, start_store

    guard = InterruptGuard()  # before MPI starts its threads: they inherit the blocked signals
    topo = bootstrap()
    if topo.rank == 0:
        if topo.size == 1:
            print("# note: 1 rank. An interconnect benchmark needs a launcher: "
                  "mpirun -np 2 fabricbench run ... (single-rank runs are smoke tests)", file=sys.stderr, flush=True)
        warning = instance_type_warning(cfg.instance_type)
        if warning:
            print(f"fabricbench: warning: {warning}", file=sys.stderr, flush=True)
    rdv = start_store(topo, torch_store="torch" in cfg.backends)
    engine = Engine(cfg, topo, rdv, args.argv)
    guard.on_interrupt = engine.interrupted
    return engine.run()
