"""Logs nccl-tests readers got wrong (issue #12): rccl-tests' trailing columns and its --output_file
lines, nccl-tests' pre-2020 all_gather numbers, and labels that mean what they say. Values read by
hand from the files in tests/data/other-logs (INDEX.md gives each one's source)."""

import json

import pandas as pd
import pytest

from fabricbench.benchmarks.model.enums import LogClass
from fabricbench.benchmarks.nccltests.ingest import read_log, read_logs
from fabricbench.cli.main import main as fabricbench
from tests.datasets import LOGS, OTHER

RCCL = OTHER / "rccl-tests__mi350x-2gpu-algo-columns__amd-dev-sweep-parser.txt"
RCCL_LINES = OTHER / "rccl-tests__output-file-4gpu__issue-12.jsonl"
OLD_AG = OTHER / "all_gather__v100-8gpu-1node-2020-old-semantics__nccl-tests-i37.txt"


def ingest(tmp_path, capsys, *args):
    out = tmp_path / "runs"
    code = fabricbench(["ingest", *map(str, args), "--out", str(out)])
    capsys.readouterr()
    runs = sorted(p for p in out.iterdir() if p.is_dir())
    return code, runs


def test_rccl_rows_with_algo_proto_nchannels_are_read_and_kept(tmp_path, capsys):
    log, _ = read_log(RCCL)
    assert [r.size for r in log.rows] == [1048576, 2097152, 268435456]
    assert log.rows[0].named == {"algo": "Direct", "proto": "SIMPLE", "nchannels": 32}
    assert log.rows[2].in_place.busbw == 365.76 and log.rows[2].named["algo"] == "RING"
    assert (log.tool, log.version) == ("rccl-tests", "develop:6405c76")
    assert log.versions == {"rccl": "2.27.7-develop:29e1567", "hip": "7.0.51831-a3e329ad8",
                            "rocm": "7.0.1.0-42-9428210"}
    assert log.footer_avg_busbw == 249.115
    # the excerpt lists 2 devices while busbw/algbw = 25.78/13.75 = 1.875 = 2(n-1)/n means 16 ranks
    assert log.status == LogClass.INCONSISTENT and "16 ranks" in log.reasons[0]
    _, [run] = ingest(tmp_path, capsys, RCCL)
    summary = pd.read_csv(run / "summary.csv")
    assert summary["algo"].tolist() == ["Direct", "Direct", "RING", "RING", "RING", "RING"]
    assert summary["nchannels"].eq(32).all() and summary["proto"].eq("SIMPLE").all()
    rec = json.loads((run / "run.json").read_text())
    assert rec["versions"]["rccl"] == "2.27.7-develop:29e1567" and rec["versions"]["rocm"] == "7.0.1.0-42-9428210"
    # an untrusted log: its rows are kept, never valid results
    assert not summary["valid"].any() and not summary["trusted"].any()


def test_rccl_output_file_lines(tmp_path, capsys):
    [(log, _)] = read_logs(RCCL_LINES)
    assert log.status == LogClass.OK and log.collective == "all_reduce" and log.nranks == 4
    [row] = log.rows
    assert (row.size, row.count, row.out_of_place.time_us, row.out_of_place.wrong, row.in_place) == (
        1024, 256, 19.18, 0, None)
    _, [run] = ingest(tmp_path, capsys, RCCL_LINES)
    [s] = pd.read_csv(run / "summary.csv").to_dict("records")
    assert s["busbw_gbps"] == pytest.approx(1024 / 19.18e-6 / 1e9 * 1.5)  # 0.0801, printed 0.0800


def test_the_same_run_read_from_text_and_from_output_file_lines_agrees():
    """rccl-tests --output_file writes one object per row half; the MI350X rows written that way
    (keys of the peer line of issue #12) pair up into the same rows as the text table."""
    text_log, _ = read_log(RCCL)
    lines = [json.dumps({"#wrong": str(h.wrong), "algBw": h.algbw, "busBw": h.busbw, "gpus": 16,
                         "inPlace": int(inplace), "name": "AllReduce", "redop": r.redop, "size": r.size,
                         "time": h.time_us, "type": r.type})
             for r in text_log.rows for inplace, h in ((False, r.out_of_place), (True, r.in_place))]
    from fabricbench.benchmarks.nccltests.logjson import parse_rccl_lines

    [log] = parse_rccl_lines("\n".join(lines))
    assert [(r.size, r.count, r.out_of_place.time_us, r.in_place.time_us) for r in log.rows] == [
        (r.size, r.count, r.out_of_place.time_us, r.in_place.time_us) for r in text_log.rows]


def test_a_line_that_is_no_result_object_is_skipped_never_guessed():
    from fabricbench.benchmarks.nccltests.logjson import parse_rccl_lines

    good = RCCL_LINES.read_text().strip()
    [log] = parse_rccl_lines(good + "\n{\"name\": \"AllReduce\"}\nnot json\n")
    assert len(log.rows) == 1 and [n for n, _ in log.skipped] == [2, 3]


def test_pre_2020_all_gather_is_read_by_its_own_definition(tmp_path, capsys):
    log, _ = read_log(OLD_AG)
    assert log.nranks == 8 and log.collective == "all_gather"
    assert any("pre-2020 all_gather" in r for r in log.reasons)
    assert log.status == LogClass.WRONG_DATA  # 'Out of bounds values : 2 FAILED': still wrong data
    _, [run] = ingest(tmp_path, capsys, OLD_AG)
    s = pd.read_csv(run / "summary.csv").set_index("inplace")
    # today's busbw = size/t x (n-1)/n = 4294967296 B / 29122 us x 7/8 = 129.05, the printed value
    assert s.loc[False, "busbw_gbps"] == pytest.approx(129.05, abs=0.005)
    assert s.loc[False, "algbw_gbps"] == pytest.approx(147.48, abs=0.005)
    assert s.loc[True, "busbw_gbps"] == pytest.approx(128.84, abs=0.005)
    samples = [json.loads(x) for x in (run / "samples.jsonl").read_text().splitlines()]
    assert samples[0]["extra"]["busbw_printed"] == 129.05 and samples[0]["nranks"] == 8


def test_todays_all_gather_is_not_mistaken_for_the_old_one():
    log, _ = read_log(LOGS / "all_gather__gcp-a3mega-h100-tcpxo-2node__dstack-docs.txt")
    assert not any("pre-2020" in r for r in log.reasons) and log.status != LogClass.INCONSISTENT


def test_labels_mean_what_they_say(tmp_path):
    header = ("#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw"
              "   busbw #wrong\n")
    hang = tmp_path / "hang.txt"
    hang.write_text("# nThread 1 nGpus 1 minBytes 8 maxBytes 8 step: 2(factor)\n" + header)
    assert read_log(hang)[0].status == LogClass.HANG
    footer = tmp_path / "footer.txt"
    footer.write_text(header + "# Out of bounds values : 0 OK\n# Avg bus bandwidth    : 1.5\n")
    one = read_log(footer)[0]
    assert one.status == LogClass.NOT_A_TABLE and "footer but no rows" in one.reasons[0]
    odd = tmp_path / "odd.txt"  # rows of a layout nobody knows: not_a_table with that reason, not hang
    odd.write_text(header + "   1024  256  float  sum  -1  x1  y2  z3  0  x1  y2  z3  0  extra  cols\n")
    one = read_log(odd)[0]
    assert one.status == LogClass.NOT_A_TABLE and "fit no known layout" in one.reasons[0]


def test_an_average_above_every_row_is_flagged(tmp_path):
    text = (LOGS / "all_reduce__a100-40gb-8gpu-1node__superbench-allreduce.txt").read_text()
    assert read_log(LOGS / "all_reduce__a100-40gb-8gpu-1node__superbench-allreduce.txt")[0].status != \
        LogClass.INCONSISTENT
    lines = [x if "Avg bus bandwidth" not in x else "# Avg bus bandwidth    : 999.5" for x in text.splitlines()]
    p = tmp_path / "avg.txt"
    p.write_text("\n".join(lines) + "\n")
    log = read_log(p)[0]
    assert log.status == LogClass.INCONSISTENT and "Avg bus bandwidth 999.5 is above every row" in log.reasons[0]
