"""The JSON Schemas of run.json and of one samples.jsonl line, generated from the records.

The generated files ship inside the package (``schemas/``) so anyone can validate results with a
stock validator; ``python scripts/gen_schema.py`` rewrites them and the field tables of
docs/results-schema.md, and a test fails when either drifts from the declarations.
"""

from __future__ import annotations

import json
from pathlib import Path

from fabricbench.benchmarks.model.point import SAMPLE_SCHEMA_VERSION, PointRecord
from fabricbench.benchmarks.model.resources import SCHEMAS
from fabricbench.benchmarks.model.run import SCHEMA_VERSION, RunRecord
from fabricbench.benchmarks.model.typed import field_table, json_schema

BASE_ID = "https://fabricbench.dev/schemas"
FILES = {
    f"run.v{SCHEMA_VERSION}.schema.json": (RunRecord, "fabricbench run.json"),
    f"sample.v{SAMPLE_SCHEMA_VERSION}.schema.json": (PointRecord, "fabricbench samples.jsonl line"),
}
DOC_MARKERS = {RunRecord: "run.json", PointRecord: "samples.jsonl"}


def generated() -> dict[str, str]:
    """File name -> text of every shipped schema."""
    return {name: json.dumps(json_schema(cls, f"{BASE_ID}/{name}", title), indent=1) + "\n"
            for name, (cls, title) in FILES.items()}


def schema_path(kind: str) -> Path:
    """The shipped schema file of ``run`` or ``sample``."""
    return next(SCHEMAS / name for name in FILES if name.startswith(f"{kind}."))


def docs_table(cls: type) -> str:
    """The markdown field table of a record for docs/results-schema.md."""
    lines = ["| field | type | meaning |", "|---|---|---|"]
    for name, kind, text in field_table(cls):
        lines.append(f"| `{name}` | {kind} | {text.replace('|', '/')} |")
    return "\n".join(lines)


def replace_block(text: str, key: str, block: str) -> str:
    """Replace the text between '<!-- generated: KEY -->' and '<!-- end: KEY -->'."""
    start, end = f"<!-- generated: {key} -->", f"<!-- end: {key} -->"
    i, j = text.index(start) + len(start), text.index(end)
    return text[:i] + "\n" + block + "\n" + text[j:]


def docs_with_tables(text: str) -> str:
    for cls, key in DOC_MARKERS.items():
        text = replace_block(text, key, docs_table(cls))
    return text
