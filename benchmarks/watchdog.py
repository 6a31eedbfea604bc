"""Hang detection: a progress board in the rendezvous store and a watchdog thread on rank 0.

A rank stuck in a collective cannot answer MPI, so arrivals go through the TCP store, whose
server runs on its own thread in rank 0. Each rank marks the point it has arrived at; when no
sample chunk completes for ``timeout`` seconds, the watchdog names the collective, the size
and the ranks that never arrived, records it, and ends the process (the launcher then tears
the job down). Completed sizes are already on disk by then.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Optional

KEY = "fb/arrive/{}"


class ProgressBoard:
    def __init__(self, store: Any, rank: int) -> None:
        self.store, self.rank = store, rank
        store.set(KEY.format(rank), "-1")

    def arrive(self, point_index: int) -> None:
        self.store.set(KEY.format(self.rank), str(point_index))


def missing_ranks(client: Any, size: int, point_index: int) -> list[int]:
    """Ranks whose last arrival is before the given point."""
    out = []
    for r in range(size):
        try:
            reached = int(client.get(KEY.format(r)))
        except Exception:  # noqa: BLE001 - a rank that never registered has not arrived
            reached = -2
        if reached < point_index:
            out.append(r)
    return out


class Watchdog(threading.Thread):
    def __init__(self, client: Any, size: int, timeout: float,
                 on_timeout: Callable[[str], None]) -> None:
        super().__init__(name="fabricbench-watchdog", daemon=True)
        self.client, self.size, self.timeout, self.on_timeout = client, size, timeout, on_timeout
        self._lock = threading.Lock()
        self._point: Optional[tuple[int, str]] = None
        self._last = time.monotonic()
        self._stop = threading.Event()

    def begin(self, point_index: int, description: str) -> None:
        with self._lock:
            self._point = (point_index, description)
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
            missing = missing_ranks(self.client, self.size, index)
            if missing:
                who = f"ranks that did not arrive: {', '.join(map(str, missing))}"
            else:
                who = "every rank arrived; the operation itself did not complete"
            message = f"timeout: {description} made no progress for {self.timeout:g} s ({who})"
            try:
                self.on_timeout(message)
            finally:
                sys.stderr.flush()
            return
