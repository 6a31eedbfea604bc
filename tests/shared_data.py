"""Where the shared real-world data lives (../shared/data beside the checkout, as in CI)."""

from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
LOGS = SHARED / "nccl-tests-logs"
H200 = SHARED / "nccl-tests-h200-1gpu"
