#!/usr/bin/env python3
"""The gate's acceptance table at full trial counts, and the emulated rivals: prints the rates.

    python scripts/gate_acceptance.py            # ~2-3 minutes on 2 cores
    python scripts/gate_acceptance.py --quick    # the CI-sized counts of tests/reports/gate/test_acceptance.py
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import acceptance as acc  # noqa: E402
from tests.support import synthetic as syn  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--fit", nargs="+", metavar="RUN", help="also run the main rows on a noise model fitted to "
                    "these real launches of one allocation (e.g. an A/A arm)")
    args = ap.parse_args()
    k = 0.2 if args.quick else 1.0
    n = lambda full: max(100, int(full * k))  # noqa: E731
    s = args.seed
    t0 = time.time()
    print("| property | injection | trials | result | target |")
    print("|---|---|---:|---|---|")

    def row(prop: str, inj: str, trials: int, result: str, target: str) -> None:
        print(f"| {prop} | {inj} | {trials} | {result} | {target} |", flush=True)

    for preset in ("quiet", "reference", "noisy"):
        t = n(10000) if preset == "reference" else n(2000)
        r = acc.paired(preset, syn.Injection(), t, s)
        row(f"false fail ({preset})", "A/A", t, f"{r['fail']} FAIL ({100 * r['fail'] / t:.2f} %), "
            f"{100 * r['inconclusive'] / t:.1f} % inconclusive, {r['mean_launches']:.1f} launches/arm",
            "<= 0.1 %; inconclusive <= 15 %; <= 11 launches" if preset == "reference" else "")
        for eff, tgt in ((0.05, ">= 80 %"), (0.10, ">= 99 %" if preset == "reference" else "PASS <= 1 %")):
            t = n(2000)
            r = acc.paired(preset, syn.Injection(effect=eff), t, s + int(eff * 100))
            result = (f"FAIL {100 * r['fail'] / t:.1f} %, PASS {100 * r['pass'] / t:.1f} %, "
                      f"inconclusive {100 * r['inconclusive'] / t:.1f} %")
            row(f"power ({preset})", f"+{eff:.0%}", t, result, tgt if preset == "reference" or
                (preset == "noisy" and eff == 0.10) else "")
    r = acc.suite("reference", n(200), 72, s + 1)
    row("suite false fail", "A/A, 72 units", r["suites"], f"{r['suite_fail']} suites with a FAIL "
        f"({100 * r['suite_fail'] / r['suites']:.1f} %)", "<= 5 %")
    t = n(2000)
    r = acc.paired("reference", syn.Injection(bad_launch=0.30), t, s + 2)
    row("bad launch", "one candidate launch +30 %", t, f"{r['fail']} FAIL", "<= 0.1 %")
    r = acc.paired("reference", syn.Injection(drift=0.01), t, s + 3)
    row("drift", "+1 % across the session", t, f"{r['fail']} FAIL", "<= 0.1 %")
    r = acc.band_locality(n(500), s + 4)
    row("band locality", "+10 % only >= 16 MiB", r["trials"], f"bandwidth FAIL {r['bandwidth_fail']}, latency FAIL "
        f"{r['latency_fail']}", "bandwidth >= 99 %, latency <= 0.1 %")
    r = acc.secondary(syn.Injection(tail=0.30), n(500), s + 5, "tail")
    row("tail only", "p99 +30 %", r["trials"], f"median PASS {r['median_pass']}, FAIL {r['median_fail']}, tail warning "
        f"{r['warned']}", "PASS >= 99 %, warning >= 95 %")
    r = acc.secondary(syn.Injection(slow_weight=0.40), n(500), s + 6, "shape", iterations=200)
    row("multimodal flip", "slow mode 10 % -> 40 %", r["trials"], f"shape warning {r['warned']}", ">= 95 %")
    if args.fit:
        from fabricbench.reports.gate.launches import read_launches

        table, _, _ = read_launches(args.fit)
        model, facts = syn.fit(table)
        print(f"\nfitted from {facts['launches']} real launches ({facts['units']} units): launch SD "
              f"{100 * facts['sigma_launch']:.2f} %, bad launches {facts['bad_launches']}, iteration SD "
              f"{100 * facts['sigma_iter']:.2f} % (allocation SD set equal to the launch SD)")
        for eff in (0.0, 0.05, 0.10):
            t = n(2000)
            r = acc.paired(model, syn.Injection(effect=eff), t, s + 20 + int(eff * 100))
            row("fitted", f"+{eff:.0%}" if eff else "A/A", t, f"FAIL {100 * r['fail'] / t:.2f} %, PASS "
                f"{100 * r['pass'] / t:.1f} %, inconclusive {100 * r['inconclusive'] / t:.1f} %, "
                f"{r['mean_launches']:.1f} launches/arm", "")
    print()
    print("| rule (emulated) | A/A false fail | FAIL at +5 % | FAIL at +10 % |")
    print("|---|---:|---:|---:|")
    rates = {e: acc.rival_rates("reference", e, n(2000), s + 10 + int(e * 100)) for e in (0.0, 0.05, 0.10)}
    for name in rates[0.0]:
        print(f"| {name} | {100 * rates[0.0][name]:.1f} % | {100 * rates[0.05][name]:.1f} % | "
              f"{100 * rates[0.10][name]:.1f} % |")
    print(f"\n{time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
