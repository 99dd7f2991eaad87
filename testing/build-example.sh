#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the examples the guest runs the way a user would: install the
# library into OUT/sysroot, compile with the pkg-config flags, link to
# libwsheap.so.  Prints GUEST_LIBDIR=... for the guest's shared libraries.
#   build-example.sh OUT      -> OUT/ws_message_loop (WWSAPI message loop)
#                                OUT/heap_share (two processes, SCM_RIGHTS)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
sysroot="$out/sysroot"
rm -rf "$sysroot"
make -s -C "$top/userspace" install DESTDIR="$sysroot" PREFIX=/usr >&2
pc=$(PKG_CONFIG_SYSROOT_DIR="$sysroot" \
	PKG_CONFIG_LIBDIR="$sysroot/usr/lib/pkgconfig" \
	PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 \
	pkg-config --cflags --libs wsheap)
for ex in ws_message_loop heap_share; do
	# shellcheck disable=SC2086
	cc -std=c11 -Wall -Wextra -Werror -o "$out/$ex" \
		"$top/userspace/examples/$ex.c" $pc >&2
done
echo "GUEST_LIBDIR=$sysroot/usr/lib"
