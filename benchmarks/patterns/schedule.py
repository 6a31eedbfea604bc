"""Who talks to whom, round by round. Pure functions.

pairwise: the circle method of a round-robin tournament: N-1 rounds of N/2 disjoint pairs (a bye
for odd N), so every pair of nodes is measured once in N-1 concurrent rounds instead of N(N-1)/2
serial tests. bisection: the first half of the nodes against the second half, all at once.
"""

from __future__ import annotations

import random
from typing import Optional

Pair = tuple[int, int]


def round_robin(n: int) -> list[list[Pair]]:
    """Rounds of disjoint pairs covering every unordered pair of 0..n-1 exactly once."""
    if n < 2:
        return []
    players = list(range(n)) + ([-1] if n % 2 else [])  # -1 = bye
    m = len(players)
    rounds = []
    for _ in range(m - 1):
        pairs = []
        for i in range(m // 2):
            a, b = players[i], players[m - 1 - i]
            if a >= 0 and b >= 0:
                pairs.append((min(a, b), max(a, b)))
        rounds.append(sorted(pairs))
        players = [players[0], players[-1], *players[1:-1]]  # rotate all but the first
    return rounds


def sample_rounds(rounds: list[list[Pair]], k: Optional[int], seed: int = 0) -> list[list[Pair]]:
    """A random subset of k rounds (for huge clusters); all rounds when k is None or too large."""
    if k is None or k >= len(rounds):
        return rounds
    rng = random.Random(seed)
    return [rounds[i] for i in sorted(rng.sample(range(len(rounds)), k))]


def bisection(n: int) -> list[list[Pair]]:
    """One round: node i of the first half with node i of the second half."""
    half = n // 2
    return [[(i, half + i) for i in range(half)]] if half else []


def node_pairs_to_ranks(rounds: list[list[Pair]], node_ranks: list[list[int]], per_gpu: bool) -> list[list[Pair]]:
    """Node pairs -> rank pairs: the first rank of each node, or every local rank with its peer (--per-gpu)."""
    out = []
    for rnd in rounds:
        pairs = []
        for a, b in rnd:
            ra, rb = node_ranks[a], node_ranks[b]
            width = min(len(ra), len(rb)) if per_gpu else 1
            pairs += [(ra[i], rb[i]) for i in range(width)]
        out.append(pairs)
    return out


def intra_node_pairs(node_ranks: list[list[int]]) -> list[list[Pair]]:
    """Rounds of GPU<->GPU pairs inside every node at once (tells NVLink from network problems)."""
    width = max((len(r) for r in node_ranks), default=0)
    return [[(ranks[a], ranks[b]) for ranks in node_ranks for a, b in rnd if b < len(ranks)]
            for rnd in round_robin(width)]


def both_directions(rounds: list[list[Pair]]) -> list[list[Pair]]:
    """Each round again with the roles swapped, so a one-way test measures a->b and b->a."""
    return rounds + [[(b, a) for a, b in rnd] for rnd in rounds]


def plan(pattern: str, node_ranks: list[list[int]], per_gpu: bool, rounds: Optional[int], one_way: bool,
         seed: int = 0) -> list[list[Pair]]:
    """The rank-pair rounds of a pattern; one_way specs (p2p_bw) get both directions."""
    if pattern == "intra":
        out = intra_node_pairs(node_ranks)
    else:
        node_rounds = round_robin(len(node_ranks)) if pattern == "pairwise" else bisection(len(node_ranks))
        out = node_pairs_to_ranks(sample_rounds(node_rounds, rounds, seed), node_ranks, per_gpu)
    out = [r for r in out if r]
    return both_directions(out) if one_way else out
