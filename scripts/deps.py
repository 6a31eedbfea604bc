#!/usr/bin/env python3
"""Print the requirements of pyproject.toml (dependencies + the named extras), one per line.

pyproject.toml is the one source of truth; the Makefile installs the dev/CI venv from this output.
usage: python3 scripts/deps.py [EXTRA ...] [--without NAME ...]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent


def requirements(extras: list[str], without: set[str]) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in extras:
        reqs += project["optional-dependencies"][extra]
    return [r for r in reqs if re.split(r"[<>=!~\[ ;]", r, maxsplit=1)[0].lower() not in without]


def main(argv: list[str]) -> None:
    extras, without, skip = [], set(), False
    for arg in argv:
        if arg == "--without":
            skip = True
        elif skip:
            without.add(arg.lower())
        else:
            extras.append(arg)
    print("\n".join(requirements(extras, without)))


if __name__ == "__main__":
    main(sys.argv[1:])
