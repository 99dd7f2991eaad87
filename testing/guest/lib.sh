# SPDX-License-Identifier: GPL-2.0
# Helpers for the guest's plan: every step is framed by markers that
# testing/results.py reads back.

begin() { echo "### BEGIN $1"; }
end() { echo "### END $1 rc=$2${3:+ s=$3}"; }

# Seconds since boot, for the steps' durations in the log.
uptime_s() { cut -d. -f1 /proc/uptime; }

# step NAME CMD...: run one framed step; its END line says how long it took.
step() {
	name=$1
	shift
	begin "$name"
	t0=$(uptime_s)
	"$@"
	rc=$?
	end "$name" $rc $(( $(uptime_s) - t0 ))
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

# The dma-buf importers of tests/importers, in their dependency order
# (testing/importers.sh numbered them).  vivid makes two capture-only
# instances, one per videobuf2 allocator: vmalloc, then dma-contig.
load_importers() {
	for m in /modules/importers/*.ko; do
		case $m in
		*-vivid.ko)
			set -- n_devs=2 node_types=0x1,0x1 allocators=0,1 \
				multiplanar=1,1 ;;
		*) set -- ;;
		esac
		insmod "$m" "$@" || { echo "insmod $m failed"; return 1; }
	done
	ls /dev/dri /dev/video*
}
