"""One exit-code vocabulary: the README's table is generated from it and no command returns a bare number."""

import ast

from fabricbench.benchmarks.model import exitcodes
from tests.helpers import ROOT


def test_readme_table_is_the_vocabulary():
    readme = (ROOT / "README.md").read_text()
    assert exitcodes.readme_table() in readme


def test_codes_are_distinct_within_a_family_and_shared_codes_agree():
    for family in exitcodes.FAMILIES.values():
        values = [int(m) for m in family]
        assert len(values) == len(set(values))
        assert family(2).name == "USAGE"  # bad input is 2 everywhere
        assert int(family(0)) == 0


def test_no_bare_exit_numbers_in_commands_or_the_engine():
    found = []
    for folder in ("fabricbench", "benchmarks", "reports"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                value = None
                if isinstance(node, ast.Return) and isinstance(node.value, ast.Constant):
                    value = node.value.value
                if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("exit", "_exit") and node.args \
                        and isinstance(node.args[0], ast.Constant):
                    value = node.args[0].value
                if isinstance(value, int) and not isinstance(value, bool) and path.name.endswith("_cmd.py"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {value}")
                elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("exit", "_exit") \
                        and node.args and isinstance(node.args[0], ast.Constant):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: exit({node.args[0].value})")
    assert not found, found
