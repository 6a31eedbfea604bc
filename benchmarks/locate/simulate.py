"""The locator against a model of a cluster instead of MPI: sizes no test bed has.

The model file (`--simulate MODEL.json`):

    {"nodes": 1024, "base_busbw": 100.0, "noise_cv": 0.05, "seed": 7,
     "slow_nodes": {"n0017": 0.7, "n0900": 0.5}, "slow_links": {"n0003-n0500": 0.4}}

Nodes are named n0000, n0001, ... A group's measured busbw is base_busbw times the slowest factor of
its members and of its links used, times log-normal noise of CV noise_cv, per measurement. A group's
collective uses the link between every two of its members (a group collective over several
channels and algorithms spreads its traffic over them; all_to_all uses every pair by definition).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fabricbench.benchmarks.locate.strategy import Locator, Settings
from fabricbench.benchmarks.model.errors import UsageError

KEYS = ("nodes", "base_busbw", "noise_cv", "seed", "slow_nodes", "slow_links")


def node_name(i: int, n: int) -> str:
    return f"n{i:0{max(4, len(str(n - 1)))}d}"


@dataclass
class Model:
    nodes: int
    base_busbw: float = 100.0
    noise_cv: float = 0.05
    seed: int = 0
    slow_nodes: dict[str, float] = field(default_factory=dict)
    slow_links: dict[str, float] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        width = max(4, len(str(self.nodes - 1)))
        return [f"n{i:0{width}d}" for i in range(self.nodes)]


def load_model(path: str | Path) -> Model:
    """MODEL.json -> Model; every problem is one line naming the file and the field."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text())
    except FileNotFoundError:
        raise UsageError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{p}: not a JSON model ({exc})") from None
    if not isinstance(doc, dict):
        raise UsageError(f"{p}: the model must be a JSON object")
    unknown = sorted(set(doc) - set(KEYS))
    if unknown:
        raise UsageError(f"{p}: {unknown[0]}: unknown key (known: {', '.join(KEYS)})")
    try:
        model = Model(nodes=int(doc["nodes"]), base_busbw=float(doc.get("base_busbw", 100.0)),
                      noise_cv=float(doc.get("noise_cv", 0.05)), seed=int(doc.get("seed", 0)),
                      slow_nodes={str(k): float(v) for k, v in (doc.get("slow_nodes") or {}).items()},
                      slow_links={str(k): float(v) for k, v in (doc.get("slow_links") or {}).items()})
    except KeyError:
        raise UsageError(f"{p}: nodes: missing") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise UsageError(f"{p}: a value is not a number ({exc})") from None
    if model.nodes < 2 or model.base_busbw <= 0 or model.noise_cv < 0:
        raise UsageError(f"{p}: nodes must be >= 2, base_busbw > 0 and noise_cv >= 0")
    names = set(model.names)
    for name, factor in model.slow_nodes.items():
        if name not in names or not 0 < factor <= 1:
            raise UsageError(f"{p}: slow_nodes: {name}: needs a node n0000..{model.names[-1]} and a factor in (0, 1]")
    for name, factor in model.slow_links.items():
        ends = name.split("-")
        if len(ends) != 2 or not set(ends) <= names or ends[0] == ends[1] or not 0 < factor <= 1:
            raise UsageError(f"{p}: slow_links: {name}: needs 'nA-nB' of two nodes and a factor in (0, 1]")
    return model


class Cluster:
    """Measures groups of the model: what a round of collectives would report."""

    def __init__(self, model: Model) -> None:
        self.model = model
        index = {n: i for i, n in enumerate(model.names)}
        self.factor = np.ones(model.nodes)
        for name, f in model.slow_nodes.items():
            self.factor[index[name]] = f
        self.links = [(index[a], index[b], f) for a, b, f in
                      ((*k.split("-"), v) for k, v in model.slow_links.items())]
        self.sigma = math.sqrt(math.log1p(model.noise_cv ** 2))
        self.rng = np.random.default_rng(model.seed + 1)
        self.calls = 0

    def measure(self, groups: list[list[int]], reps: int) -> list[float]:
        where = np.full(self.model.nodes, -1)
        for g, members in enumerate(groups):
            where[members] = g
        slowest = np.array([self.factor[m].min() if m else 1.0 for m in groups])
        for a, b, f in self.links:
            if where[a] >= 0 and where[a] == where[b]:
                slowest[where[a]] = min(slowest[where[a]], f)
        noise = self.rng.lognormal(-0.5 * self.sigma ** 2, self.sigma, size=(len(groups), reps))
        self.calls += len(groups) * reps
        return list(self.model.base_busbw * slowest * np.median(noise, axis=1))


def simulate(model: Model, settings: Settings = Settings()) -> dict[str, Any]:
    """Run the locator on the model; the verdict JSON plus what it cost."""
    loc = Locator(model.names, Settings(**{**settings.__dict__, "seed": model.seed}))
    cluster = Cluster(model)
    node_rounds = 0
    while not loc.done():
        tests = loc.plan()
        for t, v in zip(tests, cluster.measure([t.members for t in tests], loc.s.reps), strict=True):
            t.value = v
        node_rounds += sum(len(t.members) for t in tests)
        loc.observe(tests)
    return {"verdicts": loc.verdicts(), "rounds": len(loc.rounds), "collective_calls": cluster.calls,
            "node_rounds": node_rounds, "examined": {"nodes": model.nodes, "rounds": len(loc.rounds)}}
