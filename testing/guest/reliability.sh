# SPDX-License-Identifier: GPL-2.0
# Reliability steps of the guest plans that are not programs of their own:
# the fuzzer under fault injection (failslab + fail_page_alloc), and module
# load/unload cycles.  Sourced by plan-check.sh and plan-fuzz.sh, after
# lib.sh; each function is meant to run as a step (see step in lib.sh).

FI=/sys/kernel/debug

fault_injection_available() {
	[ -w $FI/failslab/probability ] && [ -w $FI/fail_page_alloc/probability ]
}

# fault_knobs_on PERCENT: fail slab and page allocations of the tasks that
# set their make-it-fail, PERCENT of the time.  Saves the knobs first.
fault_knobs_on() {
	FI_SAVED=""
	for a in failslab fail_page_alloc; do
		for k in probability interval times space verbose task-filter \
			ignore-gfp-wait; do
			FI_SAVED="$FI_SAVED $a/$k=$(cat $FI/$a/$k)"
		done
	done
	for k in ignore-gfp-highmem min-order; do
		FI_SAVED="$FI_SAVED fail_page_alloc/$k=$(cat $FI/fail_page_alloc/$k)"
	done
	for a in failslab fail_page_alloc; do
		echo 0 >$FI/$a/probability
		# no stack dump per failure: the harness would read it as a splat
		echo 0 >$FI/$a/verbose
		echo 1 >$FI/$a/interval
		echo -1 >$FI/$a/times
		echo 0 >$FI/$a/space
		echo Y >$FI/$a/task-filter
		# GFP_KERNEL allocations too, and order-0 user pages
		echo N >$FI/$a/ignore-gfp-wait
	done
	echo N >$FI/fail_page_alloc/ignore-gfp-highmem
	echo 0 >$FI/fail_page_alloc/min-order
	echo "$1" >$FI/failslab/probability
	echo "$1" >$FI/fail_page_alloc/probability
}

fault_knobs_off() {
	echo 0 >$FI/failslab/probability
	echo 0 >$FI/fail_page_alloc/probability
	for kv in $FI_SAVED; do
		echo "${kv#*=}" >"$FI/${kv%%=*}"
	done
}

# fault_fuzz [FUZZER ARGS...]: the fuzzer with allocation failures injected
# into its worker threads (they set make-it-fail themselves); every failure
# must be a clean ENOMEM or SIGBUS.  TAP; a skip where there is no fault
# injection (the stock kernel).
fault_fuzz() {
	if ! fault_injection_available; then
		echo "1..1"
		echo "ok 1 fuzz under fault injection # SKIP no failslab/fail_page_alloc (not the debug kernel)"
		return 0
	fi
	fault_knobs_on "${FAULT_PERCENT:-5}"
	echo "# failslab and fail_page_alloc at ${FAULT_PERCENT:-5}%, task-filter"
	(cd /tmp && /tests/wsheap_fuzz_test --faults "$@")
	rc=$?
	fault_knobs_off
	return $rc
}

# reload_cycles N: N times insmod, one heap's life (create, alloc, touch,
# export, import, dma-buf, reset, destroy), rmmod.  Cycles 1-4 and every
# tenth also check that a holder (an open context; a mapping, an exported
# descriptor or a dma-buf outliving everything else) keeps rmmod from
# unloading, and that its data is intact when it lets go.  Run after the
# plan's rmmod.
reload_cycles() {
	n=$1
	i=0
	kinds="ctx map export dmabuf"
	while [ $i -lt "$n" ]; do
		i=$((i + 1))
		insmod /modules/wsheap.ko || { echo "cycle $i: insmod failed"; return 1; }
		[ -c /dev/wsheap ] || { echo "cycle $i: no /dev/wsheap"; rmmod wsheap; return 1; }
		/tests/wsheap_cycle_test --once || {
			echo "cycle $i: lifecycle failed"
			rmmod wsheap
			return 1
		}
		# one holder of each kind first, then one every tenth cycle
		if [ $i -le 4 ] || [ $((i % 10)) = 1 ]; then
			set -- $kinds
			shift $(( i % 4 ))
			kind=${1:-dmabuf}
			reload_hold "$kind" || { echo "cycle $i: holder $kind"; return 1; }
		fi
		# files of exited processes may be released a moment later
		rmmod wsheap 2>/dev/null || { sleep 1; rmmod wsheap; } ||
			{ echo "cycle $i: rmmod failed"; return 1; }
		[ -e /dev/wsheap ] && { echo "cycle $i: /dev/wsheap left behind"; return 1; }
	done
	echo "$n load/unload cycles"
	return 0
}

# reload_hold KIND: while a holder of KIND lives, rmmod must fail.
reload_hold() {
	out=/tmp/hold.$$
	rm -f $out
	/tests/wsheap_cycle_test --hold "$1" >$out &
	pid=$!
	t=0
	while ! grep -q ready $out 2>/dev/null; do
		t=$((t + 1))
		[ $t -gt 300 ] && { echo "holder $1 never got ready"; kill $pid; return 1; }
		kill -0 $pid 2>/dev/null || { echo "holder $1 died"; return 1; }
		sleep 0.1
	done
	if rmmod wsheap 2>/dev/null; then
		echo "rmmod unloaded wsheap while a $1 holder was alive"
		kill $pid
		return 1
	fi
	kill -TERM $pid
	wait $pid
	rc=$?
	[ $rc = 0 ] || echo "holder $1 exited with $rc (data lost?)"
	rm -f $out
	return $rc
}
