#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot a kernel with an initramfs in QEMU (TCG: this host has no KVM).
#   boot.sh KERNEL INITRD OUTDIR [TIMEOUT_SECONDS]
# OUTDIR/console.log gets the kernel's console, OUTDIR/results.log what the
# guest's plan printed (second serial port).
set -euo pipefail
kernel=$1
initrd=$2
outdir=$3
limit=${4:-1800}
mkdir -p "$outdir"
: >"$outdir/console.log"
: >"$outdir/results.log"

# /dev/kvm may exist on this kind of host without working: always TCG.
accel=tcg
# loglevel=7: the kernel log is a test artefact, keep everything.
timeout --foreground -k 10 "$limit" qemu-system-x86_64 \
	-accel "$accel" -cpu max -m 2G -smp 2 -no-reboot \
	-display none -vga none -nic none -monitor none \
	-serial "file:$outdir/console.log" -serial "file:$outdir/results.log" \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 loglevel=7 panic=-1 oops=panic panic_on_warn=0 kasan.fault=report" \
	</dev/null && rc=0 || rc=$?
sed -i 's/\r$//' "$outdir/console.log" "$outdir/results.log"
exit $rc
