#!/usr/bin/env bash
# import-linter needs the installed layout (one `fabricbench` package): install this checkout into a
# scratch folder and check the contracts of pyproject.toml there.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
py="$(command -v "${PYTHON:-python3}")"
case "$py" in /*) ;; *) py="$(cd "$(dirname "$py")" && pwd)/$(basename "$py")" ;; esac  # we cd below
work="$(mktemp -d)"
trap 'rm -rf "$work" "$root/build"' EXIT
"$py" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation --target "$work/site" "$root"
cd "$work/site"
PYTHONPATH="$work/site" "$(dirname "$py")/lint-imports" "$root/pyproject.toml"
