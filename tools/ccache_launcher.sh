#!/usr/bin/env bash
# The build's compiler launcher (CMakeLists.txt): ccache, shared by every clone of the source.
#  - CCACHE_BASEDIR at the source folder: ccache hashes the paths under it relative to the build folder.
#  - ccache leaves the paths behind -Xclang alone (clang's precompiled header, as CMake passes it):
#    they are made relative here.
#  - A precompiled header holds the absolute path of its clone, so it differs between clones. It is
#    built without ccache, and beside it goes <header>.sum, a checksum of what it is made from (the
#    command and every file its dependency list names); ccache hashes that file instead of the header
#    (CCACHE_PCH_EXTSUM), so the files that use it hit the cache in every clone.
# Usage: ccache_launcher.sh SOURCE_DIR CCACHE COMPILER ARGS...
set -euo pipefail
base=$1 ccache=$2
shift 2
args=()
after_xclang=0 pch_out="" dep_file="" next="" out=""
for a in "$@"; do
  if [ "$after_xclang" = 1 ] && [[ "$a" == "$base"/* ]]; then a=$(realpath -m --relative-to="$PWD" "$a"); fi
  [ "$a" = "-Xclang" ] && after_xclang=1 || after_xclang=0
  case "$next" in -o) out=$a ;; -MF) dep_file=$a ;; esac
  next=$a
  [ "$a" = "-emit-pch" ] && pch_out=yes
  [[ "$a" == *.gch ]] && pch_out=yes
  args+=("$a")
done
export CCACHE_BASEDIR="$base" CCACHE_PCH_EXTSUM=true
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
if [ -z "$pch_out" ]; then exec "$ccache" "${args[@]}"; fi
"${args[@]}"
{
  printf '%s\n' "${args[@]}" | sed "s|$base|SOURCE|g"
  [ -n "$dep_file" ] && sed -e 's/^[^:]*://' -e 's/\\$//' "$dep_file" | tr ' ' '\n' | grep -v '^$' | sort -u |
    while read -r f; do [ -f "$f" ] && sha1sum < "$f"; done
} | sha1sum > "$out.sum"
