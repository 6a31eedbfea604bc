"""NCCL Inspector dumps -> one production run: the dump shipped with the plugin source and dumps written
by the generator in the plugin's formats (tests/data/inspector/README.md). Real files, the real CLI."""

import gzip
import json
import shutil

import numpy as np
import pytest

from fabricbench.benchmarks import inspector
from fabricbench.benchmarks.inspector import prom, read
from fabricbench.benchmarks.model.load import load_run
from tests.datasets import INSPECTOR, LOGS
from tests.helpers import only_run, run_cli
from tests.support import inspector_synth as synth

SHIPPED = INSPECTOR / "plugin-synthetic-64r8h"


def ingest(dump, out, *extra):
    proc = run_cli("ingest", str(dump), "--out", str(out), *extra)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return only_run(out)


def diagnose_json(run_dir):
    proc = run_cli("diagnose", str(run_dir), "--format", "json")
    return proc.returncode, json.loads(proc.stdout)["verdicts"]


def late(verdicts):
    return sorted((v["evidence"]["comm_name"], v["ranks"][0], v["hosts"][0]) for v in verdicts
                  if v["kind"] == "late_rank")


def test_shipped_dump_names_exactly_the_late_rank_and_its_host(tmp_path):
    run_dir = ingest(SHIPPED, tmp_path)
    rec = json.loads((run_dir / "run.json").read_text())
    assert rec["source"] == "nccl-inspector" and rec["nranks"] == 64 and rec["nnodes"] == 8
    assert sorted(rec["hosts"]) == [f"node-{h:02d}" for h in range(8)]
    job = rec["production"]
    assert job["files"] == 64 and job["unread_lines"] == 1 and job["format_version"] == "v4.0"
    assert job["incomplete_ops"] == {"tp7": 1}  # the torn line was rank 7's last tp7 operation
    assert [c["name"] for c in job["communicators"]][:1] == ["world"] and len(job["communicators"]) == 9
    code, verdicts = diagnose_json(run_dir)
    assert code == 1
    assert late(verdicts) == [("tp1", 5, "node-01"), ("world", 13, "node-01")]
    assert {v["evidence"]["pid"] for v in verdicts} == {40013}
    table = run_cli("diagnose", str(run_dir)).stdout
    assert "late rank 13 of communicator world (64 ranks) on node-01 pid 40013" in table


@pytest.mark.parametrize("late_rank", [42, None])
def test_generated_64_ranks_on_8_hosts_late_rank_or_none(tmp_path, late_rank):
    synth.generate(tmp_path / "dump", ranks=64, hosts=8, ops=120, late_rank=late_rank, late_us=150,
                   slow_period=(40, 60), seed=7)
    run_dir = ingest(tmp_path / "dump", tmp_path / "out")
    code, verdicts = diagnose_json(run_dir)
    if late_rank is None:
        assert (code, verdicts) == (0, [])
    else:  # rank 42 is local rank 2 of host 5
        assert code == 1 and late(verdicts) == [("tp5", 2, "node-05"), ("world", 42, "node-05")]
        world = next(v for v in verdicts if v["evidence"]["comm_name"] == "world")
        assert world["evidence"]["median_share_shortest"] == 1.0
        assert 140 <= world["evidence"]["median_wait_us"] <= 160  # the others waited late_us for it


def test_samples_are_the_records_joined_by_sequence_number(tmp_path):
    synth.generate(tmp_path / "dump", ranks=8, hosts=2, ops=30, seed=3)
    by_rank = {}
    for f in (tmp_path / "dump").iterdir():
        for line in f.read_text().splitlines():
            r = json.loads(line)
            if r["header"]["comm_name"] == "world" and r["coll_perf"]["coll"] == "AllGather" \
                    and r["coll_perf"]["coll_msg_size_bytes"] == 1 << 20:
                perf = r["coll_perf"]
                by_rank.setdefault(r["header"]["rank"], {})[perf["coll_sn"]] = perf["coll_exec_time_us"]
    runs = load_run(ingest(tmp_path / "dump", tmp_path / "out"))
    pts = runs.points
    pick = pts[(pts["collective"] == "all_gather") & (pts["size_bytes"] == 1 << 20) & (pts["nranks"] == 8)]
    m = runs.matrix(pick["run_id"].iloc[0], int(pick["point_id"].iloc[0]))
    sns = sorted(by_rank[0])
    assert m.shape == (8, len(sns))
    assert np.array_equal(m, np.array([[by_rank[r][sn] for sn in sns] for r in range(8)], dtype=float))
    extra = pick["extra"].iloc[0]
    assert extra["nccl_factor_agrees"] is True and extra["nccl_busbw_factor"] == pytest.approx(7 / 8, abs=1e-4)
    assert extra["rank_hosts"] == ["node-00"] * 4 + ["node-01"] * 4 and extra["incomplete_ops"] == 0
    summary = runs.summary.loc[pick.index[0]]  # one summary row per point, in the same order
    assert (summary["collective"], summary["size_bytes"], summary["nranks"]) == ("all_gather", 1 << 20, 8)
    assert summary["timing"] == "production" and summary["comm_name"] == "world"
    assert summary["time_us_median"] == np.median(m.max(axis=0))


def test_operations_some_rank_never_reported_are_counted_not_dropped_silently(tmp_path):
    synth.generate(tmp_path / "dump", ranks=8, hosts=2, ops=60, missing_ops=4, torn=True)
    run_dir = ingest(tmp_path / "dump", tmp_path / "out")
    rec = json.loads((run_dir / "run.json").read_text())
    # 4 world operations the last rank never wrote, and its last tp1 operation: the torn line
    assert rec["production"]["incomplete_ops"] == {"world": 4, "tp1": 1}
    assert "5 operation(s) some rank never reported" in rec["status_reason"]
    assert rec["production"]["unread_lines"] == 1
    assert rec["log"]["errors"][0].startswith("node-01-pid40007.log:") and "torn" in rec["log"]["errors"][0]


def test_gzip_jsonl_and_nested_folders_read_the_same(tmp_path):
    synth.generate(tmp_path / "plain", ranks=8, hosts=2, ops=30)
    for i, f in enumerate(sorted((tmp_path / "plain").iterdir())):
        dest = tmp_path / "mixed" / f"host{i % 2}"
        dest.mkdir(parents=True, exist_ok=True)
        if i % 2:
            (dest / (f.stem + ".jsonl.gz")).write_bytes(gzip.compress(f.read_bytes()))
        else:
            shutil.copy(f, dest / (f.stem + ".jsonl"))
    (tmp_path / "mixed" / "notes.log").write_text("not an inspector log\n")  # a plain log beside them is skipped
    a, b = read.read_job(tmp_path / "plain"), read.read_job(tmp_path / "mixed")
    assert b.skipped_files == ["notes.log"]
    assert (a.files, a.lines, b.files, b.lines, b.unread) == (8, b.lines, 8, a.lines, 0)
    assert {k: {r: list(o.time_us) for r, o in s.ranks.items()} for k, s in a.series.items()} == \
        {k: {r: list(o.time_us) for r, o in s.ranks.items()} for k, s in b.series.items()}


def test_unknown_format_version_is_one_line_naming_the_file_and_field(tmp_path):
    synth.generate(tmp_path / "dump", ranks=4, hosts=1, ops=5, version="v3.1")
    proc = run_cli("ingest", str(tmp_path / "dump"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    line = proc.stderr.strip()
    assert "\n" not in line and "inspector_output_format_version 'v3.1' is not supported (v4.x is)" in line
    assert "node-00-pid4000" in line


def test_a_folder_of_nccl_tests_logs_is_not_an_inspector_dump(tmp_path):
    shutil.copy(LOGS / "all_reduce__aws-p5-48xlarge-2node__adt-readme.txt", tmp_path / "allreduce.log")
    assert not inspector.is_dump(tmp_path) and not inspector.is_dump(tmp_path / "allreduce.log")
    assert inspector.is_dump(SHIPPED) and inspector.is_dump(SHIPPED / "node-00-pid40000.log.gz")


def test_verbose_traces_and_point_to_point_links(tmp_path):
    synth.generate(tmp_path / "dump", ranks=16, hosts=4, ops=150, late_rank=6, verbose=True, p2p=True)
    run_dir = ingest(tmp_path / "dump", tmp_path / "out")
    _, verdicts = diagnose_json(run_dir)
    assert all(v["evidence"]["kernel_started_last"] == 1.0 for v in verdicts if v["kind"] == "late_rank")
    assert late(verdicts) == [("tp1", 2, "node-01"), ("world", 6, "node-01")]
    runs = load_run(run_dir)
    links = runs.points[runs.points["peers"].notna()]
    assert set(links["collective"]) == {"p2p_bw"} and len(links) == 4 * 2 * 2  # 4 pp comms x 2 senders x 2 sizes
    one = links.iloc[0]
    assert one["nranks"] == 2 and one["extra"]["rank_hosts"][0] != one["extra"]["rank_hosts"][1]
    rec = json.loads((run_dir / "run.json").read_text())
    assert rec["production"]["ops_without_spec"] == {"Recv": 4 * 2 * 150}  # the receiving ends of those Sends


def test_prometheus_mode_snapshot(tmp_path):
    synth.generate_prom(tmp_path / "prom", ranks=16, hosts=2, slow_gpu=3)
    with open(next((tmp_path / "prom").iterdir()), "a") as f:
        f.write("garbage line\nnccl_other_metric{a=\"b\"} 1\n")
    run_dir = ingest(tmp_path / "prom", tmp_path / "out")
    rec = json.loads((run_dir / "run.json").read_text())
    assert rec["production"]["mode"] == "prometheus" and rec["production"]["files"] == 16
    assert rec["production"]["unread_lines"] == 2 and rec["nnodes"] == 2
    runs = load_run(run_dir)
    assert sorted(zip(runs.points["collective"], runs.points["size_bytes"], strict=True)) == [
        ("all_gather", 1 << 20), ("all_gather", 1 << 26), ("all_reduce", 1 << 20), ("all_reduce", 1 << 26)]
    p = runs.points.iloc[0]
    assert p["extra"]["size_bucket"] in ("1-2MB", "64-65MB") and len(p["extra"]["gpus"]) == 16
    assert runs.matrix(p["run_id"], 0).shape == (16, 1)


def test_prometheus_size_buckets_follow_the_plugin():
    assert [synth.size_range(n) for n in (0, 1, 1023, 1024, 1536, 1 << 20, (1 << 26) + 5, 3 << 30)] == \
        ["0B", "1-2B", "1023-1024B", "1-2KB", "1-2KB", "1-2MB", "64-65MB", "3-4GB"]
    assert prom.size_bucket("64-65MB") == (64 << 20, 65 << 20) and prom.size_bucket("1-2") is None


def test_damaged_records_are_counted_never_a_traceback(tmp_path):
    """Each damaged line of the shipped dump (a value of the wrong type, a missing key, a rank outside its
    communicator, bytes cut out) is either still a valid record or counted as unread; ingest never fails."""
    import random

    rng = random.Random(13)
    dump = tmp_path / "dump"
    dump.mkdir()
    damaged = 0
    for f in sorted(SHIPPED.iterdir())[:16]:
        lines = gzip.decompress(f.read_bytes()).decode().splitlines()
        for i in rng.sample(range(len(lines)), 12):
            rec = json.loads(lines[i])
            how = rng.randrange(7)
            if how == 0:
                rec["coll_perf"]["coll_exec_time_us"] = "slow"
            elif how == 1:
                del rec["header"]["rank"]
            elif how == 2:
                rec["header"]["rank"] = rec["header"]["n_ranks"] + rng.randrange(3)
            elif how == 3:
                rec["header"]["n_ranks"] = 0
            elif how == 4:
                rec["coll_perf"]["event_trace_ts"] = [1, 2]
            elif how == 5:
                rec = [rec]
            lines[i] = json.dumps(rec) if how < 6 else lines[i][: rng.randrange(1, len(lines[i]))]
            damaged += 1
        (dump / f.name.removesuffix(".gz")).write_text("\n".join(lines) + "\n")
    proc = run_cli("ingest", str(dump), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    rec = json.loads((only_run(tmp_path / "out") / "run.json").read_text())
    assert rec["production"]["unread_lines"] == damaged
    assert run_cli("report", str(tmp_path / "out"), "--out", str(tmp_path / "r.html")).returncode == 0
