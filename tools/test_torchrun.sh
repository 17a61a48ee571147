#!/usr/bin/env bash
# torchrun starts pfgm as it starts Python scripts (--no-python): a tiny model trained over 2
# processes, then generated from over 2 processes, gives the same PNGs as one process.
# Usage: bash tools/test_torchrun.sh PFGM PYTHON
set -euo pipefail
pfgm=$1 python=$2
work=$(mktemp -d /tmp/pfgm-torchrun.XXXXXX)
trap 'rm -rf "$work"' EXIT
port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
torchrun() { "$python" -m torch.distributed.run --no-python --nproc_per_node=2 --master_port "$(port)" "$pfgm" "$@"; }
torchrun train --data fashion-mnist --nosubdir --outdir "$work/run" --cbase 8 --cres 1,2 --nblock 1 --batch 8 \
  --duration 0.000016 --grid 1 --steps 2 --fd 0 --device cpu --threads 1 > "$work/train.log" 2>&1 \
  || { tail -5 "$work/train.log"; exit 1; }
gen=(generate --network "$work/run" --seeds 0-6 --batch 2 --steps 3 --device cpu --threads 1)
"$pfgm" "${gen[@]}" --outdir "$work/one" > /dev/null
torchrun "${gen[@]}" --outdir "$work/two" > "$work/gen.log" 2>&1 || { tail -5 "$work/gen.log"; exit 1; }
for f in "$work"/one/*.png; do cmp "$f" "$work/two/$(basename "$f")"; done
echo "torchrun: training and generation over 2 processes work; $(ls "$work/one" | wc -l) PNGs identical to one process"
