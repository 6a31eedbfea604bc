"""Baselines: plain files in a directory a team commits next to its CI config.

    baselines/p5-2node/
      manifest.json          runs in the window (each = the launches of one allocation), the golden
                             reference, delta per band with its A/A source, and an audit log
      launches/<run_id>.csv  the launch table rows of one launch (reports/gate/launches.py)
      launches/<run_id>.json its fingerprint, status and start time

Every change is an explicit command with a note (`baseline add`), and only runs that passed the
gate enter the window; `--rebaseline` starts a new regime instead of pooling two stacks.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pandas as pd

from fabricbench.benchmarks.model.enums import RunStatus
from fabricbench.benchmarks.model.errors import UsageError
from fabricbench.benchmarks.model.run import RunRecord
from fabricbench.reports.gate import evaluate
from fabricbench.reports.gate.fingerprint import disagreements, fingerprint, merged
from fabricbench.reports.gate.launches import BAND_LABELS, UNIT_KEYS
from fabricbench.reports.gate.rules import PairedRule

MANIFEST = "manifest.json"
SCHEMA = 1


class BaselineError(UsageError):
    pass


@dataclass
class Baseline:
    path: Path
    manifest: dict[str, Any]
    table: pd.DataFrame  # launch rows of the accepted window (+ golden), with a `group` column
    prints: dict[str, dict]  # run id -> fingerprint

    @property
    def accepted(self) -> list[dict]:
        return [r for r in self.manifest["runs"] if r["state"] == "accepted"]

    @property
    def golden(self) -> Optional[str]:
        return self.manifest.get("golden")

    def window(self) -> list[dict]:
        return self.accepted[-int(self.manifest.get("window", 30)):]

    def context(self) -> dict[str, Any]:
        runs = self.window() or self.accepted
        return runs[-1]["context"] if runs else {}

    def treatment(self) -> dict[str, Any]:
        runs = self.window() or self.accepted
        return runs[-1]["treatment"] if runs else {}

    def deltas(self) -> dict[str, evaluate.Delta]:
        return {band: evaluate.Delta(d["value"], d.get("aa_sd"), d["source"])
                for band, d in (self.manifest.get("delta") or {}).items()}


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise BaselineError(f"{path}: not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: invalid JSON ({exc})") from None


def load(path: str | Path) -> Baseline:
    root = Path(path)
    if not (root / MANIFEST).is_file():
        raise BaselineError(f"{root}: not a baseline directory (no {MANIFEST}; create one with `baseline add`)")
    manifest = _read_json(root / MANIFEST)
    for field in ("schema", "runs"):
        if field not in manifest:
            raise BaselineError(f"{root / MANIFEST}: missing field {field}")
    if manifest["schema"] != SCHEMA:
        raise BaselineError(f"{root / MANIFEST}: schema: {manifest['schema']} is not supported (expected {SCHEMA})")
    frames, prints = [], {}
    keep = {r["id"] for r in manifest["runs"] if r["state"] == "accepted"}
    for run in manifest["runs"]:
        if run["id"] not in keep and run["id"] != manifest.get("golden"):
            continue
        for rid in run["launches"]:
            csv = root / "launches" / f"{rid}.csv"
            try:
                df = pd.read_csv(csv)
            except FileNotFoundError:
                raise BaselineError(f"{csv}: not found (listed by run {run['id']} in {MANIFEST})") from None
            missing = [c for c in [*UNIT_KEYS, "size_bytes", "run_id", "log_median"] if c not in df.columns]
            if missing:
                raise BaselineError(f"{csv}: missing column(s) {', '.join(missing)}")
            frames.append(df.assign(group=run["id"]))
            prints[rid] = _read_json(root / "launches" / f"{rid}.json")["fingerprint"]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*UNIT_KEYS, "group"])
    table["redop"] = table["redop"].fillna("none")
    table["pattern"] = table["pattern"].fillna("collective")
    return Baseline(root, manifest, table, prints)


def new_manifest(name: str) -> dict[str, Any]:
    return {"schema": SCHEMA, "name": name, "created": _now(), "window": 30, "golden": None, "runs": [],
            "delta": {}, "log": []}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def calibrate(table: pd.DataFrame, rule: PairedRule, what: str = "accepted runs") -> dict[str, dict[str, Any]]:
    """delta per band from the A/A noise within runs of one stack (split halves of their launches).

    `table` needs a `group` column: launches of one group share an allocation and a stack.
    """
    out: dict[str, dict[str, Any]] = {}
    for band, g in table.groupby("band"):
        sds = []
        for _, unit in g.groupby([k for k in UNIT_KEYS if k != "band"], dropna=False):
            scores = evaluate.launch_scores(unit, index=["group", "run_id"])
            groups = [s.to_numpy() for _, s in scores.groupby(level=0)]
            sd = evaluate.split_half_sd(groups, rule.initial_launches)
            if sd is not None:
                sds.append(sd)
        if sds:
            aa = float(np.median(sds))
            out[band] = {"value": rule.delta(aa), "aa_sd": aa,
                         "source": f"A/A split halves of {what}, {len(sds)} unit(s)"}
        else:
            out[band] = {"value": rule.min_delta, "aa_sd": None,
                         "source": f"floor: no {what} with >= 4 launches to measure A/A noise"}
    return out


def already_in(manifest: dict[str, Any], run_ids: list[str]) -> dict[str, str]:
    """Launches of ``run_ids`` the baseline already holds (launch -> its baseline run): one
    measurement must never count twice in the window."""
    held = {rid: r["id"] for r in manifest.get("runs", []) for rid in r.get("launches", [])}
    return {rid: held[rid] for rid in run_ids if rid in held}


def add(path: str | Path, launches: pd.DataFrame, metas: dict[str, RunRecord], note: str, golden: bool = False,
        rebaseline: bool = False, state: str = "accepted", rule: PairedRule = PairedRule()) -> dict[str, Any]:
    """Add one run (the launches of one allocation); returns the manifest entry."""
    root = Path(path)
    manifest = _read_json(root / MANIFEST) if (root / MANIFEST).is_file() else new_manifest(root.name)
    dup = already_in(manifest, sorted(metas))
    if dup:
        raise BaselineError("already in this baseline: " + ", ".join(f"launch {k} (in {v})" for k, v in dup.items()))
    bad = [f"{rid}: status {m.status}" for rid, m in metas.items() if m.status is not RunStatus.OK]
    if bad:
        raise BaselineError(f"only passing runs enter a baseline; {'; '.join(bad)}")
    prints = {rid: fingerprint(m) for rid, m in metas.items()}
    mixed = disagreements(list(prints.values()), "context")
    if mixed:
        raise BaselineError(f"the launches of one run disagree on context: {mixed}")
    ctx = merged(list(prints.values()), "context")
    if rebaseline:
        for r in manifest["runs"]:
            if r["state"] == "accepted":
                r["state"] = "retired"
        manifest["golden"] = None
    entry = {"id": f"r{len(manifest['runs']) + 1:04d}", "added": _now(), "note": note, "state": state,
             "launches": sorted(metas), "context": ctx, "treatment": merged(list(prints.values()), "treatment")}
    (root / "launches").mkdir(parents=True, exist_ok=True)
    for rid in metas:
        launches[launches["run_id"] == rid].to_csv(root / "launches" / f"{rid}.csv", index=False)
        (root / "launches" / f"{rid}.json").write_text(json.dumps(
            {"run_id": rid, "status": str(metas[rid].status), "started": metas[rid].started,
             "fingerprint": prints[rid]}, indent=1, default=str))
    manifest["runs"].append(entry)
    if golden or not manifest.get("golden"):
        manifest["golden"] = entry["id"]
    manifest["log"].append({"when": entry["added"], "action": "rebaseline" if rebaseline else "add",
                            "run": entry["id"], "state": state, "note": note})
    _write(root, manifest)
    table = load(root).table
    manifest["delta"] = calibrate(table[table["group"].isin(
        [r["id"] for r in manifest["runs"] if r["state"] == "accepted"])], rule)
    _write(root, manifest)
    return entry


def _write(root: Path, manifest: dict) -> None:
    tmp = root / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, default=str) + "\n")
    tmp.replace(root / MANIFEST)


def show(b: Baseline) -> str:
    m = b.manifest
    lines = [f"baseline {m.get('name')} ({b.path})", f"window: {len(b.window())} accepted run(s) of at most "
             f"{m.get('window')}; golden reference: {b.golden}"]
    ctx = b.context()
    if ctx:
        lines.append("context: " + ", ".join(f"{k}={v}" for k, v in ctx.items()))
    for band, d in sorted((m.get("delta") or {}).items()):
        aa = "" if d.get("aa_sd") is None else f", A/A SD {100 * d['aa_sd']:.2f} %"
        lines.append(f"delta {BAND_LABELS.get(band, band)}: {100 * d['value']:.1f} %{aa} ({d['source']})")
    lines.append("runs:")
    for r in m["runs"]:
        gold = " golden" if r["id"] == b.golden else ""
        lines.append(f"  {r['id']} {r['state']}{gold} {r['added']} {len(r['launches'])} launch(es): {r['note']}")
    if not b.table.empty:
        units = b.table.groupby(UNIT_KEYS, dropna=False).ngroups
        lines.append(f"units: {units}; sizes: {b.table['size_bytes'].nunique()}")
    return "\n".join(lines)
