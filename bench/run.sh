#!/usr/bin/env bash
# Runs the MLP benchmark's three programs one after another on this machine —
# oneDNN's sgemm roofline, LibTorch (best and plain thread settings) and
# Keras++ — then the LSTM benchmark's two (LSTM(512), batch 64, 100 steps,
# 256 inputs: train step and inference; bench_keras_lstm also times its
# products' sgemm roofline) and prints one table with the ratios and a
# verdict per target.
#
#   bench/run.sh                 # uses build/ (configure with libtorch-dev installed)
#   BUILD=build EPOCHS=3 bench/run.sh
#   CNN=0 bench/run.sh           # MLP only (the CNN table follows the MLP one)
#   ROUNDS=3 bench/run.sh        # on a shared VM: every program once per round,
#                                # each figure the best (lowest) of the rounds
#   PYTHON=.../python bench/run.sh   # the interpreter for the Python figures
#                                # (default build/venv/bin/python, where
#                                # scripts/test_python.sh installs keraspp)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
epochs=${EPOCHS:-3}
rounds=${ROUNDS:-1}
lstm_steps=${LSTM_STEPS:-20}
data=${DATA:-/usr/share/datasets/fashion-mnist}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
py=${PYTHON:-$build/venv/bin/python}
if ! [ -x "$py" ] || ! "$py" -c "import keraspp._core" 2>/dev/null; then
  echo "note: keraspp is not importable by $py (scripts/test_python.sh installs it); no Python figures" >&2
  py=""
fi

# Shows each program's output and keeps its RESULT line, tagged. (No
# `tee /dev/stderr`: with stderr redirected to a file it rewrites the file
# from offset 0.)
run() {
  echo "+ $*" >&2
  local log
  log=$(mktemp)
  "$@" >"$log"
  cat "$log" >&2
  grep '^RESULT' "$log" | sed "s/^RESULT /RESULT tag=$TAG /" >>"$out"
  rm -f "$log"
}
# Rounds interleave the programs, so a slow spell of a shared machine hits
# all of them rather than one.
for ((round = 1; round <= rounds; round++)); do
  TAG=roofline OMP_NUM_THREADS=2 run "$build/bench/bench_sgemm_rate"
  # Debian's LibTorch calls sgemm_ from libblas.so.3; its default (netlib's
  # reference BLAS) is ~50 s/epoch, so LibTorch runs on OpenBLAS's OpenMP build
  # (apt-get install libopenblas0-openmp), selected for that process only, with
  # its SkylakeX kernels: on this CPU it otherwise falls back to Prescott (SSE3)
  # kernels and runs ~2x slower (measured 4.44 vs 2.02 s/epoch).
  openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp
  if [ -x "$build/bench/bench_torch_mlp" ]; then
    [ -e "$openblas/libblas.so.3" ] || echo "warning: $openblas missing; LibTorch runs on the system BLAS" >&2
    TAG=torch_one OPENBLAS_CORETYPE=SkylakeX LD_LIBRARY_PATH=$openblas run "$build/bench/bench_torch_mlp" --threads 1 --epochs "$epochs" --data "$data"
    TAG=torch_plain OPENBLAS_CORETYPE=SkylakeX LD_LIBRARY_PATH=$openblas run "$build/bench/bench_torch_mlp" --threads 2 --epochs "$epochs" --data "$data"
  fi
  TAG=keraspp OMP_NUM_THREADS=2 run "$build/bench/bench_keras_mlp" --epochs "$epochs" --data "$data"
  # Same seed, same thread count, once more: the losses must be bit-identical.
  TAG=keraspp_again OMP_NUM_THREADS=2 run "$build/bench/bench_keras_mlp" --epochs "$epochs" --data "$data"
  # The LSTM benchmark, quiet machine: Keras++ and LibTorch at 1 and 2 threads.
  if [ -x "$build/bench/bench_keras_lstm" ]; then
    TAG=keras_lstm OMP_NUM_THREADS=2 run "$build/bench/bench_keras_lstm" --steps "$lstm_steps"
  fi
  if [ -x "$build/bench/bench_torch_lstm" ]; then
    TAG=torch_lstm_one OPENBLAS_CORETYPE=SkylakeX LD_LIBRARY_PATH=$openblas run "$build/bench/bench_torch_lstm" --threads 1 --steps "$lstm_steps"
    TAG=torch_lstm_plain OPENBLAS_CORETYPE=SkylakeX LD_LIBRARY_PATH=$openblas run "$build/bench/bench_torch_lstm" --threads 2 --steps "$lstm_steps"
  fi
  # The same MLP fit from Python, and sess.run of a small graph from C++ and
  # from Python (the Python package's overhead).
  [ -z "$py" ] || TAG=keraspp_python OMP_NUM_THREADS=2 run "$py" bench/python_mlp.py --epochs "$epochs" --data "$data"
  [ ! -x "$build/bench/bench_sess_run" ] || TAG=sess_cpp OMP_NUM_THREADS=2 run "$build/bench/bench_sess_run"
  [ -z "$py" ] || TAG=sess_python OMP_NUM_THREADS=2 run "$py" bench/python_sess_run.py
  # A shared CPU: the same programs while one CPU-bound process (a shell
  # busy loop) competes for the cores. Each side runs as a user would start
  # it: Keras++ with no OpenMP settings at all (its thread governor decides),
  # LibTorch with its best settings above.
  ( while :; do :; done ) &
  hog=$!
  if [ -x "$build/bench/bench_torch_mlp" ]; then
    TAG=torch_one_loaded OPENBLAS_CORETYPE=SkylakeX LD_LIBRARY_PATH=$openblas run "$build/bench/bench_torch_mlp" --threads 1 --epochs "$epochs" --data "$data"
    TAG=torch_plain_loaded OPENBLAS_CORETYPE=SkylakeX LD_LIBRARY_PATH=$openblas run "$build/bench/bench_torch_mlp" --threads 2 --epochs "$epochs" --data "$data"
  fi
  TAG=keraspp_loaded run env -u OMP_NUM_THREADS -u OMP_WAIT_POLICY "$build/bench/bench_keras_mlp" --epochs "$epochs" --data "$data"
  kill "$hog"
  wait "$hog" 2>/dev/null || true
done

# Field $2 of the RESULT lines tagged $1: the lowest over the rounds (every
# figure here is a time or a size, lower is better).
field() {
  grep "tag=$1 " "$out" | tr ' ' '\n' | grep "^$2=" | cut -d= -f2 | sort -g | head -1
}
# Every Keras++ run's final loss, one per line, distinct ones only.
losses=$(grep -E "tag=keraspp(_again)? " "$out" | tr ' ' '\n' | grep '^loss_exact=' | cut -d= -f2 | sort -u)
k_epoch=$(field keraspp epoch_s_median)
roof=$(field roofline epoch_s_roofline)
t_one=$(field torch_one epoch_s_median)
t_plain=$(field torch_plain epoch_s_median)
# The lower of two figures, either of which may be missing.
lower() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a == "") print b; else if (b == "" || a + 0 < b + 0) print a; else print b }'; }
# LibTorch's best setting is whichever thread count ran faster here, figure
# by figure (its inference and memory too).
t_best=$(lower "${t_one:-}" "${t_plain:-}")
k_loaded=$(field keraspp_loaded epoch_s_median)
t_loaded=$(lower "$(field torch_one_loaded epoch_s_median)" "$(field torch_plain_loaded epoch_s_median)")
awk -v ke="$k_epoch" -v roof="$roof" -v tb="${t_best:-nan}" -v tp="${t_plain:-nan}" \
    -v kb1="$(field keraspp infer_b1_us_median)" -v kb1p="$(field keraspp infer_b1_us_p90)" \
    -v kb128="$(field keraspp infer_b128_ms_median)" -v kb128p="$(field keraspp infer_b128_ms_p90)" \
    -v tb1="$(lower "$(field torch_one infer_b1_us_median)" "$(field torch_plain infer_b1_us_median)")" \
    -v tb128="$(lower "$(field torch_one infer_b128_ms_median)" "$(field torch_plain infer_b128_ms_median)")" \
    -v krss="$(field keraspp peak_rss_mb)" \
    -v trss="$(lower "$(field torch_one peak_rss_mb)" "$(field torch_plain peak_rss_mb)")" \
    -v kl="$k_loaded" -v tl="${t_loaded:-nan}" \
    -v klt="$(field keras_lstm train_ms)" -v kli="$(field keras_lstm infer_ms)" \
    -v rlt="$(field keras_lstm roofline_train_ms)" -v rli="$(field keras_lstm roofline_infer_ms)" \
    -v tlt="$(lower "$(field torch_lstm_one train_ms)" "$(field torch_lstm_plain train_ms)")" \
    -v tli="$(lower "$(field torch_lstm_one infer_ms)" "$(field torch_lstm_plain infer_ms)")" \
    -v losses="$(echo "$losses" | paste -sd' ')" -v runs="$((2 * rounds))" 'BEGIN {
  printf "\n%-34s %12s %12s %12s\n", "figure", "Keras++", "LibTorch", "Keras++/other";
  printf "%-34s %12.3f %12s %12s\n", "MLP epoch vs LibTorch best, s", ke, tb, (tb == "nan" ? "-" : sprintf("%.2f", ke / tb));
  printf "%-34s %12.3f %12s %12s\n", "MLP epoch vs LibTorch plain (2 thr)", ke, tp, (tp == "nan" ? "-" : sprintf("%.2f", ke / tp));
  printf "%-34s %12.3f %12.3f %12.2f\n", "MLP epoch vs roofline", ke, roof, ke / roof;
  printf "%-34s %12.3f %12s %12s\n", "MLP epoch, one CPU-bound rival, s", kl, tl, (tl == "nan" ? "-" : sprintf("%.2f", kl / tl));
  printf "%-34s %12.2f %12s %12s\n", "  slowdown (rival / quiet)", kl / ke, (tl == "nan" ? "-" : sprintf("%.2f", tl / tb)), "";
  printf "%-34s %12.1f %12s %12s\n", "inference b1 median (p90), us", kb1, tb1, (tb1 == "" ? "-" : sprintf("%.2f", kb1 / tb1));
  printf "%-34s %12.3f %12s %12s\n", "inference b128 median, ms", kb128, tb128, (tb128 == "" ? "-" : sprintf("%.2f", kb128 / tb128));
  printf "%-34s %12.1f %12s %12s\n", "peak RSS, MB", krss, trss, (trss == "" ? "-" : sprintf("%.2f", krss / trss));
  if (klt != "") {
    printf "%-34s %12.1f %12s %12s\n", "LSTM train step vs LibTorch best, ms", klt, tlt, (tlt == "" ? "-" : sprintf("%.2f", klt / tlt));
    printf "%-34s %12.1f %12s %12s\n", "LSTM inference vs LibTorch best, ms", kli, tli, (tli == "" ? "-" : sprintf("%.2f", kli / tli));
    printf "%-34s %12.1f %12.1f %12.2f\n", "LSTM train step vs roofline, ms", klt, rlt, klt / rlt;
    printf "%-34s %12.1f %12.1f %12.2f\n", "LSTM inference vs roofline, ms", kli, rli, kli / rli;
  }
  printf "\nverdicts:\n";
  printf "  epoch <= 0.52 s:             %s (%.3f s)\n", (ke <= 0.52 ? "met" : "missed"), ke;
  printf "  epoch <= 1.4x roofline:      %s (%.3f s vs %.3f s = 1.4 x %.3f)\n", (ke <= 1.4 * roof ? "met" : "missed"), ke, 1.4 * roof, roof;
  printf "  >= 2.9x faster than LibTorch: %s\n", (tb == "nan" ? "not measured" : (tb / ke >= 2.9 ? "met" : sprintf("missed (%.2fx)", tb / ke)));
  printf "  b1 <= 15 us:                 %s (%.1f us, p90 %.1f)\n", (kb1 <= 15 ? "met" : "missed"), kb1, kb1p;
  printf "  b128 <= 0.5 ms:              %s (%.3f ms, p90 %.3f)\n", (kb128 <= 0.5 ? "met" : "missed"), kb128, kb128p;
  printf "  peak memory <= LibTorch:     %s\n", (trss == "" ? "not measured" : (krss <= trss ? "met" : "missed"));
  printf "  shared CPU: slowdown <= LibTorch slowdown, still faster: %s\n", (tl == "nan" ? "not measured" : ((kl / ke <= tl / tb && kl < tl) ? "met" : sprintf("missed (%.2fx vs %.2fx)", kl / ke, tl / tb)));
  printf "  LSTM train >= 1.5x faster than LibTorch: %s\n", (tlt == "" || klt == "" ? "not measured" : (tlt / klt >= 1.5 ? "met" : sprintf("missed (%.2fx)", tlt / klt)));
  printf "  LSTM inference >= 2x faster than LibTorch: %s\n", (tli == "" || kli == "" ? "not measured" : (tli / kli >= 2 ? "met" : sprintf("missed (%.2fx)", tli / kli)));
  printf "  same seed, identical losses: %s (%d runs, final loss: %s)\n", (losses != "" && index(losses, " ") == 0 ? "met" : "missed"), runs, losses;
}'
kp=$(field keraspp_python epoch_s_median)
sc=$(field sess_cpp sess_run_us_median)
sp=$(field sess_python sess_run_us_median)
awk -v ke="$k_epoch" -v kp="${kp:-nan}" -v sc="${sc:-nan}" -v sp="${sp:-nan}" 'BEGIN {
  printf "\nPython package:\n";
  if (kp == "nan") printf "  fit epoch from Python within 3%% of C++: not measured\n";
  else printf "  fit epoch from Python within 3%% of C++: %s (%.3f s vs %.3f s, %+.1f%%)\n", (kp <= 1.03 * ke ? "met" : "missed"), kp, ke, 100 * (kp / ke - 1);
  if (sp == "nan" || sc == "nan") printf "  sess.run from Python <= C++ + 5 us:      not measured\n";
  else printf "  sess.run from Python <= C++ + 5 us:      %s (%.2f us vs %.2f us, +%.2f us)\n", (sp - sc <= 5 ? "met" : "missed"), sp, sc, sp - sc;
}'

# ---- the CNN (Keras's mnist_cnn model): roofline, LibTorch, Keras++ ---------
# CNN=0 skips it; CNN_EPOCHS (default 2) epochs each, the median over 2..E.
if [ "${CNN:-1}" != 0 ] && [ -x "$build/bench/bench_keras_cnn" ]; then
  cnn_epochs=${CNN_EPOCHS:-2}
  for ((round = 1; round <= rounds; round++)); do
    TAG=cnn_roofline OMP_NUM_THREADS=2 run "$build/bench/bench_conv_roofline"
    if [ -x "$build/bench/bench_torch_cnn" ]; then
      TAG=cnn_torch_one OPENBLAS_CORETYPE=SkylakeX LD_LIBRARY_PATH=$openblas run "$build/bench/bench_torch_cnn" --threads 1 --epochs "$cnn_epochs" --data "$data"
      TAG=cnn_torch_plain OPENBLAS_CORETYPE=SkylakeX LD_LIBRARY_PATH=$openblas run "$build/bench/bench_torch_cnn" --threads 2 --epochs "$cnn_epochs" --data "$data"
    fi
    TAG=cnn_keraspp OMP_NUM_THREADS=2 run "$build/bench/bench_keras_cnn" --epochs "$cnn_epochs" --data "$data"
    TAG=cnn_keraspp_again OMP_NUM_THREADS=2 run "$build/bench/bench_keras_cnn" --epochs "$cnn_epochs" --data "$data"
  done
  cnn_losses=$(grep -E "tag=cnn_keraspp(_again)? " "$out" | tr ' ' '\n' | grep '^loss_exact=' | cut -d= -f2 | sort -u)
  awk -v ke="$(field cnn_keraspp epoch_s_median)" -v roof="$(field cnn_roofline epoch_s_roofline)" \
      -v tb="$(lower "$(field cnn_torch_one epoch_s_median)" "$(field cnn_torch_plain epoch_s_median)")" \
      -v kb1="$(field cnn_keraspp infer_b1_us_median)" \
      -v tb1="$(lower "$(field cnn_torch_one infer_b1_us_median)" "$(field cnn_torch_plain infer_b1_us_median)")" \
      -v krss="$(field cnn_keraspp peak_rss_mb)" \
      -v trss="$(lower "$(field cnn_torch_one peak_rss_mb)" "$(field cnn_torch_plain peak_rss_mb)")" \
      -v losses="$(echo "$cnn_losses" | paste -sd' ')" 'BEGIN {
    printf "\n%-34s %12s %12s %12s\n", "CNN figure", "Keras++", "LibTorch", "Keras++/other";
    printf "%-34s %12.3f %12s %12s\n", "CNN epoch vs LibTorch best, s", ke, (tb == "" ? "-" : tb), (tb == "" ? "-" : sprintf("%.2f", ke / tb));
    printf "%-34s %12.3f %12.3f %12.2f\n", "CNN epoch vs roofline", ke, roof, ke / roof;
    printf "%-34s %12.1f %12s %12s\n", "CNN inference b1 median, us", kb1, (tb1 == "" ? "-" : tb1), (tb1 == "" ? "-" : sprintf("%.2f", kb1 / tb1));
    printf "%-34s %12.1f %12s %12s\n", "CNN peak RSS, MB", krss, (trss == "" ? "-" : trss), (trss == "" ? "-" : sprintf("%.2f", krss / trss));
    printf "\nCNN verdicts:\n";
    printf "  epoch <= 1.5x roofline:       %s (%.3f s vs %.3f s)\n", (ke <= 1.5 * roof ? "met" : "missed"), ke, 1.5 * roof;
    printf "  >= 2.5x faster than LibTorch: %s\n", (tb == "" ? "not measured" : (tb / ke >= 2.5 ? "met" : sprintf("missed (%.2fx)", tb / ke)));
    printf "  b1 <= LibTorch / 2:           %s\n", (tb1 == "" ? "not measured" : (kb1 <= tb1 / 2 ? "met" : sprintf("missed (%.1f vs %.1f us)", kb1, tb1)));
    printf "  peak memory <= LibTorch:      %s\n", (trss == "" ? "not measured" : (krss <= trss ? "met" : "missed"));
    printf "  same seed, identical losses:  %s (final loss: %s)\n", (losses != "" && index(losses, " ") == 0 ? "met" : "missed"), losses;
  }'
fi
