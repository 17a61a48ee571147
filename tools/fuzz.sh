#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined) in build-fuzz/ and runs
# each for SECONDS seconds on a copy of its seed corpus (tests/fuzz/corpus/<target>), then writes
# one line per target (executions, coverage, features, corpus size, findings) to LOG.
# A finding is saved as build-fuzz/findings/<target>/crash-*: fix it, then keep the input as
# tests/fuzz/corpus/<target>/finding-<what> so that the test suite replays it.
# Usage: bash tools/fuzz.sh [SECONDS=60] [LOG=build-fuzz/fuzz.log] [targets...]
#   FUZZ_RUNS=N stops a target after N executions (before SECONDS when it is fast enough).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
log=${2:-build-fuzz/fuzz.log}
shift $(( $# > 2 ? 2 : $# ))
VENV="${PFGM_VENV:-$HOME/.cache/pfgm/venv}"
cmake -S . -B build-fuzz -DPFGM_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPFGM_PYTHON="$VENV/bin/python" > build-fuzz.log
cmake --build build-fuzz -j "${PFGM_JOBS:-$(nproc)}" >> build-fuzz.log
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(safetensors model_config png zip_dataset idx cifar10 npy npz csv seeds)
# LibTorch is not instrumented: its allocator's leaks are not ours.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:allocator_may_return_null=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
mkdir -p "$(dirname "$log")"
echo "# pfgm fuzz run $(date -u +%Y-%m-%dT%H:%MZ): at most ${seconds} s and ${FUZZ_RUNS:-unlimited} executions per target, $(nproc) cores, $(clang++ --version | head -1)" > "$log"
status=0
for t in "${targets[@]}"; do
  work=build-fuzz/corpus/$t findings=build-fuzz/findings/$t
  mkdir -p "$work" "$findings"
  cp -n tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true
  out=build-fuzz/fuzz-$t.txt
  # -rss_limit_mb bounds what one input may allocate: declared sizes must not buy memory.
  if ! build-fuzz/fuzz_"$t" "$work" -max_total_time="$seconds" -runs="${FUZZ_RUNS:--1}" -max_len=65536 -rss_limit_mb=2048 -timeout=20 \
      -print_final_stats=1 -artifact_prefix="$findings/" > "$out" 2>&1; then
    status=1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out" | tail -1 | grep -o '[0-9]*$' || echo 0)
  cov=$(grep -o 'cov: [0-9]*' "$out" | tail -1 | grep -o '[0-9]*' || echo 0)
  ft=$(grep -o 'ft: [0-9]*' "$out" | tail -1 | grep -o '[0-9]*' || echo 0)
  found=$(find "$findings" -type f | wc -l)
  printf '%-13s executions %10s  coverage %6s  features %6s  corpus %5s  findings %s\n' "$t" "$execs" "$cov" "$ft" \
    "$(ls "$work" | wc -l)" "$found" | tee -a "$log"
done
exit $status
