"""Presets agree with the catalog; the recipes in examples/ are well-formed and our CLI parses them."""

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from fabricbench.benchmarks.config import build_config, load_yaml
from fabricbench.benchmarks.model.catalog import load_catalog
from fabricbench.cli.main import build_parser
from fabricbench.reports.peaks import peak_busbw
from tests.helpers import ROOT

PRESETS = sorted((ROOT / "configs" / "presets").glob("*.yaml"))
EXAMPLES = ROOT / "examples"


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_preset_matches_the_catalog(path):
    cfg = build_config([(str(path), load_yaml(path))])
    row = load_catalog().loc[cfg.instance_type]
    exp = dict(cfg.expected)
    assert exp["gpus"] == row["accelerator_count"] and exp["nics"] == row["internode_nic_count"]
    assert exp["peak_intra_gbps"] == peak_busbw(cfg.instance_type, 1, "all_reduce").gbps
    assert exp["peak_inter_gbps"] == peak_busbw(cfg.instance_type, 2, "all_reduce").gbps
    assert cfg.device == "cuda" and "# " in path.read_text()  # every preset cites its sources
    assert all(isinstance(v, str) for _, v in cfg.env)


def test_presets_cover_the_families():
    assert {p.stem for p in PRESETS} >= {"p4d", "p5", "p5e", "p5en", "p6-b200", "nd-h100-v5", "a3-mega", "a3-ultra"}


def _commands(text: str) -> list[list[str]]:
    """Every run_bench.py invocation, with shell variables replaced by placeholders."""
    text = re.sub(r"\\\n\s*", " ", text)
    out = []
    for line in re.split(r"&&|\n", text):
        if "run_bench.py" not in line:
            continue
        line = re.sub(r"\$\{?(\w+)(\[@\])?(:-[^}]*)?\}?", lambda m: f"/placeholder/{m.group(1)}", line)
        tokens = shlex.split(line)
        i = next(i for i, t in enumerate(tokens) if t.endswith("run_bench.py"))
        out.append(tokens[i + 1:])
    return out


def test_examples_are_well_formed_and_parse_with_our_cli():
    manifests = list(EXAMPLES.rglob("*.yaml"))
    scripts = list(EXAMPLES.rglob("*.sh")) + list(EXAMPLES.rglob("*.sbatch"))
    assert manifests and scripts
    texts = []
    for m in manifests:
        doc = yaml.safe_load(m.read_text())
        assert doc["kind"] == "MPIJob" and doc["spec"]["mpiReplicaSpecs"]["Worker"]["replicas"] == 2
        texts.append(" ".join(doc["spec"]["mpiReplicaSpecs"]["Launcher"]["template"]["spec"]["containers"][0]["args"]))
    for s in scripts:
        assert subprocess.run(["bash", "-n", str(s)]).returncode == 0
        texts.append(s.read_text())
    parser, _ = build_parser()
    seen = set()
    for text in texts:
        for argv in _commands(text):
            args = parser.parse_args(argv)  # raises (UsageError) on anything our CLI would refuse
            seen.add(args.command)
            if args.command == "run":
                from fabricbench.cli.run_cmd import resolve_config

                cfg = resolve_config(args)  # the preset says what it was written for; the type is detected
                assert cfg.preset_for == "p5.48xlarge" and cfg.instance_type is None
    assert seen == {"preflight", "run", "report"}
    assert "examples/mpirun/hostfile" in (EXAMPLES / "mpirun" / "p5-2node.sh").read_text()
    assert Path(EXAMPLES / "mpirun" / "hostfile").read_text().count("slots=8") == 2
