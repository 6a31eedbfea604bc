#!/usr/bin/env python3
"""fabricbench from a checkout: `python run_bench.py run|summary|report ...` (see --help).

Installed, the same CLI is the `fabricbench` command (or `python -m fabricbench`).
"""

import sys

from fabricbench.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
