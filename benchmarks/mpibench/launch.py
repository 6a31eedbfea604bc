"""What a launcher line printed in a log says about the job: ranks, ranks per node, nodes."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Optional

# Per launcher: the options that give the rank count, the ranks per node and the node count.
_OPTIONS = {
    "mpirun": ({"-n", "-np", "--np", "-c"}, {"-N", "--npernode", "-npernode", "-ppn", "--map-by-ppr"}, set()),
    "mpiexec": ({"-n", "-np", "--np"}, {"-N", "--npernode", "-ppn", "-perhost"}, set()),
    "srun": ({"-n", "--ntasks"}, {"--ntasks-per-node"}, {"-N", "--nodes"}),
}
_LAUNCHER = re.compile(r"(?:^|[\s/$>])(mpirun|mpiexec(?:\.hydra)?|srun)\s")


@dataclass
class Launch:
    ranks: Optional[int] = None
    per_node: Optional[int] = None
    nodes: Optional[int] = None
    args: tuple[str, ...] = ()  # what follows the benchmark's own name (OSU: buffer placement 'D D')

    @property
    def node_count(self) -> Optional[int]:
        if self.nodes:
            return self.nodes
        if self.ranks and self.per_node and self.ranks % self.per_node == 0:
            return self.ranks // self.per_node
        return None


def parse_launch(line: str, program: str) -> Optional[Launch]:
    """The launcher line that started `program` (e.g. 'mpirun -n 144 -N 36 ... osu_allreduce -m 4:256'),
    or None when the line is not one."""
    m = _LAUNCHER.search(line)
    if not m or program not in line:
        return None
    launcher = m.group(1).split(".")[0]
    try:
        tokens = shlex.split(line[m.start(1):])
    except ValueError:
        tokens = line[m.start(1):].split()
    ranks_opts, ppn_opts, node_opts = _OPTIONS[launcher]
    out = Launch()
    for i, tok in enumerate(tokens[1:], start=1):
        if program in tok.rsplit("/", 1)[-1]:
            out.args = tuple(tokens[i + 1:])
            break
        key, _, inline = tok.partition("=")
        value = inline or (tokens[i + 1] if i + 1 < len(tokens) else "")
        if not value.isdecimal():
            continue
        if key in ranks_opts:
            out.ranks = int(value)
        elif key in ppn_opts:
            out.per_node = int(value)
        elif key in node_opts:
            out.nodes = int(value)
    return out
