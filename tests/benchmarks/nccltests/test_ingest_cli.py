"""`ingest` over the whole corpus: one run per log with rows, a reason for every other file."""

import json

from tests.datasets import H200, LOGS
from tests.helpers import run_cli


def test_ingest_corpus(corpus, tmp_path):
    logs = sorted(str(p) for p in LOGS.glob("*.txt")) + [str(H200 / "all_reduce.json")]
    proc = run_cli("ingest", *logs, "--out", str(tmp_path), "--instance-type", "p5.48xlarge")
    assert proc.returncode == 1  # two files are not nccl-tests tables: said, not dropped
    lines = proc.stdout.splitlines()[1:]
    assert sum("not_a_table" in ln and "no run written" in ln for ln in lines) == 2
    runs = [d for d in tmp_path.iterdir() if (d / "run.json").exists()]
    assert len(runs) == len(logs) - 2
    metas = [json.loads((d / "run.json").read_text()) for d in runs]
    assert {m["instance"]["instance_type"] for m in metas} == {"p5.48xlarge"}
    suspect = next(m for m in metas if "SUSPECT" in m["log"]["path"])
    assert suspect["classification"] == "inconsistent" and suspect["trusted"] is False
    summary = run_cli("summary", str(tmp_path), "--format", "json")
    assert summary.returncode == 0
    rows = json.loads(summary.stdout)
    assert len(rows) > 900 and {r["collective"] for r in rows} >= {"all_reduce", "all_to_all", "sendrecv"}


def test_ingest_problems_are_one_line(tmp_path):
    proc = run_cli("ingest", str(tmp_path / "missing.txt"), "--out", str(tmp_path))
    assert proc.returncode == 2 and proc.stderr.strip() == f"fabricbench: error: {tmp_path}/missing.txt: no such file"
    bad = tmp_path / "bad.json"
    bad.write_text('{"results": [')
    proc = run_cli("ingest", str(bad), "--out", str(tmp_path))  # readable, but no table: like any foreign file
    assert proc.returncode == 1 and "not valid JSON" in proc.stdout and "Traceback" not in proc.stderr + proc.stdout
    assert "bad.json" in proc.stdout.splitlines()[1]  # the name whole, a long path shortened in the middle


def test_collective_override_for_anonymous_logs(corpus, tmp_path):
    anon = tmp_path / "log.txt"
    anon.write_text((LOGS / "sendrecv__a40-2node-1gpu-each__nccl-tests-i214.txt").read_text())
    proc = run_cli("ingest", str(anon), "--out", str(tmp_path / "r"), "--collective", "sendrecv")
    assert proc.returncode == 0 and "truncated" in proc.stdout
