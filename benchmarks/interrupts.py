"""Ctrl-C (SIGINT) and a launcher's SIGTERM, handled on a thread of their own.

Python runs signal handlers on the main thread between bytecodes, and a rank's main thread spends its
time inside MPI: a rank blocked in a collective whose peer already stopped would never see its
KeyboardInterrupt, and mpirun would wait forever. So the signals are blocked in every thread
(before MPI starts any) and one thread waits for them with sigwait: rank 0 records the run as
`interrupted` with the sizes that are on disk, and every rank then leaves at once.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Optional

SIGNALS = {signal.SIGINT, signal.SIGTERM}
INTERRUPTED = 130  # the shell's code for SIGINT (exitcodes.RunExit.INTERRUPTED)


class InterruptGuard:
    """Install once per process, before MPI starts threads; set ``on_interrupt`` when there is a run."""

    def __init__(self) -> None:
        self.on_interrupt: Optional[Callable[[int], None]] = None
        signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        self._thread = threading.Thread(target=self._wait, name="fabricbench-interrupts", daemon=True)
        self._thread.start()

    def _wait(self) -> None:
        signum = signal.sigwait(SIGNALS)
        try:
            if self.on_interrupt is not None:
                self.on_interrupt(signum)
        finally:
            sys.stderr.flush()
            os._exit(INTERRUPTED)

    @staticmethod
    def release() -> None:
        """Unblock the signals again in this thread (for code that runs after the guard's job is done)."""
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
