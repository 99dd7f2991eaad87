# SPDX-License-Identifier: GPL-2.0
# The benchmark plan for `make bench`: load wsheap and the benchmark module
# (and udmabuf, where the kernel has it as a module), run the one benchmark
# program (arguments from /bench/args), unload.  Profiles instead of a
# plain run:
#   /bench/trace present (BENCH_TRACE="FUNCTION DEPTH"): the kernel's
#	function_graph tracer times FUNCTION's calls
#   /bin/perf present (BENCH_PERF=1): perf record samples the program
#	(cpu-clock, user and kernel, call graphs); a flat profile (self time)
#	and an inclusive one (with callees) follow the results
. /lib.sh
echo "wsheap bench guest: $(uname -sr)"
step insmod:wsheap insmod /modules/wsheap.ko
step insmod:wsheap_bench insmod /modules/wsheap_bench.ko
[ -e /modules/udmabuf.ko ] && step insmod:udmabuf insmod /modules/udmabuf.ko
args=$(cat /bench/args 2>/dev/null)
if [ -e /bench/trace ]; then
	t=/sys/kernel/tracing
	mount -t tracefs tracefs $t 2>/dev/null
	echo 0 >$t/tracing_on
	echo function_graph >$t/current_tracer
	read -r func depth </bench/trace
	echo "$func" >$t/set_graph_function
	echo "$depth" >$t/max_graph_depth
	echo 16384 >$t/buffer_size_kb
	echo 1 >$t/tracing_on
fi
if [ -x /bin/perf ]; then
	echo -1 >/proc/sys/kernel/perf_event_paranoid
	echo 0 >/proc/sys/kernel/kptr_restrict
	# shellcheck disable=SC2086 # the arguments are words
	step bench sh -c "cd /tmp && perf record -q -e cpu-clock -F 2000 -g \
		-o /tmp/perf.data /bench/wsheap_bench $args"
	begin perf
	perf report -i /tmp/perf.data --stdio --no-children \
		--sort dso,sym --percent-limit 0.3 -g none 2>&1 | head -n 200
	perf report -i /tmp/perf.data --stdio --children --sort sym \
		--percent-limit 1 -g none 2>&1 | head -n 200
	end perf 0
else
	# shellcheck disable=SC2086 # the arguments are words
	step bench sh -c "cd /tmp && /bench/wsheap_bench $args"
fi
if [ -e /bench/trace ]; then
	echo 0 >$t/tracing_on
	begin trace
	cat $t/trace
	end trace 0
fi
step rmmod:wsheap_bench rmmod wsheap_bench
step rmmod:wsheap rmmod wsheap
