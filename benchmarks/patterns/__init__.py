"""Communication patterns beyond one collective over all ranks: pairwise link sweeps, bisection."""
