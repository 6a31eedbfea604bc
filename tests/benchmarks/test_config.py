import pytest

from fabricbench.benchmarks.config import FIELDS, RunConfig, build_config, load_yaml
from fabricbench.benchmarks.model.errors import ConfigError
from fabricbench.collectives import registry

ROOT_CONFIGS = __import__("pathlib").Path(__file__).resolve().parents[2] / "configs"


def test_defaults_are_valid():
    cfg = build_config([])
    assert cfg == RunConfig()


def test_cli_overrides_file(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("minbytes: 1K\nmaxbytes: 1M\ncollectives: [all_reduce, alltoall]\n")
    cfg = build_config([(str(f), load_yaml(f)), ("command line", {"maxbytes": "4M", "dtypes": "half,bf16"})])
    assert (cfg.minbytes, cfg.maxbytes) == (1024, 4 << 20)
    assert cfg.collectives == ("all_reduce", "all_to_all")
    assert cfg.dtypes == ("float16", "bfloat16")


def test_all_expands():
    cfg = build_config([("x", {"collectives": "all", "redops": "all", "backends": "all"})])
    assert cfg.collectives == tuple(registry.names())
    assert set(cfg.redops) == {"sum", "prod", "max", "min", "avg"}
    assert cfg.backends == ("mpi", "torch")


@pytest.mark.parametrize("layer,key,problem", [
    ({"frob": 1}, "frob", "unknown key"),
    ({"minbytes": "12Q"}, "minbytes", "not a size"),
    ({"minbytes": [1]}, "minbytes", "not a size"),
    ({"iters": 0}, "iters", "below the minimum"),
    ({"iters": "x"}, "iters", "not an integer"),
    ({"iters": True}, "iters", "not an integer"),
    ({"device": "tpu"}, "device", "not one of"),
    ({"backends": "nccl"}, "backends", "not one of"),
    ({"dtypes": "float128"}, "dtypes", "unknown datatype"),
    ({"redops": "xor"}, "redops", "unknown reduction"),
    ({"ci_target": 0}, "ci_target", "outside"),
    ({"window": 2000}, "window", "above the maximum"),
    ({"pair": "0"}, "pair", "two ranks"),
    ({"minbytes": "1M", "maxbytes": "1K"}, "minbytes", "larger than maxbytes"),
    ({"min_iters": 50, "max_iters": 10}, "min_iters", "larger than max_iters"),
])
def test_one_line_errors_name_source_and_key(layer, key, problem):
    with pytest.raises(ConfigError) as info:
        build_config([("my.yaml", layer)])
    msg = str(info.value)
    assert msg.startswith(f"my.yaml: {key}: ") and problem in msg and "\n" not in msg


def test_yaml_problems(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("collectives: [all_reduce\nx: 1\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: line 2: invalid YAML"):
        load_yaml(bad)
    lst = tmp_path / "list.yaml"
    lst.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_yaml(lst)
    with pytest.raises(ConfigError, match="file not found"):
        load_yaml(tmp_path / "missing.yaml")
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(ConfigError, match="empty.yaml: config: the file is empty"):
        load_yaml(empty)


def test_every_field_has_a_coercer():
    assert set(FIELDS) == set(RunConfig.__dataclass_fields__)


@pytest.mark.parametrize("path", sorted(ROOT_CONFIGS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_configs_validate(path):
    build_config([(str(path), load_yaml(path))])


def test_local_config_is_the_embedded_default():
    cfg = build_config([("local", load_yaml(ROOT_CONFIGS / "local.yaml"))])
    assert cfg.collectives == tuple(registry.names()) and cfg.backends == ("mpi", "torch")
    assert cfg.device == "cpu" and cfg.minbytes == 8 and cfg.maxbytes == 16 << 20
