"""The nccl-tests driver against a stand-in binary that replays real recorded output."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fabricbench.benchmarks.nccltests import driver
from tests.datasets import H200, LOGS
from tests.helpers import ROOT, base_env, only_run

FAKE = Path(__file__).with_name("fake_nccl_tests.py")


@pytest.fixture
def bindir(tmp_path):
    d = tmp_path / "bin"
    d.mkdir()
    exe = d / "all_reduce_perf"
    exe.write_text(f"#!/bin/sh\nexec {sys.executable} {FAKE} \"$@\"\n")
    exe.chmod(0o755)
    return d


def _run(bindir, tmp_path, log, *extra, timeout=60, **fake):
    env = base_env(FAKE_LOG=str(log), FAKE_USAGE=str(H200 / "bad_option.txt"), FAKE_RECORD=str(tmp_path / "rec.json"),
                   **{f"FAKE_{k.upper()}": str(v) for k, v in fake.items()})
    out = tmp_path / "results"
    proc = subprocess.run([sys.executable, str(ROOT / "run_bench.py"), "nccl-tests", "all_reduce_perf",
                           "--nccl-tests-dir", str(bindir), "--out", str(out), *extra, "--", "-b", "8", "-e", "256M",
                           "-f", "4", "-g", "1"], capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT)
    return proc, out


def test_ok_run_uses_json_and_records_everything(bindir, tmp_path):
    proc, out = _run(bindir, tmp_path, H200 / "all_reduce_json.txt", json=H200 / "all_reduce.json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rec = json.loads((tmp_path / "rec.json").read_text())
    assert rec["argv"][:6] == ["-b", "8", "-e", "256M", "-f", "4"] and "-J" in rec["argv"] and "-T" not in rec["argv"]
    run_dir = only_run(out)
    meta = json.loads((run_dir / "run.json").read_text())
    assert (meta["outcome"], meta["classification"], meta["log"]["format"]) == ("ok", "ok", "json")
    assert meta["versions"]["nccl"] == "2.28.9" and meta["devices"][0]["name"] == "NVIDIA H200"
    assert meta["features"] == {"json": True, "timeout": True}
    assert (run_dir / "stdout.txt").read_text() == (H200 / "all_reduce_json.txt").read_text()
    assert len((run_dir / "samples.jsonl").read_text().splitlines()) == 26  # 13 sizes x 2 halves
    summary = subprocess.run([sys.executable, str(ROOT / "run_bench.py"), "summary", str(run_dir), "--format", "json"],
                             capture_output=True, text=True, cwd=ROOT)
    rows = json.loads(summary.stdout)
    assert rows[0]["size_bytes"] == 8 and rows[0]["time_us_median"] == pytest.approx(7.1943)


def test_output_streams_live(bindir, tmp_path):
    env = base_env(FAKE_LOG=str(LOGS / "all_reduce__aws-p5-48xlarge-batch__adt-batch.txt"),
                   FAKE_USAGE=str(H200 / "bad_option.txt"), FAKE_DELAY="0.04")
    proc = subprocess.Popen([sys.executable, "-u", str(ROOT / "run_bench.py"), "nccl-tests", "all_reduce_perf",
                             "--nccl-tests-dir", str(bindir), "--out", str(tmp_path / "r")], stdout=subprocess.PIPE,
                            text=True, env=env, cwd=ROOT)
    t0, first_row = time.monotonic(), None
    for line in proc.stdout:
        if first_row is None and re.search(r"\s8\s+2\s+float", line):  # the log has [1,0]<stdout>: prefixes
            first_row = time.monotonic() - t0
    proc.wait(timeout=60)
    total = time.monotonic() - t0
    assert first_row is not None and total - first_row > 1.0  # the row arrived long before the end


def test_timeout_kills_the_process_group_and_keeps_rows(bindir, tmp_path):
    log = LOGS / "all_reduce__aws-p5-48xlarge-2node__adt-readme.txt"
    t0 = time.monotonic()
    proc, out = _run(bindir, tmp_path, log, "--timeout", "2", stall_after=12)
    assert proc.returncode == 3 and time.monotonic() - t0 < 30
    rec = json.loads((tmp_path / "rec.json").read_text())
    for pid in (rec["pid"], rec["child"]):
        time.sleep(0.2)
        status = Path(f"/proc/{pid}/status")
        assert not status.exists() or "zombie" in status.read_text()
    meta = json.loads((only_run(out) / "run.json").read_text())
    assert meta["outcome"] == "timeout" and meta["points_completed"] == 2 * 10  # rows before the stall
    assert "-T" in rec["argv"]  # forwarded where the binary supports it


def test_nccl_failure_is_classified_with_its_line(bindir, tmp_path):
    proc, out = _run(bindir, tmp_path, H200 / "all_reduce_dall.txt", exit=3)
    assert proc.returncode == 5
    assert "Test NCCL failure all_reduce.cu:507 'invalid argument" in proc.stdout.splitlines()[-1]
    meta = json.loads((only_run(out) / "run.json").read_text())
    assert meta["classification"] == "error" and meta["points_completed"] == 2 * 192


def test_wrong_data_exit_status(bindir, tmp_path):
    proc, _ = _run(bindir, tmp_path, H200 / "all_reduce_default.txt", exit=7)
    assert proc.returncode == 1 and "wrong data" in proc.stdout


def test_header_then_exit_is_a_hang(bindir, tmp_path):
    proc, _ = _run(bindir, tmp_path, LOGS / "all_reduce__a100-8gpu-1node-forkformat__nccl-i583.txt")
    assert proc.returncode == 3 and "no rows" in proc.stdout


def test_usage_error_of_nccl_tests(bindir, tmp_path):
    proc, _ = _run(bindir, tmp_path, H200 / "bad_option.txt")
    assert proc.returncode == 2
    assert "rejected its arguments: ./build/all_reduce_perf: invalid option -- 'q'" in proc.stdout


def test_stderr_is_kept_and_nccl_debug_is_set(bindir, tmp_path):
    proc, out = _run(bindir, tmp_path, H200 / "ncclinfo.txt", "--nccl-debug", "--launcher", "env FOO=bar",
                     stderr="UCX WARN something")
    assert proc.returncode == 0, proc.stdout
    rec = json.loads((tmp_path / "rec.json").read_text())
    assert rec["NCCL_DEBUG"] == "INFO" and rec["FOO"] == "bar"
    run_dir = only_run(out)
    assert "UCX WARN something" in (run_dir / "stderr.txt").read_text()
    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["command"][:2] == ["env", "FOO=bar"]
    assert meta["nccl_info"]["network"] == "Socket" and meta["nccl_info"]["path"] == "socket"
    assert meta["environment"]["NCCL_DEBUG"] == "INFO"


def test_missing_binary(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "run_bench.py"), "nccl-tests", "alltoall_perf",
                           "--nccl-tests-dir", str(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                          env=base_env(PATH="/usr/bin:/bin", NCCL_TESTS_DIR=""))
    assert proc.returncode == 6
    assert proc.stderr.strip().startswith("fabricbench: error: nccl-tests binary 'alltoall_perf' not found")


def test_build_command_is_a_list_and_respects_user_flags(tmp_path):
    feats = driver.Features(json=True, timeout=True)
    cmd = driver.build_command(Path("/x/all_reduce_perf"), ["-b", "8", "-J", "mine.json"], "mpirun -np 16 -H 'a:8,b:8'",
                               feats, tmp_path / "j.json", 30)
    assert cmd == ["mpirun", "-np", "16", "-H", "a:8,b:8", "/x/all_reduce_perf", "-b", "8", "-J", "mine.json",
                   "-T", "30"]
    old = driver.build_command(Path("a"), [], None, driver.Features(), tmp_path / "j.json", 30)
    assert old == ["a"]


def test_find_binary_order(tmp_path, monkeypatch):
    for d in ("one", "two"):
        (tmp_path / d).mkdir()
        exe = tmp_path / d / "sendrecv_perf"
        exe.write_text("#!/bin/sh\n")
        exe.chmod(0o755)
    env = {"NCCL_TESTS_DIR": str(tmp_path / "two"), "PATH": os.environ["PATH"]}
    assert driver.find_binary("sendrecv_perf", str(tmp_path / "one"), env) == tmp_path / "one" / "sendrecv_perf"
    assert driver.find_binary("sendrecv_perf", None, env) == tmp_path / "two" / "sendrecv_perf"
