#!/bin/bash
# fabricbench on 2x p5.48xlarge with plain mpirun (the Open MPI the EFA installer ships) and a hostfile.
set -euo pipefail
cd "$(dirname "$0")/../.."
MPIRUN=${MPIRUN:-/opt/amazon/openmpi/bin/mpirun}
PY=${PY:-.venv/bin/python}
HOSTFILE=${HOSTFILE:-examples/mpirun/hostfile}
OUT=${OUT:-results/p5-2node}
MPI_ARGS=(-np 16 --hostfile "$HOSTFILE" --map-by ppr:8:node -x PATH -x LD_LIBRARY_PATH)

"$MPIRUN" "${MPI_ARGS[@]}" $PY run_bench.py preflight --device cuda --instance-type p5.48xlarge
"$MPIRUN" "${MPI_ARGS[@]}" $PY run_bench.py run --preset p5 --out "$OUT" --tag p5-2node
$PY run_bench.py report "$OUT" --out "$OUT/report.html"
