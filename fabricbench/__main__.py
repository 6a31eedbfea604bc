"""`python -m fabricbench ...`: the same CLI as the `fabricbench` command."""

import sys

from fabricbench.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
