#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn the guest output of bench/wsheap_bench into results.json, the table
and the data file of the ratio chart.

    report.py --log RESULTS.LOG --json OUT.json --chart-data OUT.dat
              --table OUT.txt --machine TEXT --emulation TEXT
              [--source TEXT] [--markdown OUT.md]
    report.py --from-json RESULTS.JSON [--markdown OUT.md]

The guest prints "@@INFO key=value", "@@RESULT {json}", "@@TARGET {json}",
"@@DIAG {json}" and its table between @@TABLE-BEGIN and @@TABLE-END.  Exits 1 when the
program did not finish (no table).
"""
import argparse
import datetime
import json
import sys

# Workloads whose figures are speeds (ns_per_op, lower is better, or
# mib_per_s, higher is better) go into the chart as ratios to wsheap.
ORDER = ["alloc16", "alloc64", "alloc256", "alloc4096", "reset100k",
         "steady", "firsttouch64m", "ioctl", "share256m", "kalloc64"]


def parse(path):
    info, results, targets, diags, table = {}, [], [], [], []
    in_table = False
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("@@TABLE-BEGIN"):
                in_table = True
            elif line.startswith("@@TABLE-END"):
                in_table = False
            elif in_table:
                table.append(line)
            elif line.startswith("@@INFO "):
                key, _, value = line[7:].partition("=")
                info[key] = value
            elif line.startswith("@@RESULT "):
                results.append(json.loads(line[9:]))
            elif line.startswith("@@TARGET "):
                targets.append(json.loads(line[9:]))
            elif line.startswith("@@DIAG "):
                diags.append(json.loads(line[7:]))
    return info, results, targets, diags, table


def ratio(r, base):
    """How many times wsheap is faster than r (> 1: wsheap wins)."""
    if base["value"] <= 0 or r["value"] <= 0:
        return None
    if r["metric"] == "ns_per_op":
        return r["value"] / base["value"]
    if r["metric"] == "mib_per_s":
        return base["value"] / r["value"]
    return None


def chart_rows(results):
    rows = []
    for wl in ORDER:
        rs = [r for r in results if r["workload"] == wl]
        base = next((r for r in rs if r["impl"] == "wsheap"), None)
        if not base:
            continue
        for r in rs:
            if r is base:
                continue
            x = ratio(r, base)
            if x is not None:
                rows.append((wl, r["impl"], x))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--from-json", metavar="RESULTS.JSON",
                    help="only write --markdown from a results.json")
    ap.add_argument("--log")
    ap.add_argument("--json")
    ap.add_argument("--chart-data")
    ap.add_argument("--table")
    ap.add_argument("--machine")
    ap.add_argument("--emulation")
    ap.add_argument("--source", default="unknown")
    ap.add_argument("--host-load", default="unknown")
    ap.add_argument("--markdown", help="also write the tables as markdown")
    a = ap.parse_args()
    if a.from_json:
        with open(a.from_json) as f:
            write_markdown(a.markdown or "/dev/stdout", json.load(f))
        return 0
    for opt in ("log", "json", "chart_data", "table", "machine",
                "emulation"):
        if getattr(a, opt) is None:
            ap.error("--%s is required" % opt.replace("_", "-"))

    info, results, targets, diags, table = parse(a.log)
    if not table:
        print("report.py: no table in %s: the benchmark did not finish" %
              a.log, file=sys.stderr)
        return 1

    doc = {
        "machine": a.machine,
        "kernel": info.get("kernel", "?"),
        "emulation": a.emulation,
        "source": a.source,
        "host_load": a.host_load,
        "guest": {k: v for k, v in info.items()
                  if k not in ("kernel",)},
        "date": datetime.datetime.now(datetime.timezone.utc)
                .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "spread": "half the range (max - min) / 2 of the measured runs; "
                  "value is their median",
        "results": results,
        "targets": targets,
        "diagnostics": diags,
    }
    with open(a.json, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")

    rows = chart_rows(results)
    with open(a.chart_data, "w") as f:
        f.write("# x workload impl ratio group\n")
        x, group, last = 0, -1, None
        for wl, impl, r in rows:
            if wl != last:
                group += 1
                x += 1 if last else 0
                last = wl
            x += 1
            f.write('%d "%s" "%s" %.6g %d\n' % (x, wl, impl, r, group))

    with open(a.table, "w") as f:
        f.write("machine:   %s\n" % a.machine)
        f.write("kernel:    %s\n" % doc["kernel"])
        f.write("emulation: %s\n" % a.emulation)
        f.write("host:      %s\n" % a.host_load)
        f.write("guest:     %s, %s MiB, THP %s\n\n" % (
            info.get("cpu", "?"), info.get("memory_mib", "?"),
            info.get("thp", "?")))
        f.write("\n".join(table) + "\n")
    if a.markdown:
        write_markdown(a.markdown, doc)
    return 0


def fmt(v):
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


def write_markdown(path, doc):
    results = doc["results"]
    with open(path, "w") as f:
        f.write("| workload | impl | metric | median | min | max | runs |"
                " faults/run | vs wsheap |\n")
        f.write("|---|---|---|---:|---:|---:|---:|---:|---:|\n")
        for r in results:
            base = next((b for b in results if b["workload"] == r["workload"]
                         and b["impl"] == "wsheap"), None)
            x = ratio(r, base) if base else None
            flt = r.get("faults_per_run", -1)
            f_ = fmt if r["metric"] not in ("bytes", "count") else \
                (lambda v: "%.0f" % v)
            f.write("| %s | %s | %s | %s | %s | %s | %d | %s | %s |\n" % (
                r["workload"], r["impl"], r["metric"], f_(r["value"]),
                f_(r["min"]), f_(r["max"]), r["runs"],
                "%.0f" % flt if flt >= 0 else "-",
                "%.2fx" % x if x is not None else ""))
        f.write("\n| target | status | detail |\n|---|---|---|\n")
        for t in doc["targets"]:
            f.write("| %s | **%s** | %s |\n" % (t["target"], t["status"],
                                                 t["detail"]))
        if doc.get("diagnostics"):
            f.write("\n| diagnostic | value | what |\n|---|---:|---|\n")
            for d in doc["diagnostics"]:
                f.write("| %s | %s %s | %s |\n" % (d["name"], fmt(d["value"]),
                                                   d["unit"], d["detail"]))


if __name__ == "__main__":
    sys.exit(main())
