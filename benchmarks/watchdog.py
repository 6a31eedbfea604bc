"""Hang detection: a progress board in the rendezvous store and a watchdog thread on rank 0.

A rank stuck in a collective cannot answer MPI, so arrivals go through the TCP store, whose
server runs on its own thread in rank 0. Each rank marks how far it got: registered on the board
(-3), opening its backends (-2), its own open (-1), every rank's open (0: communicator init done),
then each size point (1, 2, ...). The ranks that "did not arrive" are those furthest behind. When nothing
progresses for ``timeout`` seconds the watchdog triages: the stage it stopped in (communicator
init, first collective, steady state; launch/bootstrap for ranks that never registered), what it
waited for, each rank's last progress and the ranks and hosts that never arrived; records it and
ends the process (the launcher then tears the job down). Completed sizes are already on disk.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Optional

KEY = "fb/arrive/{}"


NEVER, REGISTERED, OPENING, OPENED, INIT_DONE = -4, -3, -2, -1, 0


class ProgressBoard:
    def __init__(self, store: Any, rank: int) -> None:
        self.store, self.rank = store, rank
        store.set(KEY.format(rank), str(REGISTERED))

    def arrive(self, point_index: int) -> None:
        self.store.set(KEY.format(self.rank), str(point_index))


def reached(client: Any, size: int) -> list[int]:
    """Each rank's last arrival (NEVER for a rank that never registered)."""
    out = []
    for r in range(size):
        try:
            out.append(int(client.get(KEY.format(r))))
        except Exception:  # noqa: BLE001 - a rank that never registered has not arrived
            out.append(NEVER)
    return out


def stage_of(point_index: int, missing_at: list[int]) -> str:
    if missing_at and min(missing_at) == NEVER:
        return "launch/bootstrap"
    return {INIT_DONE: "communicator init", 1: "first collective"}.get(point_index, "steady state")


def triage(at: list[int], point_index: int, descriptions: dict[int, str], hosts: list[str]) -> dict[str, Any]:
    """What a hang looks like: the stage, what was awaited, who never arrived and where each rank got to."""
    def where(i: int) -> str:
        if i == NEVER:
            return "never registered (launch/bootstrap)"
        if i == REGISTERED:
            return "registered, not yet opening the backends (communicator init)"
        if i == OPENING:
            return "opening the backends (communicator init)"
        if i == OPENED:
            return "backends open here, waiting for the other ranks (communicator init)"
        if i == INIT_DONE:
            return "backends open, before the first size"
        return f"at {descriptions.get(i, f'point {i}')}"

    behind = min(at, default=point_index)
    missing = [r for r, i in enumerate(at) if i < point_index and i == behind]  # the furthest behind
    return {"stage": stage_of(point_index, [at[r] for r in missing]),
            "waiting_for": descriptions.get(point_index, f"point {point_index}"),
            "missing_ranks": missing, "missing_hosts": sorted({hosts[r] for r in missing if r < len(hosts)}),
            "last_progress": {str(r): where(i) for r, i in enumerate(at)}}


class Watchdog(threading.Thread):
    def __init__(self, client: Any, size: int, timeout: float,
                 on_timeout: Callable[[str, dict[str, Any]], None], hosts: Optional[list[str]] = None) -> None:
        super().__init__(name="fabricbench-watchdog", daemon=True)
        self.client, self.size, self.timeout, self.on_timeout = client, size, timeout, on_timeout
        self.hosts = hosts or []
        self.descriptions: dict[int, str] = {}
        self._lock = threading.Lock()
        self._point: Optional[tuple[int, str]] = None
        self._last = time.monotonic()
        self._stop = threading.Event()

    def begin(self, point_index: int, description: str) -> None:
        with self._lock:
            self._point = (point_index, description)
            self.descriptions[point_index] = description
            self._last = time.monotonic()

    def progress(self) -> None:
        with self._lock:
            self._last = time.monotonic()

    def end(self) -> None:
        with self._lock:
            self._point = None

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        period = min(1.0, self.timeout / 4)
        while not self._stop.wait(period):
            with self._lock:
                point, idle = self._point, time.monotonic() - self._last
            if point is None or idle < self.timeout:
                continue
            index, description = point
            found = triage(reached(self.client, self.size), index, dict(self.descriptions), self.hosts)
            missing = found["missing_ranks"]
            if missing:
                who = (f"ranks that did not arrive: {', '.join(map(str, missing))}"
                       + (f" on {', '.join(found['missing_hosts'])}" if found["missing_hosts"] else ""))
            else:
                who = "every rank arrived; the operation itself did not complete"
            message = f"timeout in {found['stage']}: {description} made no progress for {self.timeout:g} s ({who})"
            try:
                self.on_timeout(message, found)
            finally:
                sys.stderr.flush()
            return
