from fabricbench.benchmarks import environment as env
from fabricbench.benchmarks.model import redact


def test_captured_environment_filters_and_redacts():
    environ = {"NCCL_DEBUG": "INFO", "FI_PROVIDER": "efa", "HOME": "/root", "AWS_SECRET_ACCESS_KEY": "s3cr3t-value",
               "NCCL_IB_PASSWORD": "hunter22", "UCX_TLS": "tcp,self", "NCCL_COMMENT": "key=s3cr3t-value"}
    got = env.captured_environment(environ)
    assert "HOME" not in got and "AWS_SECRET_ACCESS_KEY" not in got
    assert got["NCCL_DEBUG"] == "INFO" and got["UCX_TLS"] == "tcp,self"
    assert got["NCCL_IB_PASSWORD"] == env.REDACTED
    assert got["NCCL_COMMENT"] == "key=" + env.REDACTED


def test_scrub_nested():
    obj = {"cmd": ["run", "--tag", "abcd1234"], "x": {"y": "pre-abcd1234-post"}, "n": 3}
    assert redact.scrub_obj(obj, ["abcd1234"]) == {"cmd": ["run", "--tag", env.REDACTED],
                                                 "x": {"y": f"pre-{env.REDACTED}-post"}, "n": 3}


def test_versions_and_host_facts():
    v = env.versions()
    assert v["python"] and "platform" in v
    assert env.host_facts()["cpu_count"] >= 1
