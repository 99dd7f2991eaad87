#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# abi-check.sh CC SYSROOT OUT: the inline fast path's ABI across library
# versions (WSHEAP_INLINE_ABI), against a libwsheap installed in SYSROOT/usr:
#   - a program built with the installed <wsheap.h> (contract 3) needs
#     LIBWSHEAP_1.3, and the loader refuses to start it on an older library
#     (lib_v1.c: a 1.0 stand-in) instead of letting it bump through heaps
#     that library serves inline;
#   - a 1.0 program (contract 1) binds to LIBWSHEAP_1.0 only and runs on both
#     the 1.0 stand-in and the installed library.
# Exit status 3 of a client means it loaded but found no /dev/wsheap.
set -eu
cc="$1 -std=c11 -Wall -Wextra -Werror"
sysroot=$2
out=$3
src=$(cd "$(dirname "$0")" && pwd)
lib="$sysroot/usr/lib"
old="$out/lib-v1"
mkdir -p "$old"

fail() { echo "abi-check: $*" >&2; exit 1; }

$cc -shared -fPIC -o "$old/libwsheap.so.1" -Wl,-soname,libwsheap.so.1 \
	-Wl,--version-script="$src/lib_v1.map" "$src/lib_v1.c"
$cc -o "$out/v2_client" "$src/v2_client.c" -I"$sysroot/usr/include" \
	-L"$lib" -lwsheap
$cc -o "$out/v1_client" "$src/v1_client.c" -L"$lib" -lwsheap

# What each binds to.
readelf -V "$out/v2_client" | grep -q 'Name: LIBWSHEAP_1.3' ||
	fail "v2_client does not require LIBWSHEAP_1.3"
readelf -V "$out/v1_client" | grep 'Name: LIBWSHEAP_' | grep -vq 'LIBWSHEAP_1.0' &&
	fail "v1_client requires more than LIBWSHEAP_1.0"

run() {	# run LIBDIR PROG: its exit status; stderr to $out/PROG.err
	rc=0
	LD_LIBRARY_PATH=$1 "$out/$2" >"$out/$2.out" 2>"$out/$2.err" || rc=$?
	echo $rc
}

# Refused by the loader: main() never ran, the loader said why.
rc=$(run "$old" v2_client)
[ "$rc" != 0 ] && [ ! -s "$out/v2_client.out" ] &&
	grep -q "version \`LIBWSHEAP_1.3' not found" "$out/v2_client.err" ||
	fail "v2_client on the 1.0 library: exit $rc, $(cat "$out/v2_client.err")"
refused=$(grep -o "version .* not found" "$out/v2_client.err")
rc=$(run "$lib" v2_client)
[ "$rc" = 0 ] || [ "$rc" = 3 ] || fail "v2_client on the installed library: exit $rc"
rc=$(run "$old" v1_client)
[ "$rc" = 0 ] || fail "v1_client on the 1.0 library: exit $rc"
rc=$(run "$lib" v1_client)
[ "$rc" = 0 ] || [ "$rc" = 3 ] || fail "v1_client on the installed library: exit $rc"
echo "abi-check: OK (a 1.0 library refuses a contract-3 program: $refused)"
