#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: every test of wsheap, on Debian's stock 6.12 and 6.1 kernels
# (with the dma-buf importers vgem and vivid they ship) and on a debug 6.12
# kernel (KUnit, KASAN, KFENCE, lockdep, DEBUG_VM, kmemleak), each booted in
# QEMU with the template driver built against an install, plus a dkms build
# and an install.  Ends with the line "N passed, N failed".
#
# A quick run of chosen programs on chosen kernels (both optional):
#   WSHEAP_KERNELS="stock-6.12 stock-6.1 debug-6.12"   the kernels to boot
#   WSHEAP_TESTS="rights_test dmabuf_test"            user-space programs
#   e.g. WSHEAP_KERNELS=stock-6.12 WSHEAP_TESTS=rights_test make check
# With either set, the dkms/install step is left out.
#   WSHEAP_CHECK_KUNIT="x86_64 um"   make kunit's architectures (default
#   x86_64; empty: none).  With WSHEAP_TESTS set
# a guest runs only those programs between insmod and rmmod (no KUnit, no
# template driver, no fault fuzz, no reload cycles; kmemleak still where the
# kernel has it).  Neither set: everything, as above.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$top"
fresh_out "${WSHEAP_CHECK_OUT:-$top/build/check}"

kernels=${WSHEAP_KERNELS:-}
only_tests=${WSHEAP_TESTS:-}
# want_kernel NAME: is NAME (stock-6.12, stock-6.1, debug-6.12) to be booted?
want_kernel() {
	[ -z "$kernels" ] || [[ " $kernels " == *" $1 "* ]]
}
# want_test PATH: is this program chosen?  compat_test32 goes with compat_test.
want_test() {
	local name
	name=$(basename "$1")
	[ -z "$only_tests" ] || [[ " $only_tests " == *" $name "* ]] ||
		[[ " $only_tests " == *" ${name%32} "* ]]
}

eval "$("$here/deps.sh")" || fail_setup "dependencies"
if want_kernel stock-6.1; then
	eval "$(KMETA=linux-headers-amd64 KVAR=STOCK61 "$here/deps.sh")" ||
		fail_setup "the 6.1 kernel"
fi
if want_kernel debug-6.12; then
	eval "$("$here/debug-kernel.sh")" || fail_setup "debug kernel"
	log "stock kernel $STOCK_KREL; debug kernel at $DEBUG_KDIR"
fi

"$here/build-user.sh" >"$out/userspace-build.log" 2>&1 ||
	{ tail -n 40 "$out/userspace-build.log"; fail_setup "user-space build"; }
# The examples built the way a user would (pkg-config, shared library).
libdir=$("$here/build-example.sh" "$out" 2>>"$out/userspace-build.log") ||
	{ tail -n 20 "$out/userspace-build.log";
	  fail_setup "install and pkg-config build of the WWSAPI example"; }
export "${libdir?}"
# *_test32: 32-bit helpers that a *_test runs; the guest runs only *_test.
tests=()
for t in userspace/tests/*/*_test userspace/tests/*/*_test32; do
	[ -e "$t" ] && want_test "$t" && tests+=("$t")
done
[ ${#tests[@]} -gt 0 ] || fail_setup "no test program matches WSHEAP_TESTS"
log "${#tests[@]} user-space test programs"
specs=("userspace/tools/wsheapctl:/bin/wsheapctl"
	"$out/ws_message_loop:/pcbuilt/ws_message_loop"
	"$out/heap_share:/pcbuilt/heap_share"
	"$out/wsheap_template_user:/pcbuilt/wsheap_template_user")
for t in "${tests[@]}"; do
	specs+=("$t:/tests/$(basename "$t")")
done
# The debug kernel runs everything several times slower: its guest loads
# wsheap with a smaller max_heaps_per_context (the tests that fill a context
# read the limit), runs the long loops of the tests an eighth as often
# (tests/support/wsh_scale.h) and does 4 load/unload cycles (the first four
# are the ones that check every kind of holder).
debug_settings="WSHEAP_MODULE_PARAMS=max_heaps_per_context=256
export WSHEAP_TEST_SCALE=8
RELOAD_CYCLES=4"

# boot_kernel LABEL KDIR KERNEL_IMAGE MODULES_DIR [kunit.py [SETTINGS]]
# MODULES_DIR: the kernel's own modules (for the dma-buf importers), or "".
# SETTINGS: lines for the guest plan's /plan.env; QUICK=1 is added when
# WSHEAP_TESTS chose programs (the plan then runs only those).
boot_kernel() {
	local label=$1 kdir=$2 image=$3 kmods=$4 kunit_py=${5:-} settings=${6:-}
	local dir="$out/$label" mods=()
	mkdir -p "$dir"
	{
		[ -n "$only_tests" ] && echo "QUICK=1"
		[ -n "$settings" ] && echo "$settings"
	} >"$dir/plan.env"
	mods+=("$dir/plan.env:/plan.env")
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
	[ -e "$dir/mod/kunit/wsheap_kunit.ko" ] && [ -z "$only_tests" ] &&
		mods+=("$dir/mod/kunit/wsheap_kunit.ko:/modules/wsheap_kunit.ko")
	# The template driver, as its author builds it (a framed host step).
	if [ -z "$only_tests" ]; then
		"$here/build-template.sh" "$kdir" "$dir/mod" "$dir/template" \
			>"$dir/host.log" 2>"$dir/template-build.log" ||
			tail -n 20 "$dir/template-build.log"
	fi
	[ -e "$dir/template/wsheap_template.ko" ] &&
		mods+=("$dir/template/wsheap_template.ko:/modules/wsheap_template.ko")
	if [ -n "$kmods" ]; then
		mapfile -t -O "${#mods[@]}" mods < \
			<("$here/importers.sh" "$kmods" "$dir/importers")
	fi
	"$here/initramfs.sh" "$dir/initrd.gz" "$here/guest/plan-check.sh" \
		"${mods[@]}" "${specs[@]}"
	log "$label: booting $(basename "$image") in QEMU"
	local t0=$(date +%s) attempt
	# A TCG guest sometimes dies while booting, before the plan prints a
	# line (an int3 Oops while the kernel patches its text on the other
	# vCPU, in an initcall): boot once more, keeping that console log.  A
	# guest that dies once the plan runs is a result, never retried.
	for attempt in 1 2; do
		"$here/boot.sh" "$image" "$dir/initrd.gz" "$dir" 2400 ||
			log "$label: QEMU exited with $?"
		[ -s "$dir/results.log" ] && break
		cp "$dir/console.log" "$dir/console-boot$attempt.log"
		log "$label: the guest died before its plan ran (attempt $attempt):"
		grep -m1 -E 'Oops|BUG:|Kernel panic' "$dir/console.log" >&2 ||
			tail -n 1 "$dir/console.log" >&2
	done
	log "$label: guest ran $(( $(date +%s) - t0 )) s"
	python3 "$here/results.py" boot "$label" "$dir" \
		${kunit_py:+--kunit-py "$kunit_py"}
}

if [ -z "$kernels$only_tests" ]; then
	log "packaging: dkms build and make install"
	"$here/dkms.sh" "$STOCK_KREL" "$STOCK_KDIR" "$out/packaging"
fi

want_kernel stock-6.12 &&
	boot_kernel "stock-$STOCK_KREL" "$STOCK_KDIR" "$STOCK_VMLINUZ" \
		"$STOCK_MODULES"
want_kernel stock-6.1 &&
	boot_kernel "stock-$STOCK61_KREL" "$STOCK61_KDIR" "$STOCK61_VMLINUZ" \
		"$STOCK61_MODULES"
want_kernel debug-6.12 &&
	boot_kernel "debug-6.12" "$DEBUG_KDIR" "$DEBUG_BZIMAGE" "" \
		"$DEBUG_SRC/tools/testing/kunit/kunit.py" "$debug_settings"
ls "$out"/*/results.json >/dev/null 2>&1 ||
	fail_setup "no kernel matches WSHEAP_KERNELS"

# make kunit (kunit.py, in-tree) on the architectures WSHEAP_CHECK_KUNIT
# names: x86_64 unless told otherwise.  Its build tree is cached, so only
# the first run on a machine builds its kernel (README, Testing); um is
# left to make kunit, whose cold build would take make check past its time.
kunit_archs=${WSHEAP_CHECK_KUNIT-x86_64}
if [ -n "$kunit_archs" ] && [ -z "$kernels$only_tests" ]; then
	log "kunit: kunit.py run --arch= $kunit_archs"
	KUNIT_ARCHS=$kunit_archs "$here/kunit.sh" "$out" \
		>"$out/kunit.log" 2>&1 || log "kunit: failures; see $out/kunit.log"
fi

log "structure: no kernel file calls up the documented order"
mkdir -p "$out/structure"
# The objects of the first kernel built (all kernels build the same files).
objs=$(ls -d "$out"/*/mod | head -n1)
"$here/callgraph.sh" "$objs" \
	"$out/structure/results.json" >"$out/structure/callgraph.log" 2>&1 ||
	cat "$out/structure/callgraph.log"
[ -s "$out/structure/results.json" ] ||
	echo '{"counts": {"pass": 0, "fail": 1, "skip": 0}}' \
		>"$out/structure/results.json"

log "make check took $(( $(date +%s) - start )) s; logs in $out"
python3 "$here/results.py" total "$out"/*/results.json >"$out/summary.txt"
rc=$?
cat "$out/summary.txt"
exit $rc
