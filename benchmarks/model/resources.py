"""Where the files fabricbench ships live, in a checkout and in an installed wheel alike.

The wheel maps ``configs/`` to ``fabricbench/configs`` beside ``fabricbench/benchmarks``, which is
the checkout's layout one level down, so one relative path serves both.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the checkout root, or site-packages/fabricbench
CONFIGS = PACKAGE_ROOT / "configs"
PRESETS = CONFIGS / "presets"
CATALOG = CONFIGS / "instances.csv"
SCHEMAS = Path(__file__).resolve().parent / "schemas"


def checkout_root() -> Path | None:
    """The git checkout this code runs from, if any (an installed wheel has none)."""
    return PACKAGE_ROOT if (PACKAGE_ROOT / ".git").exists() and (PACKAGE_ROOT / "run_bench.py").is_file() else None
