#!/usr/bin/env python3
"""The labelled cases of tests/data/explain-corpus: which causes `explain` names, and how often the label
comes first (issue #15 item 3).

usage: python scripts/explain_corpus.py [--cases DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fabricbench.benchmarks.model.run import RunRecord  # noqa: E402
from fabricbench.benchmarks.nccltests.ncclinfo import parse_info  # noqa: E402
from fabricbench.reports.explain.explain import run_causes  # noqa: E402
from fabricbench.reports.explain.facts import gather  # noqa: E402

CASES = ROOT / "tests" / "data" / "explain-corpus"


def named(case: Path) -> tuple[dict, list[str]]:
    """(case.yaml, the causes explain names for its lines, root causes first)."""
    meta = yaml.safe_load((case / "case.yaml").read_text())
    info = parse_info((case / "info.log").read_text().splitlines())
    rec = RunRecord(run_id=case.name, nnodes=meta.get("nodes"), nccl_info=info, environment=meta.get("env") or {})
    rec.instance.instance_type = meta.get("instance_type") or "unknown"
    return meta, [cause for cause, _ in run_causes(gather(rec))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=Path, default=CASES)
    args = ap.parse_args()
    cases = sorted(p for p in args.cases.iterdir() if (p / "case.yaml").exists())
    first = 0
    print(f"{'case':<32} {'label':<18} {'named (first is the verdict)':<44} ok")
    for case in cases:
        meta, causes = named(case)
        ok = causes[:1] == [meta["label"]]
        first += ok
        print(f"{case.name:<32} {meta['label']:<18} {', '.join(causes) or '(nothing)':<44} {'yes' if ok else 'NO'}")
    print(f"label named first in {first} of {len(cases)} cases ({100.0 * first / max(len(cases), 1):.0f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
