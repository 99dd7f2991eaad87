#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what building and testing wsheap needs on Debian 12, and fetch a
# Debian kernel (image + headers) into the cache: the one behind the meta
# package KMETA (default linux-headers-6.12-amd64; linux-headers-amd64 is
# 6.1).  Versions are resolved at run time; nothing is pinned.
#
# Prints shell assignments (${KVAR:-STOCK}_KREL, _VMLINUZ, _KDIR, _MODULES)
# on stdout for the caller to eval.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# gcc-multilib: the -m32 -static build of userspace/tests/security/compat_test32.
# libdrm-dev: drm.h for userspace/tests/importers.
# valgrind: memcheck in the guest and its client-request headers for
# libwsheap (userspace/tests/lib/sanitize_test); libc6-dbg: the dynamic
# linker's symbols, which memcheck needs to start.
TOOLS="qemu-system-x86 busybox-static flex bison libelf-dev libssl-dev bc cpio
xz-utils kmod sparse python3 gcc g++ make dwarves rsync dkms pkg-config file
gcc-multilib libdrm-dev valgrind libc6-dbg"

# shellcheck disable=SC2086 # one word per package
apt_need "$CACHE/apt.log" $TOOLS

# The kernel behind a headers meta package (KMETA): its release, e.g.
# 6.12.117+deb12-amd64 or 6.1.0-41-amd64, and the packages it needs.
meta=${KMETA:-linux-headers-6.12-amd64}
var=${KVAR:-STOCK}
deps_of() {
	apt-cache depends "$1" 2>/dev/null | sed -n 's/^ *Depends: //p'
}
hdr=$(deps_of "$meta" | grep -E '^linux-headers-.*-amd64$' | head -n1)
if [ -z "$hdr" ]; then
	apt-get update -qq >&2
	hdr=$(deps_of "$meta" | grep -E '^linux-headers-.*-amd64$' | head -n1)
fi
[ -n "$hdr" ] || die "cannot resolve $meta"
krel=${hdr#linux-headers-}
pkgs="linux-image-${krel}-unsigned $hdr $(deps_of "$hdr" |
	grep -E '^linux-(headers-.*-common|kbuild-.*)$' | tr '\n' ' ')"

root="$CACHE/stock-$krel"
if [ ! -e "$root/.done" ]; then
	log "fetching Debian kernel $krel"
	rm -rf "$root"
	mkdir -p "$root/debs"
	# shellcheck disable=SC2086
	(cd "$root/debs" && apt-get download -qq -o APT::Sandbox::User=root \
		$pkgs >&2)
	for d in "$root"/debs/*.deb; do
		dpkg-deb -x "$d" "$root/sysroot"
	done
	rm -rf "$root/debs"
	# The headers' Makefile includes the -common tree by absolute path.
	sed -i "s|/usr/src/|$root/sysroot/usr/src/|" \
		"$root/sysroot/usr/src/linux-headers-$krel/Makefile"
	touch "$root/.done"
fi

echo "${var}_KREL=$krel"
echo "${var}_VMLINUZ=$root/sysroot/boot/vmlinuz-$krel"
echo "${var}_KDIR=$root/sysroot/usr/src/linux-headers-$krel"
echo "${var}_MODULES=$root/sysroot/lib/modules/$krel"
