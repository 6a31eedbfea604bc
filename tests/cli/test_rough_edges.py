"""The rough edges a new user hits (issue #16), each reproduced as written and fixed.

Every command here fails, when it must, with one line and a documented exit code; nothing hangs,
nothing passes falsely, and labels mean what they say.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from fabricbench.cli.main import main
from tests.datasets import DATA, H200
from tests.helpers import ROOT, base_env, launch_cmd, only_run, run_cli, run_mpi

pytestmark = pytest.mark.mpi


def one_line_error(proc: subprocess.CompletedProcess, code: int = 2) -> str:
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("fabricbench: error:")]
    assert len(errors) == 1, proc.stderr
    return errors[0]


# -- crashes -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def runs_without_sizes(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("nosizes")
    out = {}
    refused = run_cli("run", "--preset", "p5", "--device", "cuda", "--backend", "mpi", "-b", "64", "-e", "64",
                      "--out", str(root / "refused"))
    assert refused.returncode == 4, refused.stderr
    out["refused by preflight"] = only_run(root / "refused")
    granule = run_mpi(2, "run", "--collectives", "all_gather", "-b", "8", "-e", "8", "--out", str(root / "granule"))
    assert granule.returncode == 5, granule.stdout + granule.stderr
    out["every size below the granule"] = only_run(root / "granule")
    torn = shutil.copytree(out["every size below the granule"], root / "torn" / "r")
    (torn / "samples.jsonl").write_text('{"collective": "all_reduce", "time_us": [[1.0, 2')
    out["torn samples"] = torn
    bare = shutil.copytree(out["every size below the granule"], root / "bare" / "r")
    (bare / "samples.jsonl").unlink()
    meta = json.loads((bare / "run.json").read_text())
    meta.update(status="incomplete", status_reason="the run did not finish")
    (bare / "run.json").write_text(json.dumps(meta))
    out["stopped during its first size"] = bare
    return out


@pytest.mark.parametrize("case", ["refused by preflight", "every size below the granule", "torn samples",
                                  "stopped during its first size"])
def test_summary_and_report_of_a_run_with_no_size(runs_without_sizes, case, tmp_path):
    run_dir = runs_without_sizes[case]
    summary = run_cli("summary", str(run_dir))
    assert summary.returncode == 0 and "Traceback" not in summary.stderr
    assert "# no completed sizes" in summary.stdout
    for fmt in ("csv", "json"):
        assert run_cli("summary", str(run_dir), "--format", fmt).returncode == 0
    report = run_cli("report", str(run_dir), "--out", str(tmp_path / "r.html"))
    assert "no completed sizes" in one_line_error(report)


@pytest.mark.parametrize("out", ["README.md", "/proc/nope"])
def test_run_out_that_cannot_hold_results(out):
    proc = run_mpi(2, "run", "--out", out)
    line = one_line_error(proc)
    assert f"--out {out}:" in line


# -- hangs ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("args,needle", [
    (["--pair", "0,0", "--collectives", "p2p_bw"], "--pair 0,0: both are rank 0"),
    (["--pair", "0,5", "--collectives", "p2p_bw"], "--pair 0,5: rank 5 does not exist; there are 2 ranks"),
    (["-r", "5", "--collectives", "broadcast"], "--root 5: there are 2 ranks (0..1)"),
])
def test_ranks_are_checked_against_the_world(args, needle, tmp_path):
    proc = run_mpi(2, "run", *args, "--out", str(tmp_path), timeout=60)
    assert needle in one_line_error(proc)


def test_no_run_can_hang_forever_by_default(tmp_path):
    from fabricbench.benchmarks.config import RunConfig

    assert RunConfig().timeout == 300
    proc = run_mpi(2, "run", "--sizes", "8", "-n", "3", "--out", str(tmp_path))
    assert proc.returncode == 0
    assert json.loads((only_run(tmp_path) / "run.json").read_text())["config"]["timeout"] == 300


# -- false passes and double counting -------------------------------------------------------------
def test_diagnose_of_nothing_is_an_error_and_clean_says_what_it_examined(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no runs found" in one_line_error(run_cli("diagnose", str(empty)))
    proc = run_mpi(2, "run", "--sizes", "8,64", "-n", "5", "--out", str(tmp_path / "r"))
    assert proc.returncode == 0
    clean = run_cli("diagnose", str(only_run(tmp_path / "r")))
    assert clean.returncode == 0
    assert "diagnose: clean (1 run(s), 2 points, 2 ranks, 0 rank pairs in pattern rounds examined)" in clean.stdout


def test_baseline_add_refuses_the_same_launch_twice(tmp_path):
    shutil.copytree(DATA / "gate-launches" / "ctrl", tmp_path / "ctrl")
    base = tmp_path / "base"
    first = run_cli("baseline", "add", str(tmp_path / "ctrl"), "--to", str(base), "--note", "n")
    assert first.returncode == 0, first.stderr
    again = run_cli("baseline", "add", str(tmp_path / "ctrl"), "--to", str(base), "--note", "n")
    line = one_line_error(again)
    assert "already in" in line and "(in r0001)" in line and "never counts twice" in line
    assert len(json.loads((base / "manifest.json").read_text())["runs"]) == 1


def test_a_run_with_no_size_is_not_ok_and_skipped_sizes_are_named(tmp_path):
    none = run_mpi(2, "run", "--collectives", "all_gather,all_to_all,reduce_scatter", "-b", "8", "-e", "8",
                   "--out", str(tmp_path / "none"))
    assert none.returncode == 5, none.stdout + none.stderr
    assert "status failed (no size ran" in none.stdout
    assert none.stdout.count("size(s) 8 skipped") == 3
    meta = json.loads((only_run(tmp_path / "none") / "run.json").read_text())
    assert meta["status"] == "failed" and {s["collective"] for s in meta["skipped"]} == {
        "all_gather", "all_to_all", "reduce_scatter"}
    some = run_mpi(2, "run", "--sizes", "4,8,16,24,32,64", "--collectives", "all_gather", "-n", "3",
                   "--out", str(tmp_path / "some"))
    assert some.returncode == 0
    assert "size(s) 4, 8, 16, 24 skipped" in some.stdout
    rows = [ln.split()[0] for ln in some.stdout.splitlines() if ln.startswith(" ")]
    assert rows == ["32", "64"]


# -- labels that mislead ---------------------------------------------------------------------------
def test_a_preset_never_sets_the_instance_type(tmp_path):
    proc = run_cli("run", "--preset", "p5", "--device", "cpu", "--backend", "mpi", "--sizes", "64", "-n", "2",
                   "--out", str(tmp_path / "r"))
    assert proc.returncode == 0, proc.stderr
    meta = json.loads((only_run(tmp_path / "r") / "run.json").read_text())
    assert meta["instance"]["instance_type"] == "unknown" and meta["instance"]["source"] == "none"
    assert meta["config"]["preset_for"] == "p5.48xlarge"
    report = run_cli("report", str(tmp_path / "r"), "--out", str(tmp_path / "r.html"))
    assert report.returncode == 0
    html = (tmp_path / "r.html").read_text()
    assert ">P5<" not in html and "% of" in html


def test_an_unknown_instance_type_is_named_with_the_closest(tmp_path):
    proc = run_cli("ingest", str(H200 / "all_reduce.json"), "--instance-type", "p5.4xl", "--out", str(tmp_path))
    assert proc.returncode == 0
    assert "instance type 'p5.4xl' is not in the catalog" in proc.stderr and "p5.48xlarge" in proc.stderr


def test_one_rank_has_no_fabric_peak_and_no_nvls_excuse(tmp_path):
    proc = run_cli("ingest", str(H200 / "sendrecv.json"), str(H200 / "all_reduce.json"), "--instance-type",
                   "p5.48xlarge", "--out", str(tmp_path))
    assert proc.returncode == 0
    from fabricbench.benchmarks.model.load import load_runs
    from fabricbench.reports.analysis import enrich, warnings

    runs = load_runs([tmp_path])
    table = enrich(runs.summary, runs.runs)
    assert table["pct_of_peak"].isna().all()
    assert "one rank" in table["peak_basis"].iloc[0]
    assert not warnings(table, runs.runs)["message"].str.contains("NVLS").any()


def test_ingested_runs_carry_the_logs_own_time(tmp_path):
    run_cli("ingest", str(H200 / "all_reduce.json"), "--out", str(tmp_path))
    run = only_run(tmp_path)
    assert run.name.startswith("20261126T084559-")
    meta = json.loads((run / "run.json").read_text())
    assert meta["started"] == "2026-11-26T08:45:59" and meta["ended"] == "2026-11-26T08:46:00"
    assert meta["ingested"].startswith("20")


def test_ctrl_c_records_interrupted_and_the_true_count(tmp_path):
    cmd = launch_cmd(2, "run", "--collectives", "all_reduce", "-b", "8", "-e", "16M", "-f", "2", "-n", "200",
                     "--out", str(tmp_path))
    proc = subprocess.Popen(cmd, env=base_env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            runs = [d for d in tmp_path.iterdir() if (d / "samples.jsonl").is_file()] if tmp_path.exists() else []
            if runs and len((runs[0] / "samples.jsonl").read_text().splitlines()) >= 3:
                break
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    run = only_run(tmp_path)
    meta = json.loads((run / "run.json").read_text())
    lines = len((run / "samples.jsonl").read_text().splitlines())
    assert meta["status"] == "interrupted", (meta["status"], err[-2000:])
    assert meta["points_completed"] == lines >= 3
    assert "interrupted" in meta["status_reason"] and "Traceback" not in err


# -- guards users expect ---------------------------------------------------------------------------
def test_oversubscription_is_said_in_the_header_the_record_and_the_report(tmp_path):
    cores = len(os.sched_getaffinity(0))
    proc = run_mpi(cores + 1, "run", "--sizes", "8", "-n", "3", "--out", str(tmp_path / "r"), timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"# warning: {cores + 1} ranks on a host with" in proc.stdout and "oversubscribed" in proc.stdout
    meta = json.loads((only_run(tmp_path / "r") / "run.json").read_text())
    assert meta["host"]["oversubscribed"] is True and meta["host"]["ranks_per_host_max"] == cores + 1
    assert run_cli("report", str(tmp_path / "r"), "--out", str(tmp_path / "r.html")).returncode == 0
    assert "oversubscribed" in (tmp_path / "r.html").read_text()


def test_a_long_sweep_prints_its_plan_progress_and_time(tmp_path):
    proc = run_mpi(2, "run", "--collectives", "all_reduce,broadcast", "--sizes", "8,64,512", "-n", "3",
                   "--out", str(tmp_path))
    assert proc.returncode == 0
    out = proc.stdout
    assert "# plan: 2 case(s)" in out and "6 points" in out
    assert "# progress: case 1/2, 3/6 points" in out and "s elapsed" in out
    assert "# done: 6 sizes in " in out


# -- one vocabulary --------------------------------------------------------------------------------
def test_all_and_both_mean_every_valid_combination(tmp_path):
    ops = run_mpi(2, "run", "--backend", "mpi", "-o", "all", "--sizes", "64", "-n", "3", "--out", str(tmp_path / "o"))
    assert ops.returncode == 0, ops.stderr
    assert "skipped (cannot run): all_reduce: reduction 'avg' is not supported by backend mpi" in ops.stdout
    redops = {json.loads(x)["redop"] for x in (only_run(tmp_path / "o") / "samples.jsonl").read_text().splitlines()}
    assert redops == {"sum", "prod", "max", "min"}
    both = run_mpi(2, "run", "--backend", "mpi,torch", "--inplace", "both", "--sizes", "64", "-n", "3",
                   "--out", str(tmp_path / "b"))
    assert both.returncode == 0, both.stderr
    assert "skipped (cannot run): all_reduce" in both.stdout and "out-of-place is not supported by backend torch" \
        in both.stdout
    explicit = run_mpi(2, "run", "--backend", "mpi", "-o", "avg", "--sizes", "64", "--out", str(tmp_path / "e"))
    assert "reduction 'avg' is not supported" in one_line_error(explicit)


def test_help_shows_every_default_and_choice(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for needle in ("[default: 32M]", "[default: all_reduce]", "[default: 300.0]", "[default: mpi]",
                   "{all_gather, all_reduce", "{int8, uint8", "{sum, prod, max, min, avg}", "[default: results]"):
        assert needle in text, needle


def in_process(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    got = capsys.readouterr()
    return code, got.out, got.err


@pytest.mark.parametrize("args,needle", [
    (["run", "-e", "1M"], "minbytes: 32M (the default) is larger than maxbytes 1M"),
    (["run", "-g", "8"], "-g is an nccl-tests flag; one process per GPU here"),
    (["run", "-G", "20"], "--timing graph --batch-ops N"),
    (["run", "-T", "30"], "--timeout SECONDS"),
    (["run", "--colectives", "all"], "unknown option --colectives (did you mean --collectives?)"),
    (["run", "--collectives", "allreduc"], "(did you mean all_reduce"),
    (["run", "-d", "flaot32"], "(did you mean float32?)"),
    (["run", "--preset", "p5e2"], "(did you mean p5e"),
    (["sumary", "x"], "unknown command 'sumary' (did you mean summary?)"),
])
def test_mistakes_get_one_line_with_the_way_out(args, needle, capsys):
    code, out, err = in_process(args, capsys)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_yaml_mistakes(tmp_path, capsys):
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    code, _, err = in_process(["run", "--config", str(empty)], capsys)
    assert code == 2 and "empty.yaml: config: the file is empty" in err
    typo = tmp_path / "typo.yaml"
    typo.write_text("colectives: all\n")
    code, _, err = in_process(["run", "--config", str(typo)], capsys)
    assert code == 2 and "typo.yaml: colectives: unknown key (did you mean collectives?)" in err


def test_list_and_default_export_format(capsys, tmp_path):
    code, out, _ = in_process(["run", "--list"], capsys)
    assert code == 0 and "all_reduce" in out and "reductions (-o): sum, prod, max, min, avg" in out
    assert "presets (--preset): a3-mega" in out
    shutil.copytree(DATA / "gate-launches" / "cand", tmp_path / "cand")
    code, out, err = in_process(["export", str(tmp_path / "cand"), "--out", str(tmp_path / "b.json")], capsys)
    assert code == 0, err
    assert json.loads((tmp_path / "b.json").read_text())["benchmarks"]


def test_summary_labels_every_table_and_ends_with_the_footer(tmp_path):
    shutil.copytree(DATA / "gate-launches" / "cand", tmp_path / "cand")
    out = run_cli("summary", str(tmp_path / "cand")).stdout
    assert out.count("# run ") == 7 and out.count("# Out of bounds values : 0 OK") == 7
    assert out.count("# Avg bus bandwidth") == 7


def test_intra_pattern_rows_name_their_pairs(tmp_path):
    proc = run_mpi(4, "run", "--pattern", "intra", "--collectives", "p2p_bw", "--sizes", "64", "-n", "3",
                   "--out", str(tmp_path), timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [ln for ln in proc.stdout.splitlines() if ln.startswith(" ")]
    assert rows and all("round " in r and "->" in r for r in rows)


def test_gate_markdown_says_na_never_nan():
    import pandas as pd

    from fabricbench.benchmarks.model.enums import GateVerdict
    from fabricbench.benchmarks.model.exitcodes import GateExit
    from fabricbench.reports.gate.gate import GateResult
    from fabricbench.reports.gate.markdown import to_markdown

    units = pd.DataFrame([{"unit": "u", "verdict": "inconclusive", "band": "latency", "effect_pct": float("nan"),
                           "baseline_us": float("nan"), "candidate_us": 3.0, "reason": "",
                           "n_control": 0, "n_candidate": 7}])
    md = to_markdown(GateResult("paired", GateVerdict.INCONCLUSIVE, GateExit.INCONCLUSIVE, units, pd.DataFrame(),
                                launches={"control": 0, "candidate": 7}))
    assert "nan" not in md.lower() and "n/a" in md


def test_headline_keeps_untrusted_and_cut_series_out(tmp_path):
    import pandas as pd

    from fabricbench.reports.analysis import headline

    base = {"family": "P5", "collective": "all_reduce", "backend": "torch", "inplace": False, "nnodes": 2,
            "nranks": 16, "peak_busbw_gbps": 400.0, "pct_of_peak": 10.0, "time_us_ci_low": 1.0,
            "time_us_ci_high": 2.0, "wrong": 0, "valid": True, "trusted": True}
    rows = [{**base, "run_id": "cut", "size_bytes": s, "busbw_gbps": 1.0, "time_us_median": 5.0} for s in (8, 64)]
    rows += [{**base, "run_id": "bad", "size_bytes": s, "busbw_gbps": 99.0, "time_us_median": 5.0,
              "trusted": False, "valid": False, "wrong": float("nan")} for s in (8, 1 << 30)]
    table = headline(pd.DataFrame(rows))
    assert list(table["run_id"]) == ["cut"]
    assert table["large_size_bytes"].isna().all() and table["busbw_gbps"].isna().all()
    html = (ROOT / "reports/templates/report.html.j2").read_text()
    assert "<th>busbw at</th>" in html and "<th>latency at</th>" in html


def test_a_page_that_quotes_a_failure_is_not_a_failed_run(tmp_path):
    md = tmp_path / "notes.md"
    md.write_text("# Debugging\nWe saw `Test NCCL failure common.cu:1204 'unhandled cuda error'` yesterday.\n")
    junk = tmp_path / "data.bin"
    junk.write_bytes(bytes(range(256)) * 10)
    json_other = tmp_path / "other.json"
    json_other.write_text('{"hello": 1}')
    for path in (md, junk, json_other):
        proc = run_cli("ingest", str(path), "--out", str(tmp_path / "out"))
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "not_a_table" in proc.stdout and path.name in proc.stdout and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("command", ["summary", "report", "ingest", "gate", "diagnose", "export", "preflight"])
def test_every_commands_help_names_its_defaults(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: None)" not in text and "[default: None]" not in text
    if command in ("summary", "diagnose", "preflight", "export"):
        assert "[default:" in text and "{" in text
