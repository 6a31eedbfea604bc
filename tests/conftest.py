import os
import shutil

import pytest
from hypothesis import settings

from tests.datasets import LOGS

# Property tests draw the same examples on every run (derandomized), so CI is never red by the luck of
# the draw; `HYPOTHESIS_PROFILE=explore make test` searches wider, with new random examples each run.
settings.register_profile("fabricbench", derandomize=True)
settings.register_profile("explore", max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fabricbench"))


@pytest.fixture(scope="session")
def corpus():
    return LOGS  # committed with the tests (tests/data); a missing folder is a failure, not a skip


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("needs Debian chromium + chromium-driver")
    os.environ["SE_OFFLINE"] = "true"  # selenium must not try to download a driver
    from selenium import webdriver

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", f"--user-data-dir={tmp_path_factory.mktemp('chrome')}", "--window-size=1400,1000"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    driver = webdriver.Chrome(service=service, options=opts)
    yield driver
    driver.quit()


