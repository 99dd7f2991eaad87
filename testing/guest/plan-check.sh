# SPDX-License-Identifier: GPL-2.0
# The check plan: load wsheap, run KUnit (where the kernel has it), load the
# dma-buf importers (where the kernel ships them), run every user-space test
# and the template driver, the fuzzer under fault injection (where the
# kernel has it), unload, load/unload cycles, and scan for leaks (where
# kmemleak is built in).  /plan.env, if there, may set QUICK=1 (check.sh
# with WSHEAP_TESTS): then only the user-space programs run, and kmemleak;
# WSHEAP_MODULE_PARAMS: wsheap's parameters; and export what the tests
# read (WSHEAP_TEST_SCALE).
. /lib.sh
. /reliability.sh
[ -r /plan.env ] && . /plan.env
uname -a
[ -w /sys/kernel/debug/kmemleak ] && echo clear >/sys/kernel/debug/kmemleak
# shellcheck disable=SC2086 # one word per parameter
step insmod:wsheap insmod /modules/wsheap.ko ${WSHEAP_MODULE_PARAMS:-}
if [ -e /modules/wsheap_kunit.ko ]; then
	dmesg -c >/dev/null
	step insmod:wsheap_kunit insmod /modules/wsheap_kunit.ko
	begin ktap
	dmesg
	end ktap 0
	step rmmod:wsheap_kunit rmmod wsheap_kunit
fi
[ -e /modules/wsheap_sample.ko ] &&
	step insmod:wsheap_sample insmod /modules/wsheap_sample.ko
[ -d /modules/importers ] && step insmod:importers load_importers
run_user_tests
[ -x /pcbuilt/ws_message_loop ] &&
	step pc-built:ws_message_loop /pcbuilt/ws_message_loop
[ -x /pcbuilt/heap_share ] &&
	step pc-built:heap_share /pcbuilt/heap_share
# The template driver, built against a DESTDIR install of wsheap.
if [ -e /modules/wsheap_template.ko ]; then
	step insmod:wsheap_template insmod /modules/wsheap_template.ko
	step pc-built:wsheap_template_user /pcbuilt/wsheap_template_user
	step rmmod:wsheap_template rmmod wsheap_template
fi
[ -z "${QUICK:-}" ] && step tap:fault-fuzz fault_fuzz --seconds 12
[ -e /modules/wsheap_sample.ko ] &&
	step rmmod:wsheap_sample rmmod wsheap_sample
step rmmod:wsheap rmmod wsheap
[ -z "${QUICK:-}" ] && step reload-cycles reload_cycles "${RELOAD_CYCLES:-10}"
if [ -e /sys/kernel/debug/kmemleak ]; then
	step kmemleak kmemleak_scan
fi
