"""The sweep: plan the cases, refuse impossible ones up front, run every size, record it.

Lifecycle of a run (every rank): bootstrap -> backends -> plan -> for each case and size:
arrive, run_point, record (rank 0) -> final status. run.json is written before the first size
with status "incomplete" and rewritten at the end, so any death in between leaves an honest
record and every completed size already on disk.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from fabricbench.benchmarks import environment, faults, instance, table
from fabricbench.benchmarks.config import RunConfig
from fabricbench.benchmarks.launcher import Rendezvous, Topology, store_client
from fabricbench.benchmarks.model.enums import RunStatus, TimingMode, Verdict
from fabricbench.benchmarks.model.errors import InvalidEnvironment, UsageError
from fabricbench.benchmarks.model.exitcodes import RunExit
from fabricbench.benchmarks.model.point import PointRecord
from fabricbench.benchmarks.model.redact import scrub, secret_values
from fabricbench.benchmarks.model.run import (
    BackendInfo,
    HostFacts,
    Instance,
    NativeTimer,
    Preflight,
    RunRecord,
    SkippedSizes,
    Versions,
)
from fabricbench.benchmarks.model.store import RunWriter, new_run_id, utc_now
from fabricbench.benchmarks.model.typed import from_dict
from fabricbench.benchmarks.patterns import schedule
from fabricbench.benchmarks.point import Case, run_point
from fabricbench.benchmarks.preflight import counters, nccl_debug
from fabricbench.benchmarks.preflight.run import from_nccl_info, preflight
from fabricbench.benchmarks.sizes import format_size
from fabricbench.benchmarks.timing import host_floor_ns
from fabricbench.benchmarks.watchdog import INIT_DONE, OPENED, OPENING, ProgressBoard, Watchdog
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
    """Every runnable case. A combination that cannot run is a UsageError, unless the user asked for
    `all` (collectives, dtypes, reductions, backends) or `--inplace both`: then every combination that
    can run runs, and each one that cannot is named in a note."""
    lenient = bool(cfg.expanded) or cfg.inplace == "both"
    cases, notes, skipped = [], [], []

    def refuse(why: str) -> None:
        if not lenient:
            raise UsageError(why)
        if why not in skipped:
            skipped.append(why)

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
                refuse(f"{spec.name} has no in-place mode that {be.label()} supports")
                continue
            for dtype_name in cfg.dtypes:
                dtype = get_dtype(dtype_name)
                for redop_name in cfg.redops if spec.uses_redop else ("sum",):
                    redop = REDOPS[redop_name]
                    if spec.uses_redop and redop.float_only and not dtype.is_float:
                        refuse(f"{spec.name}: reduction {redop.name} needs a floating-point datatype, "
                               f"not {dtype.name}")
                        continue
                    for inplace in modes:
                        why = be.unsupported(spec, dtype, redop.name, inplace)
                        if why:
                            refuse(f"{spec.name}: {why}")
                            continue
                        cases.append(Case(spec, be, dtype, redop, inplace))
    notes += [f"skipped (cannot run): {why}" for why in skipped]
    if cfg.pattern == "locate":
        if any(c.spec.point_to_point for c in cases) or len(cases) != 1:
            raise UsageError("--pattern locate runs one collective (e.g. the default) on one backend, dtype and "
                             f"mode in groups of nodes; got {len(cases)} case(s)")
    elif cfg.pattern != "collective":
        if any(not c.spec.point_to_point for c in cases):
            names = sorted({c.spec.name for c in cases if not c.spec.point_to_point})
            raise UsageError(f"--pattern {cfg.pattern} runs point-to-point tests only, not {', '.join(names)}")
    if cfg.timing != "auto":
        for be in backends.values():
            if cfg.timing not in be.timing_modes():
                raise UsageError(f"timing {cfg.timing} is not supported by {be.label()}")
    if not cases:
        raise UsageError("nothing to run: no collective can run with this configuration"
                         + (f" ({skipped[0]})" if skipped else ""))
    return cases, notes


def check_ranks(cfg: RunConfig, nranks: int, cases: list[Case]) -> None:
    """--root and --pair name real, distinct ranks (an out-of-range rank used to wrap; a pair of one
    rank with itself spun forever)."""
    def real(rank: int) -> bool:
        return -nranks <= rank < nranks

    if any(c.spec.uses_root for c in cases) and not real(cfg.root):
        raise UsageError(f"--root {cfg.root}: there are {nranks} ranks (0..{nranks - 1})")
    if any(c.spec.point_to_point for c in cases) and cfg.pattern == "collective":
        a, b = cfg.pair
        for r in (a, b):
            if not real(r):
                raise UsageError(f"--pair {a},{b}: rank {r} does not exist; there are {nranks} ranks "
                                 f"(0..{nranks - 1}, or -1..-{nranks} from the end)")
        if a % nranks == b % nranks:
            raise UsageError(f"--pair {a},{b}: both are rank {a % nranks}; a point-to-point test needs two ranks")


@dataclass
class Engine:
    cfg: RunConfig
    topo: Topology
    rdv: Rendezvous
    argv: list[str]
    out: Any = sys.stdout
    run_id: str = ""
    writer: Optional[RunWriter] = None
    rec: RunRecord = field(default_factory=lambda: RunRecord(run_id=""))
    nccl_dir: Optional[str] = None
    rows: list[dict] = field(default_factory=list)  # rank 0: the summary rows printed so far
    elapsed: float = 0.0
    _last_saved: float = 0.0
    counters_before: dict = field(default_factory=dict)  # this host's NIC counters at the start (local rank 0)
    board: Optional[ProgressBoard] = None
    dog: Optional[Watchdog] = None

    @property
    def is_root(self) -> bool:
        return self.topo.rank == 0

    def say(self, text: str) -> None:
        if self.is_root:
            print(text, file=self.out, flush=True)

    # -- setup --------------------------------------------------------------------------------
    def open_backends(self) -> dict[str, Any]:
        backends, error = {}, None
        if self.board:
            self.board.arrive(OPENING)
        for name in self.cfg.backends:
            try:
                backends[name] = backend_class(name)(self.cfg.device, self.topo, self.rdv.store)
            except BackendUnavailable as exc:
                error = str(exc)
                break
        if self.board:
            self.board.arrive(OPENED)
        errors = self.topo.comm.allgather(error)  # every rank must agree before anyone starts
        first = next((e for e in errors if e), None)
        if first:
            for be in backends.values():
                be.close()
            raise UsageError(first)
        return backends

    def start_record(self, backends: dict[str, Any]) -> None:
        """Every rank measures the harness floors; rank 0 writes run.json, status incomplete."""
        environ = dict(os.environ)
        floors: dict[str, Optional[float]] = {"python": host_floor_ns(self.topo.comm.Barrier)}
        native = None
        mpi = next((be for be in backends.values() if getattr(be, "native_capable", False)), None)
        if mpi is not None:
            from fabricbench.collectives.backends import native_loop

            floors["native-c"] = native_loop.harness_floor_ns(mpi.comm)
            native = from_dict(NativeTimer, dict(native_loop.STATUS))
        rec = self.rec
        rec.run_id, rec.status, rec.status_reason = self.run_id, RunStatus.INCOMPLETE, INCOMPLETE_REASON
        rec.started, rec.ended, rec.command, rec.config = utc_now(), None, list(self.argv), self.cfg.as_dict()
        rec.nranks, rec.nnodes = self.topo.size, self.topo.nnodes
        rec.hosts, rec.launcher = self.topo.ranks_per_host(), self.topo.launcher
        rec.instance = from_dict(Instance, instance.detect(self.cfg.instance_type, environ, self.cfg.instance_metadata))
        rec.versions = from_dict(Versions, environment.versions())
        rec.backends = [from_dict(BackendInfo, be.info()) for be in backends.values()]
        rec.environment = environment.captured_environment(environ)
        rec.host = from_dict(HostFacts, environment.host_facts(self.topo))
        rec.harness_floor_ns, rec.native_timer = floors, native
        rec.points_completed = rec.wrong_points = 0
        self.counters_before = counters.snapshot() if self.topo.local_rank == 0 else {}
        if self.is_root:
            self.writer = RunWriter(self.cfg.out, self.run_id, secret_values(environ))
            self.writer.write_run(rec)

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
        point = PointRecord(
            collective=case.spec.name, backend=be.name, transport=be.transport, device=be.device,
            dtype=case.dtype.name, redop=case.redop_label, inplace=case.inplace,
            root=ctx.root if case.spec.uses_root else -1, size_bytes=ctx.counts.size_bytes,
            count=ctx.counts.count, nranks=ctx.nranks, nnodes=self.topo.nnodes, timing=TimingMode(res.timing),
            timer=res.timer, ops_per_sample=res.ops_per_sample, warmup=self.cfg.warmup_iters,
            stop_reason=res.stop_reason, wrong=res.wrong, time_us=res.rank_times_us,
            peers=list(ctx.peers) if case.spec.point_to_point else None,
            busbw_factor=case.spec.busbw_factor(ctx.nranks), wall_s=round(res.wall_s, 6),
            pattern=self.cfg.pattern, pairs=[list(p) for p in pairs] if pairs else None, round=round_index,
        )
        row = self.writer.append_point(point)
        row.update(pairs=point.pairs, round=point.round)
        self.rec.points_completed += 1
        self.rec.wrong_points += int(bool(res.wrong))
        if time.monotonic() - self._last_saved >= 1.0:  # run.json keeps an honest count, even after a kill
            self.writer.write_run(self.rec)
            self._last_saved = time.monotonic()
        return row

    def stop_if_invalid(self, check: Preflight) -> None:
        if check.verdict is not Verdict.INVALID or self.cfg.force:
            for reason in check.reasons if check.verdict is not Verdict.OK else ():
                self.say(f"# preflight {reason}")
            return
        first = check.first(Verdict.INVALID)
        reason = str(first) if first else "invalid"
        self.rec.status, self.rec.status_reason, self.rec.ended = RunStatus.INVALID, f"preflight {reason}", utc_now()
        if self.writer:
            self.writer.write_run(self.rec)
            self.writer.close()
        raise InvalidEnvironment(f"preflight {reason} (--force runs anyway; results are then marked invalid)")

    def check_transport(self) -> None:
        """After the first size of a CUDA run: judge what NCCL's INFO lines say about the path."""
        info = nccl_debug.facts(self.nccl_dir) if self.is_root and self.nccl_dir else None
        if info is not None:
            verdict = from_nccl_info(info, self.rec.instance.instance_type, self.topo.nnodes)
            self.rec.nccl_info = info
            pre = self.rec.preflight
            pre.findings += [f for f in verdict.findings if f.level is not Verdict.OK]
            pre.verdict = Verdict.worst([pre.verdict, verdict.verdict])
        stop = self.rec.preflight.verdict is Verdict.INVALID and not self.cfg.force
        if self.topo.comm.bcast(stop, root=0):
            self.stop_if_invalid(self.rec.preflight)

    def end(self, status: RunStatus, reason: str) -> None:
        """Record how the run ended (rank 0); completed sizes are already on disk."""
        self.rec.status, self.rec.status_reason, self.rec.ended = status, reason, utc_now()
        if self.writer:
            self.writer.write_run(self.rec)

    def interrupted(self, signum: int) -> None:
        """On the interrupt thread: rank 0 records the run as interrupted with the sizes on disk; the
        others give it a moment to, then everyone leaves (interrupts.InterruptGuard)."""
        name = "Ctrl-C" if signum == signal.SIGINT else f"signal {signum}"
        if not (self.is_root and self.writer):
            time.sleep(2.0)
            return
        if not self.writer.lock.acquire(timeout=10):  # kept until the process leaves (os._exit)
            print("fabricbench: interrupted while a write was stuck; run.json may lag samples.jsonl", file=sys.stderr)
        done = self.writer.complete_points()
        self.rec.points_completed = done
        self.end(RunStatus.INTERRUPTED, f"interrupted ({name}) after {done} size(s); completed sizes are kept")
        print(f"fabricbench: interrupted ({name}): {done} size(s) kept in {self.writer.dir}", file=sys.stderr,
              flush=True)

    def on_timeout(self, message: str, triage: dict[str, Any]) -> None:
        print(f"fabricbench: {message}", file=sys.stderr, flush=True)
        for rank, where in triage["last_progress"].items():
            print(f"fabricbench:   rank {rank} ({self.topo.hosts[int(rank)]}): {where}", file=sys.stderr, flush=True)
        self.rec.hang = triage
        if self.writer is None:  # stopped before run.json existed (communicator init): write it now
            rec = self.rec
            rec.run_id, rec.started, rec.command = self.run_id, utc_now(), list(self.argv)
            rec.config = self.cfg.as_dict()
            rec.nranks, rec.nnodes, rec.hosts = self.topo.size, self.topo.nnodes, self.topo.ranks_per_host()
            self.writer = RunWriter(self.cfg.out, self.run_id, secret_values(dict(os.environ)))
        self.end(RunStatus.INCOMPLETE, message)
        os._exit(int(RunExit.TIMEOUT))

    def rounds(self, case: Case) -> list:
        if self.cfg.pattern == "collective":
            return [None]
        node_ranks = list(self.topo.ranks_per_host().values())
        return schedule.plan(self.cfg.pattern, node_ranks, self.cfg.per_gpu, self.cfg.rounds, case.spec.one_way)

    def plan(self, cases: list[Case]) -> tuple[list[tuple[Case, list, list[int], list[int]]], int]:
        """Per case: its rounds, the sizes that move data and those that do not; the points in all."""
        out, total = [], 0
        for case in cases:
            rounds = self.rounds(case)
            sizes = self.cfg.sweep_sizes()
            run = [s for s in sizes if case.spec.counts(s, case.dtype.size, self.topo.size).size_bytes > 0]
            out.append((case, rounds, run, [s for s in sizes if s not in run]))
            total += len(run) * len(rounds)
        return out, total

    def note_skipped(self, case: Case, sizes: list[int]) -> None:
        if not sizes:
            return
        shown = ", ".join(format_size(s) for s in sizes[:8]) + (f" +{len(sizes) - 8} more" if len(sizes) > 8 else "")
        why = (f"below one {case.dtype.name} element, or one 16-byte granule per rank with {self.topo.size} ranks: "
               "no data moves")
        self.say(f"# note: {case.spec.name} ({case.backend.name}, {case.dtype.name}): size(s) {shown} skipped: {why}")
        self.rec.skipped.append(SkippedSizes(case.spec.name, case.backend.name, case.dtype.name, list(sizes), why))

    def locate(self, case: Case) -> None:
        from fabricbench.benchmarks.locate.live import LiveLocate

        started = time.monotonic()
        self.topo.comm.Barrier()
        self.rec.locate = {"collective": case.spec.name, "size_bytes": self.cfg.sweep_sizes()[0], "rounds": []}
        LiveLocate(self, case, self.cfg.sweep_sizes()[0]).run()
        self.elapsed = time.monotonic() - started

    def watch(self) -> None:
        """Every rank registers on the progress board; rank 0 starts the watchdog (when --timeout is set)."""
        self.board = ProgressBoard(self.rdv.store, self.topo.rank)
        self.topo.comm.Barrier()
        if self.is_root and self.cfg.timeout > 0:
            self.dog = Watchdog(store_client(self.rdv, self.topo.size), self.topo.size, self.cfg.timeout,
                                self.on_timeout, hosts=list(self.topo.hosts))
            self.dog.start()

    def open_watched(self) -> dict[str, Any]:
        """Opening the backends is communicator init: watched like a size point (index 0)."""
        if self.dog:
            self.dog.begin(INIT_DONE, f"communicator init (opening {', '.join(self.cfg.backends)})")
        fault = faults.from_env()
        if fault and fault.kind == "stall" and fault.at_init(self.topo.rank):
            faults.stall_forever()
        backends = self.open_backends()
        self.board.arrive(INIT_DONE)
        # Nobody leaves (a refused plan raises on every rank) while a peer still talks to rank 0's store:
        # rank 0 would sit in MPI_Finalize with its store thread frozen, and the peer wait on it forever.
        self.topo.comm.Barrier()
        if self.dog:
            self.dog.end()  # the record and the plan are not watched: nothing in them waits on a peer
        return backends

    def sweep(self, cases: list[Case]) -> None:
        if self.cfg.pattern == "locate":
            return self.locate(cases[0])
        fault = faults.from_env()
        board, dog = self.board, self.dog
        self.topo.comm.Barrier()
        index = 0
        planned, total = self.plan(cases)
        self.say(f"# plan: {len(cases)} case(s) (collective x backend x dtype x op x in-place), {total} points")
        started = time.monotonic()
        hosts = self.topo.hosts
        for number, (case, rounds, sizes, skipped) in enumerate(planned, start=1):
            printed_banner = False
            self.note_skipped(case, skipped)
            for size, (round_index, pairs) in ((s, r) for s in sizes for r in enumerate(rounds)):
                ctx = self.context(case, size, pairs)
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
                    self.say(table.row(row, dict(enumerate(hosts)) if pairs and self.topo.nnodes > 1 else None))
                    self.rows.append(row)
            if self.is_root and len(planned) > 1:
                elapsed = time.monotonic() - started
                left = elapsed / index * (total - index) if index else 0.0
                self.say(f"# progress: case {number}/{len(planned)}, {index}/{total} points, {elapsed:.0f} s elapsed"
                         + (f", about {left:.0f} s left" if index < total else ""))
        self.elapsed = time.monotonic() - started
        if dog:
            dog.end()

    def run(self) -> RunExit:
        check = preflight(self.topo, self.cfg.device, self.cfg.instance_type)
        tag = scrub(self.cfg.tag, secret_values(os.environ))
        self.run_id = self.topo.comm.bcast(new_run_id(tag) if self.is_root else None, root=0)
        self.rec.preflight = check
        if check.verdict is Verdict.INVALID and not self.cfg.force:
            self.start_record({})  # record why nothing ran, then stop before touching the devices
            self.stop_if_invalid(check)
        if self.cfg.pattern in ("pairwise", "bisection", "locate") and self.topo.nnodes < 2:
            raise UsageError(f"--pattern {self.cfg.pattern} works across nodes, and all {self.topo.size} ranks are "
                             "on one host; --pattern intra pairs the ranks inside a node")
        if self.cfg.pattern == "locate" and self.topo.nnodes < 4:
            raise UsageError(f"--pattern locate judges groups of nodes against each other and needs at least 4 "
                             f"nodes (got {self.topo.nnodes}); --pattern pairwise measures every link of a small "
                             "cluster in N-1 rounds")
        self.nccl_dir = nccl_debug.enable(self.cfg)
        self.watch()
        backends = self.open_watched()
        try:
            cases, notes = plan_cases(self.cfg, backends, self.topo.size)
            check_ranks(self.cfg, self.topo.size, cases)
            self.start_record(backends)
            self.stop_if_invalid(check)
            for note in notes:
                self.say(f"# note: {note}")
            self.say(f"# fabricbench run {self.run_id}: {self.topo.size} ranks on {self.topo.nnodes} node(s), "
                     f"results in {self.writer.dir if self.writer else ''}")
            for line in timer_notes(self.rec):
                self.say(f"# note: {line}")
            for line in host_warnings(self.rec):
                self.say(f"# warning: {line}")
            self.sweep(cases)
        except KeyboardInterrupt:
            self.end(RunStatus.INTERRUPTED, f"interrupted (Ctrl-C) after {self.rec.points_completed} size(s); "
                                            "completed sizes are kept")
            if self.writer:
                self.writer.close()
            raise
        finally:
            for be in backends.values():
                be.close()
            if self.dog:
                self.dog.stop()
        return self.finish()

    def fabric_counters(self) -> None:
        """Every host's first rank reads its NICs' counters again; rank 0 keeps what grew, per host."""
        mine = (self.topo.host, counters.delta(self.counters_before, counters.snapshot())) \
            if self.topo.local_rank == 0 and self.counters_before else None
        per_host = self.topo.comm.gather(mine, root=0)
        if self.is_root:
            self.rec.fabric_counters = {host: nics for host, nics in filter(None, per_host)}

    def finish(self) -> RunExit:
        code = RunExit.OK
        self.fabric_counters()
        if self.is_root and self.writer:
            wrong, done = self.rec.wrong_points, self.rec.points_completed
            if wrong:
                code = RunExit.WRONG_DATA
                self.end(RunStatus.FAILED, f"{wrong} size(s) with wrong data")
            elif done == 0:
                code = RunExit.NOTHING_RAN
                self.end(RunStatus.FAILED, "no size ran: every requested size moves no data for these collectives "
                                           "(below one element, or one 16-byte granule per rank)")
            else:
                self.end(RunStatus.OK, "")
            self.writer.close()
            what = f"{done} sizes"
            if self.rec.locate:  # group tests, not a size sweep: no nccl-tests footer
                what = f"{done} group tests in {len(self.rec.locate['rounds'])} rounds"
            else:
                for line in table.footer(self.rows):
                    self.say(line)
            why = f" ({self.rec.status_reason})" if self.rec.status_reason else ""
            self.say(f"# done: {what} in {self.elapsed:.1f} s, status {self.rec.status}{why}; "
                     f"results in {self.writer.dir}")
        return RunExit(self.topo.comm.bcast(int(code), root=0))


def host_warnings(rec: RunRecord) -> list[str]:
    """What makes every number of this run unreliable, said before the first one."""
    h = rec.host
    out = []
    if h.oversubscribed:
        out.append(f"{h.ranks_per_host_max} ranks on a host with {h.cpu_count} cores: oversubscribed; ranks that "
                   "busy-poll share cores and small-message times are inflated many times over")
    elif h.load_1m is not None and h.cpu_count and h.load_1m + (h.ranks_per_host_max or 1) > h.cpu_count + 0.5:
        out.append(f"the host was busy at start (1-minute load {h.load_1m:g} on {h.cpu_count} cores, plus "
                   f"{h.ranks_per_host_max} ranks): times may be inflated")
    return out


def timer_notes(rec: RunRecord) -> list[str]:
    """What the reader of a table must know about how it was timed, in words."""
    out = []
    if rec.native_timer is not None and rec.native_timer.available is False:
        floor = rec.harness_floor_ns.get("python")
        cost = f" (~{floor / 1000:.1f} us measured here)" if floor else ""
        out.append("python timer: small-message times include ~0.7 us of interpreter time per call"
                   f"{cost}; the native MPI loop could not be built: {rec.native_timer.reason}")
    return out
