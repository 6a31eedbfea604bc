#!/usr/bin/env python3
"""Compare a fabricbench run with nccl-tests `-J` JSON files taken on the same GPUs.

usage: python scripts/compare_nccl_tests.py results/<run_id> all_reduce.json [alltoall.json ...]
Prints, per collective and size present in both: our median time and busbw (per our in-place
mode), nccl-tests' time and busbw for the same mode, and the ratios; then the two targets of
the engine issue: time ratio <= 1.10 at 8 B-64 KiB, busbw ratio >= 0.98 at >= 64 MiB.
(Text logs are for the nccl-tests ingest; this smoke comparison reads JSON only.)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fabricbench.benchmarks.model.load import load_runs  # noqa: E402

# nccl-tests binary (from the JSON's args[0]) -> our collective name
BINARIES = {"all_reduce_perf": "all_reduce", "all_gather_perf": "all_gather", "reduce_scatter_perf": "reduce_scatter",
            "alltoall_perf": "all_to_all", "broadcast_perf": "broadcast", "reduce_perf": "reduce",
            "sendrecv_perf": "sendrecv"}


def nccl_rows(path: Path) -> tuple[str, dict]:
    doc = json.loads(path.read_text())
    binary = Path(doc["args"][0]).name
    name = BINARIES.get(binary.removesuffix("_mpi"))
    if name is None:
        raise SystemExit(f"{path}: unknown nccl-tests binary {binary!r}")
    rows = {}
    for r in doc["results"]:
        for half, inplace in (("out_of_place", False), ("in_place", True)):
            h = r.get(half) or {}
            t = h.get("time", h.get("cpu_time"))
            if isinstance(t, (int, float)):
                rows[(int(r["size"]), inplace)] = (float(t), float(h.get("bus_bw") or 0.0))
    return name, rows


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    ours = load_runs([argv[0]]).summary
    ok = True
    print(f"{'collective':<15} {'size':>11} {'ip':>2} {'ours_us':>10} {'nccl_us':>10} {'t_ratio':>8} "
          f"{'ours_bus':>9} {'nccl_bus':>9} {'bw_ratio':>8}  timing")
    for path in map(Path, argv[1:]):
        name, ref = nccl_rows(path)
        for r in ours[ours["collective"] == name].to_dict("records"):
            key = (int(r["size_bytes"]), bool(r["inplace"]))
            if key not in ref:
                continue
            t_ref, bus_ref = ref[key]
            t_ratio = r["time_us_median"] / t_ref if t_ref else float("nan")
            bw_ratio = r["busbw_gbps"] / bus_ref if bus_ref else float("nan")
            flag = ""
            if key[0] <= 64 << 10 and t_ratio > 1.10:
                flag, ok = "time>1.10", False
            if key[0] >= 64 << 20 and bus_ref and bw_ratio < 0.98:
                flag, ok = "busbw<0.98", False
            print(f"{name:<15} {key[0]:>11} {int(key[1]):>2} {r['time_us_median']:>10.2f} {t_ref:>10.2f} "
                  f"{t_ratio:>8.3f} {r['busbw_gbps']:>9.2f} {bus_ref:>9.2f} {bw_ratio:>8.3f}  "
                  f"{r.get('timing')}/{r.get('timer')} {flag}")
    print("# targets met" if ok else "# targets MISSED (see flags)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
