#!/usr/bin/env bash
# Runs the LibTorch side of the MLP benchmark at each thread setting, plus the
# oneDNN sgemm roofline, and collects the RESULT lines.
#
#   bench/run_torch.sh                    # threads 1 and 2, 3 epochs, OpenBLAS (OpenMP build)
#   THREADS="1 2 4" EPOCHS=5 bench/run_torch.sh
#   BLAS=system bench/run_torch.sh        # whatever libblas.so.3 the alternatives system selects
#
# Environment:
#   BUILD    build dir holding bench_torch_mlp / bench_sgemm_rate (default build-bench)
#   THREADS  torch::set_num_threads values to run (default "1 2")
#   EPOCHS   epochs per run (default 3)
#   BLAS     openblas-openmp | openblas-pthread | system (default openblas-openmp)
#   QUIET_WAIT  seconds to wait for the machine to go quiet before each run (default 600)
#   OPENBLAS_CORETYPE  OpenBLAS kernel set (default SkylakeX on CPUs with AVX-512,
#            else OpenBLAS's own detection); "auto" forces OpenBLAS's detection
#
# Why BLAS matters: Debian's LibTorch 1.13 is built with BLAS_INFO=generic, so
# its fp32 matmuls call sgemm_ from libblas.so.3. Debian's default is the
# netlib reference BLAS (~54 s/epoch here); OpenBLAS is what a user who cares
# would run (apt-get install libopenblas0-openmp). We select it per process
# with LD_LIBRARY_PATH so the machine's alternatives setting stays untouched.
# The OpenMP build of OpenBLAS shares libgomp's thread pool with ATen, so
# torch::set_num_threads(N) governs both; the pthread build keeps its own
# pool of nproc threads regardless, which oversubscribes the 2 cores when
# ATen also runs 2 OpenMP threads.
#
# Why OPENBLAS_CORETYPE: Debian's OpenBLAS 0.3.21 does not recognise this
# machine's Xeon (family 6, model 207) and falls back to its "Prescott" SSE3
# kernels, ~2-3x slower end to end; SkylakeX (AVX-512) is the closest kernel set
# it has (its "SapphireRapids"/"Cooperlake" entries measured the same here).
# Every RESULT line reports the kernel set in use as blas_core=.
#
# Why the wait: the benchmark machine has 2 cores shared with other work;
# runs start only when other processes use <10% of one core, and every
# RESULT line carries train_cpu_others (cores used by others meanwhile).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build-bench}
THREADS=${THREADS:-"1 2"}
EPOCHS=${EPOCHS:-3}
BLAS=${BLAS:-openblas-openmp}
QUIET_WAIT=${QUIET_WAIT:-600}
LIBDIR=/usr/lib/x86_64-linux-gnu

for exe in bench_torch_mlp bench_sgemm_rate; do
  if [[ ! -x $BUILD/$exe ]]; then
    echo "missing $BUILD/$exe; build first:" >&2
    echo "  cmake -S bench -B $BUILD -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build $BUILD -j2" >&2
    exit 1
  fi
done

blas_env=()
coretype=${OPENBLAS_CORETYPE:-}
if [[ -z $coretype ]] && grep -qw avx512f /proc/cpuinfo; then coretype=SkylakeX; fi
if [[ $coretype == auto ]]; then
  blas_env+=(-u OPENBLAS_CORETYPE)  # env -u: options before assignments, as here
elif [[ -n $coretype ]]; then
  blas_env+=(OPENBLAS_CORETYPE="$coretype")
fi
case $BLAS in
  system) ;;
  openblas-openmp | openblas-pthread)
    if [[ ! -e $LIBDIR/$BLAS/libblas.so.3 ]]; then
      echo "$LIBDIR/$BLAS/libblas.so.3 missing: apt-get install libopenblas0-${BLAS#openblas-}" >&2
      exit 1
    fi
    blas_env+=(LD_LIBRARY_PATH="$LIBDIR/$BLAS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}") ;;
  *) echo "BLAS must be openblas-openmp, openblas-pthread or system" >&2; exit 2 ;;
esac

# CPU jiffies all processes used over 2 s; 2 cores x 2 s = 400 at 100 Hz.
busy_jiffies() {
  read -r _ u1 n1 s1 _ < /proc/stat; sleep 2; read -r _ u2 n2 s2 _ < /proc/stat
  echo $(((u2 + n2 + s2) - (u1 + n1 + s1)))
}
wait_quiet() {
  local waited=0 hz busy limit
  hz=$(getconf CLK_TCK)
  limit=$((hz * 2 / 10))  # 10% of one core over the 2 s sample
  while busy=$(busy_jiffies); ((busy > limit)); do
    waited=$((waited + 2))
    if ((waited >= QUIET_WAIT)); then
      echo "# machine still busy ($busy jiffies/2s) after ${QUIET_WAIT}s; running anyway" >&2
      return
    fi
  done
}

# Shows each program's output live and keeps its RESULT lines for the
# summary. (Not `tee /dev/stderr`: when stderr is a file, tee reopens it at
# offset 0 and overwrites what is already there.) lastpipe runs the loop in
# this shell so `results` survives it.
shopt -s lastpipe
results=()
run_collect() {
  local line
  "$@" | while IFS= read -r line; do
    printf '%s\n' "$line"
    if [[ $line == RESULT* ]]; then results+=("$line"); fi
  done
}

for t in $THREADS; do
  # The roofline only at thread counts the cores can actually run.
  ((t <= $(nproc))) || continue
  wait_quiet
  run_collect env OMP_NUM_THREADS="$t" "$BUILD/bench_sgemm_rate"
done
for t in $THREADS; do
  wait_quiet
  echo "# threads=$t BLAS=$BLAS"
  # OMP_NUM_THREADS too, so libgomp's pool (ATen and OpenMP OpenBLAS) is
  # sized once at start-up instead of grown by set_num_threads later; the
  # pthread OpenBLAS also reads it (when OPENBLAS_NUM_THREADS is unset), so
  # there it caps OpenBLAS's own pool at t threads as well.
  run_collect env "${blas_env[@]}" OMP_NUM_THREADS="$t" "$BUILD/bench_torch_mlp" --threads "$t" --epochs "$EPOCHS"
done
echo "# summary"
printf '%s\n' "${results[@]}"
