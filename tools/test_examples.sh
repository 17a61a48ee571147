#!/usr/bin/env bash
# Installs the built pfgm into a temporary prefix, builds examples/ against that package the way
# another project would (find_package(pfgm)) and runs both programs on tiny data:
#   bash tools/test_examples.sh PFGM_BINARY BUILD_DIR
# PFGM_BINARY is the built `pfgm` program (it trains the image snapshot sample_snapshot reads),
# BUILD_DIR the configured and built pfgm build folder. Prints "examples: ok"; any failure prints
# what failed (with the end of its log) and exits non-zero. CMAKE, PFGM_JOBS override the cmake
# program and the build's parallelism.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: bash tools/test_examples.sh PFGM_BINARY BUILD_DIR" >&2
  exit 2
fi
PFGM=$1
BUILD=$2
SRC=$(cd "$(dirname "$0")/.." && pwd)
CMAKE=${CMAKE:-cmake}
JOBS=${PFGM_JOBS:-2}

fail() {
  echo "examples: FAILED: $*" >&2
  exit 1
}
[ -x "$PFGM" ] || fail "$PFGM is not an executable (the built pfgm program)"
[ -f "$BUILD/cmake_install.cmake" ] || fail "$BUILD is not a configured build folder (no cmake_install.cmake)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pfgm-examples.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# step NAME COMMAND...: runs COMMAND with its output in $tmp/NAME.log, shown when it fails.
step() {
  local name=$1
  shift
  echo "[examples] $name" >&2
  if ! "$@" > "$tmp/$name.log" 2>&1; then
    tail -n 40 "$tmp/$name.log" >&2
    fail "$name: $*"
  fi
}

# 1. The package: headers, libpfgm.a and the CMake files.
step install "$CMAKE" --install "$BUILD" --prefix "$tmp/prefix"
for f in include/pfgm/samplers/sampler.h lib*/libpfgm.a lib*/cmake/pfgm/pfgmConfig.cmake \
         lib*/cmake/pfgm/pfgmConfigVersion.cmake lib*/cmake/pfgm/pfgmTargets.cmake; do
  compgen -G "$tmp/prefix/$f" > /dev/null || fail "install: no $f under the prefix"
done

# 2. examples/ against it, with the compiler pfgm was built with. ccache sees paths under $tmp
#    relative to the build folder, so a new temporary folder still hits the cache.
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt" 2> /dev/null || true)
step configure "$CMAKE" -S "$SRC/examples" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
  -DCMAKE_BUILD_TYPE=Release ${cxx:+-DCMAKE_CXX_COMPILER="$cxx"}
step build env CCACHE_BASEDIR="$tmp" \
  CCACHE_SLOPPINESS=time_macros,include_file_mtime,include_file_ctime \
  "$CMAKE" --build "$tmp/build" -j "$JOBS"

# 3. A tiny image run with the real CLI on 8 Fashion-MNIST-style 28x28 images (gzip idx files).
python3 - "$tmp/idx" <<'EOF'
import gzip, os, struct, sys
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
n, h, w = 8, 28, 28
pixels = bytes((i * 37 + y * 5 + x * 3) % 256 for i in range(n) for y in range(h) for x in range(w))
with gzip.open(os.path.join(d, "train-images-idx3-ubyte.gz"), "wb") as f:
    f.write(struct.pack(">IIII", 0x00000803, n, h, w) + pixels)  # uint8, 3 dimensions
with gzip.open(os.path.join(d, "train-labels-idx1-ubyte.gz"), "wb") as f:
    f.write(struct.pack(">II", 0x00000801, n) + bytes(i % 10 for i in range(n)))  # uint8, 1 dimension
EOF
step train "$PFGM" train --data "$tmp/idx" --outdir "$tmp/run" --nosubdir --cbase 8 --cres 1,2 --nblock 1 \
  --duration 0.000008 --batch 4 --grid 1 --steps 2 --device cpu --fd 0 --threads 1
snapshot=$tmp/run/network-snapshot-000000.safetensors
[ -f "$snapshot" ] || fail "train: no $snapshot (run directory: $(ls "$tmp/run" | tr '\n' ' '))"

# 4. sample_snapshot: two PNG files.
step sample_snapshot "$tmp/build/sample_snapshot" "$snapshot" "$tmp/png" 2 2
count=$(find "$tmp/png" -name '*.png' | wc -l)
[ "$count" -eq 2 ] || fail "sample_snapshot wrote $count PNG files, expected 2"
for f in "$tmp"/png/*.png; do
  sig=$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')
  [ "$sig" = 89504e470d0a1a0a ] || fail "$f does not start with the PNG signature (got $sig)"
done

# 5. train_points: 600 points of a noisy ring (radius 1.5), 50 steps, 1000 samples.
python3 - "$tmp/points.csv" <<'EOF'
import math, random, sys
rng = random.Random(0)
with open(sys.argv[1], "w") as f:
    for _ in range(600):
        a, r = rng.uniform(0, 2 * math.pi), 1.5 + rng.gauss(0, 0.05)
        f.write(f"{r * math.cos(a):.6f},{r * math.sin(a):.6f}\n")
EOF
step train_points "$tmp/build/train_points" "$tmp/points.csv" "$tmp/pts" 50
[ -f "$tmp/pts/samples.csv" ] || fail "train_points wrote no $tmp/pts/samples.csv"
rows=$(grep -cv '^[[:space:]]*\(#\|$\)' "$tmp/pts/samples.csv" || true)
[ "$rows" -eq 1000 ] || fail "samples.csv has $rows data rows, expected 1000"
compgen -G "$tmp/pts/network-snapshot-*.safetensors" > /dev/null || fail "train_points wrote no network snapshot"

echo "examples: ok"
