"""Bad input: one line naming the problem, exit code 2, never a traceback; under mpiexec too."""

import pytest

from tests.helpers import run_cli, run_mpi

BAD = {
    "malformed size": (["-b", "12Q"], "minbytes: '12Q' is not a size"),
    "min > max": (["-b", "1M", "-e", "1K"], "minbytes: 1M is larger than maxbytes 1K"),
    "unknown collective": (["--collectives", "all_reduse"], "unknown collective 'all_reduse'"),
    "dtype unsupported by backend": (["--backend", "mpi", "-d", "bfloat16"],
                                     "datatype bfloat16 is not supported by backend mpi"),
    "missing config": (["--config", "/nonexistent/fb.yaml"], "/nonexistent/fb.yaml: config: file not found"),
    "unknown flag": (["--frobnicate"], "run: unknown option --frobnicate"),
    "avg on integers": (["-o", "avg", "-d", "int32"], "reduction avg needs a floating-point datatype"),
    "unsupported in-place": (["--backend", "torch", "--inplace", "0"], "all_reduce out-of-place is not supported"),
    "graph timing on cpu": (["--timing", "graph"], "timing graph is not supported"),
}


def _assert_one_line(proc, expected):
    assert proc.returncode == 2, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("fabricbench: error:")]
    assert len(errors) == 1 and expected in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input(name, tmp_path):
    args, expected = BAD[name]
    _assert_one_line(run_cli("run", *args, "--out", str(tmp_path)), expected)


def test_cuda_without_gpu_is_an_invalid_environment(tmp_path):
    proc = run_cli("run", "--device", "cuda", "--backend", "torch", "--out", str(tmp_path))
    assert proc.returncode == 4 and "Traceback" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("fabricbench: error:")]
    assert errors == ["fabricbench: error: preflight invalid: h: device cuda requested but no GPU is visible "
                      "(--force runs anyway; results are then marked invalid)".replace(" h:", f" {_host()}:")]


def _host():
    import socket

    return socket.gethostname()


def test_invalid_yaml(tmp_path):
    cfg = tmp_path / "broken.yaml"
    cfg.write_text("collectives: [all_reduce\nmaxbytes: 1M\n")
    _assert_one_line(run_cli("run", "--config", str(cfg)), f"{cfg}: line 2: invalid YAML")


def test_unknown_yaml_key(tmp_path):
    cfg = tmp_path / "k.yaml"
    cfg.write_text("collectives: all_reduce\nmax_bytes_typo: 1M\n")
    _assert_one_line(run_cli("run", "--config", str(cfg)), f"{cfg}: max_bytes_typo: unknown key")


@pytest.mark.mpi
def test_under_mpiexec_the_error_is_said_once(tmp_path):
    _assert_one_line(run_mpi(2, "run", "--backend", "mpi", "-d", "bfloat16", "--out", str(tmp_path)),
                     "datatype bfloat16 is not supported")
    _assert_one_line(run_mpi(2, "run", "-b", "12Q"), "'12Q' is not a size")


def test_summary_of_nothing():
    _assert_one_line(run_cli("summary", "/nonexistent/run"), "no such directory")
    _assert_one_line(run_cli(), "a command is required")
