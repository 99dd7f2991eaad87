# SPDX-License-Identifier: GPL-2.0
# Helpers for the guest's plan: every step is framed by markers that
# testing/results.py reads back.

begin() { echo "### BEGIN $1"; }
end() { echo "### END $1 rc=$2"; }

# step NAME CMD...: run one framed step.
step() {
	name=$1
	shift
	begin "$name"
	"$@"
	end "$name" $?
}

# Every user-space test program, each its own framed step.  The module is
# loaded by then: WSHEAP_REQUIRE_DEVICE makes the library suites fail, not
# skip, when /dev/wsheap is missing (userspace/tests/lib/wsheap_test.h).
run_user_tests() {
	for t in /tests/*_test; do
		[ -x "$t" ] || continue
		step "tap:$(basename "$t")" sh -c "cd /tmp && WSHEAP_REQUIRE_DEVICE=1 timeout ${TEST_TIMEOUT:-900} $t"
	done
}

kmemleak_scan() {
	f=/sys/kernel/debug/kmemleak
	[ -w $f ] || { echo "kmemleak not available"; return 1; }
	# Objects younger than 5 s are not reported: wait, scan twice.
	sleep 6
	echo scan >$f
	sleep 1
	echo scan >$f
	if [ -s $f ]; then
		cat $f
		return 1
	fi
	echo "kmemleak: no leaks"
}
