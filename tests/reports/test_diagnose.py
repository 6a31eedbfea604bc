"""Diagnosis on synthetic data in the real schema, with known answers."""

import numpy as np
import pandas as pd
import pytest

from fabricbench.reports.diagnose import diagnose_links, stragglers


def _links(n, slow_link=None, slow_node=None, noise=0.02, seed=1, factor=5.0):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        for j in range(n):
            if i != j:
                v = 10 * rng.lognormal(0, noise)
                if slow_link and {i, j} == set(slow_link):
                    v /= factor
                if slow_node is not None and slow_node in (i, j):
                    v /= factor
                rows.append((f"h{i}", f"h{j}", v, 10))
    return pd.DataFrame(rows, columns=["src", "dst", "value", "samples"])


def _kinds(verdicts):
    return sorted((v["kind"], tuple(v["hosts"])) for v in verdicts)


@pytest.mark.parametrize("n", [3, 4, 8, 32])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clean_link_and_node(n, seed):
    assert diagnose_links(_links(n, seed=seed)) == []
    assert _kinds(diagnose_links(_links(n, slow_link=(0, 2), seed=seed))) == [("slow_link", ("h0", "h2"))]
    assert _kinds(diagnose_links(_links(n, slow_node=1, seed=seed))) == [("slow_node", ("h1",))]


def test_evidence_and_thresholds():
    v = diagnose_links(_links(4, slow_link=(1, 3)))[0]
    d = v["evidence"]["directions"]
    assert set(d) == {"h1->h3", "h3->h1"} and all(e["z"] < -4 and e["samples"] == 10 for e in d.values())
    assert v["evidence"]["healthy_value"] == pytest.approx(10, rel=0.05)
    # A 23 % loss is below the default 25 % materiality; flagged when the threshold allows it.
    mild = _links(8, slow_link=(0, 1), factor=1.3)  # a 23 % loss
    assert diagnose_links(mild) == []
    assert _kinds(diagnose_links(mild, rel_threshold=0.1)) == [("slow_link", ("h0", "h1"))]


def test_latency_is_lower_is_better():
    lat = _links(5, slow_link=(2, 4))
    lat["value"] = 1000.0 / lat["value"]  # slow link = high latency
    assert _kinds(diagnose_links(lat, higher_is_better=False)) == [("slow_link", ("h2", "h4"))]


def test_two_nodes_cannot_tell_and_say_nothing():
    assert diagnose_links(_links(2, slow_link=(0, 1))) == []


def _samples(n_ranks, iters, late_rank=None, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.normal(100, 2, size=(n_ranks, iters))
    if late_rank is not None:
        t[late_rank] += 20
    pts = pd.DataFrame({"run_id": ["r"], "point_id": [0], "nranks": [n_ranks], "pattern": ["collective"]})
    s = pd.DataFrame({"run_id": "r", "point_id": 0, "iteration": np.arange(iters), "time_us": t.max(0),
                      "skew_us": t.max(0) - t.min(0), "last_rank": t.argmax(0)})
    return pts, s


def test_straggler_rank_found_with_its_host():
    pts, s = _samples(8, 200, late_rank=5)
    v = stragglers(pts, s, {5: "nodeB"})
    assert v == [{"kind": "straggler_rank", "hosts": ["nodeB"], "ranks": [5], "evidence": {
        "points_flagged": 1, "points_judged": 1, "median_share_last": 1.0,
        "median_relative_skew": pytest.approx(v[0]["evidence"]["median_relative_skew"])}}]
    assert stragglers(*_samples(8, 200), {}) == []  # no late rank: who is last is chance
    assert stragglers(*_samples(8, 10, late_rank=5), {}) == []  # too few iterations to say
