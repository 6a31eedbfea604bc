#!/usr/bin/env python3
"""Regenerate the shipped JSON Schemas and the field tables of docs/results-schema.md from the records.

usage: python scripts/gen_schema.py   (then commit the changed files; a test checks they are current)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fabricbench.benchmarks.model import schema  # noqa: E402
from fabricbench.benchmarks.model.resources import SCHEMAS  # noqa: E402


def main() -> None:
    SCHEMAS.mkdir(exist_ok=True)
    for old in SCHEMAS.glob("*.schema.json"):
        if old.name not in schema.FILES:
            old.unlink()
    for name, text in schema.generated().items():
        (SCHEMAS / name).write_text(text)
        print(f"wrote {SCHEMAS / name}")
    doc = ROOT / "docs" / "results-schema.md"
    doc.write_text(schema.docs_with_tables(doc.read_text()))
    print(f"updated {doc}")


if __name__ == "__main__":
    main()
