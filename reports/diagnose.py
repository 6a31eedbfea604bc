"""Find the bad link, the bad node and the straggler rank. Pure functions over loaded results.

Links. Every pattern point (pairwise/bisection/intra rounds) gives, per rank pair, the iteration
time max(t_initiator, t_responder); its median gives the pair's bandwidth (or latency). Values
are compared on a log scale with the *healthy level* of the matrix: the median of its fastest
third (slowness is one-sided, and a slow node on a small cluster drags down most links, so the
median of all links would not do), and a robust scale (1.4826 x the median absolute deviation
from the healthy level of the links within 2x of it, at least NOISE_FLOOR). A link is slow when it
is both far below in z (<= -Z_THRESHOLD) and materially below (by REL_THRESHOLD). A node is slow
when more than half of its links (and at least two) are slow: then the node is named, not its
links. Thresholds are arguments, documented in docs/diagnosis.md.

Stragglers. In collective points every rank times every iteration; the rank that is last far
more often than 1/n of the time, with a skew beyond the noise, in most points, is named. In a
production job's operations (NCCL Inspector) the late rank is the one whose own time is the
shortest instead: reports/production.py names it per communicator.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np
import pandas as pd

from fabricbench.benchmarks.model.enums import TimingMode
from fabricbench.benchmarks.model.load import Runs
from fabricbench.collectives import registry
from fabricbench.reports.production import late_ranks

Z_THRESHOLD = 4.0
REL_THRESHOLD = 0.25
NOISE_FLOOR = math.log(1.05)


def higher_is_better(collective: str) -> bool:
    """Bandwidth tests are judged on GB/s (higher is better), latency tests on time (lower is)."""
    return registry.get(collective).metric == "bandwidth"


def pair_table(points: pd.DataFrame, rank_samples: pd.DataFrame, hosts: dict[int, str]) -> pd.DataFrame:
    """One row per (run, collective, size, initiator, responder) of every pattern point."""
    rows = []
    pts = points[points["pairs"].notna()] if "pairs" in points.columns else points.iloc[0:0]
    grouped = dict(tuple(rank_samples.groupby(["run_id", "point_id"]))) if not pts.empty else {}
    for p in pts.itertuples():
        g = grouped.get((p.run_id, p.point_id))
        if g is None:
            continue
        t = g.pivot(index="rank", columns="iteration", values="time_us")
        for a, b in p.pairs:
            if a not in t.index or b not in t.index:
                continue
            pair_t = np.maximum(t.loc[a].to_numpy(), t.loc[b].to_numpy())
            med = float(np.median(pair_t))
            rows.append({"run_id": p.run_id, "collective": p.collective, "size_bytes": p.size_bytes,
                         "src_rank": a, "dst_rank": b, "src": hosts.get(a, str(a)), "dst": hosts.get(b, str(b)),
                         "time_us": med, "gbps": p.size_bytes / (med * 1e3) if med > 0 else np.nan,
                         "samples": len(pair_t)})
    return pd.DataFrame(rows)


def link_table(pairs: pd.DataFrame, collective: str) -> pd.DataFrame:
    """Per directed host link: the value diagnosed (GB/s, or µs for latency) at the decisive size."""
    df = pairs[pairs["collective"] == collective]
    if df.empty:
        return pd.DataFrame(columns=["src", "dst", "value", "samples"])
    bandwidth = higher_is_better(collective)
    size = df["size_bytes"].max() if bandwidth else df["size_bytes"].min()
    df = df[(df["size_bytes"] == size) & (df["src"] != df["dst"])]
    value = "gbps" if bandwidth else "time_us"
    out = df.groupby(["src", "dst"], as_index=False).agg(value=(value, "median"), samples=("samples", "sum"))
    out["size_bytes"] = size
    return out


def diagnose_links(links: pd.DataFrame, higher_is_better: bool = True, z_threshold: float = Z_THRESHOLD,
                   rel_threshold: float = REL_THRESHOLD, noise_floor: float = NOISE_FLOOR) -> list[dict[str, Any]]:
    """Verdicts (slow_node, slow_link) from a directed link table. Vectorised: 1M links in well under a second."""
    if links.empty or len(links) < 1:
        return []
    good = np.log(links["value"].to_numpy(dtype=float))
    good = good if higher_is_better else -good  # larger = better either way
    ok = np.isfinite(good)
    ordered = np.sort(good[ok])
    ref = float(np.median(ordered[-max(1, len(ordered) // 3):]))  # slowness is one-sided: healthy is at the top
    near = good[ok & (good >= ref - math.log(2))]  # the spread among links near the healthy level
    scale = max(1.4826 * float(np.median(np.abs(near - ref))), noise_floor)
    z = (good - ref) / scale
    slow = ok & (z <= -z_threshold) & (good <= ref + math.log(1 - rel_threshold))
    src, dst = links["src"].to_numpy(), links["dst"].to_numpy()
    a, b = np.where(src < dst, src, dst), np.where(src < dst, dst, src)  # undirected pair key
    codes, hosts = pd.factorize(np.concatenate([a, b]))
    ca, cb = codes[: len(a)], codes[len(a):]
    pair_id = ca * len(hosts) + cb
    uniq, first = np.unique(pair_id, return_index=True)
    slow_pair = np.zeros(len(uniq), dtype=bool)
    np.logical_or.at(slow_pair, np.searchsorted(uniq, pair_id), slow)
    pa, pb = ca[first], cb[first]
    degree = np.bincount(np.concatenate([pa, pb]), minlength=len(hosts))
    bad = np.bincount(np.concatenate([pa[slow_pair], pb[slow_pair]]), minlength=len(hosts))
    slow_node = (degree >= 2) & (bad * 2 > degree)
    sign = 1 if higher_is_better else -1
    healthy = float(np.exp(sign * ref))
    verdicts = []
    for h in np.flatnonzero(slow_node):
        mine = (ca == h) | (cb == h)
        verdicts.append({"kind": "slow_node", "hosts": [str(hosts[h])], "ranks": [],
                         "evidence": {"slow_links": int(bad[h]), "links": int(degree[h]),
                                      "median_value": float(np.exp(sign * np.median(good[mine]))),
                                      "healthy_value": healthy, "median_z": float(np.median(z[mine]))}})
    for k in np.flatnonzero(slow_pair):
        if slow_node[pa[k]] or slow_node[pb[k]]:
            continue  # explained by a slow node
        rows = np.flatnonzero(pair_id == uniq[k])
        verdicts.append({"kind": "slow_link", "hosts": [str(hosts[pa[k]]), str(hosts[pb[k]])], "ranks": [],
                         "evidence": {"directions": {f"{src[r]}->{dst[r]}": {
                             "measured": float(links["value"].iloc[r]), "z": round(float(z[r]), 2),
                             "samples": int(links["samples"].iloc[r])} for r in rows},
                             "healthy_value": healthy, "scale_log": round(scale, 4)}})
    return verdicts


def stragglers(points: pd.DataFrame, samples: pd.DataFrame, hosts: dict[int, str], min_iterations: int = 20,
               min_skew: float = 0.05) -> list[dict[str, Any]]:
    """The rank last in far more than 1/n of the iterations, with skew beyond noise, in most collective points."""
    if points.empty or "nranks" not in points.columns:
        return []
    pattern = points["pattern"] if "pattern" in points.columns else pd.Series("collective", index=points.index)
    # production operations are judged by late_ranks (reports/production.py): there the late rank is the shortest
    timing = points["timing"].astype(str) if "timing" in points.columns else pd.Series("", index=points.index)
    coll = points[(pattern.fillna("collective") == "collective") & (points["nranks"] >= 3)
                  & timing.ne(str(TimingMode.PRODUCTION))]
    if coll.empty:
        return []
    s = samples.merge(coll[["run_id", "point_id", "nranks"]], on=["run_id", "point_id"])
    flagged: dict[int, list[dict]] = {}
    judged = 0
    for (_, pid), g in s.groupby(["run_id", "point_id"]):
        n, iters = int(g["nranks"].iloc[0]), len(g)
        if iters < min_iterations:
            continue
        judged += 1
        counts = np.bincount(g["last_rank"].to_numpy(dtype=int), minlength=n)
        r = int(counts.argmax())
        share = counts[r] / iters
        # Binomial tail (normal approximation) of being last this often by chance (p = 1/n).
        mu, sd = iters / n, math.sqrt(iters * (1 / n) * (1 - 1 / n))
        z = (counts[r] - mu) / sd if sd else 0.0
        skew = float(np.median(g["skew_us"] / g["time_us"]))
        if share >= max(0.5, 3 / n) and z >= 5 and skew >= min_skew:
            flagged.setdefault(r, []).append({"point_id": int(pid), "share": round(float(share), 3),
                                              "median_relative_skew": round(skew, 3)})
    out = []
    for r, hits in flagged.items():
        if judged and len(hits) * 2 > judged:
            out.append({"kind": "straggler_rank", "hosts": [hosts.get(r, str(r))], "ranks": [r],
                        "evidence": {"points_flagged": len(hits), "points_judged": judged,
                                     "median_share_last": float(np.median([h["share"] for h in hits])),
                                     "median_relative_skew": float(np.median([h["median_relative_skew"]
                                                                              for h in hits]))}})
    return out


def diagnose(points: pd.DataFrame, samples: pd.DataFrame, rank_samples: Optional[pd.DataFrame],
             hosts: dict[int, str], **thresholds: float) -> dict[str, Any]:
    verdicts: list[dict[str, Any]] = []
    pairs = pair_table(points, rank_samples, hosts) if rank_samples is not None else pd.DataFrame()
    matrices = {}
    for collective in sorted(pairs["collective"].unique()) if not pairs.empty else []:
        links = link_table(pairs, collective)
        matrices[collective] = links
        for v in diagnose_links(links, higher_is_better(collective), **thresholds):
            v["evidence"]["collective"] = collective
            v["evidence"]["size_bytes"] = int(links["size_bytes"].iloc[0])
            if not any(v["kind"] == w["kind"] and v["hosts"] == w["hosts"] for w in verdicts):
                verdicts.append(v)
    verdicts += stragglers(points, samples, hosts)
    return {"verdicts": verdicts, "matrices": matrices}


def diagnose_run(runs: Runs, run_id: str, **thresholds: float) -> dict[str, Any]:
    """Verdicts and link matrices of one loaded run (its hosts from its RunRecord)."""
    rec = runs.records[run_id]
    points = runs.points[runs.points["run_id"] == run_id] if not runs.points.empty else runs.points
    samples = runs.samples[runs.samples["run_id"] == run_id] if not runs.samples.empty else runs.samples
    ranks = runs.rank_samples
    ranks = ranks[ranks["run_id"] == run_id] if not ranks.empty else ranks
    result = diagnose(points, samples, ranks, rec.rank_hosts(), **thresholds)
    result["verdicts"] += located(rec.locate)
    if rec.production:
        result["verdicts"] += late_ranks(points, runs.matrix, {run_id: int(rec.production.get("first_dump_us") or 0)})
    result["locate"] = locate_rounds(rec.locate)
    for v in result["verdicts"]:
        v["run_id"] = run_id
    return result


def located(locate: dict[str, Any]) -> list[dict[str, Any]]:
    """The verdicts a `--pattern locate` run reached during the launch (its rounds are the evidence)."""
    extra = {"collective": locate.get("collective"), "size_bytes": locate.get("size_bytes"),
             "rounds_used": len(locate.get("rounds", []))}
    return [{**v, "evidence": {**v["evidence"], **extra}} for v in locate.get("verdicts", [])]


def locate_rounds(locate: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per round of a locate run: how many groups, how many slow, the healthy level and the decisions."""
    return [{"round": r["round"], "groups": len(r["groups"]), "nodes": sum(len(g["hosts"]) for g in r["groups"]),
             "slow": [", ".join(g["hosts"]) if len(g["hosts"]) <= 4 else f"{len(g['hosts'])} nodes ({g['hosts'][0]}...)"
                      for g in r["groups"] if g["slow"]],
             "healthy_busbw_gbps": r["healthy_busbw_gbps"], "slow_below_pct": round(100 * -math.expm1(-r["delta"]), 1),
             "decisions": r["decisions"]}
            for r in locate.get("rounds", [])]


def examined(runs: Runs) -> dict[str, int]:
    """What a diagnosis looked at, so 'clean' says what it rests on."""
    pts = runs.points
    pattern = pts["pairs"].notna() if "pairs" in pts.columns else pd.Series(False, index=pts.index)
    links = sum(len(p) for p in pts.loc[pattern, "pairs"]) if pattern.any() else 0
    ranks = int(sum(r.nranks or 0 for r in runs.records.values()))
    located_nodes = sum(int(r.locate.get("nodes", 0)) for r in runs.records.values())
    return {"runs": len(runs.records), "points": int(len(pts)), "pattern_points": int(pattern.sum()),
            "rank_pairs": int(links), "ranks": ranks, "located_nodes": located_nodes}
