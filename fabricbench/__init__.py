"""fabricbench: GPU-cluster interconnect benchmarks, analysis, reports and CI gating.

The repository keeps the layout people asked for (``benchmarks/``, ``collectives/``,
``reports/``, ``configs/`` at the top); the installed wheel maps those folders into this one
namespace (``fabricbench.benchmarks`` ...), so nothing generic lands in site-packages. In a
checkout the same names resolve because this package's search path also covers the
repository root: ``run_bench.py``, the tests and the scripts run unchanged, with no install.
"""

from __future__ import annotations

from pathlib import Path as _Path

_HERE = _Path(__file__).resolve().parent
if not (_HERE / "benchmarks").is_dir():  # a checkout: the subpackages sit beside this folder
    __path__.append(str(_HERE.parent))  # type: ignore[name-defined]  # noqa: F821

__version__ = "0.2.0"
