#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn the raw measurements of bench/wsheap_bench into results: medians,
ratios, the targets marked MET or MISSED, results.json, the tables (text and
markdown) and the data file of the ratio chart.

    report.py --log RESULTS.LOG --json OUT.json [--chart-data OUT.dat]
              [--table OUT.txt] [--markdown OUT.md] [--update RESULTS.md]
              [--machine TEXT] [--emulation TEXT] [--source TEXT]
              [--host-load TEXT] [--duration TEXT]
    report.py --from-json RESULTS.JSON [--markdown OUT.md] [--update RESULTS.md]

The guest program prints one JSON object a line after "@@JSON " (kinds:
info, result, value, diag, skip, done); everything computed from them is
computed here.  --update replaces the part of RESULTS.md between the
"<!-- report.py begin -->" and "<!-- report.py end -->" lines with the
markdown tables.  Exits 1 when the program did not finish (no "done").
"""
import argparse
import datetime
import json
import statistics
import sys

BEGIN = "<!-- report.py begin -->"
END = "<!-- report.py end -->"

# Workloads in the chart (ratios to wsheap), in this order.
ORDER = ["alloc16", "alloc64", "alloc256", "alloc4096", "reset100k",
         "steady", "reset_trim64m", "firsttouch64m", "grow", "ioctl",
         "share256m", "dmabuf32m", "kalloc64"]


def parse(path):
    recs = []
    with open(path, errors="replace") as f:
        for line in f:
            i = line.find("@@JSON ")
            if i < 0:
                continue
            try:
                recs.append(json.loads(line[i + 7:]))
            except json.JSONDecodeError:
                print("report.py: bad line: %s" % line.strip(),
                      file=sys.stderr)
    return recs


def median(v):
    return statistics.median(v) if v else None


def summarize(r):
    """A result record's samples -> the figures of one row."""
    n = r["n"]
    if r["unit"] == "mib_per_s":
        vals = [(n / 1048576.0) / (ns / 1e9) for ns in r["ns"] if ns > 0]
    else:
        vals = [ns / n for ns in r["ns"]]
    own = [x for x in r["ownflt"] if x >= 0]
    row = {
        "workload": r["workload"], "impl": r["impl"], "unit": r["unit"],
        "value": median(vals), "min": min(vals), "max": max(vals),
        "spread": (max(vals) - min(vals)) / 2, "runs": len(vals),
        "n": n, "samples": vals,
        "minflt_per_run": median(r["minflt"]),
        "ownflt_per_run": median(own) if own else None,
        "note": r.get("note", ""),
    }
    if "extra" in r:
        # -1: not measured in that run (e.g. no perf events in the guest)
        extra = [x for x in r["extra"] if x >= 0 or
                 r["extra_name"] != "store_faults"]
        row[r["extra_name"]] = median(extra)
        row["extra_name"] = r["extra_name"]
    return row


def collect(recs):
    info, rows, diags, skips, done = {}, [], [], [], None
    for r in recs:
        k = r.get("kind")
        if k == "info":
            if r["key"] == "seconds":
                w, _, s = r["value"].partition(" ")
                info.setdefault("seconds", {})[w] = float(s)
            else:
                info[r["key"]] = r["value"]
        elif k == "result":
            rows.append(summarize(r))
        elif k == "value":
            rows.append({"workload": r["workload"], "impl": r["impl"],
                         "unit": r["unit"], "value": r["value"],
                         "min": r["value"], "max": r["value"],
                         "spread": 0, "runs": 1, "note": r.get("note", "")})
        elif k == "diag":
            diags.append({"name": r["name"], "unit": r["unit"],
                          "value": median(r["samples"]),
                          "samples": len(r["samples"]),
                          "detail": r["detail"]})
        elif k == "skip":
            skips.append(r)
        elif k == "done":
            done = r
    return info, rows, diags, skips, done


def find(rows, wl, impl):
    return next((r for r in rows if r["workload"] == wl and
                 r["impl"] == impl), None)


def faster(a, b):
    """How many times a is faster than b (rows of the same workload)."""
    if a["unit"] == "mib_per_s":
        return a["value"] / b["value"]
    return b["value"] / a["value"]


# ---- targets -----------------------------------------------------------------

def t_faster(rows, wl, a, b, factor):
    """a at least factor times faster than b."""
    ra, rb = find(rows, wl, a), find(rows, wl, b)
    if not ra or not rb:
        return None, "not measured"
    x = faster(ra, rb)
    return x >= factor, "%s %s is %.2fx %s (%s vs %s %s; needs >= %gx)" % (
        wl, a, x, b, fmt(ra["value"]), fmt(rb["value"]), ra["unit"], factor)


def t_within(rows, wl, a, b, factor):
    """a no more than factor times slower than b."""
    ra, rb = find(rows, wl, a), find(rows, wl, b)
    if not ra or not rb:
        return None, "not measured"
    x = ra["value"] / rb["value"]
    return x <= factor, "%s %s is %.2fx %s's time (%s vs %s %s; needs <= %gx)" % (
        wl, a, x, b, fmt(ra["value"]), fmt(rb["value"]), ra["unit"], factor)


def t_fastest_but(rows, wl, a, but):
    ra = find(rows, wl, a)
    others = [r for r in rows if r["workload"] == wl and
              r["impl"] not in (a,) + tuple(but)]
    if not ra or not others:
        return None, "not measured"
    best = min(others, key=lambda r: r["value"])
    return ra["value"] <= best["value"], \
        "%s %s %s ns; fastest other%s: %s %s ns (time ratio %s/%s %.2f)" % (
            wl, a, fmt(ra["value"]), " but " + ", ".join(but) if but else "",
            best["impl"], fmt(best["value"]), a, best["impl"],
            ra["value"] / best["value"])


def t_max(rows, wl, impl, limit, what="value"):
    r = find(rows, wl, impl)
    if not r or r.get(what) is None:
        return None, "not measured"
    return r[what] <= limit, "%s %s %s = %s (needs <= %s)" % (
        wl, impl, what if what != "value" else r["unit"], fmt(r[what]),
        fmt(limit))


TARGETS = [
    # issue 12
    ("12", "alloc64: wsheap within 1.15x of bump",
     lambda R: t_within(R, "alloc64", "wsheap", "bump", 1.15)),
    ("12", "alloc64: wsheap no slower than memfd",
     lambda R: t_faster(R, "alloc64", "wsheap", "memfd", 1)),
    ("12", "steady: wsheap fastest of all but bump",
     lambda R: t_fastest_but(R, "steady", "wsheap", ["bump"])),
    ("12", "steady: wsheap within 1.5x of bump",
     lambda R: t_within(R, "steady", "wsheap", "bump", 1.5)),
    ("12", "reset_trim64m: wsheap >= 2x memfd",
     lambda R: t_faster(R, "reset_trim64m", "wsheap", "memfd", 2)),
    ("12", "firsttouch64m: POPULATE stores take no fault",
     lambda R: t_max(R, "firsttouch64m", "wsheap_populate", 0,
                     "store_faults")),
    ("12", "firsttouch64m: POPULATE >= 2x anon 4 KiB",
     lambda R: t_faster(R, "firsttouch64m", "wsheap_populate", "anon_4k", 2)),
    ("12", "firsttouch64m: lazy wsheap no slower than memfd",
     lambda R: t_faster(R, "firsttouch64m", "wsheap", "memfd", 1)),
    ("12", "kalloc64: wsheap >= 4x kmalloc",
     lambda R: t_faster(R, "kalloc64", "wsheap", "kmalloc", 4)),
    ("12", "share256m: wsheap >= 4x socketpair",
     lambda R: t_faster(R, "share256m", "wsheap", "socketpair", 4)),
    # the earlier targets that still stand
    ("earlier", "alloc64: wsheap >= 10x malloc",
     lambda R: t_faster(R, "alloc64", "wsheap", "malloc", 10)),
    ("earlier", "alloc64: wsheap >= 2x mimalloc",
     lambda R: t_faster(R, "alloc64", "wsheap", "mimalloc", 2)),
    ("earlier", "alloc64: wsheap >= obstack",
     lambda R: t_faster(R, "alloc64", "wsheap", "obstack", 1)),
    ("earlier", "alloc64: WsAlloc >= 3x malloc",
     lambda R: t_faster(R, "alloc64", "WsAlloc", "malloc", 3)),
    ("earlier", "reset100k: wsheap >= 100x malloc",
     lambda R: t_faster(R, "reset100k", "wsheap", "malloc", 100)),
    ("earlier", "reset100k: wsheap >= mimalloc",
     lambda R: t_faster(R, "reset100k", "wsheap", "mimalloc", 1)),
    ("earlier", "reset100k: wsheap >= apr",
     lambda R: t_faster(R, "reset100k", "wsheap", "apr", 1)),
    ("earlier", "reset100k: wsheap >= talloc",
     lambda R: t_faster(R, "reset100k", "wsheap", "talloc", 1)),
    ("earlier", "syscalls1m: wsheap <= 40",
     lambda R: t_max(R, "syscalls1m", "wsheap", 40)),
    ("earlier", "syscalls1m: WsAlloc <= 40",
     lambda R: t_max(R, "syscalls1m", "WsAlloc", 40)),
    ("earlier", "resident_after_reset <= trim + 4096",
     lambda R: t_max(R, "resident_after_reset", "wsheap", 1048576 + 4096)),
]


def evaluate(rows):
    out = []
    for issue, name, fn in TARGETS:
        ok, detail = fn(rows)
        out.append({"issue": issue, "target": name,
                    "status": "UNKNOWN" if ok is None else
                    "MET" if ok else "MISSED", "detail": detail})
    return out


# ---- output ------------------------------------------------------------------

def fmt(v):
    if v is None:
        return "-"
    if v == 0:
        return "0"
    if abs(v) >= 1e6:
        return "%.4g" % v
    if abs(v) >= 1000:
        return "%.0f" % v
    if abs(v) >= 100:
        return "%.1f" % v
    if abs(v) >= 0.01:
        return "%.2f" % v
    return "%.3g" % v


def vs_wsheap(rows, r):
    base = find(rows, r["workload"], "wsheap")
    if not base or r["unit"] not in ("ns_per_op", "mib_per_s") or \
            not base["value"] or not r["value"]:
        return None
    return faster(base, r)


def chart_rows(rows):
    out = []
    for wl in ORDER:
        for r in rows:
            if r["workload"] != wl or r["impl"] == "wsheap":
                continue
            x = vs_wsheap(rows, r)
            if x is not None:
                out.append((wl, r["impl"], x))
    return out


def extra_cell(r):
    """faults/run, and the row's own figure where it has one."""
    cells = []
    if r.get("minflt_per_run") is not None:
        cells.append("%.0f" % r["minflt_per_run"])
    if r.get("extra_name") == "store_faults" and \
            r.get("store_faults") is not None:
        cells.append("stores %.0f" % r["store_faults"])
    if r.get("extra_name") == "kept_bytes" and r.get("kept_bytes") is not None:
        cells.append("kept %.2f MiB" % (r["kept_bytes"] / 1048576.0))
    return ", ".join(cells) if cells else "-"


def write_markdown(f, doc):
    rows = doc["results"]
    f.write("Run of %s: %s; guest kernel %s.  `make bench` took %s.\n\n" % (
        doc["date"], doc["source"], doc["kernel"], doc.get("duration", "?")))
    f.write("- machine: %s\n" % doc["machine"])
    f.write("- emulation: %s\n" % doc["emulation"])
    f.write("- guest: %s, %s MiB, THP %s, shmem THP %s, spectre_v2 %s, "
            "meltdown %s\n" % (
                doc["guest"].get("cpu", "?"),
                doc["guest"].get("memory_mib", "?"),
                doc["guest"].get("thp", "?"),
                doc["guest"].get("shmem_thp", "?"),
                doc["guest"].get("spectre_v2", "?"),
                doc["guest"].get("meltdown", "?")))
    f.write("- peers: %s\n" % doc["guest"].get("versions", "?"))
    f.write("- host: %s\n" % doc["host_load"])
    f.write("- fault counters: %s\n\n" % doc["guest"].get("fault_counters",
                                                         "?"))
    f.write("### Targets\n\n| issue | target | status | detail |\n"
            "|---|---|---|---|\n")
    for t in doc["targets"]:
        f.write("| %s | %s | **%s** | %s |\n" % (t["issue"], t["target"],
                                                 t["status"], t["detail"]))
    for issue in dict.fromkeys(t["issue"] for t in doc["targets"]):
        ts = [t for t in doc["targets"] if t["issue"] == issue]
        f.write("\n**%s targets: %d of %d met in this run.**\n" % (
            "Issue " + issue if issue.isdigit() else issue.capitalize(),
            sum(t["status"] == "MET" for t in ts), len(ts)))
    f.write("\n")
    f.write("### Results\n\n\"vs wsheap\" is how many times faster wsheap "
            "is (above 1, wsheap wins).  \"faults/run\": the process's page "
            "faults per measured run (getrusage minflt + majflt, median); "
            "\"stores\": faults of the memset itself (perf software event, "
            "which does not count the kernel's get_user_pages faults); "
            "\"kept\": how much of the 64 MiB stayed resident after the "
            "release (RSS).\n\n")
    f.write("| workload | impl | unit | median | min | max | runs | "
            "faults/run | vs wsheap |\n|---|---|---|---:|---:|---:|---:|---|---:|\n")
    for r in rows:
        x = vs_wsheap(rows, r)
        whole = r["unit"] in ("bytes", "count")
        g = (lambda v: "%.0f" % v) if whole else fmt
        f.write("| %s | %s | %s | %s | %s | %s | %d | %s | %s |\n" % (
            r["workload"], r["impl"], r["unit"], g(r["value"]), g(r["min"]),
            g(r["max"]), r["runs"], extra_cell(r),
            "%.2fx" % x if x is not None else ""))
    if doc.get("skipped"):
        f.write("\nRows that did not run:\n\n")
        for s in doc["skipped"]:
            f.write("- `%s` / `%s`: %s\n" % (s["workload"], s["impl"],
                                             s["why"]))
    if doc.get("diagnostics"):
        f.write("\n### Diagnostics\n\nBreakdowns that explain a result "
                "(medians of per-message or per-run samples); not results.\n\n"
                "| diagnostic | median | samples | what |\n|---|---:|---:|---|\n")
        for d in doc["diagnostics"]:
            f.write("| %s | %s %s | %d | %s |\n" % (
                d["name"], fmt(d["value"]), d["unit"], d["samples"],
                d["detail"]))
    secs = doc["guest"].get("seconds")
    if secs:
        f.write("\nGuest seconds per workload: %s; the program ran %s s.\n" % (
            ", ".join("%s %.0f" % (k, v) for k, v in secs.items()),
            doc.get("elapsed_s", "?")))


def write_text(path, doc):
    rows = doc["results"]
    with open(path, "w") as f:
        f.write("machine:   %s\nkernel:    %s\nemulation: %s\nhost:      %s\n\n" % (
            doc["machine"], doc["kernel"], doc["emulation"], doc["host_load"]))
        f.write("%-21s %-24s %-9s %11s %11s %11s %4s %-22s %9s\n" % (
            "workload", "impl", "unit", "median", "min", "max", "runs",
            "faults", "vs wsheap"))
        for r in rows:
            x = vs_wsheap(rows, r)
            f.write("%-21s %-24s %-9s %11s %11s %11s %4d %-22s %9s\n" % (
                r["workload"], r["impl"], r["unit"], fmt(r["value"]),
                fmt(r["min"]), fmt(r["max"]), r["runs"], extra_cell(r),
                "%.2fx" % x if x is not None else ""))
        f.write("\nTargets:\n")
        for t in doc["targets"]:
            f.write("  %-7s [%s] %-48s %s\n" % (t["status"], t["issue"],
                                               t["target"], t["detail"]))
        met = sum(t["status"] == "MET" for t in doc["targets"])
        f.write("%d of %d targets met\n" % (met, len(doc["targets"])))
        if doc.get("diagnostics"):
            f.write("\nDiagnostics (medians):\n")
            for d in doc["diagnostics"]:
                f.write("  %-40s %12s %-3s %s\n" % (d["name"], fmt(d["value"]),
                                                    d["unit"], d["detail"]))


def update(path, md):
    with open(path) as f:
        text = f.read()
    a, b = text.find(BEGIN), text.find(END)
    if a < 0 or b < a:
        print("report.py: no %s ... %s section in %s" % (BEGIN, END, path),
              file=sys.stderr)
        return False
    with open(path, "w") as f:
        f.write(text[:a + len(BEGIN)] + "\n" + md + text[b:])
    return True


def markdown_text(doc):
    import io
    buf = io.StringIO()
    write_markdown(buf, doc)
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--from-json", metavar="RESULTS.JSON")
    ap.add_argument("--log")
    ap.add_argument("--json")
    ap.add_argument("--chart-data")
    ap.add_argument("--table")
    ap.add_argument("--markdown")
    ap.add_argument("--update", metavar="RESULTS.MD")
    ap.add_argument("--machine", default="unknown")
    ap.add_argument("--emulation", default="unknown")
    ap.add_argument("--source", default="unknown")
    ap.add_argument("--host-load", default="unknown")
    ap.add_argument("--duration", default="?")
    a = ap.parse_args()

    if a.from_json:
        with open(a.from_json) as f:
            doc = json.load(f)
    else:
        if not a.log or not a.json:
            ap.error("--log and --json are required")
        info, rows, diags, skips, done = collect(parse(a.log))
        if not done:
            print("report.py: %s has no end record: the benchmark did not "
                  "finish" % a.log, file=sys.stderr)
            return 1
        doc = {
            "machine": a.machine,
            "kernel": info.get("kernel", "?"),
            "emulation": a.emulation,
            "source": a.source,
            "host_load": a.host_load,
            "duration": a.duration,
            "elapsed_s": done.get("elapsed_s"),
            "guest": {k: v for k, v in info.items() if k != "kernel"},
            "date": datetime.datetime.now(datetime.timezone.utc)
                    .strftime("%Y-%m-%d %H:%M UTC"),
            "method": "value is the median of the measured runs, spread "
                      "half their range; every ratio is within this run",
            "results": rows,
            "targets": evaluate(rows),
            "diagnostics": diags,
            "skipped": skips,
        }
        with open(a.json, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    if a.chart_data:
        with open(a.chart_data, "w") as f:
            f.write("# x workload impl ratio group\n")
            x, group, last = 0, -1, None
            for wl, impl, r in chart_rows(doc["results"]):
                if wl != last:
                    group += 1
                    x += 1 if last else 0
                    last = wl
                x += 1
                f.write('%d "%s" "%s" %.6g %d\n' % (x, wl, impl, r, group))
    if a.table:
        write_text(a.table, doc)
    md = markdown_text(doc)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(md)
    if a.update and not update(a.update, md):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
