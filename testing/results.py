#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn one guest boot's logs into test results, and add up several boots.

  results.py boot LABEL OUTDIR [--kunit-py PATH]   -> OUTDIR/results.json
  results.py kunit LABEL OUTDIR JSON TESTLOG RC    -> OUTDIR/results.json
  results.py total JSON...                          -> the closing line

A boot's cases are: every KUnit case (KTAP, parsed by the kernel's own
kunit.py), every case of every user-space TAP program, each framed step
(insmod, rmmod, demos, kmemleak; OUTDIR/host.log may hold framed steps the
host ran for that kernel), and one "kernel log is clean" check
that fails on any BUG, WARNING, Oops, KASAN, lockdep or kmemleak report.
A kunit.py run (make kunit) has the cases of its JSON and the same check
on its kernel's log.
"""
import json
import re
import subprocess
import sys
import tempfile

SPLAT = re.compile(
    r"(BUG: |WARNING: |Oops|general protection fault|kernel BUG at|"
    r"KASAN: |UBSAN: |KFENCE: |Call Trace:|"
    r"possible circular locking dependency|possible recursive locking|"
    r"inconsistent lock state|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|"
    r"unreferenced object|list_add corruption|list_del corruption|"
    r"refcount_t: |sleeping function called from invalid context|"
    r"blocked for more than|Kernel panic)")

TAP_RESULT = re.compile(r"^(not ok|ok) (\d+)( - | )?([^#]*)(#\s*(\w+).*)?$")
TAP_PLAN = re.compile(r"^1\.\.(\d+)")


def sections(text):
    """Yield (name, rc, lines) for each ### BEGIN/END frame."""
    name, lines = None, []
    for line in text.splitlines():
        if line.startswith("### BEGIN "):
            name, lines = line[len("### BEGIN "):].strip(), []
        elif line.startswith("### END ") and name is not None:
            m = re.search(r"rc=(\d+)", line)
            yield name, int(m.group(1)) if m else 1, lines
            name = None
        elif name is not None:
            lines.append(line)
    if name is not None:
        yield name, None, lines       # the guest died inside this step


def tap_cases(prog, rc, lines):
    """Top-level TAP results of one program (kselftest harness output)."""
    cases, plan = [], None
    for line in lines:
        m = TAP_PLAN.match(line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = TAP_RESULT.match(line)
        if not m:
            continue
        directive = (m.group(6) or "").upper()
        status = "skip" if directive == "SKIP" else (
            "pass" if m.group(1) == "ok" else "fail")
        cases.append((f"{prog}: {m.group(4).strip()}", status))
    # A failing case names the first violation its program reported, so a
    # CI log that shows only the summary still says what went wrong.
    detail = next((ln.strip() for ln in lines
                   if ln.startswith(("# first violation", "# VIOLATION"))),
                  None)
    if detail:
        cases = [(f"{n} [{detail[:300]}]" if s == "fail" else n, s)
                 for n, s in cases]
    if plan is not None and len(cases) < plan:
        cases.append((f"{prog}: {plan - len(cases)} case(s) never reported",
                      "fail"))
    if rc != 0 and not any(s == "fail" for _, s in cases):
        cases.append((f"{prog}: exit status {rc}", "fail"))
    if not cases:
        cases.append((f"{prog}: produced no TAP", "fail"))
    return cases


def ktap_cases(lines, kunit_py):
    """KUnit cases via kunit.py parse; returns [(name, status)]."""
    text = "\n".join(lines) + "\n"
    with tempfile.NamedTemporaryFile("w", suffix=".ktap") as raw, \
            tempfile.NamedTemporaryFile("r", suffix=".json") as js:
        raw.write(text)
        raw.flush()
        proc = subprocess.run(
            [sys.executable, kunit_py, "parse", f"--json={js.name}", raw.name],
            capture_output=True, text=True)
        sys.stdout.write(proc.stdout)
        try:
            tree = json.load(open(js.name))
        except (ValueError, OSError):
            return [("kunit: kunit.py parse failed", "fail")]
    return kunit_json_cases(tree)


def kunit_json_cases(tree):
    """The cases of kunit.py's JSON (KernelCI style); [(name, status)]."""
    cases = []

    def walk(group, path):
        for case in group.get("test_cases", []):
            status = case.get("status", "FAIL").upper()
            cases.append((f"kunit: {path}.{case['name']}",
                          "pass" if status == "PASS" else
                          "skip" if status == "SKIP" else "fail"))
        for sub in group.get("sub_groups", []):
            walk(sub, sub.get("name", "?"))

    walk(tree, tree.get("name", "kunit"))
    if not cases:
        cases.append(("kunit: no KUnit case ran", "fail"))
    return cases


def log_clean(label, console):
    """The one "kernel log is clean" case for a kernel's console output."""
    splats = [l for l in console.splitlines() if SPLAT.search(l)]
    if splats:
        print(f"--- {label}: kernel log reports ---")
        print("\n".join(splats[:40]))
    return ("kernel log has no BUG/WARNING/KASAN/lockdep/leak report",
            "fail" if splats else "pass")


def report(label, outdir, cases):
    """Print what did not pass and the counts; write OUTDIR/results.json."""
    for name, status in cases:
        if status != "pass":
            print(f"{label}: {status.upper()}: {name}")
    counts = {s: sum(1 for _, st in cases if st == s)
              for s in ("pass", "fail", "skip")}
    print(f"{label}: {counts['pass']} passed, {counts['fail']} failed, "
          f"{counts['skip']} skipped")
    json.dump({"label": label, "counts": counts, "cases": cases},
              open(f"{outdir}/results.json", "w"), indent=1)


def step_seconds(text):
    """(seconds, name) of each step whose END line says how long it took."""
    found = re.findall(r"^### END (\S+) rc=\d+ s=(\d+)", text, re.M)
    return sorted(((int(s), n) for n, s in found), reverse=True)


def boot(label, outdir, kunit_py):
    results = open(f"{outdir}/results.log", errors="replace").read()
    # Steps the host ran for this kernel (building against an install).
    try:
        results = open(f"{outdir}/host.log", errors="replace").read() + results
    except OSError:
        pass
    console = open(f"{outdir}/console.log", errors="replace").read()
    with open(f"{outdir}/steps.txt", "w") as f:
        for seconds, name in step_seconds(results):
            f.write(f"{seconds:6d} s  {name}\n")
    cases = []
    for name, rc, lines in sections(results):
        if rc is None:
            cases.append((f"{name}: guest died during this step", "fail"))
        elif name.startswith("tap:"):
            cases += tap_cases(name[4:], rc, lines)
        elif name == "ktap":
            if kunit_py:
                cases += ktap_cases(lines, kunit_py)
            else:
                cases.append(("kunit: no kunit.py to parse with", "fail"))
        else:
            cases.append((name, "pass" if rc == 0 else "fail"))
            if rc != 0:
                print("\n".join(lines[-30:]))
    if "### GUEST-DONE" not in results:
        cases.append(("guest finished its plan", "fail"))

    cases.append(log_clean(label, console))
    report(label, outdir, cases)


def kunit_run(label, outdir, json_path, log_path, rc):
    """One kunit.py run: its cases (its JSON) and its kernel's log."""
    try:
        cases = kunit_json_cases(json.load(open(json_path)))
    except (OSError, ValueError):
        cases = [(f"kunit.py run: no results (exit {rc}; build or boot "
                  "failed, see its output)", "fail")]
    try:
        cases.append(log_clean(label, open(log_path, errors="replace").read()))
    except OSError:
        pass
    if rc != 0 and not any(s == "fail" for _, s in cases):
        cases.append((f"kunit.py run: exit status {rc}", "fail"))
    report(label, outdir, cases)


def total(paths):
    passed = failed = skipped = 0
    for path in paths:
        try:
            c = json.load(open(path))["counts"]
        except (OSError, ValueError, KeyError):
            print(f"missing results: {path}")
            failed += 1
            continue
        passed, failed, skipped = (passed + c["pass"], failed + c["fail"],
                                   skipped + c["skip"])
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)
    return 1 if failed or not passed else 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "boot":
        kunit_py = None
        if "--kunit-py" in argv:
            kunit_py = argv[argv.index("--kunit-py") + 1]
        boot(argv[1], argv[2], kunit_py)
        return 0
    if len(argv) == 6 and argv[0] == "kunit":
        kunit_run(argv[1], argv[2], argv[3], argv[4], int(argv[5]))
        return 0
    if argv and argv[0] == "total":
        return total(argv[1:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
