"""The acceptance table of docs/gating.md §5 as functions: each runs trials of the generator
through the same decision code the CLI uses and returns counts. Tests run them at CI-sized trial
counts; scripts/gate_acceptance.py runs the full counts and prints the rates.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from fabricbench.reports.gate import rules
from tests.support import rivals
from tests.support import synthetic as syn

RULE = rules.PairedRule()


def paired(preset: str | syn.NoiseModel, inj: syn.Injection, trials: int, seed: int, sizes: int = 2,
           delta: float = 0.03) -> dict[str, float]:
    """Sequential paired sessions: verdict counts and the mean launches per arm."""
    model = syn.PRESETS[preset] if isinstance(preset, str) else preset
    c, k = syn.simulate_arms(model, inj, trials, RULE.max_launches, sizes, seed)
    verdict, used = rules.sequential_paired(syn.band_scores(c), syn.band_scores(k), delta, RULE, seed)
    counts = Counter(verdict.tolist())
    return {"trials": trials, "fail": counts[rules.FAIL], "pass": counts[rules.PASS],
            "inconclusive": counts[rules.INCONCLUSIVE], "mean_launches": float(used.mean())}


def suite(preset: str, suites: int, units: int, seed: int) -> dict[str, float]:
    """A/A over whole suites of independent units: how often does a suite have any FAIL?"""
    c, k = syn.simulate_arms(syn.PRESETS[preset], syn.Injection(), suites * units, RULE.max_launches, 1, seed)
    verdict, _ = rules.sequential_paired(syn.band_scores(c), syn.band_scores(k), 0.03, RULE, seed)
    per_suite = (verdict.reshape(suites, units) == rules.FAIL).any(axis=1)
    return {"suites": suites, "units": units, "suite_fail": int(per_suite.sum()),
            "unit_fail": int((verdict == rules.FAIL).sum())}


def band_locality(trials: int, seed: int) -> dict[str, int]:
    """+10 % only at sizes >= 16 MiB: the bandwidth unit fails, the latency unit does not."""
    mask = (False, False, True, True)  # sizes 0-1: latency band, 2-3: bandwidth band
    c, k = syn.simulate_arms(syn.PRESETS["reference"], syn.Injection(effect=0.10, sizes=mask), trials,
                             RULE.max_launches, 4, seed)
    lat, _ = rules.sequential_paired(syn.band_scores(c, sizes=np.logical_not(mask)),
                                     syn.band_scores(k, sizes=np.logical_not(mask)), 0.03, RULE, seed)
    bw, _ = rules.sequential_paired(syn.band_scores(c, sizes=mask), syn.band_scores(k, sizes=mask), 0.03, RULE, seed)
    return {"trials": trials, "bandwidth_fail": int((bw == rules.FAIL).sum()),
            "latency_fail": int((lat == rules.FAIL).sum())}


def secondary(inj: syn.Injection, trials: int, seed: int, which: str, iterations: int = 400) -> dict[str, int]:
    """Tail (p99) or shape (spread) warnings at the initial 7 v 7 look, and the sequential median verdict."""
    c, k = syn.simulate_arms(syn.PRESETS["reference"], inj, trials, RULE.max_launches, 2, seed,
                             iterations=iterations)
    med, _ = rules.sequential_paired(syn.band_scores(c), syn.band_scores(k), 0.03, RULE, seed)
    n = RULE.initial_launches
    stat = "p99" if which == "tail" else "spread"
    materiality = RULE.tail_materiality if which == "tail" else RULE.shape_materiality
    warn = rules.secondary_warning(syn.band_scores(c, stat)[:, :n], syn.band_scores(k, stat)[:, :n], materiality, RULE)
    return {"trials": trials, "warned": int(warn.sum()), "median_pass": int((med == rules.PASS).sum()),
            "median_fail": int((med == rules.FAIL).sum())}


def rival_rates(preset: str, effect: float, trials: int, seed: int) -> dict[str, float]:
    """Fraction of trials each emulated tool fails, under the same noise model."""
    m = syn.PRESETS[preset]
    two = rivals.independent_runs(m, trials, 2, seed, effect)
    hist = rivals.independent_runs(m, trials, 31, seed + 1, effect)
    ours = paired(preset, syn.Injection(effect=effect), trials, seed + 2, sizes=1)
    return {"pytest-benchmark median:5%": float(rivals.pytest_benchmark_rule(two).mean()),
            "asv compare": float(rivals.asv_rule(two).mean()),
            "google-benchmark U test": float(rivals.gbench_rule(two).mean()),
            "conbench z>5 on min": float(rivals.conbench_rule(hist).mean()),
            "bencher t-test 0.99": float(rivals.bencher_rule(hist).mean()),
            "fabricbench paired": ours["fail"] / trials}
