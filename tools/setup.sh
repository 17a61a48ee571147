#!/usr/bin/env bash
# Installs what pfgm needs (tools/install_deps.sh), then configures (Release, ccache when present)
# and builds into build/. Safe to run again: it reuses the venv and the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=$(bash tools/install_deps.sh | tail -n 1)
JOBS=${PFGM_JOBS:-$(nproc)}
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DPFGM_PYTHON="$VENV/bin/python" > build.log 2>&1 || { cat build.log; exit 1; }
cmake --build build -j "$JOBS" >> build.log 2>&1 || { tail -n 60 build.log; exit 1; }
echo "[setup] built build/pfgm"
