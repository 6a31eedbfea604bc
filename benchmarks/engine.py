"""The sweep: plan the cases, refuse impossible ones up front, run every size, record it.

Lifecycle of a run (every rank): bootstrap -> backends -> plan -> for each case and size:
arrive, run_point, record (rank 0) -> final status. run.json is written before the first size
with status "incomplete" and rewritten at the end, so any death in between leaves an honest
record and every completed size already on disk.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from fabricbench.benchmarks import environment, faults, instance, table
from fabricbench.benchmarks.aggregate import per_iteration, summary_row
from fabricbench.benchmarks.config import RunConfig
from fabricbench.benchmarks.errors import ExitCode, InvalidEnvironment, UsageError
from fabricbench.benchmarks.launcher import Rendezvous, Topology, store_client
from fabricbench.benchmarks.patterns import schedule
from fabricbench.benchmarks.point import Case, run_point
from fabricbench.benchmarks.preflight import nccl_debug
from fabricbench.benchmarks.preflight.run import from_nccl_info, preflight
from fabricbench.benchmarks.records import PointRecord, RunWriter, new_run_id
from fabricbench.benchmarks.sizes import format_size
from fabricbench.benchmarks.timing import host_floor_ns
from fabricbench.benchmarks.watchdog import ProgressBoard, Watchdog
from fabricbench.collectives import registry
from fabricbench.collectives.backends import BackendUnavailable, backend_class
from fabricbench.collectives.data import REDOPS
from fabricbench.collectives.dtypes import get_dtype
from fabricbench.collectives.spec import Context

INCOMPLETE_REASON = "the run did not finish: still running, or stopped before it could record its end"


def _inplace_modes(cfg: RunConfig, spec_modes: tuple[bool, ...], be_modes: tuple[bool, ...]) -> list[bool]:
    both = [m for m in spec_modes if m in be_modes]
    if cfg.inplace == "auto":
        return sorted(both)[:1]  # out-of-place where possible, else the one mode there is
    return {"0": [False], "1": [True], "both": [False, True]}[cfg.inplace]


def plan_cases(cfg: RunConfig, backends: dict[str, Any], nranks: int) -> tuple[list[Case], list[str]]:
    """Every runnable case; a requested combination that cannot run is a UsageError."""
    cases, notes = [], []
    for spec in (registry.get(n) for n in cfg.collectives):
        if nranks < spec.min_ranks:
            if len(cfg.collectives) == 1:
                raise UsageError(f"{spec.name} needs at least {spec.min_ranks} ranks; "
                                 "run it under mpirun -np 2 or more")
            notes.append(f"{spec.name} skipped: needs at least {spec.min_ranks} ranks")
            continue
        for be in backends.values():
            modes = _inplace_modes(cfg, spec.inplace_modes, be.inplace_modes(spec.primitive))
            if not modes:
                raise UsageError(f"{spec.name} has no in-place mode that {be.label()} supports")
            for dtype_name in cfg.dtypes:
                dtype = get_dtype(dtype_name)
                for redop_name in cfg.redops if spec.uses_redop else ("sum",):
                    redop = REDOPS[redop_name]
                    if spec.uses_redop and redop.float_only and not dtype.is_float:
                        raise UsageError(f"{spec.name}: reduction {redop.name} needs a floating-point "
                                         f"datatype, not {dtype.name}")
                    for inplace in modes:
                        why = be.unsupported(spec, dtype, redop.name, inplace)
                        if why:
                            raise UsageError(f"{spec.name}: {why}")
                        cases.append(Case(spec, be, dtype, redop, inplace))
    if cfg.pattern != "collective":
        if any(not c.spec.point_to_point for c in cases):
            names = sorted({c.spec.name for c in cases if not c.spec.point_to_point})
            raise UsageError(f"--pattern {cfg.pattern} runs point-to-point tests only, not {', '.join(names)}")
    if cfg.timing != "auto":
        for be in backends.values():
            if cfg.timing not in be.timing_modes():
                raise UsageError(f"timing {cfg.timing} is not supported by {be.label()}")
    if not cases:
        raise UsageError("nothing to run: no collective can run with this configuration")
    return cases, notes


@dataclass
class Engine:
    cfg: RunConfig
    topo: Topology
    rdv: Rendezvous
    argv: list[str]
    out: Any = sys.stdout
    run_id: str = ""
    writer: Optional[RunWriter] = None
    meta: dict[str, Any] = field(default_factory=dict)
    nccl_dir: Optional[str] = None

    @property
    def is_root(self) -> bool:
        return self.topo.rank == 0

    def say(self, text: str) -> None:
        if self.is_root:
            print(text, file=self.out, flush=True)

    # -- setup --------------------------------------------------------------------------------
    def open_backends(self) -> dict[str, Any]:
        backends, error = {}, None
        for name in self.cfg.backends:
            try:
                backends[name] = backend_class(name)(self.cfg.device, self.topo, self.rdv.store)
            except BackendUnavailable as exc:
                error = str(exc)
                break
        errors = self.topo.comm.allgather(error)  # every rank must agree before anyone starts
        first = next((e for e in errors if e), None)
        if first:
            for be in backends.values():
                be.close()
            raise UsageError(first)
        return backends

    def start_record(self, backends: dict[str, Any]) -> None:
        environ = dict(os.environ)
        floors = {"python": host_floor_ns(self.topo.comm.Barrier)}
        if "mpi" in backends:
            from fabricbench.collectives.backends import native_loop

            native = native_loop.harness_floor_ns(backends["mpi"].comm)
            floors["native-c"] = native
            self.meta["native_timer"] = dict(native_loop.STATUS)
        self.meta.update(
            schema=1,
            run_id=self.run_id,
            status="incomplete",
            status_reason=INCOMPLETE_REASON,
            started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            ended=None,
            command=self.argv,
            config=self.cfg.as_dict(),
            nranks=self.topo.size,
            nnodes=self.topo.nnodes,
            hosts=self.topo.ranks_per_host(),
            launcher=self.topo.launcher,
            instance=instance.detect(self.cfg.instance_type, environ, self.cfg.instance_metadata),
            versions=environment.versions(),
            backends=[be.info() for be in backends.values()],
            environment=environment.captured_environment(environ),
            host=environment.host_facts(),
            harness_floor_ns=floors,
            points_completed=0,
            wrong_points=0,
        )
        if self.is_root:
            self.writer = RunWriter(self.cfg.out, self.run_id, environment.secret_values(environ))
            self.writer.write_run(self.meta)

    # -- the sweep ------------------------------------------------------------------------------
    def context(self, case: Case, size: int, pairs: Optional[list] = None) -> Context:
        n = self.topo.size
        a, b = (p % n for p in self.cfg.pair)
        if pairs:  # a pattern round: this rank's own pair, or (idle) the first one
            a, b = next((p for p in pairs if self.topo.rank in p), pairs[0])
        return Context(rank=self.topo.rank, nranks=n, root=self.cfg.root % n, redop=case.redop,
                       counts=case.spec.counts(size, case.dtype.size, n), peers=(a, b),
                       window=self.cfg.window)

    def record(self, case: Case, ctx: Context, res: Any, pairs: Optional[list] = None,
               round_index: Optional[int] = None) -> dict:
        be = case.backend
        rec = PointRecord(
            collective=case.spec.name, backend=be.name, transport=be.transport, device=be.device,
            dtype=case.dtype.name, redop=case.redop_label, inplace=case.inplace,
            root=ctx.root if case.spec.uses_root else -1, size_bytes=ctx.counts.size_bytes,
            count=ctx.counts.count, nranks=ctx.nranks, nnodes=self.topo.nnodes, timing=res.timing,
            timer=res.timer, ops_per_sample=res.ops_per_sample, warmup=self.cfg.warmup_iters,
            stop_reason=res.stop_reason, wrong=res.wrong, time_us=res.rank_times_us.tolist(),
            peers=list(ctx.peers) if case.spec.point_to_point else None,
            busbw_factor=case.spec.busbw_factor(ctx.nranks), wall_s=round(res.wall_s, 6),
            pattern=self.cfg.pattern, pairs=[list(p) for p in pairs] if pairs else None, round=round_index,
        )
        self.writer.append_point(rec)
        row = summary_row(rec.meta(), per_iteration(res.rank_times_us), rec.busbw_factor)
        row["run_id"] = self.run_id
        self.writer.append_summary_row(row)
        self.meta["points_completed"] += 1
        self.meta["wrong_points"] += int(bool(res.wrong))
        return row

    def stop_if_invalid(self, check: dict) -> None:
        if check["verdict"] != "invalid" or self.cfg.force:
            for reason in check["reasons"] if check["verdict"] != "ok" else ():
                self.say(f"# preflight {reason}")
            return
        reason = next((r for r in check["reasons"] if r.startswith("invalid")), "invalid")
        self.meta.update(status="invalid", status_reason=f"preflight {reason}",
                         ended=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        if self.writer:
            self.writer.write_run(self.meta)
        raise InvalidEnvironment(f"preflight {reason} (--force runs anyway; results are then marked invalid)")

    def check_transport(self) -> None:
        """After the first size of a CUDA run: judge what NCCL's INFO lines say about the path."""
        info = nccl_debug.facts(self.nccl_dir) if self.is_root and self.nccl_dir else None
        if info is None:
            return
        itype = self.meta["instance"]["instance_type"]
        verdict = from_nccl_info(info, itype, self.topo.nnodes)
        self.meta["nccl_info"] = info
        if verdict["verdict"] != "ok":
            self.meta["preflight"]["reasons"] += verdict["reasons"]
            if verdict["verdict"] == "invalid":
                self.meta["preflight"]["verdict"] = "invalid"
        stop = self.meta["preflight"]["verdict"] == "invalid" and not self.cfg.force
        if self.topo.comm.bcast(stop, root=0):
            self.stop_if_invalid(self.meta["preflight"])

    def on_timeout(self, message: str) -> None:
        print(f"fabricbench: {message}", file=sys.stderr, flush=True)
        self.meta.update(status="incomplete", status_reason=message,
                         ended=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        if self.writer:
            self.writer.write_run(self.meta)
        os._exit(int(ExitCode.INCOMPLETE))

    def sweep(self, cases: list[Case]) -> None:
        fault = faults.from_env()
        board = ProgressBoard(self.rdv.store, self.topo.rank)
        self.topo.comm.Barrier()
        dog = None
        if self.is_root and self.cfg.timeout > 0:
            dog = Watchdog(store_client(self.rdv, self.topo.size), self.topo.size, self.cfg.timeout, self.on_timeout)
            dog.start()
        index = 0
        node_ranks = list(self.topo.ranks_per_host().values())
        for case in cases:
            printed_banner = False
            rounds: list = [None]
            if self.cfg.pattern != "collective":
                one_way = case.spec.name == "p2p_bw"
                rounds = schedule.plan(self.cfg.pattern, node_ranks, self.cfg.per_gpu, self.cfg.rounds, one_way)
            for size, (round_index, pairs) in ((s, r) for s in self.cfg.sweep_sizes() for r in enumerate(rounds)):
                ctx = self.context(case, size, pairs)
                if ctx.counts.size_bytes == 0:
                    continue  # below one element (or one 16-byte granule per rank): no data moves
                index += 1
                hit = fault and fault.matches(self.topo.rank, case.spec.name, size, case.backend.name)
                if hit and fault.kind == "stall":
                    faults.stall_forever()
                board.arrive(index)
                if dog:
                    dog.begin(index, f"{case.spec.name} at {format_size(size)} ({ctx.counts.size_bytes} B, "
                                     f"backend {case.backend.name}/{case.backend.transport}, {case.dtype.name})")
                res = run_point(case, ctx, self.cfg, self.topo.comm,
                                on_progress=dog.progress if dog else None,
                                corrupt=bool(hit and fault.kind == "corrupt"))
                if index == 1 and self.nccl_dir is not None:
                    self.check_transport()
                if self.is_root:
                    row = self.record(case, ctx, res, pairs, round_index if pairs else None)
                    if not printed_banner:
                        self.say(table.case_banner(row))
                        self.say(table.HEADER)
                        printed_banner = True
                    self.say(table.row(row))
        if dog:
            dog.end()
            dog.stop()

    def run(self) -> ExitCode:
        check = preflight(self.topo, self.cfg.device, self.cfg.instance_type)
        tag = environment.scrub(self.cfg.tag, environment.secret_values(os.environ))
        self.run_id = self.topo.comm.bcast(new_run_id(tag) if self.is_root else None, root=0)
        self.meta["preflight"] = check
        if check["verdict"] == "invalid" and not self.cfg.force:
            self.start_record({})  # record why nothing ran, then stop before touching the devices
            self.stop_if_invalid(check)
        if self.cfg.pattern in ("pairwise", "bisection") and self.topo.nnodes < 2:
            raise UsageError(f"--pattern {self.cfg.pattern} pairs nodes, and all {self.topo.size} ranks are on one "
                             "host; --pattern intra pairs the ranks inside a node")
        self.nccl_dir = nccl_debug.enable(self.cfg)
        backends = self.open_backends()
        try:
            cases, notes = plan_cases(self.cfg, backends, self.topo.size)
            self.start_record(backends)
            self.stop_if_invalid(check)
            for note in notes:
                self.say(f"# note: {note}")
            self.say(f"# fabricbench run {self.run_id}: {self.topo.size} ranks on {self.topo.nnodes} node(s), "
                     f"results in {self.writer.dir if self.writer else ''}")
            self.sweep(cases)
        finally:
            for be in backends.values():
                be.close()
        return self.finish()

    def finish(self) -> ExitCode:
        code = ExitCode.FAILED if self.meta.get("wrong_points") else ExitCode.OK
        if self.is_root and self.writer:
            wrong = self.meta["wrong_points"]
            self.meta.update(
                status="failed" if wrong else "ok",
                status_reason=f"{wrong} size(s) with wrong data" if wrong else "",
                ended=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            )
            self.writer.write_run(self.meta)
            self.writer.close()
            self.say(f"# done: {self.meta['points_completed']} sizes, status {self.meta['status']}; "
                     f"results in {self.writer.dir}")
        return ExitCode(self.topo.comm.bcast(int(code), root=0))
