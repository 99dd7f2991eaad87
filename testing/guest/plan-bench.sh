# SPDX-License-Identifier: GPL-2.0
# The benchmark plan for `make bench`: load wsheap and the benchmark module
# (and udmabuf, where the kernel has it as a module), run the one benchmark
# program (arguments from /bench/args), unload.  With
# /bench/trace present (BENCH_TRACE="FUNCTION DEPTH"), the run is a profile
# instead: the kernel's function_graph tracer times FUNCTION's calls.
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
# shellcheck disable=SC2086 # the arguments are words
step bench sh -c "cd /tmp && /bench/wsheap_bench $args"
if [ -e /bench/trace ]; then
	echo 0 >$t/tracing_on
	begin trace
	cat $t/trace
	end trace 0
fi
step rmmod:wsheap_bench rmmod wsheap_bench
step rmmod:wsheap rmmod wsheap
