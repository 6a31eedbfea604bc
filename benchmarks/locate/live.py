"""The locator on the real fabric, inside one launch (`run --pattern locate`).

Every round rank 0 plans the groups (strategy.Locator) and broadcasts them; the ranks of each
group split off a communicator (MPI Comm_split; a torch process group too for the torch backend)
and run the collective there, all groups at once; each group's busbw (from its median time, the
slowest rank's) comes back to rank 0, which judges the round and plans the next. Every group of
every round is recorded as a point (pattern `locate`, its ranks, its round and role) and the rounds'
decisions and the verdicts go into run.json, so `diagnose` and the report show how each was reached.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Optional

import numpy as np

from fabricbench.benchmarks.launcher import Topology
from fabricbench.benchmarks.locate.strategy import Locator, Settings
from fabricbench.benchmarks.model.enums import TimingMode
from fabricbench.benchmarks.model.point import PointRecord
from fabricbench.benchmarks.model.summary import bandwidth_gbps
from fabricbench.benchmarks.point import Case, run_point
from fabricbench.collectives.spec import Context


def units(topo: Topology, per_gpu: bool) -> tuple[list[str], list[list[int]]]:
    """The nodes under test and the ranks that stand for each (one per node, or all of its ranks)."""
    names, ranks = [], []
    for host, host_ranks in topo.ranks_per_host().items():
        names.append(host)
        ranks.append(list(host_ranks) if per_gpu else [host_ranks[0]])
    return names, ranks


def default_group_size(nodes: int) -> int:
    """16 nodes a group, but at least four groups a round: the healthy level is a median."""
    return max(2, min(16, nodes // 4))


class LiveLocate:
    def __init__(self, engine: Any, case: Case, size: int) -> None:
        self.engine, self.case, self.size = engine, case, size
        self.topo: Topology = engine.topo
        self.cfg = engine.cfg
        self.names, self.unit_ranks = units(self.topo, self.cfg.per_gpu)
        self.locator: Optional[Locator] = None
        if self.topo.rank == 0:
            g = self.cfg.group_size or default_group_size(len(self.names))
            self.locator = Locator(self.names, Settings(group_size=g, links=self.cfg.locate_links,
                                                        seed=self.cfg.seed))
            # What it takes to replay the decisions from the recorded rounds (tests/benchmarks/locate).
            engine.rec.locate.update(names=self.names, settings=dataclasses.asdict(self.locator.s))

    def run(self) -> None:
        comm = self.topo.comm
        index = 0
        while True:
            tests = self.locator.plan() if self.locator else None
            groups = comm.bcast([[r for n in t.members for r in self.unit_ranks[n]] for t in tests]
                                if tests is not None else None, root=0)
            roles = comm.bcast([t.tag for t in tests] if tests is not None else None, root=0)
            index += 1
            results = self.round(groups)
            if self.locator is not None:
                for t, (busbw, _) in zip(tests, results, strict=True):
                    t.value = busbw if busbw and busbw > 0 else 1e-9
                rnd = self.locator.observe(tests)
                self.record(index, groups, roles, results, rnd)
            if comm.bcast(self.locator.done() if self.locator else None, root=0):
                break
        if self.locator is not None:
            self.finish()

    def round(self, groups: list[list[int]]) -> list[tuple[Optional[float], Any]]:
        """Run every group's collective at once; at rank 0: (busbw, point result) per group."""
        comm, me = self.topo.comm, self.topo.rank
        mine = next((i for i, g in enumerate(groups) if me in g), None)
        from mpi4py import MPI

        sub = comm.Split(mine if mine is not None else MPI.UNDEFINED, key=me)
        torch_groups = self._torch_groups(groups)
        out: Any = None
        if sub != MPI.COMM_NULL:
            hosts = [self.topo.hosts[r] for r in groups[mine]]
            sub_topo = Topology(sub, sub.rank, sub.size, 0, 1, self.topo.host, hosts, self.topo.launcher)
            be = self.case.backend.in_group(torch_groups.get(mine), sub_topo)
            try:
                case = dataclasses.replace(self.case, backend=be)
                ctx = Context(rank=sub.rank, nranks=sub.size, root=0, redop=self.case.redop,
                              counts=self.case.spec.counts(self.size, self.case.dtype.size, sub.size))
                res = run_point(case, ctx, self.cfg, sub)
                if sub.rank == 0:
                    med = float(np.median(res.rank_times_us.max(axis=0)))
                    busbw = bandwidth_gbps(ctx.counts.size_bytes, med) * self.case.spec.busbw_factor(sub.size)
                    out = (mine, busbw, res, ctx.counts)
            finally:
                be.close()
                sub.Free()
        self._destroy(torch_groups)
        gathered = comm.gather(out, root=0)
        if me != 0:
            return []
        by_group = {g[0]: g[1:] for g in gathered if g is not None}
        return [(by_group[i][0], by_group[i][1:]) if i in by_group else (None, None) for i in range(len(groups))]

    def _torch_groups(self, groups: list[list[int]]) -> dict[int, Any]:
        """torch needs a process group per group of the round, created by every rank in one order."""
        if not hasattr(self.case.backend, "dist"):
            return {}
        dist = self.case.backend.dist
        return {i: dist.new_group(ranks=g) for i, g in enumerate(groups) if len(g) > 0}

    def _destroy(self, groups: dict[int, Any]) -> None:
        """A round's torch groups go when the round ends (every round makes new ones)."""
        if not groups:
            return
        dist = self.case.backend.dist
        for g in groups.values():
            if g is not None and g != dist.GroupMember.NON_GROUP_MEMBER:
                dist.destroy_process_group(g)

    def record(self, index: int, groups: list[list[int]], roles: list[str],
               results: list[tuple[Optional[float], Any]], rnd: Any) -> None:
        eng, case = self.engine, self.case
        for group, role, (_, detail) in zip(groups, roles, results, strict=True):
            if detail is None:
                continue
            res, counts = detail
            point = PointRecord(
                collective=case.spec.name, backend=case.backend.name, transport=case.backend.transport,
                device=case.backend.device, dtype=case.dtype.name, redop=case.redop_label, inplace=case.inplace,
                root=-1, size_bytes=counts.size_bytes, count=counts.count, nranks=len(group),
                nnodes=len({self.topo.hosts[r] for r in group}), timing=TimingMode(res.timing), timer=res.timer,
                ops_per_sample=res.ops_per_sample, warmup=self.cfg.warmup_iters, stop_reason=res.stop_reason,
                wrong=res.wrong, time_us=res.rank_times_us, busbw_factor=case.spec.busbw_factor(len(group)),
                wall_s=round(res.wall_s, 6), pattern="locate", group=list(group), round=index, role=role)
            eng.writer.append_point(point)
            eng.rec.points_completed += 1
            eng.rec.wrong_points += int(bool(res.wrong))
        eng.rec.locate["rounds"].append({
            "round": index, "healthy_busbw_gbps": round(rnd.healthy, 4), "delta": round(rnd.delta, 4),
            "spread": round(rnd.spread, 4) if math.isfinite(rnd.spread) else None, "decisions": rnd.decisions,
            "groups": [{"hosts": sorted({self.topo.hosts[r] for r in g}), "role": role,
                        "busbw_gbps": None if b is None else round(b, 4), "slow": t.slow}
                       for g, role, (b, _), t in zip(groups, roles, results, rnd.tests, strict=True)]})
        eng.say(f"# locate round {index}: {len(groups)} groups, healthy {rnd.healthy:.4g} GB/s, "
                f"{sum(1 for t in rnd.tests if t.slow)} slow" + (f"; {'; '.join(rnd.decisions)}" if rnd.decisions
                                                               else ""))
        eng.writer.write_run(eng.rec)

    def finish(self) -> None:
        loc, eng = self.locator, self.engine
        verdicts = loc.verdicts(self.unit_ranks)
        eng.rec.locate["verdicts"] = verdicts
        eng.rec.locate["nodes"] = len(self.names)
        eng.rec.locate["rounds_used"] = len(loc.rounds)
        for v in verdicts:
            eng.say(f"# locate: {v['kind'].replace('_', ' ')} {' - '.join(v['hosts'])}")
        if not verdicts:
            eng.say(f"# locate: every one of {len(self.names)} nodes cleared in {len(loc.rounds)} round(s)")
