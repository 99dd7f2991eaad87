#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make fuzz`: the long reliability run, on the debug kernel (KASAN,
# KFENCE, lockdep, DEBUG_VM, kmemleak, fault injection) in QEMU: the ABI
# fuzzer for at least 10^6 operations (the attack classes of issue 10
# among them), the stress test for 60 s, fault injection (fail-nth sweeps,
# failslab/fail_page_alloc, the fuzzer under injection), the permission
# and leak tests, the fuzzer's regression cases (after every fuzz run),
# 100 load/unload cycles, then unload and kmemleak.  The programs are those
# of userspace/tests/stress, run with WSHEAP_BUDGET=long.  Ends with the
# line "N passed, N failed".
#
# WSHEAP_FUZZ_OUT: where the logs go (build/fuzz); WSHEAP_FUZZ_SEED: the
# fuzzer's seed (random otherwise; printed either way).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$top"
fresh_out "${WSHEAP_FUZZ_OUT:-$top/build/fuzz}"

eval "$("$here/deps.sh")" || fail_setup "dependencies"
eval "$("$here/debug-kernel.sh")" || fail_setup "debug kernel"
log "debug kernel at $DEBUG_KDIR"

"$here/build-user.sh" >"$out/userspace-build.log" 2>&1 ||
	{ tail -n 40 "$out/userspace-build.log"; fail_setup "user-space build"; }
mapfile -t tests < <(ls userspace/tests/stress/*_test 2>/dev/null)
[ ${#tests[@]} -gt 0 ] || fail_setup "no programs in userspace/tests/stress"
log "${#tests[@]} reliability programs"
specs=()
for t in "${tests[@]}"; do
	specs+=("$t:/tests/$(basename "$t")")
done

label=debug-6.12
dir="$out/$label"
mkdir -p "$dir"
log "$label: building the module"
"$here/build.sh" "$DEBUG_KDIR" "$dir/mod" >"$dir/build.log" 2>&1 ||
	{ tail -n 40 "$dir/build.log"; fail_setup "module build"; }
mods=("$dir/mod/wsheap.ko:/modules/wsheap.ko")
[ -e "$dir/mod/samples/wsheap_sample.ko" ] &&
	mods+=("$dir/mod/samples/wsheap_sample.ko:/modules/wsheap_sample.ko")
# The plan reads its knobs from /fuzz.env.
env_file="$out/fuzz.env"
{
	echo "WSHEAP_BUDGET=long"
	echo "FUZZ_SEED=${WSHEAP_FUZZ_SEED:-}"
} >"$env_file"
"$here/initramfs.sh" "$dir/initrd.gz" "$here/guest/plan-fuzz.sh" \
	"${mods[@]}" "${specs[@]}" "$env_file:/fuzz.env"
log "$label: booting in QEMU (an hour or two)"
t0=$(date +%s)
"$here/boot.sh" "$DEBUG_BZIMAGE" "$dir/initrd.gz" "$dir" 10800 ||
	log "$label: QEMU exited with $?"
log "$label: guest ran $(( $(date +%s) - t0 )) s"
python3 "$here/results.py" boot "$label" "$dir"
# The numbers worth keeping: seeds, operation counts, durations.
grep -E '^# (wsheap_fuzz|wsheap_stress|[0-9]+ operations|seed=|proc [0-9]|probability|records verified|expected SIGBUS|attacks|flags [0-9]+, vmsplice|NOTE|first violation)|^(not )?ok [0-9]+ (victims|stress|fuzz|everything|a pipe)|^[0-9]+ load/unload' \
	"$dir/results.log" >"$out/numbers.txt" 2>/dev/null
# how long each step took (the guest's steps.txt, slowest first)
[ -r "$dir/steps.txt" ] && cat "$dir/steps.txt" >>"$out/numbers.txt"
cat "$out/numbers.txt"

log "make fuzz took $(( $(date +%s) - start )) s; logs in $out"
python3 "$here/results.py" total "$dir/results.json" >"$out/summary.txt"
rc=$?
cat "$out/summary.txt"
exit $rc
