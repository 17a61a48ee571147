#!/usr/bin/env bash
# The build's compiler launcher (CMakeLists.txt): ccache with CCACHE_BASEDIR at the source folder,
# so that ccache hashes the paths under it relative to the build folder and every clone shares one
# cache. ccache leaves the paths behind -Xclang alone (clang's precompiled header, as CMake passes
# it), so this makes those relative here: then the header compiles to the same bytes in every clone.
# Usage: ccache_launcher.sh SOURCE_DIR CCACHE COMPILER ARGS...
set -euo pipefail
base=$1 ccache=$2
shift 2
args=()
after_xclang=0
for a in "$@"; do
  if [ "$after_xclang" = 1 ] && [[ "$a" == "$base"/* ]]; then a=$(realpath -m --relative-to="$PWD" "$a"); fi
  [ "$a" = "-Xclang" ] && after_xclang=1 || after_xclang=0
  args+=("$a")
done
export CCACHE_BASEDIR="$base" CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
exec "$ccache" "${args[@]}"
