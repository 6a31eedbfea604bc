"""`explain` end to end: real nccl-tests logs (tests/data/nccl-tests-logs), ingested as a user would,
some with one misconfiguration's INFO lines injected (the lines of test_rules.py), and the verdict JSON."""

import json
import subprocess
import sys

import pytest

from fabricbench.cli.main import main as fabricbench
from tests.datasets import LOGS
from tests.helpers import ROOT
from tests.reports.explain.test_rules import CASES, FAMILY

P5 = LOGS / "all_reduce__aws-p5-48xlarge-2node__adt-readme.txt"  # srun '0: ' prefixes, 487 GB/s at 16 GiB
A3MEGA = LOGS / "all_gather__gcp-a3mega-h100-tcpxo-2node__dstack-docs.txt"  # 188.6 GB/s, 94 % of the NICs' rate
SENDRECV = LOGS / "sendrecv__a40-2node-1gpu-each__nccl-tests-i214.txt"  # up to 4 KiB only


def explain(tmp_path, capsys, log, itype, nodes=2, prefix=""):
    runs = tmp_path / "runs"
    assert fabricbench(["ingest", str(log), "--out", str(runs), "--instance-type", itype, "--nodes", str(nodes)]) == 0
    capsys.readouterr()
    code = fabricbench(["explain", str(runs), "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def inject(tmp_path, lines, prefix="0: "):
    """The real log with NCCL INFO lines before its table, as NCCL_DEBUG=INFO prints them (with srun's prefix)."""
    text = P5.read_text()
    out = tmp_path / "injected.txt"
    out.write_text("".join(f"{prefix}{line}\n" for line in lines) + text)
    return out


@pytest.mark.parametrize("cause", sorted(c for c in CASES if CASES[c][0] == "efa" or c in (
    "p2p_shm_disabled", "few_channels", "topology_far", "resource_limits")))
def test_an_injected_misconfiguration_is_named_first(tmp_path, capsys, cause):
    _, breaks, env = CASES[cause]
    lines = breaks(list(FAMILY["efa"][0]))
    lines += [f"ip-10-1-2-3:4021:4087 [0] NCCL INFO {k} set by environment to {v}" for k, v in env.items()]
    code, found = explain(tmp_path, capsys, inject(tmp_path, lines), "p5.48xlarge")
    assert code == 1
    named = [c["cause"] for c in found["causes"]]
    assert named[0] == cause, named
    assert found["causes"][0]["evidence"] and found["causes"][0]["check"]


def test_the_real_log_with_healthy_info_lines_only_asks_about_its_above_peak_number(tmp_path, capsys):
    code, found = explain(tmp_path, capsys, inject(tmp_path, FAMILY["efa"][0]), "p5.48xlarge")
    [run] = found["runs"]
    [result] = run["results"]
    assert result["verdict"] == "above" and result["busbw_gbps"] == pytest.approx(487.26, abs=0.01)
    assert result["band"] == [293.33, 400.0] and "3200 Gbit/s / 8" in result["band_source"]
    # the healthy lines show NVLS channels: the number above the wire is explained, not a cause
    assert result["causes"][0]["cause"] == "algorithm" and "NVLS" in result["causes"][0]["evidence"][0]
    assert found["causes"] == []


def test_above_the_peak_without_info_lines_is_unexplained(tmp_path, capsys):
    code, found = explain(tmp_path, capsys, P5, "p5.48xlarge")
    result = found["runs"][0]["results"][0]
    assert code == 1 and result["verdict"] == "above" and result["causes"][0]["cause"] == "unexplained"
    assert "Tree or NVLSTree" in result["causes"][0]["evidence"][0]


def test_a_healthy_real_log_is_within_its_band(tmp_path, capsys):
    code, found = explain(tmp_path, capsys, A3MEGA, "a3-megagpu-8g")
    result = found["runs"][0]["results"][0]
    assert code == 0 and found["causes"] == []
    assert result["verdict"] == "within" and result["pct_of_peak"] == pytest.approx(94.3, abs=0.1)


def test_a_small_message_run_is_below_its_band_because_it_is_latency_bound(tmp_path, capsys):
    code, found = explain(tmp_path, capsys, SENDRECV, "p4d.24xlarge")
    result = found["runs"][0]["results"][0]
    assert result["verdict"] == "below" and result["size_bytes"] == 4096
    assert result["causes"][0]["cause"] == "latency_bound"
    assert found["causes"][0]["cause"] == "latency_bound"


def test_the_command_prints_json_and_a_table_and_refuses_an_empty_folder(tmp_path):
    runs = tmp_path / "runs"
    subprocess.run([sys.executable, str(ROOT / "run_bench.py"), "ingest", str(SENDRECV), "--out", str(runs),
                    "--instance-type", "p4d.24xlarge"], check=True, capture_output=True)
    table = subprocess.run([sys.executable, str(ROOT / "run_bench.py"), "explain", str(runs)], capture_output=True,
                           text=True)
    assert table.returncode == 1 and "cause latency_bound" in table.stdout and "check:" in table.stdout
    (tmp_path / "empty").mkdir()
    bad = subprocess.run([sys.executable, str(ROOT / "run_bench.py"), "explain", str(tmp_path / "empty")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "no runs found" in bad.stderr and "Traceback" not in bad.stderr


def test_diagnose_json_carries_the_explanation(tmp_path, capsys):
    runs = tmp_path / "runs"
    assert fabricbench(["ingest", str(SENDRECV), "--out", str(runs), "--instance-type", "p4d.24xlarge"]) == 0
    capsys.readouterr()
    fabricbench(["diagnose", str(runs), "--format", "json"])
    found = json.loads(capsys.readouterr().out)
    assert found["explain"]["causes"][0]["cause"] == "latency_bound" and "verdicts" in found


def test_the_report_of_the_real_logs_shows_bands_and_causes(tmp_path, browser):
    from tests.reports.test_report_browser import inspect

    proc = subprocess.run([sys.executable, str(ROOT / "scripts/report_corpus.py"), "--logs", str(LOGS), "--out",
                           str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    seen = inspect(browser, tmp_path / "report.html", "explain-corpus")
    text = seen["text"]
    assert seen["errors"] == [] and "Is each number normal?" in text
    # the A3 Mega all_gather at 94 % of its NICs' rate is within; p5's 2-node all_reduce is above the wire
    assert "188.59\t146.7 – 200.0\twithin" in text
    assert "487.26\t293.3 – 400.0\tabove\tunexplained: 2 nodes: Tree or NVLSTree can exceed the wire" in text
    # the p4d excerpt of aws-ofi-nccl#64 ('bad performance on two p4 instances') shows no GPUDirect RDMA
    assert "GPUDirect RDMA not used on an instance that supports it (gdr_off" in text


def test_a_root_cause_is_named_before_its_consequence(tmp_path, capsys):
    """No plugin, so sockets (NVIDIA/nccl#959's shape): the missing plugin first, the fallback second."""
    p = "ip-10-1-2-3:4021:4087 [0] NCCL INFO "
    lines = [p + "NET/Plugin : No plugin found (libnccl-net.so), using internal implementation",
             p + "NET/IB : No device found.", p + "NET/Socket : Using [0]ens32:10.1.2.3<0>",
             p + "Using network Socket", p + "comm 0x55d1 rank 0 nRanks 16 nNodes 2 localRanks 8 localRank 0 MNNVL 0",
             p + "Channel 00/0 : 0[0] -> 8[0] [send] via NET/Socket/0"]
    code, found = explain(tmp_path, capsys, inject(tmp_path, lines), "p5.48xlarge")
    assert [c["cause"] for c in found["causes"]][:2] == ["plugin_missing", "socket_fallback"]


A3MEGA_GKE = LOGS / "all_gather__gcp-a3mega-h100-tcpxo-2node-gke__cluster-toolkit.txt"  # 188.9 GB/s at 8 GiB
A3HIGH = LOGS / "all_gather__gcp-a3high-h100-tcpx-2node__dstack-docs.txt"


def ingest(tmp_path, log, name, itype=None, nodes=2):
    out = tmp_path / name
    args = ["ingest", str(log), "--out", str(out), "--nodes", str(nodes)]
    assert fabricbench(args + (["--instance-type", itype] if itype else [])) == 0
    return out


def test_a_baseline_the_user_points_to_sets_the_low_edge(tmp_path, capsys):
    base = ingest(tmp_path, A3MEGA, "base", "a3-megagpu-8g")
    run = ingest(tmp_path, A3MEGA_GKE, "run", "a3-megagpu-8g")
    capsys.readouterr()
    assert fabricbench(["explain", str(run), "--baseline", str(base), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)["runs"][0]["results"][0]
    assert result["verdict"] == "within" and result["band"] == [pytest.approx(188.59 * 0.95, abs=0.01), 200.0]
    assert "baseline" in result["band_source"] and "188.6 GB/s" in result["band_source"]


def test_a_run_below_its_baseline_is_flagged_and_never_silent(tmp_path, capsys):
    """The a3-high log read as if it came from the a3-mega cluster: a real run at a quarter of the baseline.
    The catalog band alone would call it below too; the baseline says by how much against the user's own."""
    base = ingest(tmp_path, A3MEGA, "base", "a3-megagpu-8g")
    run = ingest(tmp_path, A3HIGH, "run", "a3-megagpu-8g")
    capsys.readouterr()
    assert fabricbench(["explain", str(run), "--baseline", str(base), "--format", "json"]) == 1
    result = json.loads(capsys.readouterr().out)["runs"][0]["results"][0]
    assert result["verdict"] == "below" and "baseline" in result["band_source"]
    assert result["causes"][0]["cause"] == "unexplained" and "% of peak" in result["causes"][0]["evidence"][0]


def test_a_baseline_gives_a_band_where_the_catalog_knows_no_peak(tmp_path, capsys):
    base = ingest(tmp_path, SENDRECV, "base")
    capsys.readouterr()
    assert fabricbench(["explain", str(base), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["runs"][0]["results"][0]["verdict"] == "unknown"
    assert fabricbench(["explain", str(base), "--baseline", str(base), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)["runs"][0]["results"][0]
    assert result["verdict"] == "within" and result["band"][1] is None and "no peak" in result["band_source"]
    assert fabricbench(["explain", str(base), "--baseline", str(base)]) == 0
    assert "band from" in capsys.readouterr().out
    (tmp_path / "empty").mkdir()
    bad = subprocess.run([sys.executable, str(ROOT / "run_bench.py"), "explain", str(base), "--baseline",
                          str(tmp_path / "empty")], capture_output=True, text=True)
    assert bad.returncode == 2 and "--baseline: no runs found" in bad.stderr and "Traceback" not in bad.stderr
