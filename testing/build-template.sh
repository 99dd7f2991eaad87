#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the template driver (samples/template/) as its author would: against
# a DESTDIR install of wsheap for this kernel (`make modules_install`:
# wsheap.ko, wsheap_kernel.h, Module.symvers), with nothing from wsheap's
# tree but what was installed:
#   make -C KDIR M=... WSHEAP_DIR=DESTDIR/usr/src/wsheap-VERSION \
#	KBUILD_EXTRA_SYMBOLS=DESTDIR/usr/src/wsheap-VERSION/KERNEL/Module.symvers
#
#   build-template.sh KDIR MODDIR OUTDIR    -> OUTDIR/wsheap_template.ko
# MODDIR is testing/build.sh's copy for KDIR; it is installed from there.
# Prints the outcome as a framed TAP step for make check; logs on stderr.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
kdir=$1
moddir=$2
out=$3
name="template driver builds against the installed wsheap"

result() {	# result ok|"not ok" [# SKIP reason]
	echo "### BEGIN tap:wsheap_template-build"
	echo "1..1"
	echo "$1 1 $name${2:+ $2}"
	echo "### END tap:wsheap_template-build rc=0"
}

rm -rf "$out"
mkdir -p "$out"
krel=$(make -s -C "$kdir" kernelrelease) || { result "not ok"; exit 1; }
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
api="$out/root/usr/src/wsheap-$ver"
if ! make -C "$moddir" modules_install KDIR="$kdir" KERNELRELEASE="$krel" \
	DESTDIR="$out/root" KCFLAGS=-Werror >&2; then
	result "not ok"
	exit 1
fi
# The template is written against the in-kernel API of ABI 2.
if ! grep -q 'struct wsheap_block {' "$api/wsheap_kernel.h"; then
	result ok "# SKIP the installed wsheap_kernel.h predates struct wsheap_block (the v2 in-kernel API)"
	exit 0
fi
cp -r "$top/samples/template" "$out/src"
if make -C "$kdir" M="$out/src" WSHEAP_DIR="$api" \
	KBUILD_EXTRA_SYMBOLS="$api/$krel/Module.symvers" KCFLAGS=-Werror \
	modules >&2 && cp "$out/src/wsheap_template.ko" "$out/"; then
	result ok
else
	result "not ok"
	exit 1
fi
