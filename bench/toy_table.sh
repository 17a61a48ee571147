#!/usr/bin/env bash
# The 2-D acceptance table: trains PFGM++ at D = 1, 4, 128, inf and the original PFGM on the heart
# and the checkerboard, then writes docs/benchmarks/toy2d.{jsonl,md} (MMD vs the data-vs-data baseline).
set -euo pipefail
cd "$(dirname "$0")/.."
PFGM=${PFGM:-build/pfgm}
ITERS=${ITERS:-4000}
OUT=docs/benchmarks
mkdir -p "$OUT"
DATA=${DATA:-heart checkerboard}
MODELS=${MODELS:---aug_dim=1,--aug_dim=4,--aug_dim=128,--pfgmpp=0,--objective=pfgm}
[ "${APPEND:-0}" = 1 ] || : > "$OUT/toy2d.jsonl"
IFS=, read -r -a models <<< "$MODELS"
for data in $DATA; do
  for model in "${models[@]}"; do
    # shellcheck disable=SC2086
    "$PFGM" toy train --data "$data" $model --iters "$ITERS" --seed 1 --outdir "runs/bench-$data-${model//[ =-]/}" \
      --json --no-plots 2>/dev/null | tail -n 1 >> "$OUT/toy2d.jsonl"
    tail -n 1 "$OUT/toy2d.jsonl"
  done
done
{
  echo "# 2-D toy benchmark"
  echo
  echo "\`ITERS=$ITERS bash bench/toy_table.sh\` on $(nproc) CPU cores ($(date -u +%Y-%m-%d)). MMD: biased estimator,"
  echo "5-bandwidth RBF kernel, 2000 samples, mean of 5 repeats; baseline: two fresh data samples of the same size."
  echo "q: quantile at which the radius law of the kernel and of the prior is truncated; farthest / diameter: the"
  echo "largest distance of any of the 5 x 2000 samples to the nearest training point, in training-set diameters."
  echo
  echo "| data | objective | D | q | kappa | steps | train s | NFE | MMD | baseline | ratio | SWD | SWD baseline | SWD ratio | farthest / diameter |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  python3 -c '
import json,sys
for l in open(sys.argv[1]):
    j=json.loads(l)
    print("| %s | %s | %s | %g | %g | %d | %.0f | %d | %.2e | %.2e | %.2f | %.3f | %.3f | %.2f | %.3g |" % (j["data"], j["objective"], j["D"], j.get("radius_quantile", 1), j.get("kappa", 0), j["steps"], j["train_seconds"], j["nfe"], j["mmd"], j["mmd_baseline"], j["mmd"]/j["mmd_baseline"], j["swd"], j["swd_baseline"], j["swd"]/j["swd_baseline"], j.get("max_nearest", float("nan"))))
' "$OUT/toy2d.jsonl"
} > "$OUT/toy2d.md"
cat "$OUT/toy2d.md"
