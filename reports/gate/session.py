"""A paired session: control and candidate launches interleaved ABBA, gated at each look.

The sequential design of docs/gating.md §2: 7 launches per arm, then 4 more per arm while any
unit is INCONCLUSIVE, up to 19. Launching is injected (`launch(arm, index)`) so the loop is the
same for the CLI (shell commands under mpirun/srun) and for tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fabricbench.reports.gate import rules
from fabricbench.reports.gate.gate import GateResult, run_gate
from fabricbench.reports.gate.launches import read_launches

ARMS = ("control", "candidate")


def abba(start: int, count: int) -> list[str]:
    """Arms of launches start..start+count-1 of the session's ABBA sequence (control first)."""
    pattern = ["control", "candidate", "candidate", "control"]
    return [pattern[i % 4] for i in range(start, start + count)]


@dataclass
class Session:
    out: Path
    rule: rules.PairedRule
    launch: Callable[[str, int], int]  # (arm, launch index) -> exit code
    gate_kwargs: dict = field(default_factory=dict)
    log: Callable[[str], None] = print
    launched: int = 0
    looks: list[dict] = field(default_factory=list)

    def arm_dir(self, arm: str) -> Path:
        return self.out / arm

    def run(self) -> GateResult:
        result = None
        for n in self.rule.looks():
            failed = self._launch_until(n)
            result = self.gate()
            counts = result.counts()
            self.looks.append({"per_arm": n, "verdict": result.verdict, **counts})
            self.log(f"look at {n} launches per arm: {result.verdict} "
                     f"({', '.join(f'{v} {k}' for k, v in counts.items())})")
            if failed or result.verdict != rules.INCONCLUSIVE:
                break
        assert result is not None
        return result

    def _launch_until(self, per_arm: int) -> bool:
        """Launch in ABBA order until both arms have per_arm launches; True if one exited non-zero."""
        arms = abba(self.launched, 2 * per_arm - self.launched)
        for arm in arms:
            code = self.launch(arm, self.launched)
            self.launched += 1
            if code != 0:
                self.log(f"launch {self.launched} ({arm}) exited {code}: stopping; the gate judges what completed")
                return True
        return False

    def gate(self) -> GateResult:
        cand, cm, _ = read_launches([self.arm_dir("candidate")])
        ctrl, km, _ = read_launches([self.arm_dir("control")])
        return run_gate(cand, cm, control=ctrl, ctrl_metas=km, rule=self.rule, **self.gate_kwargs)
