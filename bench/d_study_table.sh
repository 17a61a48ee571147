#!/usr/bin/env bash
# The D study's table from bench/d_study.sh's run directory: quality report (FD, its floor, the
# confidently classified share), the sampler and its NFE, the outlier share of the robustness
# baseline, bits/dim, and the training time.
# Usage: bash bench/d_study_table.sh [OUTDIR]
set -euo pipefail
out=${1:-runs/d-study}
python3 - "$out" <<'PY'
import csv, json, os, re, sys
out = sys.argv[1]
rows = [("pfgm", "PFGM (D = 1, field target)"), ("D1", "PFGM++ D = 1"), ("D1-clip", "PFGM++ D = 1, official clip"),
        ("D1-q09", "PFGM++ D = 1, q = 0.9"), ("D4", "PFGM++ D = 4"), ("D128", "PFGM++ D = 128"),
        ("D2048", "PFGM++ D = 2048"), ("Dinf", "D = ∞ (EDM)")]
base = {}
path = os.path.join(out, "robustness", "robustness.jsonl")
if os.path.exists(path):
    for line in open(path):
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if r["sweep"] == "base":
            base[os.path.basename(os.path.dirname(r["network"]))] = r
print("| model | FD | FD floor | confident | sampler (NFE) | outliers (of %s) | bits/dim | train |" %
      (next(iter(base.values()))["count"] if base else "–"))
print("|---|---|---|---|---|---|---|---|")
for name, label in rows:
    d = os.path.join(out, name)
    if not os.path.exists(os.path.join(d, "quality.json")):
        continue
    q = json.load(open(os.path.join(d, "quality.json")))
    log = open(os.path.join(d, "log.txt")).read()
    m = re.search(r"trained [\d.]+ kimg \(\d+ steps\) in (\S+)", log)
    b = base.get(name)
    outl = "%.1f%%" % (100 * b["outlier_share"]) if b else "–"
    lk = "–"
    if os.path.exists(os.path.join(d, "likelihood.json")):
        l = json.load(open(os.path.join(d, "likelihood.json")))
        lk = "%.3f ± %.3f" % (l["bits_per_dim"], l["standard_error"])
    sampler = q["solver"] + ("" if q["solver"] == "rk45" else " %d" % q["steps"])
    print("| %s | %.2f | %.2f | %.1f%% | %s (%d) | %s | %s | %s |" % (
        label, q["fd"], q["fd_floor"], 100 * q["confident"], sampler, q["nfe"], outl, lk, m.group(1) if m else "–"))
PY

# The robustness sweeps: FD per setting (columns), one row per network, and the baseline's outliers.
python3 - "$out" <<'PY'
import json, os, sys
path = os.path.join(sys.argv[1], "robustness", "robustness.jsonl")
if not os.path.exists(path):
    sys.exit(0)
rows, cols = {}, []
for line in open(path):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    key = "base" if r["sweep"] == "base" else "%s %g" % (r["sweep"], r["value"])
    if key not in cols:
        cols.append(key)
    rows.setdefault(r["label"], {})[key] = r
order = ["base"] + sorted([c for c in cols if c != "base"], key=lambda c: (c.split()[0], float(c.split()[1])))
print()
print("| network | outliers (base) | " + " | ".join("FD " + c.replace("alpha", "α") for c in order) + " |")
print("|---|---|" + "---|" * len(order))
for label, r in rows.items():
    b = r.get("base")
    outl = "%.1f%%" % (100 * b["outlier_share"]) if b and b.get("outlier_share") is not None else "–"
    print("| %s | %s | " % (label, outl) + " | ".join("%.2f" % r[c]["fd"] if c in r else "" for c in order) + " |")
PY
