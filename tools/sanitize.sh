#!/usr/bin/env bash
# Builds pfgm with AddressSanitizer and UndefinedBehaviorSanitizer in build-asan/ and runs the
# tests that parse files (safetensors, golden case files, checkpoints, CSV, the fuzz corpora), the
# networks, and the bad-input and failed-write tests.
# Usage: bash tools/sanitize.sh [gtest filter]   (default: the file-parsing and network tests)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${PFGM_VENV:-$HOME/.cache/pfgm/venv}"
FILTER="${1:-Safetensors*:Golden*:Csv*:Idx*:Png*:Npy*:Npz*:ImageFolder*:Cifar10*:DatasetCli*:AugmentPipe*:Network*:NCSNpp*:ImageCli*:ToyCli.Bad*:ToyCli.Unreadable*:Targets/FuzzCorpus.*:Corpus/BadInputs.*:ReliabilityCli.*:DistributedCli.*:ProcessGroup.*:World.*}"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPFGM_SANITIZE=address,undefined \
  -DPFGM_BUILD_BENCH=OFF -DPFGM_PYTHON="$VENV/bin/python" > build-asan.log
cmake --build build-asan -j "${PFGM_JOBS:-$(nproc)}" >> build-asan.log
# LibTorch itself is not instrumented: leak reports from its allocator are not ours.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
build-asan/tests/pfgm_tests --gtest_filter="$FILTER"
