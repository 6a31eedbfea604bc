"""The shipped JSON Schemas and docs/results-schema.md are generated from the records: no drift."""

import json

import jsonschema
import pytest

from fabricbench.benchmarks.model import schema
from fabricbench.benchmarks.model.resources import SCHEMAS
from fabricbench.benchmarks.model.store import SAMPLES_FILE
from fabricbench.cli.main import main
from tests.datasets import H200
from tests.helpers import ROOT


def test_shipped_schemas_are_generated_from_the_records():
    shipped = {p.name: p.read_text() for p in SCHEMAS.glob("*.schema.json")}
    assert shipped == schema.generated(), "run: python scripts/gen_schema.py"


def test_docs_tables_are_generated_from_the_records():
    doc = (ROOT / "docs" / "results-schema.md").read_text()
    assert doc == schema.docs_with_tables(doc), "run: python scripts/gen_schema.py"


@pytest.mark.parametrize("kind", ["run", "sample"])
def test_schemas_are_valid_json_schema(kind):
    jsonschema.Draft202012Validator.check_schema(json.loads(schema.schema_path(kind).read_text()))


def test_an_ingested_run_validates(tmp_path, capsys):
    assert main(["ingest", str(H200 / "all_reduce.json"), str(H200 / "ncclinfo.txt"), "--out", str(tmp_path)]) in (0, 1)
    capsys.readouterr()
    runs = [d for d in tmp_path.iterdir() if (d / "run.json").is_file()]
    assert runs
    run_schema = json.loads(schema.schema_path("run").read_text())
    sample_schema = json.loads(schema.schema_path("sample").read_text())
    for d in runs:
        jsonschema.validate(json.loads((d / "run.json").read_text()), run_schema)
        for line in (d / SAMPLES_FILE).read_text().splitlines():
            jsonschema.validate(json.loads(line), sample_schema)


def test_a_wrong_value_fails_validation():
    run_schema = json.loads(schema.schema_path("run").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"run_id": "x", "status": "fine"}, run_schema)
