#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: boot Debian's stock kernel in QEMU, load wsheap and the
# benchmark module, run bench/wsheap_bench (wsheap against the memfd arena,
# a bare bump pointer, glibc malloc, obstack, mimalloc, jemalloc, talloc and
# APR, and more) and turn its raw output (bench/report.py) into
# bench/results.json, bench/chart.png, the tables of bench/RESULTS.md and a
# table on stdout.
#
# Environment:
#   BENCH_QUICK=1      fewer runs and smaller counts (a smoke test); results
#                      go to the output directory only, not to bench/
#   BENCH_ONLY=a,b     only these workloads (also keeps bench/ untouched)
#   BENCH_ROWS=x,y     only these rows (implementations) of them (likewise)
#   BENCH_TRACE="FUNCTION DEPTH"  profile: trace the kernel FUNCTION (e.g.
#                      wsheap_ioctl) with function_graph to DEPTH during the
#                      run; the trace is in OUT/results.log (use it with
#                      BENCH_ONLY and BENCH_QUICK: tracing slows everything)
#   BENCH_PERF=1       profile: run the program under perf record (cpu-clock,
#                      call graphs) in the guest and print perf report's
#                      summary into OUT/results.log (use with BENCH_ONLY)
#   WSHEAP_BENCH_OUT   output directory (default build/bench)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$top"
fresh_out "${WSHEAP_BENCH_OUT:-$top/build/bench}"

args=""
[ -n "${BENCH_QUICK:-}" ] && args="-q"
[ -n "${BENCH_ONLY:-}" ] && args="$args -o $BENCH_ONLY"
[ -n "${BENCH_ROWS:-}" ] && args="$args -r $BENCH_ROWS"
# A partial or quick run must not replace the published results.
if [ -n "$args" ] || [ -n "${BENCH_TRACE:-}" ] || [ -n "${BENCH_PERF:-}" ]; then
	dest="$out"
else
	dest="$top/bench"
fi

# Build and test dependencies, the stock kernel; then the peers and gnuplot.
eval "$("$here/deps.sh")"
PEERS="libmimalloc-dev libjemalloc-dev libtalloc-dev libapr1-dev pkg-config
gnuplot-nox file xz-utils"
[ -n "${BENCH_PERF:-}" ] && PEERS="$PEERS linux-perf"
# shellcheck disable=SC2086 # one word per package
apt_need "$out/apt.log" $PEERS

log "building wsheap.ko and wsheap_bench.ko for $STOCK_KREL"
"$here/build.sh" "$STOCK_KDIR" "$out/mod"
# The benchmark module is built inside wsheap's build tree: its Kbuild finds
# wsheap_kernel.h in the parent directory, and wsheap's Module.symvers
# resolves the WSHEAP namespace's symbols.
mkdir -p "$out/mod/bench_kmod"
cp bench/kmod/Kbuild bench/kmod/*.c bench/kmod/*.h "$out/mod/bench_kmod/"
make -s -C "$STOCK_KDIR" M="$out/mod/bench_kmod" KCFLAGS=-Werror \
	KBUILD_EXTRA_SYMBOLS="$out/mod/Module.symvers" modules >&2

log "building libwsheap and bench/wsheap_bench"
make -s -C userspace lib >"$out/build-user.log" 2>&1 ||
	{ tail -n 40 "$out/build-user.log"; exit 1; }
make -s -C bench >>"$out/build-user.log" 2>&1 ||
	{ tail -n 40 "$out/build-user.log"; exit 1; }

echo "$args" >"$out/args"
extra=()
if [ -n "${BENCH_TRACE:-}" ]; then
	echo "$BENCH_TRACE" >"$out/trace"
	extra+=("$out/trace:/bench/trace")
fi
if [ -n "${BENCH_PERF:-}" ]; then
	extra+=("$(command -v perf):/bin/perf")
fi
# The memfd peer's dma-buf row needs udmabuf: built in (6.12), or a module
# of the same linux-image package, or absent (the row is then skipped).
sysroot=$(dirname "$(dirname "$STOCK_VMLINUZ")")
if grep -q '^CONFIG_UDMABUF=m' "$sysroot/boot/config-$STOCK_KREL" 2>/dev/null; then
	ko=$(find "$sysroot/lib/modules/$STOCK_KREL" -name 'udmabuf.ko*' | head -n1)
	case $ko in
	*.xz) xz -dc "$ko" >"$out/udmabuf.ko" ;;
	*.zst) zstd -qdc "$ko" >"$out/udmabuf.ko" ;;
	?*) cp "$ko" "$out/udmabuf.ko" ;;
	esac
	[ -s "$out/udmabuf.ko" ] && extra+=("$out/udmabuf.ko:/modules/udmabuf.ko")
fi
"$here/initramfs.sh" "$out/initrd.gz" "$here/guest/plan-bench.sh" \
	"$out/mod/wsheap.ko:/modules/wsheap.ko" \
	"$out/mod/bench_kmod/wsheap_bench.ko:/modules/wsheap_bench.ko" \
	"bench/wsheap_bench:/bench/wsheap_bench" \
	"$out/args:/bench/args" ${extra[@]+"${extra[@]}"}

log "booting $STOCK_KREL in QEMU (TCG) for the benchmark (a few minutes)"
t0=$(date +%s)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
# A TCG guest sometimes dies while booting, before the plan runs (e.g. an
# int3 Oops while the kernel patches its text on the other vCPU): then
# boot once more, keeping the failed console log.
for attempt in 1 2; do
	"$here/boot.sh" "$STOCK_VMLINUZ" "$out/initrd.gz" "$out" 1500 ||
		log "QEMU exited with $?"
	grep -q '^wsheap bench guest:' "$out/results.log" && break
	cp "$out/console.log" "$out/console-boot$attempt.log"
	log "the guest died before the plan ran (attempt $attempt):"
	grep -m1 -E 'Oops|BUG:|Kernel panic' "$out/console.log" >&2 ||
		tail -n 1 "$out/console.log" >&2
done
guest_s=$(( $(date +%s) - t0 ))
log "guest ran $guest_s s"
# Other work on the host slows the guest's vCPUs down: say how busy it was.
host_load="load average before the guest: $load0; after: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"

# What the host is, and how the guest was run (testing/boot.sh).
. /etc/os-release
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
virt="bare metal"
grep -qw hypervisor /proc/cpuinfo && virt="VM"
machine="$(nproc) vCPU $virt ($cpu, $mem), $PRETTY_NAME, host kernel $(uname -r)"
qemu=$(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')
emulation="QEMU $qemu, TCG (no KVM), guest -cpu max -smp 2 -m 2G"
source=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)

update=()
[ "$dest" = "$top/bench" ] && update=(--update "$top/bench/RESULTS.md")
python3 bench/report.py --log "$out/results.log" --json "$dest/results.json" \
	--chart-data "$out/chart.dat" --table "$out/table.txt" \
	--machine "$machine" --emulation "$emulation" --source "$source" \
	--host-load "$host_load" --markdown "$out/table.md" \
	--duration "$(( $(date +%s) - start )) s (guest $guest_s s)" \
	${update[@]+"${update[@]}"} || {
	log "the benchmark did not finish; the guest's output:"
	tail -n 60 "$out/results.log" >&2
	tail -n 30 "$out/console.log" >&2
	exit 1
}
# A run of some rows may have no wsheap row to draw ratios to.
if grep -qv '^#' "$out/chart.dat"; then
	gnuplot -e "datafile='$out/chart.dat'; outfile='$dest/chart.png'" \
		bench/chart.gp
fi
cat "$out/table.txt"
[ -n "${BENCH_PERF:-}" ] && log "profile: $out/results.log (perf report)"
log "results: $dest/results.json, chart: $dest/chart.png"
log "make bench took $(( $(date +%s) - start )) s"
