"""`run`: the benchmark sweep. Flags mirror nccl-tests where they overlap."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from fabricbench.benchmarks.config import build_config, load_yaml
from fabricbench.benchmarks.model.errors import UsageError
from fabricbench.benchmarks.model.resources import PRESETS
from fabricbench.collectives import registry

# flag -> config key; None-valued flags are "not given" and leave the config file's value.
FLAGS: list[tuple[tuple[str, ...], str, str]] = [
    (("-b", "--minbytes"), "minbytes", "smallest size, e.g. 8, 64K, 1M (binary suffixes)"),
    (("-e", "--maxbytes"), "maxbytes", "largest size"),
    (("-f", "--stepfactor"), "stepfactor", "multiply the size by this factor each step"),
    (("-i", "--stepbytes"), "stepbytes", "linear increment when no step factor is given"),
    (("--sizes",), "sizes", "explicit comma list of sizes (replaces -b/-e/-f/-i), e.g. 8,64K,1M"),
    (("-n", "--iters"), "iters", "fixed number of timed samples per size (default: adaptive)"),
    (("-w", "--warmup_iters", "--warmup-iters"), "warmup_iters", "untimed operations per size"),
    (("-d", "--datatype", "--dtypes"), "dtypes", "datatype(s): float32, float16, bfloat16, int32, ..."),
    (("-o", "--op", "--redops"), "redops", "reduction(s): sum, prod, max, min, avg, or all"),
    (("-c", "--check"), "check", "data-check operations per size (0 disables)"),
    (("-r", "--root"), "root", "root rank for " + ", ".join(s.name for s in registry.all_specs() if s.uses_root)),
    (("--collectives",), "collectives", "comma list or 'all'"),
    (("--backend", "--backends"), "backends", "mpi, torch, or a comma list"),
    (("--device",), "device", "cpu or cuda"),
    (("--inplace",), "inplace", "auto, 0, 1 or both"),
    (("--timing",), "timing", "auto, iter (per-iteration), batch (nccl-tests style), graph (CUDA)"),
    (("--batch-ops",), "batch_ops", "operations per sample in batch and graph timing"),
    (("--ci-target",), "ci_target", "stop when the 95%% CI of the median is within this fraction"),
    (("--time-cap",), "time_cap", "seconds of sampling per size before stopping anyway"),
    (("--min-iters",), "min_iters", "samples before the CI target is checked"),
    (("--max-iters",), "max_iters", "hard cap on samples per size"),
    (("--timeout",), "timeout", "stop the run when nothing progresses for this many seconds"),
    (("--window",), "window", "messages in flight for " + ", ".join(
        s.name for s in registry.all_specs() if s.point_to_point and s.metric == "bandwidth")),
    (("--pair",), "pair", "the two ranks of point-to-point tests, e.g. 0,-1"),
    (("--pattern",), "pattern", "collective, or pairwise / bisection / intra node pairs for point-to-point tests"),
    (("--per-gpu",), "per_gpu", "pairwise: 1 = every local rank with its peer on the other node"),
    (("--rounds",), "rounds", "pairwise: measure a random subset of this many rounds"),
    (("--out",), "out", "results directory (default results/)"),
    (("--tag",), "tag", "a label added to the run id"),
    (("--instance-type",), "instance_type", "instance type when it cannot be detected"),
    (("--instance-metadata",), "instance_metadata", "1 = ask the cloud metadata service for the type (opt-in)"),
]


def add_arguments(p: argparse.ArgumentParser) -> None:
    names = ", ".join(sorted(x.stem for x in PRESETS.glob("*.yaml")))
    p.add_argument("--preset", help=f"instance-family preset: {names}")
    p.add_argument("--config", help="YAML config file (configs/*.yaml); flags override it")
    p.add_argument("--force", action="store_true", default=None, help="run even if preflight finds the path invalid")
    for names, key, help_text in FLAGS:
        p.add_argument(*names, dest=key, default=None, help=help_text)


def resolve_config(args: Any):
    layers = []
    if args.preset:
        path = PRESETS / f"{args.preset}.yaml"
        if not path.is_file():
            known = ", ".join(sorted(x.stem for x in PRESETS.glob("*.yaml")))
            raise UsageError(f"--preset: unknown preset {args.preset!r} (known: {known})")
        layers.append((str(path), load_yaml(path)))
    if args.config:
        layers.append((args.config, load_yaml(args.config)))
    flags = {key: getattr(args, key) for _, key, _ in FLAGS if getattr(args, key) is not None}
    if args.force:
        flags["force"] = True
    layers.append(("command line", flags))
    return build_config(layers)


def main(args: Any) -> int:
    cfg = resolve_config(args)  # validated before MPI starts: bad input never reaches a launch
    for name, value in cfg.env:  # a preset's environment, unless the user set the variable
        os.environ.setdefault(name, value)
    from fabricbench.benchmarks.engine import Engine
    from fabricbench.benchmarks.launcher import bootstrap, start_store

    topo = bootstrap()
    if topo.size == 1 and topo.rank == 0:
        print("# note: 1 rank. An interconnect benchmark needs a launcher: "
              "mpirun -np 2 python run_bench.py run ... (single-rank runs are smoke tests)",
              file=sys.stderr, flush=True)
    rdv = start_store(topo, torch_store="torch" in cfg.backends)
    return Engine(cfg, topo, rdv, args.argv).run()
