#!/usr/bin/env python3
"""fabricbench entry point: `python run_bench.py run|summary ...` (see --help)."""

import sys

from benchmarks.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
