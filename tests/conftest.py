import pytest

from tests.shared_data import LOGS


@pytest.fixture(scope="session")
def corpus():
    if not LOGS.is_dir():
        pytest.skip(f"shared corpus not found at {LOGS}")
    return LOGS
