#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make run`: boot Debian's stock 6.12 kernel in QEMU, load wsheap.ko and
# run the demos (the raw ABI, then the library's WWSAPI message loop).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$top"
fresh_out "$top/build/run"

eval "$("$here/deps.sh")"
log "building wsheap.ko for $STOCK_KREL and the user-space programs"
"$here/build.sh" "$STOCK_KDIR" "$out/mod"
"$here/build-user.sh" >"$out/userspace-build.log" 2>&1 ||
	{ tail -n 40 "$out/userspace-build.log"; exit 1; }

libdir=$("$here/build-example.sh" "$out" 2>>"$out/userspace-build.log")
export "${libdir?}"
demos=("userspace/tools/wsheap_demo:/demo/1-wsheap_demo"
	"userspace/tools/wsheapctl:/bin/wsheapctl"
	"$out/ws_message_loop:/demo/2-ws_message_loop"
	"userspace/tools/wsheap_share_demo:/demo/3-wsheap_share_demo"
	"$out/mod/samples/wsheap_sample.ko:/modules/wsheap_sample.ko")
"$here/initramfs.sh" "$out/initrd.gz" "$here/guest/plan-run.sh" \
	"$out/mod/wsheap.ko:/modules/wsheap.ko" "${demos[@]}"
log "booting $STOCK_KREL in QEMU (TCG)"
"$here/boot.sh" "$STOCK_VMLINUZ" "$out/initrd.gz" "$out" 300
grep -v '^### ' "$out/results.log"
grep -q '^### GUEST-DONE rc=0' "$out/results.log" &&
	! grep -q '^### END .* rc=[1-9]' "$out/results.log"
