#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the programs a user builds against an installed libwsheap the way
# that user would: install the library into OUT/sysroot, compile with the
# pkg-config flags, link to libwsheap.so.  Prints GUEST_LIBDIR=... for the
# guest's shared libraries.
#   build-example.sh OUT      -> OUT/ws_message_loop (WWSAPI message loop)
#                                OUT/heap_share (two processes, SCM_RIGHTS)
#                                OUT/wsheap_template_user (template driver)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
sysroot="$out/sysroot"
rm -rf "$sysroot"
make -s -C "$top/userspace" install DESTDIR="$sysroot" PREFIX=/usr >&2
pc_build() {	# pc_build SOURCE: OUT/<its name without .c>
	# shellcheck disable=SC2046
	cc -std=c11 -Wall -Wextra -Werror -o "$out/$(basename "$1" .c)" "$1" \
		$(PKG_CONFIG_SYSROOT_DIR="$sysroot" \
		  PKG_CONFIG_LIBDIR="$sysroot/usr/lib/pkgconfig" \
		  PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 \
		  pkg-config --cflags --libs wsheap) >&2
}
pc_build "$top/userspace/examples/ws_message_loop.c"
pc_build "$top/userspace/examples/heap_share.c"
pc_build "$top/samples/template/wsheap_template_user.c"
echo "GUEST_LIBDIR=$sysroot/usr/lib"
