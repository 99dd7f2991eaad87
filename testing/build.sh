#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build wsheap.ko (and, where the kernel has KUnit, wsheap_kunit.ko) for one
# kernel, in a copy of the sources so builds for several kernels coexist.
#   build.sh KDIR OUTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
kdir=$1
out=$2

out=$(mkdir -p "$out" && cd "$out" && pwd)
# The module's sources: top-level Kbuild, C files and headers, kunit/ and
# samples/; Makefile and dkms.conf so `make modules_install` can install
# from the copy (testing/build-template.sh).
rm -rf "$out/kunit" "$out/samples"
cp "$top"/Kbuild "$top"/Makefile "$top"/dkms.conf "$top"/*.c "$top"/*.h "$out/"
cp -r "$top/kunit" "$top/samples" "$out/"
make -s -C "$kdir" M="$out" KCFLAGS=-Werror modules >&2
