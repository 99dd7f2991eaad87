#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: every test of wsheap, on Debian's stock 6.12 and 6.1 kernels
# and on a debug 6.12 kernel (KUnit, KASAN, KFENCE, lockdep, DEBUG_VM,
# kmemleak), each booted in QEMU, plus a dkms build and an install.  Ends
# with the line "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cd "$top"
. "$here/lib.sh"
start=$(date +%s)
out=${WSHEAP_CHECK_OUT:-$top/build/check}
rm -rf "$out"
mkdir -p "$out"

eval "$("$here/deps.sh")" || fail_setup "dependencies"
eval "$(KMETA=linux-headers-amd64 KVAR=STOCK61 "$here/deps.sh")" ||
	fail_setup "the 6.1 kernel"
eval "$("$here/debug-kernel.sh")" || fail_setup "debug kernel"
log "stock kernel $STOCK_KREL; debug kernel at $DEBUG_KDIR"

"$here/build-user.sh" >"$out/userspace-build.log" 2>&1 ||
	{ tail -n 40 "$out/userspace-build.log"; fail_setup "user-space build"; }
# The examples built the way a user would (pkg-config, shared library).
libdir=$("$here/build-example.sh" "$out" 2>>"$out/userspace-build.log") ||
	{ tail -n 20 "$out/userspace-build.log";
	  fail_setup "install and pkg-config build of the WWSAPI example"; }
export "${libdir?}"
mapfile -t tests < <(ls userspace/tests/*/*_test 2>/dev/null)
log "${#tests[@]} user-space test programs"
specs=("userspace/tools/wsheapctl:/bin/wsheapctl"
	"$out/ws_message_loop:/pcbuilt/ws_message_loop"
	"$out/heap_share:/pcbuilt/heap_share")
for t in "${tests[@]}"; do
	specs+=("$t:/tests/$(basename "$t")")
done

# boot_kernel LABEL KDIR KERNEL_IMAGE [kunit.py]
boot_kernel() {
	local label=$1 kdir=$2 image=$3 kunit_py=${4:-}
	local dir="$out/$label" mods=()
	mkdir -p "$dir"
	log "$label: building the module"
	if ! "$here/build.sh" "$kdir" "$dir/mod" >"$dir/build.log" 2>&1; then
		tail -n 40 "$dir/build.log"
		echo '{"counts": {"pass": 0, "fail": 1, "skip": 0}}' \
			>"$dir/results.json"
		return
	fi
	mods+=("$dir/mod/wsheap.ko:/modules/wsheap.ko")
	[ -e "$dir/mod/samples/wsheap_sample.ko" ] &&
		mods+=("$dir/mod/samples/wsheap_sample.ko:/modules/wsheap_sample.ko")
	[ -e "$dir/mod/kunit/wsheap_kunit.ko" ] &&
		mods+=("$dir/mod/kunit/wsheap_kunit.ko:/modules/wsheap_kunit.ko")
	"$here/initramfs.sh" "$dir/initrd.gz" "$here/guest/plan-check.sh" \
		"${mods[@]}" "${specs[@]}"
	log "$label: booting $(basename "$image") in QEMU"
	local t0=$(date +%s)
	"$here/boot.sh" "$image" "$dir/initrd.gz" "$dir" 2400 ||
		log "$label: QEMU exited with $?"
	log "$label: guest ran $(( $(date +%s) - t0 )) s"
	python3 "$here/results.py" boot "$label" "$dir" \
		${kunit_py:+--kunit-py "$kunit_py"}
}

log "packaging: dkms build and make install"
"$here/dkms.sh" "$STOCK_KREL" "$STOCK_KDIR" "$out/packaging"

boot_kernel "stock-$STOCK_KREL" "$STOCK_KDIR" "$STOCK_VMLINUZ"
boot_kernel "stock-$STOCK61_KREL" "$STOCK61_KDIR" "$STOCK61_VMLINUZ"
boot_kernel "debug-6.12" "$DEBUG_KDIR" "$DEBUG_BZIMAGE" \
	"$DEBUG_SRC/tools/testing/kunit/kunit.py"

log "make check took $(( $(date +%s) - start )) s; logs in $out"
python3 "$here/results.py" total "$out"/*/results.json >"$out/summary.txt"
rc=$?
cat "$out/summary.txt"
exit $rc
