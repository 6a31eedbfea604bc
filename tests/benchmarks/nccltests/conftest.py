from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"
LOGS = SHARED / "nccl-tests-logs"
H200 = SHARED / "nccl-tests-h200-1gpu"


@pytest.fixture(scope="session")
def corpus():
    if not LOGS.is_dir():
        pytest.skip(f"shared corpus not found at {LOGS}")
    return LOGS
