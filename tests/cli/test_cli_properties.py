"""Property: whatever the flags and whatever is in the folders, every command ends with a documented
exit code, a one-line error at most, never a traceback, never a hang.

Hypothesis generates the command lines (known and unknown flags, good and bad values) and the
results folders (empty, partial, torn, corrupt, foreign files, copies of real runs damaged in the
ways runs get damaged). Commands that do not start MPI run in this process; `run` runs as a real
single-rank process. Each case has a time limit.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fabricbench.benchmarks.model import exitcodes
from fabricbench.cli.main import main
from tests.datasets import DATA, H200, LEGACY
from tests.helpers import ROOT, base_env

DOCUMENTED = {int(code) for family in exitcodes.FAMILIES.values() for code in family}
SOURCES = [LEGACY / "20261203T100040Z-legacy-main-92a250", LEGACY / "20261203T100042Z-all_reduce-39a914",
           DATA / "gate-launches" / "cand" / "20261203T103157Z-cand-c6e6f2"]
DAMAGE = ["none", "no samples", "torn samples", "garbage line", "run.json not json", "run.json list",
          "run.json wrong types", "no run_id", "corrupt parquet", "empty samples", "binary samples"]


def _damage(run: Path, how: str, data: bytes) -> None:
    samples, meta = run / "samples.jsonl", run / "run.json"
    if how == "no samples":
        samples.unlink()
    elif how == "torn samples":
        text = samples.read_bytes()
        samples.write_bytes(text[: max(1, len(text) * 2 // 3)])
    elif how == "garbage line":
        with open(samples, "ab") as f:
            f.write(b'{"collective": 3, "time_us": "x"}\n' + data + b"\n")
    elif how == "run.json not json":
        meta.write_bytes(data or b"{")
    elif how == "run.json list":
        meta.write_text("[1, 2, 3]")
    elif how == "run.json wrong types":
        doc = json.loads(meta.read_text())
        doc.update(nranks="many", status="maybe", hosts=[1], preflight={"verdict": 7})
        meta.write_text(json.dumps(doc))
    elif how == "no run_id":
        doc = json.loads(meta.read_text())
        doc.pop("run_id")
        meta.write_text(json.dumps(doc))
    elif how == "corrupt parquet":
        (run / "samples.parquet").write_bytes(data or b"PAR1")
    elif how == "empty samples":
        samples.write_bytes(b"")
    elif how == "binary samples":
        samples.write_bytes(data + b"\x00\xff" * 10)


@st.composite
def folders(draw, root: Path) -> Path:
    kind = draw(st.sampled_from(["empty", "foreign", "runs"]))
    folder = Path(tempfile.mkdtemp(dir=root))  # a fresh folder per example: no state between them
    if kind == "foreign":
        for i in range(draw(st.integers(1, 3))):
            (folder / draw(st.sampled_from([f"x{i}.txt", f"run{i}.json", f"notes{i}.md"]))).write_bytes(
                draw(st.binary(max_size=200)))
    elif kind == "runs":
        for i in range(draw(st.integers(1, 2))):
            run = folder / f"r{i}"
            shutil.copytree(draw(st.sampled_from(SOURCES)), run, ignore=shutil.ignore_patterns("samples.parquet"))
            _damage(run, draw(st.sampled_from(DAMAGE)), draw(st.binary(max_size=60)))
    return folder


VALUES = st.one_of(st.sampled_from(["", "0", "-1", "1e9", "all", "none", "x", "8K", "nan", "../nope", "/proc/x",
                                    "table", "json", "csv", "sum", "float32", "2"]),
                   st.text(alphabet="abc-_=,./0123456789", max_size=12))
COMMAND_FLAGS = {
    "summary": ["--format", "--all-columns"],
    "report": ["--out", "--title"],
    "diagnose": ["--format", "--z-threshold", "--rel-threshold"],
    "export": ["--format", "--out"],
    "gate": ["--candidate", "--control", "--baseline", "--json", "--junit", "--markdown", "--alpha", "--min-delta",
             "--previous", "--max-launches"],
    "ingest": ["--out", "--collective", "--instance-type", "--nodes", "--tag"],
    "baseline": [],
}


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang


def _call(argv: list[str], limit: int = 60) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(limit)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    return int(code), out.getvalue(), err.getvalue()


def _check(code: int, out: str, err: str, argv: list[str]) -> None:
    assert "Traceback" not in err + out, (argv, err[-3000:])
    assert code in DOCUMENTED, (argv, code, err[-500:])
    errors = [ln for ln in err.splitlines() if ln.startswith("fabricbench: error:")]
    assert len(errors) <= 1, (argv, err)
    if code == exitcodes.Exit.USAGE:
        assert len(errors) == 1, (argv, err)


@pytest.fixture(scope="module")
def scratch():
    root = Path(tempfile.mkdtemp(prefix="fb-props-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_analysis_commands_on_anything(scratch, data):
    command = data.draw(st.sampled_from(sorted(COMMAND_FLAGS)))
    paths = [str(data.draw(folders(scratch))) for _ in range(data.draw(st.integers(1, 2)))]
    if command == "report" and data.draw(st.booleans()):
        paths = [str(DATA / "gate-launches" / "cand")]
    argv = [command]
    if command == "baseline":
        action = data.draw(st.sampled_from(["show", "add", "bogus"]))
        base = tempfile.mkdtemp(dir=scratch)
        argv += [action] + (paths[:1] if action != "add" else [*paths, "--to", base, "--note", "n"])
    elif command == "gate":
        argv += ["--candidate", *paths]
    elif command == "ingest":
        argv += [*paths, *[str(p) for p in Path(paths[0]).glob("*")][:2], str(H200 / "all_reduce.json")]
    else:
        argv += paths
    for flag in data.draw(st.lists(st.sampled_from(COMMAND_FLAGS[command] + ["--bogus", "-z", "--help"]),
                                   max_size=3, unique=True)):
        if flag == "--help":
            continue
        argv.append(flag)
        if flag not in ("--all-columns",):
            target = Path(tempfile.mkdtemp(dir=scratch)) / data.draw(st.sampled_from(["a.html", "b", "c"]))
            argv.append(data.draw(VALUES) if flag not in ("--out", "--json", "--junit", "--markdown") else str(target))
    code, out, err = _call(argv)
    _check(code, out, err, argv)


RUN_FLAGS = ["-b", "-e", "-f", "-i", "--sizes", "-n", "-w", "-d", "-o", "-c", "-r", "--collectives", "--backend",
             "--device", "--inplace", "--timing", "--batch-ops", "--ci-target", "--time-cap", "--min-iters",
             "--max-iters", "--timeout", "--window", "--pair", "--pattern", "--per-gpu", "--rounds", "--tag",
             "--instance-type", "--preset", "-g", "-G", "--bogus"]


@pytest.mark.mpi
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(flags=st.lists(st.tuples(st.sampled_from(RUN_FLAGS), VALUES), max_size=3))
def test_run_with_any_flags(scratch, flags):
    """A real single-rank run process per case (it starts MPI): one line or a run, never a traceback."""
    argv = [sys.executable, str(ROOT / "run_bench.py"), "run", "--sizes", "8,64", "-n", "3", "--time-cap", "0.1",
            "--out", str(scratch / "runs")]
    for flag, value in flags:
        argv += [flag, value]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=base_env(), cwd=scratch)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hang: {argv}")
    _check(proc.returncode, proc.stdout, proc.stderr, argv)
