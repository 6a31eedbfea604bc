"""The labelled public cases (tests/data/explain-corpus): `explain` names the label first in >= 90 %."""

import sys
from pathlib import Path

import pytest

from fabricbench.reports.explain.knowledge import load
from tests.helpers import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import explain_corpus  # noqa: E402

CASES = sorted(p for p in explain_corpus.CASES.iterdir() if (p / "case.yaml").exists())


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_each_case_is_sourced_and_labelled_with_a_known_cause(case: Path):
    meta, _ = explain_corpus.named(case)
    assert meta["source"].startswith("https://") and meta["maintainer"] and meta["summary"]
    assert meta["label"] in load()[0]
    assert (case / "info.log").read_text().strip()


def test_the_label_comes_first_in_at_least_90_percent_of_the_cases():
    first = [explain_corpus.named(c)[1][:1] == [explain_corpus.named(c)[0]["label"]] for c in CASES]
    assert CASES and sum(first) >= 0.9 * len(CASES), [c.name for c, ok in zip(CASES, first, strict=True) if not ok]
