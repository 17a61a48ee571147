#!/usr/bin/env bash
# The D study (docs/benchmarks/d-study.md): Fashion-MNIST at the main job's budget (1100 steps of
# 64) for the original PFGM and PFGM++ at D = 1 (exact kernel, the official clip, the radius law
# truncated at q = 0.9), 4, 128, 2048 and ∞, each with the main job's quality report (FD,
# classifier score, confident share).
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
run D1-q09 --aug_dim 1 --radius_quantile 0.9
run D4 --aug_dim 4
run D2048 --aug_dim 2048
run Dinf --pfgmpp 0

# Robustness (pfgm robustness): PFGM++ with Heun from 18 steps as the official scripts, the
# original PFGM with Euler in ln z from its official 100 steps; 500 samples per setting.
[ "${SKIP_ROBUSTNESS:-0}" = 1 ] && exit 0
rob=(--outdir "$out/robustness" --fd 500 --alpha 0.1,0.2 --bits 5,6,7,8 --amp auto --channels_last 1)
"$pfgm" robustness --network "$out/D1" "$out/D1-clip" "$out/D1-q09" "$out/D4" "$out/D128" "$out/D2048" "$out/Dinf" \
  --labels "D = 1,D = 1 (official clip),D = 1 (q = 0.9),D = 4,D = 128,D = 2048,D = inf" --steps 10,14,24 --base_steps 18 \
  "${rob[@]}"
"$pfgm" robustness --network "$out/pfgm" --labels PFGM --steps 20,50 --base_steps 100 "${rob[@]}"

# Bits/dim of 32 test images under each network.
[ "${SKIP_LIKELIHOOD:-0}" = 1 ] && exit 0
for name in pfgm D1 D1-clip D1-q09 D4 D128 D2048 Dinf; do
  [ -f "$out/$name/likelihood.json" ] && continue
  "$pfgm" likelihood --network "$out/$name" --data fashion-mnist --num 32 --batch 32 --json "${EXTRA[@]}" \
    > "$out/$name/likelihood.json.tmp" && mv "$out/$name/likelihood.json.tmp" "$out/$name/likelihood.json"
  echo "$name: $(cat "$out/$name/likelihood.json")"
done
