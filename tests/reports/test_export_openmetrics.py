"""`export --format openmetrics` on real results (ingested public logs with injected INFO lines, recorded
gate launches and their real `gate --json`): promtool accepts it, prometheus_client's OpenMetrics and
Prometheus text parsers read it back with the same values, and label values are escaped."""

import json
import shutil
import subprocess
import sys

import pytest

from fabricbench.reports.export_openmetrics import escape, render, samples
from tests.datasets import DATA, INSPECTOR, OTHER
from tests.helpers import ROOT
from tests.reports.explain.test_explain import inject
from tests.reports.explain.test_rules import CASES, FAMILY

PROMTOOL = shutil.which("promtool")


def cli(*args):
    return subprocess.run([sys.executable, str(ROOT / "run_bench.py"), *map(str, args)], capture_output=True,
                          text=True)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("om")
    _, breaks, _ = CASES["gdr_off"]
    log = inject(tmp, breaks(list(FAMILY["efa"][0])))  # the real p5 log with GDR-off INFO lines before it
    runs = tmp / "runs"
    assert cli("ingest", log, OTHER / "imb__oci-bm-optimized3-36-roce-4node__ocitutorials-run-imb.txt",
               "--out", runs, "--instance-type", "p5.48xlarge", "--nodes", "2", "--collective", "all_reduce"
               ).returncode == 0
    assert cli("ingest", INSPECTOR / "plugin-synthetic-64r8h", "--out", runs).returncode == 0  # a production job
    launches = tmp / "launches"
    shutil.copytree(DATA / "gate-launches", launches)
    gate = cli("gate", "--candidate", launches / "cand", "--control", launches / "ctrl", "--json", tmp / "g.json")
    assert gate.returncode in (0, 1, 3), gate.stderr
    out = tmp / "metrics.prom"
    proc = cli("export", runs, launches / "cand", "--format", "openmetrics", "--gate", tmp / "g.json", "--out", out)
    assert proc.returncode == 0, proc.stderr
    return out.read_text(), json.loads((tmp / "g.json").read_text())


@pytest.mark.skipif(PROMTOOL is None, reason="needs promtool (Debian: apt-get install prometheus; .ci/run does)")
def test_promtool_accepts_it(exported):
    text, _ = exported
    proc = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_both_prometheus_client_parsers_read_it_back(exported):
    from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics
    from prometheus_client.parser import text_string_to_metric_families as prometheus

    text, gate = exported
    assert text.endswith("# EOF\n")
    om = {f.name: f for f in openmetrics(text)}
    prom = {f.name: f for f in prometheus(text)}
    assert set(om) == set(prom) >= {"fabricbench_busbw_bytes_per_second", "fabricbench_latency_seconds",
                                    "fabricbench_run_info", "fabricbench_explain_cause", "fabricbench_gate_verdict"}
    busbw = [s for s in om["fabricbench_busbw_bytes_per_second"].samples
             if s.labels["collective"] == "all_reduce" and s.labels["instance_type"] == "p5.48xlarge"
             and s.labels["size_bytes"] == "17179869184" and s.labels["inplace"] == "false"]
    assert len(busbw) == 1 and busbw[0].value == pytest.approx(487.09e9, rel=1e-3)  # the p5 log's 16 GiB row
    assert busbw[0].labels["family"] == "P5" and busbw[0].labels["nnodes"] == "2"
    causes = {s.labels["cause"] for s in om["fabricbench_explain_cause"].samples}
    assert "gdr_off" in causes
    verdicts = {s.labels["unit"]: s.value for s in om["fabricbench_gate_verdict"].samples}
    assert verdicts and set(verdicts) == {u["unit"] for u in gate["units"] if u["verdict"] != "skipped"}
    imb = [s for s in om["fabricbench_latency_seconds"].samples if s.labels["timing"] == "imb"]
    assert any(s.labels["nranks"] == "144" and s.value == pytest.approx(0.43331153) for s in imb)
    late = {(s.labels["comm"], s.labels["ranks"], s.labels["hosts"]) for s in om["fabricbench_diagnose_finding"].samples
            if s.labels["kind"] == "late_rank"}
    assert late == {("world", "13", "node-01"), ("tp1", "5", "node-01")}
    prod = [s for s in om["fabricbench_busbw_bytes_per_second"].samples if s.labels["timing"] == "production"]
    assert len({s.labels["comm"] for s in prod}) == 9
    for family in om.values():  # every series once: communicators of one job are told apart by their label
        keys = [tuple(sorted(s.labels.items())) for s in family.samples]
        assert len(keys) == len(set(keys)), family.name


def test_label_values_are_escaped_and_nan_is_never_a_value():
    import pandas as pd

    assert escape('a"b\\c\nd') == 'a\\"b\\\\c\\nd'
    rows = pd.DataFrame([{"collective": "all_reduce", "size_bytes": 8, "run_id": 'x"\n', "nnodes": 0, "nranks": 2,
                          "inplace": False, "busbw_gbps": float("nan"), "algbw_gbps": 1.0, "time_us_median": 8.0}])
    runs = pd.DataFrame([{"run_id": 'x"\n', "source": "osu", "status": "ok", "hosts": ""}])
    text = render(samples(rows, runs))
    assert 'run_id="x\\"\\n"' in text and 'nnodes="unknown"' in text
    assert "fabricbench_busbw_bytes_per_second" not in text  # NaN busbw: no sample rather than NaN
    from prometheus_client.openmetrics.parser import text_string_to_metric_families

    assert [f.name for f in text_string_to_metric_families(text)] == [
        "fabricbench_algbw_bytes_per_second", "fabricbench_latency_seconds", "fabricbench_run_info"]
