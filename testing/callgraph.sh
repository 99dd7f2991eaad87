#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The module's files call each other in one direction only: the order that
# wsheap_internal.h lists them in.  Reads the built objects with nm: file A
# depends on file B when A leaves a symbol undefined that B defines.  Any
# edge against the order (which includes every cycle) fails.
#   callgraph.sh OBJDIR [RESULTS.json]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
objdir=$1
json=${2:-}

python3 - "$top/wsheap_internal.h" "$objdir" "$json" <<'PY'
import json, os, re, subprocess, sys

header, objdir, out = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(header).read()
block = text[text.index("Files, one concern each"):text.index("Lifetime.")]
order = re.findall(r"\*\s+(wsheap_\w+)\.c\b", block)
rank = {name: i for i, name in enumerate(order)}

defined, undefined = {}, {}
for name in order:
    obj = os.path.join(objdir, name + ".o")
    syms = subprocess.run(["nm", obj], capture_output=True, text=True,
                          check=True).stdout.split("\n")
    undefined[name] = {l.split()[-1] for l in syms if l.split()[:1] == ["U"]}
    for l in syms:
        f = l.split()
        if len(f) == 3 and f[1] in "TDBR":
            defined[f[2]] = name

built = {f[:-2] for f in os.listdir(objdir)
         if f.startswith("wsheap_") and f.endswith(".o") and
         f != "wsheap.o" and not f.endswith(".mod.o")}
problems = [f"{f}.c is built but not in wsheap_internal.h's list"
            for f in sorted(built - set(order))]
edges = set()
for a in order:
    for sym in undefined[a]:
        b = defined.get(sym)
        if b and b != a:
            edges.add((a, b, sym))
for a, b, sym in sorted(edges):
    if rank[b] < rank[a]:
        problems.append(f"{a}.c calls up into {b}.c ({sym})")
deps = sorted({(a, b) for a, b, _ in edges}, key=lambda e: (rank[e[0]], rank[e[1]]))
print("callgraph: " + ", ".join(f"{a[7:]}->{b[7:]}" for a, b in deps))
for p in problems:
    print("callgraph: " + p)
status = "fail" if problems else "pass"
print(f"callgraph: {status}: {len(order)} files, {len(deps)} dependencies, "
      f"{len(problems)} against the order")
if out:
    json.dump({"label": "structure",
               "counts": {"pass": int(not problems), "fail": int(bool(problems)),
                          "skip": 0},
               "cases": [["kernel files call down the documented order", status]]},
              open(out, "w"), indent=1)
sys.exit(1 if problems else 0)
PY
