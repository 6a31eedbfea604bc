"""Command-line entry points; run_bench.py dispatches to them."""
