"""Analysis and reports over loaded results (see benchmarks.results for the loader)."""
