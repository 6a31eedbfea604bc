"""Results folders written by main before the typed model load unchanged (tests/data/legacy-results)."""

import json
import shutil

import jsonschema

from fabricbench.benchmarks.model import schema
from fabricbench.benchmarks.model.enums import LogClass, NcclPath, RunStatus, Verdict
from fabricbench.benchmarks.model.load import load_runs
from fabricbench.benchmarks.model.store import RunWriter, read_run
from tests.datasets import LEGACY


def _copy(tmp_path):
    shutil.copytree(LEGACY, tmp_path / "legacy")
    return tmp_path / "legacy"


def test_every_legacy_run_loads_with_its_points(tmp_path):
    runs = load_runs([_copy(tmp_path)])
    assert runs.problems == [] or all("recorded no sizes" in p for p in runs.problems)
    own = runs.records["20261203T100040Z-legacy-main-92a250"]
    assert own.schema == 1 and own.status is RunStatus.OK and own.launcher == "hydra"
    assert own.preflight.verdict is Verdict.OK and own.preflight.hosts[0].host == "vm"
    assert [f.message for f in own.preflight.findings] == ["vm: no GPU needed: CPU backends",
                                                           "vm: no EFA (not needed for CPU backends)"]
    assert own.native_timer.available is True and own.backends[0].mpi_version == "5.0"
    mine = runs.summary[runs.summary["run_id"] == own.run_id]
    assert len(mine) == 10 and set(mine["collective"]) == {"all_reduce", "all_gather", "p2p_latency"}
    assert mine["valid"].all()
    p5 = runs.records["20261203T100042Z-all_reduce-39a914"]
    assert p5.classification is LogClass.TRUNCATED and p5.instance.instance_type == "p5.48xlarge"
    assert len(runs.summary[runs.summary["run_id"] == p5.run_id]) == 64  # 32 rows x out-of-place, in-place
    hang = runs.records["20261203T100042Z-all_reduce-596020"]
    assert hang.nccl_info.path is NcclPath.EFA and hang.nccl_info.transports["NET/AWS Libfabric"] == 2
    assert hang.preflight.verdict is Verdict.WARNING
    assert any("without GPUDirect RDMA" in f.message for f in hang.preflight.findings)


def test_a_legacy_record_rewritten_validates_against_the_current_schema(tmp_path):
    run_schema = json.loads(schema.schema_path("run").read_text())
    for d in sorted(p for p in _copy(tmp_path).iterdir() if (p / "run.json").is_file()):
        rec = read_run(d)
        out = RunWriter(tmp_path / "rewritten", rec.run_id, [])
        out.write_run(rec)
        out.close(columnar=False)
        jsonschema.validate(json.loads((out.dir / "run.json").read_text()), run_schema)
