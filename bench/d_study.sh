#!/usr/bin/env bash
# The D study (docs/benchmarks/d-study.md): Fashion-MNIST at the main job's budget (1100 steps of
# 64) for the original PFGM and PFGM++ at D = 1 (exact kernel and the official clip), 4, 128, 2048
# and ∞, each with the main job's quality report (FD, classifier score, confident share).
# Usage: bash bench/d_study.sh [OUTDIR] [extra pfgm train flags...]
set -euo pipefail
out=${1:-runs/d-study}
shift || true
pfgm=${PFGM:-build/pfgm}
run() {  # name, flags...
  local name=$1
  shift
  if [ -f "$out/$name/quality.json" ]; then echo "$name: done"; return; fi
  rm -rf "${out:?}/$name"
  "$pfgm" train --outdir "$out" --name "$name" "$@" "${EXTRA[@]}" > "$out/$name.log" 2>&1
  echo "$name: $(tr -d '\n ' < "$out/$name/quality.json")"
}
EXTRA=("$@")
mkdir -p "$out"
run pfgm --objective pfgm
run D128 --aug_dim 128
run D1 --aug_dim 1
run D1-clip --aug_dim 1 --official_clip
run D4 --aug_dim 4
run D2048 --aug_dim 2048
run Dinf --pfgmpp 0
