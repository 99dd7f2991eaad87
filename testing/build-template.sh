#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the template driver (samples/template/) as its author would, with
# nothing from wsheap's tree but what an install put on the system:
#   make -C KDIR M=... WSHEAP_DIR=<the header's directory> \
#	KBUILD_EXTRA_SYMBOLS=<wsheap's Module.symvers for KDIR's kernel>
#
#   build-template.sh KDIR MODDIR OUTDIR
#	installs wsheap first, from testing/build.sh's copy MODDIR, with
#	`make modules_install DESTDIR=OUTDIR/root` (wsheap.ko,
#	/usr/src/wsheap-VERSION/wsheap_kernel.h and .../KERNEL/Module.symvers)
#   build-template.sh KDIR --installed API_DIR SYMVERS OUTDIR
#	builds against an existing install (the DKMS layout, say)
# -> OUTDIR/wsheap_template.ko.  Prints the outcome as a framed TAP step for
# make check (WHAT names the install in it); logs go to stderr.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
kdir=$1
krel=$(make -s -C "$kdir" kernelrelease 2>/dev/null)
if [ "$2" = --installed ]; then
	api=$3 symvers=$4 out=$5 what="the DKMS install"
else
	moddir=$2 out=$3 what="a make install"
	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
	api="$out/root/usr/src/wsheap-$ver"
	symvers="$api/$krel/Module.symvers"
fi
name="template driver builds against $what"

result() {	# result ok|"not ok" [# SKIP reason]
	echo "### BEGIN tap:wsheap_template-build"
	echo "1..1"
	echo "$1 1 $name${2:+ $2}"
	echo "### END tap:wsheap_template-build rc=0"
}

rm -rf "$out"
mkdir -p "$out"
if [ -z "$krel" ] || { [ -n "${moddir:-}" ] &&
	! make -C "$moddir" modules_install KDIR="$kdir" KERNELRELEASE="$krel" \
		DESTDIR="$out/root" KCFLAGS=-Werror >&2; }; then
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
	KBUILD_EXTRA_SYMBOLS="$symvers" KCFLAGS=-Werror modules >&2 &&
   cp "$out/src/wsheap_template.ko" "$out/"; then
	result ok
else
	result "not ok"
	exit 1
fi
