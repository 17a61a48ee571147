#!/usr/bin/env python3
"""Checks that every #include "pfgm/<layer>/..." in src/ and include/ points to the file's own layer
or one below it. The order (README, Architecture) is:

    core, io, distributed  <  physics, data  <  networks  <  samplers  <  training, eval  <  golden, plot

Prints each offending include and exits 1 if there is one."""
import pathlib
import re
import sys

LEVEL = {"core": 0, "io": 0, "distributed": 0, "physics": 1, "data": 1, "networks": 2, "samplers": 3,
         "training": 4, "eval": 4, "golden": 5, "plot": 5}
INCLUDE = re.compile(r'^\s*#\s*include\s+"pfgm/([a-z_]+)/')


def layer_of(path: pathlib.Path, root: pathlib.Path) -> str:
    parts = path.relative_to(root).parts
    return parts[2] if parts[0] == "include" else parts[1]  # include/pfgm/<layer>/… or src/<layer>/…


def main() -> int:
    root = pathlib.Path(__file__).resolve().parent.parent
    bad = []
    files = [p for d in ("src", "include") for p in (root / d).rglob("*") if p.suffix in (".h", ".cpp")]
    for path in sorted(files):
        own = layer_of(path, root)
        if own not in LEVEL:
            bad.append(f"{path.relative_to(root)}: folder '{own}' is not a layer of the order")
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = m.group(1)
            if target not in LEVEL:
                bad.append(f"{path.relative_to(root)}:{number}: includes unknown layer '{target}'")
            elif LEVEL[target] > LEVEL[own]:
                bad.append(f"{path.relative_to(root)}:{number}: layer '{own}' includes '{target}', a layer above it")
    for b in bad:
        print(b)
    print(f"check_layers: {len(files)} files, {len(bad)} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
