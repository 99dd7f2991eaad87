# SPDX-License-Identifier: GPL-2.0
# The fuzz plan (testing/fuzz.sh, debug kernel): load wsheap and the sample
# driver, run the reliability programs with the long budget (fuzzer >= 10^6
# operations, stress 60 s, fault injection), the fuzzer once more under
# failslab/fail_page_alloc (each fuzz run ends with the regression cases),
# unload, 100 load/unload cycles, kmemleak.
. /lib.sh
. /reliability.sh
[ -r /fuzz.env ] && . /fuzz.env
export WSHEAP_BUDGET=${WSHEAP_BUDGET:-long}
# the fuzzer alone runs for an hour or so on the debug kernel (its own
# deadline is 5400 s)
export TEST_TIMEOUT=${TEST_TIMEOUT:-6600}
uname -a
[ -w /sys/kernel/debug/kmemleak ] && echo clear >/sys/kernel/debug/kmemleak

step insmod:wsheap insmod /modules/wsheap.ko
[ -e /modules/wsheap_sample.ko ] &&
	step insmod:wsheap_sample insmod /modules/wsheap_sample.ko
for t in /tests/*_test; do
	[ -x "$t" ] || continue
	args=""
	case $t in
	*/wsheap_fuzz_test) [ -n "${FUZZ_SEED:-}" ] && args="--seed $FUZZ_SEED" ;;
	esac
	step "tap:$(basename "$t")" sh -c "cd /tmp && timeout $TEST_TIMEOUT $t $args"
done
FAULT_PERCENT=${FAULT_PERCENT:-10} step tap:fault-fuzz fault_fuzz --ops 300000 --seconds 900
[ -e /modules/wsheap_sample.ko ] &&
	step rmmod:wsheap_sample rmmod wsheap_sample
step rmmod:wsheap rmmod wsheap
step reload-cycles reload_cycles 100
if [ -e /sys/kernel/debug/kmemleak ]; then
	step kmemleak kmemleak_scan
fi
