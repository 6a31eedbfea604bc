"""Real-world data the tests read, committed under tests/data with its provenance.

Copied on 2026-12-03 from the project's shared data folder (`shared/data/` beside the checkout,
which tests never read): each folder keeps its INDEX.md / README.md and every log its .meta.json,
which say where it was posted or how it was made.
"""

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
LOGS = DATA / "nccl-tests-logs"  # real nccl-tests/rccl-tests logs posted publicly (INDEX.md)
H200 = DATA / "nccl-tests-h200-1gpu"  # real nccl-tests output of every format from one H200 (README.md)
CATALOG_SOURCE = DATA / "instances-source.csv"  # the sourced instance catalog configs/instances.csv follows
OTHER = DATA / "other-logs"  # rccl-tests, old nccl-tests, OSU and IMB outputs, published or recorded (INDEX.md)
LEGACY = DATA / "legacy-results"  # results folders written by main before the typed model (README.md)
INSPECTOR = DATA / "inspector"  # NCCL Inspector dumps (README.md: synthetic, from the plugin source tarball)
