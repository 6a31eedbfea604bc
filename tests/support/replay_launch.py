#!/usr/bin/env python3
"""Stand-in for one launch of an `ab` session: copy the next recorded run of an arm into {out}.

    python tests/support/replay_launch.py tests/data/gate-session-tcp/candidate {out}

The n-th call for an arm copies that arm's n-th recorded run (in run-id order): a session replayed
from real launches decides exactly as it did when they were recorded, whatever the machine is
doing now.
"""

import shutil
import sys
from pathlib import Path


def main(src: str, out: str) -> int:
    recorded = sorted(p for p in Path(src).iterdir() if (p / "run.json").is_file())
    dest = Path(out)
    dest.mkdir(parents=True, exist_ok=True)
    done = sum(1 for p in dest.iterdir() if (p / "run.json").is_file())
    if done >= len(recorded):
        print(f"replay: all {len(recorded)} recorded launches of {src} are used", file=sys.stderr)
        return 1
    run = recorded[done]
    shutil.copytree(run, dest / run.name, ignore=shutil.ignore_patterns("samples.parquet"))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
