#!/usr/bin/env bash
# Installs what pfgm needs (tools/install_deps.sh), configures (Release, ccache when present) and
# builds into build/: the pfgm program alone, or with --tests everything the tests need (the test
# suite, the benchmarks and the examples). Safe to run again: it reuses the venv and the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=pfgm_cli
case "${1:-}" in
  "") ;;
  --tests) TARGET=all ;;
  *) echo "usage: bash tools/setup.sh [--tests]" >&2; exit 2 ;;
esac
VENV=$(bash tools/install_deps.sh | tail -n 1)
JOBS=${PFGM_JOBS:-$(nproc)}
# Ninja compiles a target's files while the library it links is still being built; clang builds
# pfgm in about 60% of GCC's time (its precompiled header is 72 MB, GCC's 430 MB, and loads lazily).
if [ -f build/CMakeCache.txt ] && ! { grep -q "^CMAKE_GENERATOR:INTERNAL=Ninja$" build/CMakeCache.txt &&
                                       grep -q "^CMAKE_CXX_COMPILER:.*clang++$" build/CMakeCache.txt; }; then
  rm -rf build  # configured with another generator or compiler
fi
cmake -S . -B build -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Release -DPFGM_PYTHON="$VENV/bin/python" \
  > build.log 2>&1 || { cat build.log; exit 1; }
cmake --build build -j "$JOBS" --target "$TARGET" >> build.log 2>&1 || { tail -n 60 build.log; exit 1; }
echo "[setup] built build/pfgm${1:+ and the tests}"
