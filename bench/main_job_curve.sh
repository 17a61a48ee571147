#!/usr/bin/env bash
# FD against wall-clock minutes for one configuration of the main job (docs/benchmarks/main-job.md).
# Trains with a network snapshot every tick, then judges snapshots as the quality report does:
# 1000 samples (seeds 0-999), the features of the same classifier, the run's fd-reference.npz.
# Appends one JSON line per snapshot to $OUT; minutes = training seconds up to the snapshot plus the
# seconds to draw the 1000 samples, over 60 (the classifier and the FD itself are left out).
#
#   CONFIG=name [KIMG="19 32"] [SAMPLE="generate flags"] bash bench/main_job_curve.sh [pfgm train flags]
#
# KIMG: the snapshots to judge besides the last (default: none); SAMPLE must match the sampler of
# the train flags (default: the main job's).
set -euo pipefail
cd "$(dirname "$0")/.."
PFGM=${PFGM:-build/pfgm}
CONFIG=${CONFIG:?name the configuration: CONFIG=name}
OUT=${OUT:-docs/benchmarks/main-job.jsonl}
RUNS=${RUNS:-runs/curves}
KIMG=${KIMG:-}
SAMPLE=${SAMPLE:---solver euler --steps 18 --amp bf16 --channels_last 1}
classifier="$RUNS/classifier-fashion-mnist.safetensors"
run="$RUNS/$CONFIG"
mkdir -p "$RUNS"
# A finished run (its quality.json) is judged again without training.
[ -f "$run/quality.json" ] ||
  "$PFGM" train --outdir "$RUNS" --name "$CONFIG" --snap 1 --classifier "$classifier" "$@" | tee "$RUNS/$CONFIG.log"

# The training seconds at snapshot kimg $1 (the tick whose kimg rounds down to it).
train_seconds() {
  python3 -c '
import json, sys
for line in open(sys.argv[1]):
    s = json.loads(line)
    if int(s["Progress/kimg"]["mean"]) == int(sys.argv[2]):
        print(s["Timing/total_sec"]["mean"]); break
' "$run/stats.jsonl" "$1"
}

emit() {  # kimg train_s sample_s fd
  python3 -c '
import json, sys
c, k, t, s, fd = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
print(json.dumps({"config": c, "kimg": k, "train_s": round(t, 1), "sample_s": round(s, 1),
                  "minutes": round((t + s) / 60, 2), "fd": round(fd, 3)}))
' "$CONFIG" "$@" | tee -a "$OUT"
}

# The last snapshot: the quality report of the run itself.
last=$(ls "$run"/network-snapshot-*.safetensors | tail -n 1)
kimg=$(basename "$last" .safetensors | sed 's/.*-0*//')
sample_s=$(sed -n 's/^1000 samples (NFE [0-9]*) in \([0-9.]*\) s$/\1/p' "$run/log.txt" | tail -n 1)
fd=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fd"])' "$run/quality.json")
emit "$kimg" "$(train_seconds "$kimg")" "$sample_s" "$fd"

for k in $KIMG; do
  snap=$(printf '%s/network-snapshot-%06d.safetensors' "$run" "$k")
  [ -f "$snap" ] || { echo "no snapshot at $k kimg in $run" >&2; exit 1; }
  tmp=$(mktemp -d)
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  "$PFGM" generate --network "$snap" --outdir "$tmp" --seeds 0-999 $SAMPLE --npz "$tmp/s.npz" > /dev/null
  t1=$(date +%s.%N)
  fd=$("$PFGM" fid calc --images "$tmp/s.npz" --ref "$run/fd-reference.npz" --detector "$classifier" --num 1000 --json |
       tail -n 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["fd"])')
  rm -rf "$tmp"
  emit "$k" "$(train_seconds "$k")" "$(python3 -c "print($t1 - $t0)")" "$fd"
done
