"""Every fact about a collective lives in its spec: no other shipped module names one.

Adding a collective must mean adding one spec module (and its test), never editing name tables
elsewhere. This scans the string literals of every shipped module outside collectives/ (docstrings
aside: they are documentation) for a collective's name, an nccl-tests program or another tool's
name for it.
"""

import ast
import re

from fabricbench.collectives import registry
from tests.helpers import ROOT

SHIPPED = ["benchmarks", "reports", "fabricbench"]


def _names() -> set[str]:
    out = set()
    for spec in registry.all_specs():
        out.add(spec.name)
        out.update(spec.nccl_tests_programs)
        out.update(n.lower() for n in spec.tool_names if len(n) > 6 or "_" in n)
    out.update(k for k in registry.ALIASES if len(k) > 6 and k != "latency")  # an English word too
    return out


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def test_no_collective_name_outside_collectives():
    names = _names()
    found = []
    for folder in SHIPPED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text())
            skip = _docstrings(tree)
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
                    words = set(re.split(r"[^\w]+", node.value.lower()))
                    hit = names & words
                    if hit:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {sorted(hit)}")
    assert not found, "collective names outside collectives/:\n" + "\n".join(found)


def test_the_scan_would_catch_one():
    tree = ast.parse('TABLE = {"all_reduce_perf": 1}\nx = "p2p_bw"\n')
    words = {w for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
             for w in re.split(r"[^\w]+", n.value.lower())}
    assert {"all_reduce_perf", "p2p_bw"} <= words & _names()
