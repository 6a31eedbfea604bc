from benchmarks import environment as env


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
    assert env.scrub_obj(obj, ["abcd1234"]) == {"cmd": ["run", "--tag", env.REDACTED],
                                                 "x": {"y": f"pre-{env.REDACTED}-post"}, "n": 3}


def test_instance_detection_never_guesses(monkeypatch, tmp_path):
    dmi = tmp_path / "product_name"
    monkeypatch.setattr(env, "DMI_PRODUCT", dmi)
    dmi.write_text("Standard PC (Q35 + ICH9, 2009)\n")
    assert env.detect_instance_type(None, {})["instance_type"] == "unknown"
    dmi.write_text("p5.48xlarge\n")
    assert env.detect_instance_type(None, {}) == {"instance_type": "p5.48xlarge", "source": "dmi",
                                                  "dmi_product_name": "p5.48xlarge"}
    assert env.detect_instance_type("p4d.24xlarge", {})["source"] == "cli"
    got = env.detect_instance_type(None, {"FABRICBENCH_INSTANCE_TYPE": "Standard_ND96isr_H100_v5"})
    assert got["instance_type"] == "Standard_ND96isr_H100_v5" and got["source"] == "env"
    dmi.unlink()
    assert env.detect_instance_type(None, {})["dmi_product_name"] is None


def test_versions_and_host_facts():
    v = env.versions()
    assert v["python"] and "platform" in v
    assert env.host_facts()["cpu_count"] >= 1
