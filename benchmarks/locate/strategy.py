"""The decisions of the locator: which groups to test each round and what their results mean.

A round tests disjoint groups of nodes at once (one collective per group); a group is as fast as its
slowest member and its slowest link. Round 1 screens every node in groups of ``group_size``. A slow
group becomes a suspect set; each later round splits every suspect set in two and tests both halves
at once, each padded with known-healthy nodes to the screening size, so every test has a clear
answer and is comparable with the rest. Nodes not needed as padding form reference groups: they set
the round's healthy level (median) and spread (robust SD), and keep re-testing the cleared.

When both halves of a slow set test healthy, the set is re-tested whole: a false alarm clears it;
if it is slow again, the slowness follows a pair split across the halves, a link, and a pair search
narrows both sides at once. A single suspect node is re-tested with other padding before it is named
(two of three); a suspect link is confirmed whole and then each end alone. The run stops when every
node is cleared or named. ``links="full"`` goes on to cover every pair of nodes with larger groups
(a round-robin of blocks), so that a slow link between two healthy nodes is found too.

Pure and deterministic for a seed: the live launch (live.py) and the model (simulate.py) drive it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

SLOW, HEALTHY = True, False


@dataclass
class Settings:
    group_size: int = 16  # nodes per screening and test group
    reps: int = 7  # measurements per group test (their median is the group's value)
    min_delta: float = 0.06  # a group is slow when log(value / healthy) < -delta ...
    max_delta: float = 0.5
    sigmas: float = 4.0  # ... delta = clip(sigmas x the healthy groups' robust SD, min, max)
    unknown_delta: float = 0.3  # ... or this, before five healthy groups have shown the spread
    links: str = "found"  # "found": links that show up in the tests; "full": cover every pair as well
    link_group_size: int = 0  # full coverage: nodes per group (0: half the nodes: 4 blocks, 3 rounds)
    cross_ways: int = 4  # a pair search splits each side this many ways (a Latin square of tests)
    max_rounds: int = 200
    seed: int = 0


@dataclass
class Test:
    """One group of one round: who is in it, which suspects it tests, and its result."""

    members: list[int]
    task: Optional[Task] = None
    tag: str = "reference"
    subjects: list[int] = field(default_factory=list)
    value: float = float("nan")
    slow: Optional[bool] = None


@dataclass
class Task:
    """One open investigation; ``kind`` says what it is narrowing down."""

    kind: str  # set | retest | cross | confirm | tiebreak | link | link_ends
    a: list[int]
    b: list[int] = field(default_factory=list)
    votes: int = 0  # node confirmation: slow results so far
    parts: list[list[list[int]]] = field(default_factory=list)
    tested: set[tuple[int, int]] = field(default_factory=set)  # pair search: combinations done
    parent: Optional[Task] = None  # the pair search this one narrowed from (resumed if this finds nothing)

    def exhausted(self) -> bool:
        return bool(self.parts) and len(self.tested) >= len(self.parts[0]) * len(self.parts[1])

    def nodes(self) -> set[int]:
        return set(self.a) | set(self.b)


@dataclass
class Round:
    index: int
    tests: list[Test]
    healthy: float
    delta: float
    spread: float
    decisions: list[str] = field(default_factory=list)


@dataclass
class Verdict:
    kind: str  # slow_node | slow_link
    nodes: list[int]
    evidence: dict[str, Any]


class Locator:
    def __init__(self, names: list[str], settings: Settings = Settings()) -> None:
        self.names = list(names)
        self.n = len(names)
        self.s = settings
        self.g = max(2, min(settings.group_size, self.n))
        self.rng = np.random.default_rng(settings.seed)
        self.tasks: list[Task] = []
        self.cleared: set[int] = set()
        self.named: dict[int, Verdict] = {}
        self.links: dict[tuple[int, int], Verdict] = {}
        self.rounds: list[Round] = []
        self.history: dict[int, list[tuple[int, float]]] = {}  # node -> (round, log ratio) of its tests
        self.screened = False
        self.coverage_rounds: list[list[list[int]]] = []
        self.coverage_started = False
        self.blocks: list[list[int]] = []
        self.waiting: list[Task] = []  # tasks whose nodes are still under another task
        self.known: Optional[tuple[float, float]] = None  # (log level, spread) of the last well-judged round
        self.residuals: list[float] = []  # healthy groups' log distance from their round's level: the noise
        self.coverage_seen: list[tuple[int, int, bool]] = []  # (block, block, slow) of each coverage group
        self.unresolved: dict[tuple[int, ...], str] = {}  # suspects the run could not decide, and why

    # -- planning ---------------------------------------------------------------------------------
    def done(self) -> bool:
        if len(self.rounds) >= self.s.max_rounds:
            self._give_up("the round limit was reached")
            return True
        if self.tasks and self._blocked():
            self._give_up("no known-healthy node is left to test them against")
        if not self.screened or self.tasks:
            return False
        if self.s.links == "full" and not self.coverage_started:
            self._start_coverage()
        return not self.coverage_rounds

    def _blocked(self) -> bool:
        """Every open test needs a healthy helper (a lone suspect measures nothing) and none is free."""
        if any(self._smallest_request(t) >= 2 for t in self.tasks):
            return False
        busy = set().union(*(t.nodes() for t in self.tasks))
        spare = {max(a, b) for a, b in self.links}
        return not (self.cleared - busy - spare)

    @staticmethod
    def _smallest_request(task: Task) -> int:
        if task.kind == "set":
            return len(task.a) // 2 if len(task.a) > 1 else 1
        if task.kind in ("confirm", "tiebreak", "link_ends"):
            return 1
        return 2

    def _give_up(self, why: str) -> None:
        """Suspects still open are reported as unresolved, never dropped and never named."""
        nodes = set().union(*(t.nodes() for t in self.tasks + self.waiting)) if self.tasks or self.waiting else set()
        nodes -= set(self.named)
        if nodes:
            self.unresolved[tuple(sorted(nodes))] = why
        self.tasks, self.waiting = [], []

    def _start_coverage(self) -> None:
        """A round-robin of blocks over the cleared nodes: every pair shares a group once."""
        self.coverage_started = True
        nodes = sorted(self.cleared)
        if len(nodes) < 2:
            return
        size = self.s.link_group_size or max(self.g, len(nodes) // 2)
        half = max(size // 2, 1)
        order = [int(x) for x in self.rng.permutation(nodes)]
        blocks = [order[i:i + half] for i in range(0, len(order), half)]
        if len(blocks) % 2:
            blocks.append([])
        self.blocks = blocks
        k = len(blocks)
        ids = list(range(k))
        for _ in range(k - 1):  # the circle method: k - 1 rounds pair every block with every other
            pairs = [(ids[i], ids[k - 1 - i]) for i in range(k // 2)]
            self.coverage_rounds.append([[x, y] for x, y in pairs if blocks[x] + blocks[y]])
            ids = [ids[0]] + [ids[-1]] + ids[1:-1]

    def plan(self) -> list[Test]:
        """The groups of the next round."""
        if not self.screened:
            order = list(self.rng.permutation(self.n))
            return [Test([int(x) for x in order[i:i + self.g]]) for i in range(0, self.n, self.g)]
        busy: set[int] = set()
        tests: list[Test] = []
        for task in self.tasks:
            for tag, subjects in self._requests(task):
                tests.append(Test(list(subjects), task, tag, list(subjects)))
                busy |= set(subjects)
        if not self.tasks and self.coverage_rounds:
            pairs = self.coverage_rounds.pop(0)
            return [Test(self.blocks[x] + self.blocks[y], None, "coverage", [x, y]) for x, y in pairs]
        # Padding and references never hold both ends of a link already named slow: keep one end out.
        spare = {max(a, b) for a, b in self.links}
        free = [int(x) for x in self.rng.permutation(sorted(self.cleared - busy - spare))]
        for t in sorted(tests, key=lambda t: len(t.members)):  # one helper first for the lone suspects
            if len(t.members) == 1 and free:
                t.members.append(free.pop())
        for t in tests:  # pad every test to the screening size with known-healthy nodes
            need = max(self.g - len(t.members), 0)
            t.members += free[:need]
            free = free[need:]
        lonely = {id(t.task) for t in tests if len(t.members) < 2}
        if lonely:  # a group of one measures nothing: that investigation waits for helpers
            tests = [t for t in tests if id(t.task) not in lonely]
        for i in range(0, len(free) - self.g + 1, self.g):  # the rest: reference groups
            tests.append(Test([int(x) for x in free[i:i + self.g]]))
        return tests

    def _requests(self, task: Task) -> list[tuple[str, list[int]]]:
        if task.kind == "set":
            if len(task.a) == 1:
                return [("single", task.a)]
            half = len(task.a) // 2
            order = [int(x) for x in self.rng.permutation(task.a)]
            task.parts = [order[:half], order[half:]]
            return [("half0", task.parts[0]), ("half1", task.parts[1])]
        if task.kind == "retest":
            return [("whole", task.a + task.b)]
        if task.kind == "cross":
            if not task.parts:
                task.parts = [_split(task.a, self.s.cross_ways, self.rng), _split(task.b, self.s.cross_ways, self.rng)]
            xs, ys = task.parts
            out, used_x, used_y = [], set(), set()
            width = max(len(xs), len(ys))
            for shift in range(width):  # a Latin square: each round, disjoint combinations not yet tested
                for i in range(width):
                    x, y = i % len(xs), (i + shift) % len(ys)
                    if (x, y) in task.tested or x in used_x or y in used_y:
                        continue
                    used_x.add(x)
                    used_y.add(y)
                    out.append((f"x{x}y{y}", xs[x] + ys[y]))
            return out
        if task.kind in ("confirm", "tiebreak"):
            return [(task.kind, task.a)]
        if task.kind == "link":
            return [("pair", task.a + task.b)]
        if task.kind == "link_ends":
            return [("end_a", task.a), ("end_b", task.b)]
        raise ValueError(task.kind)

    # -- judging ----------------------------------------------------------------------------------
    def observe(self, tests: list[Test]) -> Round:
        values = np.array([t.value for t in tests], dtype=float)
        logs = np.log(np.maximum(values, 1e-300))
        ref_at = [i for i, t in enumerate(tests) if t.task is None and t.tag == "reference"]
        ref = logs[ref_at]
        if ref.size >= 3:
            level, sample_at = float(np.median(ref)), ref_at
        elif logs.size >= 3 and not self.screened:  # screening: most groups are healthy
            level, sample_at = float(np.median(logs)), list(range(logs.size))
        elif self.known is not None:
            # Few reference groups (a small cluster, or coverage with big groups): this round's references
            # and the last well-judged level vote together, so a drifting machine is followed, not frozen.
            level, sample_at = float(np.median(np.append(ref, self.known[0]))), ref_at
        else:
            level, sample_at = float(np.median(np.sort(logs)[len(logs) // 2:])), []
        # The noise, as seen by the rounds before this one (judging a small round by a spread its own slow
        # groups widened would hide them; the median of many is robust to a few); until five healthy groups
        # are seen, a conservative fixed threshold.
        seen = self.residuals or self._leave_one_out(logs[sample_at])  # the first round: its own, if many
        if len(seen) >= 5:
            spread = 1.4826 * float(np.median(np.abs(np.array(seen))))
            delta = float(np.clip(self.s.sigmas * spread, self.s.min_delta, self.s.max_delta))
        else:
            spread, delta = float("nan"), self.s.unknown_delta
        rnd = Round(len(self.rounds) + 1, tests, math.exp(level), delta, spread)
        for t, lg in zip(tests, logs, strict=True):
            t.slow = bool(lg - level < -delta)
        # Then this round's healthy groups add to it: each one's distance from the median of the *other*
        # healthy groups of its round (its own value would pull a small round's median onto itself).
        # Tests of suspects that came out healthy count too (padded to the same size, they are healthy
        # groups like the references): a small cluster has few references a round.
        full = [i for i, t in enumerate(tests) if t.task is not None and len(t.members) == self.g]
        healthy = np.array([logs[i] for i in sorted(set(sample_at) | set(full)) if not tests[i].slow])
        self.residuals = (self.residuals + self._leave_one_out(healthy))[-400:]
        if len(sample_at) >= 3:
            self.known = (level, spread)
        for t, lg in zip(tests, logs, strict=True):
            # The evidence kept per node: its slow groups and the tests aimed at it (not every healthy one).
            for m in (t.members if t.slow else t.subjects if t.tag != "coverage" else ()):
                self.history.setdefault(m, []).append((rnd.index, float(lg - level)))
        self._advance(rnd)
        self.rounds.append(rnd)
        return rnd

    def _leave_one_out(self, sample: np.ndarray) -> list[float]:
        kept = sample[sample - np.median(sample) > -self.s.max_delta] if sample.size else sample
        if kept.size < 2:
            return []
        # x - median(others) has variance sigma^2 (1 + v), v that of the median of the others: scaled back
        # to sigma, or a small round (two references: a difference, sqrt 2 too wide) inflates the spread.
        scale = 1.0 / math.sqrt(1.0 + _median_variance(kept.size - 1))
        return [scale * float(x - np.median(np.delete(kept, i))) for i, x in enumerate(kept)]

    def _advance(self, rnd: Round) -> None:
        if not self.screened:
            self.screened = True
            for t in rnd.tests:
                if t.slow:
                    self.tasks.append(Task("set", t.members))
                    rnd.decisions.append(f"group {self._label(t.members)} slow: suspects")
                else:
                    self.cleared |= set(t.members)
            return
        results: dict[int, dict[str, bool]] = {}
        for t in rnd.tests:
            if t.tag == "coverage":
                members = set(t.members)
                explained = any(a in members and b in members for a, b in self.links)  # a link already named
                self.coverage_seen.append((t.subjects[0], t.subjects[1], bool(t.slow) and not explained))
            elif t.task is not None:
                results.setdefault(id(t.task), {})[t.tag] = bool(t.slow)
            elif t.slow:  # a reference group went slow: its members are suspects again
                self.cleared -= set(t.members)
                self.tasks.append(Task("set", t.members))
                rnd.decisions.append(f"{t.tag} group {self._label(t.members)} slow: suspects")
        next_tasks: list[Task] = []
        for task in self.tasks:
            r = results.get(id(task))
            if r is None:  # a task added this round
                next_tasks.append(task)
                continue
            next_tasks += self._step(task, r, rnd)
        self.tasks = next_tasks
        if self.coverage_started and not self.coverage_rounds and self.coverage_seen:
            self._decode_coverage(rnd)
        busy = set().union(*(t.nodes() for t in self.tasks)) if self.tasks else set()
        still = []
        for task in self.waiting:  # start what no longer overlaps an open investigation
            if task.nodes() & busy:
                still.append(task)
            else:
                self.tasks.append(task)
                busy |= task.nodes()
        self.waiting = still

    def _decode_coverage(self, rnd: Round) -> None:
        """After every pair of blocks shared a group: a block slow in every round holds the slow link
        inside it; a slow group whose blocks were healthy elsewhere holds it across them."""
        seen, self.coverage_seen = self.coverage_seen, []
        rounds = len(self.blocks) - 1
        slow_count: dict[int, int] = {}
        for x, y, slow in seen:
            for b in (x, y):
                slow_count[b] = slow_count.get(b, 0) + int(slow)
        inside = {b for b, c in slow_count.items() if c == rounds and self.blocks[b]}
        for b in sorted(inside):
            rnd.decisions.append(f"block {self._label(self.blocks[b])} slow in every coverage round: a link inside")
            self.cleared -= set(self.blocks[b])
            self.waiting.append(Task("set", self.blocks[b]))
        for x, y, slow in seen:
            if slow and x not in inside and y not in inside and self.blocks[x] and self.blocks[y]:
                rnd.decisions.append(f"blocks {self._label(self.blocks[x])} / {self._label(self.blocks[y])} slow "
                                     "only together: a link across them")
                self.cleared -= set(self.blocks[x]) | set(self.blocks[y])
                self.waiting.append(Task("cross", self.blocks[x], self.blocks[y]))

    def _clear(self, nodes: list[int]) -> None:
        self.cleared |= set(nodes)

    def _step(self, task: Task, r: dict[str, bool], rnd: Round) -> list[Task]:
        say = rnd.decisions.append
        if task.kind == "set":
            if len(task.a) == 1:
                if r["single"]:
                    say(f"{self._label(task.a)} slow alone: confirm")
                    return [Task("confirm", task.a, votes=1)]
                self._clear(task.a)
                return []
            h0, h1 = task.parts
            s0, s1 = r["half0"], r["half1"]
            if s0 and s1:
                say(f"both halves of {self._label(task.a)} slow")
                return [self._suspects(h0), self._suspects(h1)]
            if s0 or s1:
                slow, fine = (h0, h1) if s0 else (h1, h0)
                self._clear(fine)
                return [self._suspects(slow)]
            if task.votes:  # the second split of a set slow twice whole: the pair is split, a link
                say(f"{self._label(task.a)} slow whole, its halves healthy twice: a link across them")
                return [Task("cross", h0, h1)]
            say(f"both halves of {self._label(task.a)} healthy: re-test it whole")
            return [Task("retest", h0, h1)]
        if task.kind == "retest":
            if r["whole"]:
                # A noisy half hides a slow node as well as a split pair does; nodes are the likelier.
                say(f"{self._label(task.a + task.b)} slow again, its halves not: split it differently")
                return [Task("set", task.a + task.b, votes=1)]
            say(f"{self._label(task.a + task.b)} healthy on re-test: a false alarm")
            self._clear(task.a + task.b)
            return []
        if task.kind == "cross":
            xs, ys = task.parts
            hits = []
            for tag, slow in r.items():
                i, j = (int(v) for v in tag[1:].split("y"))
                task.tested.add((i, j))
                if slow:
                    hits.append((xs[i], ys[j]))
            if hits:
                return [self._narrowed(x, y, task) for x, y in hits]
            if len(task.tested) < len(xs) * len(ys):
                return [task]
            return self._nothing(task, rnd)
        if task.kind in ("confirm", "tiebreak"):
            slow = r[task.kind]
            votes = task.votes + int(slow)
            tests = 2 if task.kind == "confirm" else 3
            if votes >= 2:
                self._name_node(task.a[0], votes, tests, rnd)
                return []
            if task.kind == "confirm":
                return [Task("tiebreak", task.a, votes=votes)]
            say(f"{self._label(task.a)} healthy in 2 of 3 tests: cleared")
            self._clear(task.a)
            return []
        if task.kind == "link":
            if r["pair"]:
                return [Task("link_ends", task.a, task.b, parent=task.parent)]
            return self._nothing(task, rnd)
        if task.kind == "link_ends":
            sa, sb = r["end_a"], r["end_b"]
            if not sa and not sb:
                self._name_link(task.a[0], task.b[0], rnd)
                return []
            out = [Task("confirm", [x], votes=1) for x, s in ((task.a[0], sa), (task.b[0], sb)) if s]
            self._clear([x for x, s in ((task.a[0], sa), (task.b[0], sb)) if not s])
            return out
        raise ValueError(task.kind)

    def _suspects(self, nodes: list[int]) -> Task:
        """A slow half of one node was already that node tested with healthy padding: its first vote."""
        if len(nodes) == 1:
            return Task("confirm", nodes, votes=1)
        return Task("set", nodes)

    def _narrowed(self, x: list[int], y: list[int], parent: Optional[Task] = None) -> Task:
        if len(x) == 1 and len(y) == 1:
            return Task("link", x, y, parent=parent)
        return Task("cross", x, y, parent=parent)

    def _nothing(self, task: Task, rnd: Round) -> list[Task]:
        """A pair search that found nothing: a false alarm, unless it narrowed from a search that still has
        combinations to test (the narrowing followed a noisy result): then that one resumes."""
        parent = task.parent
        while parent is not None and parent.exhausted():
            parent = parent.parent
        if parent is not None:
            rnd.decisions.append(f"nothing across {self._label(task.a)} / {self._label(task.b)}: back to "
                                 f"{self._label(parent.a)} / {self._label(parent.b)}")
            return [] if any(parent is t for t in self.waiting) else self._resume(parent)
        rnd.decisions.append(f"no pair across {self._label(task.a)} / {self._label(task.b)} slow: a false alarm")
        self._clear(task.a + task.b)
        return []

    def _resume(self, parent: Task) -> list[Task]:
        self.waiting.append(parent)  # starts when its nodes are free of other narrowed searches
        return []

    # -- verdicts ---------------------------------------------------------------------------------
    def _evidence(self, nodes: list[int]) -> dict[str, Any]:
        tests = sorted({(rd, lr) for n in nodes for rd, lr in self.history.get(n, [])})
        return _summary(tests, self.rounds[-1].delta) if self.rounds else _summary([], 0.0)

    def _name_node(self, node: int, votes: int, tests: int, rnd: Round) -> None:
        ev = self._evidence([node])
        ev.update(confirmations=f"{votes} of {tests}")
        self.named[node] = Verdict("slow_node", [node], ev)
        rnd.decisions.append(f"{self.names[node]} named slow ({votes} of {tests} tests)")

    def _name_link(self, a: int, b: int, rnd: Round) -> None:
        key = (min(a, b), max(a, b))
        # The tests that held both ends: the same (round, value) in both histories (one group each round).
        both = sorted(set(self.history.get(a, [])) & set(self.history.get(b, [])))
        ev = {**_summary(both, rnd.delta), "pair": "slow", "ends_alone": "healthy"}
        self.links[key] = Verdict("slow_link", list(key), ev)
        self._clear([a, b])
        rnd.decisions.append(f"link {self.names[key[0]]} - {self.names[key[1]]} named slow; each end alone healthy")

    def verdicts(self, ranks: Optional[list[list[int]]] = None) -> list[dict[str, Any]]:
        """The diagnose JSON verdicts (kind, hosts, ranks, evidence); ``ranks``: each node's ranks, if any."""
        out = []
        for v in list(self.named.values()) + list(self.links.values()):
            out.append({"kind": v.kind, "hosts": [self.names[i] for i in v.nodes],
                        "ranks": [r for i in v.nodes for r in ranks[i]] if ranks else [],
                        "evidence": {**v.evidence, "method": "locate (group testing)"}})
        for nodes, why in self.unresolved.items():
            out.append({"kind": "unresolved", "hosts": [self.names[i] for i in nodes],
                        "ranks": [r for i in nodes for r in ranks[i]] if ranks else [],
                        "evidence": {**self._evidence(list(nodes)), "why": why, "method": "locate (group testing)"}})
        return out

    def _label(self, nodes: list[int]) -> str:
        if len(nodes) <= 3:
            return ",".join(self.names[i] for i in nodes)
        return f"{len(nodes)} nodes ({self.names[nodes[0]]}...)"


def _summary(tests: list[tuple[int, float]], delta: float) -> dict[str, Any]:
    """A verdict's evidence from the (round, log ratio to healthy) of the tests behind it."""
    slow = [(rd, lr) for rd, lr in tests if lr < -delta]
    return {"tests": len(tests), "slow_tests": len(slow),
            "median_vs_healthy": round(math.expm1(float(np.median([lr for _, lr in slow]))), 4) if slow else None,
            "rounds": sorted({rd for rd, _ in slow})}


# Variance of the median of k standard normal values (Monte Carlo, 400,000 draws each); pi / 2k beyond.
_MEDIAN_VARIANCE = {1: 1.0, 2: 0.5, 3: 0.449, 4: 0.298, 5: 0.287, 6: 0.214, 7: 0.211, 8: 0.168}


def _median_variance(k: int) -> float:
    return _MEDIAN_VARIANCE.get(k, math.pi / (2 * k))


def _split(nodes: list[int], ways: int, rng: np.random.Generator) -> list[list[int]]:
    """Up to ``ways`` near-equal random parts."""
    k = max(1, min(ways, len(nodes)))
    order = [int(x) for x in rng.permutation(nodes)]
    return [order[i::k] for i in range(k)]
