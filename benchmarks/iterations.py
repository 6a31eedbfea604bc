"""How many samples: a fixed count, or until the median is known well enough.

Adaptive stopping follows Hoefler & Belli (SC15): measure until the 95 % confidence interval
of the median, from order statistics (Le Boudec; no normality assumed), is within the target
half-width, or the per-size time cap is hit. Rank 0 decides; the engine broadcasts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from fabricbench.benchmarks.model.stats import median_ci


@dataclass
class StopPolicy:
    """Rank 0's bookkeeping for one size. ``next_chunk`` -> run -> ``update`` -> repeat."""

    fixed: Optional[int] = None
    min_iters: int = 20
    max_iters: int = 100_000
    ci_target: float = 0.01
    time_cap: float = 2.0
    samples: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    reason: str = ""

    def next_chunk(self) -> int:
        n = len(self.samples)
        if self.fixed is not None:
            return self.fixed - n
        if n < self.min_iters:
            return self.min_iters - n
        # Grow geometrically: the CI is re-checked after each chunk at little cost.
        return min(max(n // 2, 10), self.max_iters - n)

    def update(self, sample_times: np.ndarray, wall_seconds: float) -> bool:
        """Add the chunk's per-sample times (max over ranks); True = stop now."""
        self.samples.extend(float(x) for x in sample_times)
        self.elapsed += wall_seconds
        n = len(self.samples)
        if self.fixed is not None:
            if n >= self.fixed:
                self.reason = "fixed"
                return True
            return False
        if n >= self.min_iters:
            med = float(np.median(self.samples))
            lo, hi = median_ci(np.asarray(self.samples))
            if med > 0 and (hi - lo) / 2 <= self.ci_target * med:
                self.reason = "ci_target"
                return True
        if n >= self.max_iters:
            self.reason = "max_iters"
            return True
        if self.time_cap and self.elapsed >= self.time_cap and n >= min(self.min_iters, 3):
            self.reason = "time_cap"
            return True
        return False
