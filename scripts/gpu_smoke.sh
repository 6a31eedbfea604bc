#!/usr/bin/env bash
# GPU smoke test: run on a machine with one or more NVIDIA GPUs, from the repository root.
#   scripts/gpu_smoke.sh [OUT_DIR]
# 1. torch/NCCL path: a short sweep of every collective (auto timing: CUDA graphs below 1 MiB,
#    CUDA events above) and a per-iteration (events) sweep of all_reduce for comparison;
# 2. MPI path on CUDA buffers (refused, with the reason, if the MPI is not CUDA-aware);
# 3. nccl-tests, when its binaries are found (NCCL_TESTS_DIR or PATH), with -J JSON output,
#    compared with ours by scripts/compare_nccl_tests.py.
# Environment: NP (ranks, default: number of GPUs), MPIEXEC (default mpiexec), PYTHON.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-gpu-smoke-$(date -u +%Y%m%dT%H%M%SZ)}
PYTHON=${PYTHON:-python3}
MPIEXEC=${MPIEXEC:-mpiexec}
mkdir -p "$OUT"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

NGPU=$($PYTHON -c 'import torch; print(torch.cuda.device_count())' 2>/dev/null || echo 0)
if [[ "$NGPU" -lt 1 ]]; then
  echo "gpu_smoke: no CUDA device visible to torch; nothing to do" >&2
  exit 2
fi
NP=${NP:-$NGPU}
echo "# gpu_smoke: $NGPU GPU(s), $NP rank(s); results in $OUT"
nvidia-smi -L 2>/dev/null | sed 's/^/# /'
$PYTHON -c 'import torch; print("# torch", torch.__version__, "cuda", torch.version.cuda, "nccl", torch.cuda.nccl.version())'

run() { echo "+ $*"; "$@"; echo "# exit status $?"; }
FB="$MPIEXEC -n $NP $PYTHON run_bench.py run --device cuda"

run $FB --backend torch --collectives all -b 8 -e 256M -f 4 --time-cap 1 --timeout 300 \
    --out "$OUT/torch" --tag torch-auto
run $FB --backend torch --collectives all_reduce,all_gather -b 8 -e 256M -f 4 --timing iter --time-cap 1 \
    --timeout 300 --out "$OUT/torch" --tag torch-events
run $FB --backend mpi --collectives all_reduce,all_to_all,p2p_latency -b 8 -e 64M -f 8 --time-cap 1 \
    --timeout 300 --out "$OUT/mpi" --tag mpi-cuda

for d in "$OUT"/torch/* "$OUT"/mpi/*; do
  [[ -f "$d/run.json" ]] && run $PYTHON run_bench.py summary "$d" --format table
done

NT=${NCCL_TESTS_DIR:-}
find_bin() { if [[ -n "$NT" && -x "$NT/$1" ]]; then echo "$NT/$1"; else command -v "$1" || true; fi; }
JSONS=()
for b in all_reduce_perf all_gather_perf alltoall_perf sendrecv_perf; do
  exe=$(find_bin $b)
  [[ -z "$exe" ]] && continue
  run $MPIEXEC -n "$NP" "$exe" -b 8 -e 256M -f 4 -g 1 -J "$OUT/$b.json" | tee "$OUT/$b.txt"
  [[ -f "$OUT/$b.json" ]] && JSONS+=("$OUT/$b.json")
done
if [[ ${#JSONS[@]} -gt 0 ]]; then
  for d in "$OUT"/torch/*; do
    echo "# comparison with nccl-tests: $d"
    $PYTHON scripts/compare_nccl_tests.py "$d" "${JSONS[@]}"
  done
else
  echo "# nccl-tests binaries not found (set NCCL_TESTS_DIR): no comparison"
fi
