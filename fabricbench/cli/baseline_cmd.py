"""`baseline add` / `baseline show`: the committed reference a historical gate compares with."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fabricbench.benchmarks.model.errors import UsageError
from fabricbench.benchmarks.model.exitcodes import Exit, GateExit


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    a = sub.add_parser("add", help="add one run (the launches of one allocation) to a baseline")
    a.add_argument("runs", nargs="+", help="the run's launches: run directories or folders of them")
    a.add_argument("--to", required=True, metavar="DIR", help="baseline directory (created if missing)")
    a.add_argument("--note", required=True, help="why: what stack this is, who accepted it")
    a.add_argument("--golden", action="store_true", help="make this run the golden reference")
    a.add_argument("--rebaseline", action="store_true",
                   help="intentional change of regime: retire the window and start again from this run")
    a.add_argument("--force", action="store_true", help="add even if the gate does not pass it (logged)")
    s = sub.add_parser("show", help="print a baseline's window, golden reference and deltas")
    s.add_argument("dir", help="baseline directory")


def main(args: Any) -> int:
    from fabricbench.reports.gate import baseline as store
    from fabricbench.reports.gate.gate import run_gate
    from fabricbench.reports.gate.launches import read_launches

    if args.action == "show":
        print(store.show(store.load(args.dir)))
        return Exit.OK
    if args.action != "add":
        raise UsageError("baseline: an action is required: add or show")
    table, metas, problems = read_launches(args.runs)
    if not metas:
        raise UsageError(f"baseline add: no run directories in {' '.join(args.runs)}")
    if problems:
        raise UsageError(f"baseline add: {problems[0]}")
    existing = store.load(args.to) if (Path(args.to) / store.MANIFEST).is_file() else None
    dup = store.already_in(existing.manifest, sorted(metas)) if existing is not None else {}
    if dup:
        raise UsageError(f"baseline add: already in {args.to}: "
                         + ", ".join(f"launch {k} (in {v})" for k, v in dup.items())
                         + "; one measurement never counts twice")
    if existing is not None and existing.accepted and not args.rebaseline:
        result = run_gate(table, metas, existing)
        units = result.units
        warned = int(units["warned"].fillna(False).astype(bool).sum()) if "warned" in units.columns else 0
        why = ""
        if result.exit_code in (GateExit.FAIL, GateExit.INVALID):
            why = result.invalid[0] if result.invalid else f"{result.counts().get('fail', 0)} unit(s) fail the gate"
        elif warned:
            why = f"{warned} unit(s) warn against the window"
        if why and not args.force:
            raise UsageError(f"baseline add: only passing runs enter the window: {why} "
                             "(--force adds it anyway, logged; --rebaseline starts a new regime)")
        if why:
            args.note = f"[forced past: {why}] {args.note}"
        print(f"gate against the window: {result.verdict}")
    entry = store.add(args.to, table, metas, args.note, golden=args.golden, rebaseline=args.rebaseline)
    print(f"added {entry['id']} ({len(entry['launches'])} launch(es)) to {args.to}")
    print(store.show(store.load(args.to)))
    return GateExit.PASS
