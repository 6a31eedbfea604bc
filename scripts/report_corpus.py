#!/usr/bin/env python3
"""Ingest the real nccl-tests logs of shared/data and write their cross-family HTML report.

usage: python scripts/report_corpus.py [--logs DIR] [--out DIR]
Each log's instance type and node count come from its .meta.json sidecar, used only where the
sidecar names a catalog instance type verbatim (e.g. 'p5.48xlarge', 'GCP A3 Mega (a3-megagpu-8g)')
and an integer node count; every other log is ingested as family 'unknown'.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fabricbench.benchmarks.model.catalog import load_catalog  # noqa: E402
from fabricbench.cli.main import main as fabricbench  # noqa: E402


def sidecar_facts(log: Path, types: list[str]) -> tuple[str | None, int | None]:
    meta_path = log.with_name(log.name.removesuffix(".txt") + ".meta.json")
    if not meta_path.exists():
        return None, None
    meta = json.loads(meta_path.read_text())
    text = str(meta.get("instance_type", ""))
    found = next((t for t in types if re.search(rf"(?<![\w.-]){re.escape(t)}(?![\w.-])", text)), None)
    nodes = meta.get("nodes") if isinstance(meta.get("nodes"), int) else None
    return found, nodes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--logs", default=str(ROOT.parent / "shared" / "data" / "nccl-tests-logs"))
    ap.add_argument("--out", default="results/corpus")
    args = ap.parse_args()
    types = sorted(load_catalog().index, key=len, reverse=True)
    out = Path(args.out)
    for log in sorted(Path(args.logs).glob("*.txt")):
        itype, nodes = sidecar_facts(log, types)
        cmd = ["ingest", str(log), "--out", str(out / "runs")]
        cmd += ["--instance-type", itype] if itype else []
        cmd += ["--nodes", str(nodes)] if itype and nodes else []
        with contextlib.redirect_stdout(io.StringIO()):
            fabricbench(cmd)  # a not-a-table log returns 1 and is named in the report's input problems
    return fabricbench(["report", str(out / "runs"), "--out", str(out / "report.html"),
                        "--title", "nccl-tests logs from shared/data"])


if __name__ == "__main__":
    sys.exit(main())
