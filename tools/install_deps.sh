#!/usr/bin/env bash
# Installs everything pfgm needs on Debian 12: the Debian packages (idempotent) and PyPI's torch
# wheel (its LibTorch is what pfgm links) into a virtual environment outside the clone, reused
# when present. Prints the venv path on the last line.
set -euo pipefail

TORCH_SPEC="torch==2.11.*"
VENV="${PFGM_VENV:-$HOME/.cache/pfgm/venv}"

PACKAGES=(
  build-essential clang cmake ninja-build ccache pkg-config git
  python3 python3-venv python3-pip
  nlohmann-json3-dev libcli11-dev libfmt-dev
  libpng-dev libcairo2-dev libzip-dev libarchive-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev libboost-dev
  dataset-fashion-mnist
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[install] Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! "$VENV/bin/python" -c "import torch, sys; sys.exit(0 if torch.__version__.startswith('2.11') else 1)" 2>/dev/null; then
  echo "[install] creating $VENV with $TORCH_SPEC (several GB, once)"
  /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q "$TORCH_SPEC"
fi
echo "$VENV"
