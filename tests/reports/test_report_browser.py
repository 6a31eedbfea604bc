"""The HTML report opened in a real headless Chromium: no console errors, no network, figures drawn.

Needs Debian's chromium and chromium-driver (.ci/run installs them). Screenshots are saved under
build/screenshots/ for inspection.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.datasets import LOGS
from tests.helpers import ROOT, base_env, only_run, run_cli, run_mpi

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
SHOTS = ROOT / "build" / "screenshots"
browser_only = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs Debian chromium + chromium-driver "
                                  "(apt-get install chromium chromium-driver; .ci/run does)")


def inspect(driver, page: Path, shot: str) -> dict:
    driver.get_log("browser"), driver.get_log("performance")  # drain earlier pages
    driver.get(page.resolve().as_uri())
    images = driver.execute_script("return Array.from(document.images).map("
                                   "i => [i.complete, i.naturalWidth, i.naturalHeight, i.src.slice(0, 26)])")
    requests = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            requests.append(msg["params"]["request"]["url"])
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1400, min(height + 100, 16000))
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{shot}.png"))
    return {"images": images, "requests": requests, "errors": errors,
            "scripts": driver.execute_script("return document.scripts.length"),
            "text": driver.execute_script("return document.body.innerText")}


def _assert_clean(seen):
    assert seen["errors"] == []
    assert [u for u in seen["requests"] if not u.startswith(("file:", "data:"))] == []
    assert seen["images"] and all(c and w > 0 and h > 0 and src.startswith("data:image/svg+xml")
                                  for c, w, h, src in seen["images"])
    assert seen["scripts"] == 0


@browser_only
def test_report_of_the_real_logs_shows_the_cross_family_view(browser, tmp_path, corpus):
    proc = subprocess.run([sys.executable, str(ROOT / "scripts/report_corpus.py"), "--logs", str(LOGS), "--out",
                           str(tmp_path)], capture_output=True, text=True, env=base_env())
    assert proc.returncode == 0, proc.stderr
    seen = inspect(browser, tmp_path / "report.html", "corpus")
    _assert_clean(seen)
    assert "Across families and clouds" in seen["text"]
    for family in ("A3 High", "A3 Mega", "A4", "P5"):
        assert family in seen["text"]
    assert "all_gather: A3 High vs A3 Mega" in seen["text"]


@browser_only
@pytest.mark.mpi
def test_report_of_an_own_run_with_hostile_strings(browser, tmp_path):
    proc = run_mpi(2, "run", "--collectives", "all_reduce,p2p_latency", "--backend", "mpi", "-b", "64", "-e", "4K",
                   "-f", "4", "-n", "5", "--out", str(tmp_path / "runs"))
    assert proc.returncode == 0, proc.stderr
    run_dir = only_run(tmp_path / "runs")
    meta = json.loads((run_dir / "run.json").read_text())
    hostile = ['<script>alert("host")</script>', '"><img src=x onerror=alert(1)>', "</td></tr></table><h1>x"]
    meta["hosts"] = {hostile[0]: [0, 1]}
    meta["config"]["tag"] = hostile[1]
    meta["versions"]["nccl"] = hostile[2]
    meta["instance"]["instance_type"] = hostile[1]
    (run_dir / "run.json").write_text(json.dumps(meta))
    out = tmp_path / "report.html"
    assert run_cli("report", str(run_dir), "--out", str(out)).returncode == 0
    raw = out.read_text()
    for h in hostile:
        assert h not in raw  # never markup
    seen = inspect(browser, out, "own-run-hostile")
    _assert_clean(seen)
    for h in hostile:
        assert h in seen["text"]  # shown as text


@pytest.mark.mpi
def test_bad_inputs_each_get_one_line_and_the_rest_renders(tmp_path):
    good = tmp_path / "good"
    assert run_mpi(2, "run", "--collectives", "all_reduce", "-b", "64", "-e", "256", "-f", "2", "-n", "3",
                   "--out", str(good)).returncode == 0
    runs = tmp_path / "runs"
    shutil.copytree(only_run(good), runs / "ok")
    shutil.copytree(only_run(good), runs / "corrupt")
    (runs / "corrupt" / "samples.jsonl").write_text("not json\n{\"half\": \n")
    shutil.copytree(only_run(good), runs / "nosizes")
    (runs / "nosizes" / "samples.jsonl").write_text("")
    shutil.copytree(only_run(good), runs / "badmeta")
    (runs / "badmeta" / "run.json").write_text("{")
    empty = tmp_path / "empty"
    empty.mkdir()
    for d in ("corrupt", "nosizes", "badmeta"):  # distinct run ids
        meta_path = runs / d / "run.json"
        if d != "badmeta":
            meta = json.loads(meta_path.read_text())
            meta["run_id"] = d
            meta_path.write_text(json.dumps(meta))
    out = tmp_path / "r.html"
    proc = run_cli("report", str(runs), str(empty), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("fabricbench: warning:")]
    assert any("empty: no run directories here" in ln for ln in lines)
    assert any("corrupt/samples.jsonl: line 1: unreadable" in ln for ln in lines)
    assert any("nosizes: no completed sizes" in ln for ln in lines)
    assert any("badmeta/run.json: invalid JSON" in ln for ln in lines)
    assert "Traceback" not in proc.stderr and out.exists()
    assert run_cli("report", str(empty), "--out", str(out)).returncode == 2


@browser_only
def test_report_of_a_production_job_beside_a_benchmark_of_its_family(browser, tmp_path):
    from tests.support import inspector_synth

    dump = tmp_path / "dump"
    inspector_synth.generate(dump, ranks=16, hosts=2, ops=240, late_rank=11, slow_period=(120, 160), seed=2)
    hostile = "<b>tp0</b>"  # a communicator name is the job's input: text, never markup
    for f in dump.iterdir():
        f.write_text(f.read_text().replace('"comm_name":"tp0"', '"comm_name":"<b>tp0</b>"'))
    assert run_cli("ingest", str(dump), "--out", str(tmp_path / "runs"), "--instance-type", "p5.48xlarge"
                   ).returncode == 0
    assert run_cli("ingest", str(LOGS / "all_reduce__aws-p5-48xlarge-2node__adt-readme.txt"), "--out",
                   str(tmp_path / "runs"), "--instance-type", "p5.48xlarge").returncode == 0
    out = tmp_path / "report.html"
    proc = run_cli("report", str(tmp_path / "runs"), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert hostile not in out.read_text()
    seen = inspect(browser, out, "production-job")
    _assert_clean(seen)
    text = seen["text"]
    assert "Production job: run" in text and "What the job used" in text
    assert "late rank 11 of world on node-01 (pid 40011)" in text and "late rank 3 of tp1 on node-01" in text
    assert hostile in text
    assert "% of bench" in text and "adt-readme" not in text.split("What the job used")[0]
    assert any(a.startswith("busbw over the job") for a in
               browser.execute_script("return Array.from(document.images).map(i => i.alt)"))
    dips = browser.execute_script("return document.querySelectorAll('table.dips tr').length")
    assert dips >= 2  # the slow period is marked
