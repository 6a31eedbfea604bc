"""Secrets in the environment (or pasted into captured variables) never reach results/."""

import pytest

from tests.helpers import base_env, only_run, run_mpi

pytestmark = [pytest.mark.mpi]

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
TOKEN = "tok-8c1f0a9e7d5b"


def test_no_secret_value_anywhere_in_results(tmp_path):
    env = base_env(AWS_SECRET_ACCESS_KEY=SECRET, FOO_TOKEN=TOKEN, NCCL_SOCKET_IFNAME=f"eth0,{TOKEN}",
                   NCCL_API_KEY="x" + SECRET, FI_PROVIDER="efa")
    proc = run_mpi(2, "run", "--collectives", "all_reduce", "--backend", "mpi", "-b", "8", "-e", "64",
                   "-n", "3", "--tag", f"t{TOKEN}", "--out", str(tmp_path), env=env)
    assert proc.returncode == 0, proc.stderr
    run_dir = only_run(tmp_path)
    for path in [run_dir, *run_dir.rglob("*")]:
        assert TOKEN not in str(path) and SECRET not in str(path)
        if path.name.endswith(".parquet"):  # compressed: search what it holds, not its bytes
            import pyarrow.parquet as pq

            text = "\n".join(pq.read_table(path).column("meta").to_pylist())
            text += str(pq.read_metadata(path).metadata)
            assert SECRET not in text and TOKEN not in text, path
        elif path.is_file():
            text = path.read_bytes()
            assert SECRET.encode() not in text and TOKEN.encode() not in text, path
    run_json = (run_dir / "run.json").read_text()
    assert '"FI_PROVIDER": "efa"' in run_json  # the captured environment is still there
    assert '"NCCL_API_KEY": "<redacted>"' in run_json
    assert "eth0,<redacted>" in run_json
