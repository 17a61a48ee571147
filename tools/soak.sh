#!/usr/bin/env bash
# Crash/resume soak: trains a small model straight through (the reference), then trains it again
# while SIGKILLing the process at random moments KILLS times, resuming each time with
# `--resume RUN_DIR` (the newest training state that loads). After every kill each file in the run
# directory must load (`pfgm info --verify`), except a temporary file of the killed write
# ("*.tmp-<pid>", removed by the next resume); at the end the final snapshot and training state
# must be byte-identical to the reference's. Runs on the CPU.
# Usage: bash tools/soak.sh [KILLS=20] [toy|image|both=both] [WORKDIR=a new temporary folder]
set -euo pipefail
kills=${1:-20}
kind=${2:-both}
work=${3:-$(mktemp -d /tmp/pfgm-soak.XXXXXX)}
pfgm=${PFGM:-$(cd "$(dirname "$0")/.." && pwd)/build/pfgm}
mkdir -p "$work"
RANDOM=${SOAK_SEED:-$$}

toy_args() { echo "toy train --data heart --n_train 2000 --iters 1200 --batch 64 --hidden 32 --blocks 1 --dump 1 \
  --keep 3 --no-plots --repeats 1 --num 256 --device cpu --threads 1 --outdir $1"; }
image_args() { echo "train --data fashion-mnist --nosubdir --cbase 8 --cres 1,2 --nblock 1 --batch 8 --duration 0.0016 \
  --tick 0.008 --snap 2 --dump 1 --keep 2 --grid 1 --steps 2 --fd 0 --device cpu --threads 1 --outdir $1"; }

fail() { echo "soak: FAILED: $*" >&2; exit 1; }

# Every file of the run directory loads, temporary files of killed writes aside.
check_dir() {
  local files=()
  for f in "$1"/*.safetensors; do [ -e "$f" ] && files+=("$f"); done
  [ ${#files[@]} -eq 0 ] || "$pfgm" info --verify "${files[@]}" > /dev/null 2> "$work/verify.err" \
    || fail "a file in $1 does not load: $(cat "$work/verify.err")"
}

soak() {  # name, args-function
  local name=$1 args=$2 ref=$work/$1-reference run=$work/$1-soak
  rm -rf "$ref" "$run"
  local t0=$SECONDS
  # shellcheck disable=SC2046
  "$pfgm" $($args "$ref") > "$work/$name-reference.log" 2>&1 || fail "$name reference run: $(tail -1 "$work/$name-reference.log")"
  local span=$(( (SECONDS - t0) * 1000 )) killed=0 resumes=0 temporaries=0
  [ $span -ge 2000 ] || span=2000
  echo "$name: reference run took $((span / 1000)) s; killing $kills times"
  while [ $killed -lt "$kills" ]; do
    local resume=()
    if ls "$run"/training-state-*.safetensors > /dev/null 2>&1; then resume=(--resume "$run"); resumes=$((resumes + 1)); fi
    # shellcheck disable=SC2046
    "$pfgm" $($args "$run") "${resume[@]}" > "$work/$name-soak.log" 2>&1 &
    local pid=$!
    # A moment between 0.3 s and the reference's duration (the run restarts each time, so it may finish first).
    local ms=$(( 300 + ((RANDOM << 15) | RANDOM) % span ))
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    if kill -0 $pid 2> /dev/null; then
      kill -KILL $pid; wait $pid 2> /dev/null || true
      killed=$((killed + 1))
      if [ -d "$run" ]; then  # (a kill before the run directory was made leaves none)
        temporaries=$((temporaries + $(find "$run" -maxdepth 1 -name '*.tmp-*' | wc -l)))
        check_dir "$run"
      fi
    else
      wait $pid || fail "$name run failed: $(tail -1 "$work/$name-soak.log")"
      rm -rf "$run"  # it finished before the kill: start over, the kill count unchanged
    fi
  done
  # shellcheck disable=SC2046
  "$pfgm" $($args "$run") --resume "$run" > "$work/$name-soak.log" 2>&1 || fail "$name final resume: $(tail -1 "$work/$name-soak.log")"
  check_dir "$run"
  [ -z "$(find "$run" -maxdepth 1 -name '*.tmp-*')" ] || fail "temporary files left after the final resume"
  local snap state
  snap=$(cd "$ref" && ls network-snapshot-*.safetensors | tail -1)
  state=$(cd "$ref" && ls training-state-*.safetensors | tail -1)
  cmp -s "$ref/$snap" "$run/$snap" || fail "$name: $snap differs from the uninterrupted run"
  # The statistics log holds each tick once, every line complete, as the reference's.
  [ "$(wc -l < "$run/stats.jsonl")" = "$(wc -l < "$ref/stats.jsonl")" ] || fail "$name: stats.jsonl has \
$(wc -l < "$run/stats.jsonl") lines, the uninterrupted run $(wc -l < "$ref/stats.jsonl")"
  ! grep -qv '^{.*}$' "$run/stats.jsonl" || fail "$name: stats.jsonl has an incomplete line"
  cmp -s "$ref/$state" "$run/$state" || fail "$name: $state differs from the uninterrupted run"
  echo "$name: $killed kills, $resumes resumes, $temporaries temporary files seen after kills; $snap and $state byte-identical"
}

case "$kind" in
  toy) soak toy toy_args ;;
  image) soak image image_args ;;
  both) soak toy toy_args; soak image image_args ;;
  *) fail "kind '$kind', expected toy, image or both" ;;
esac
[ -n "${3:-}" ] || rm -rf "$work"
