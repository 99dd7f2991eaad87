#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) the debug kernel: Debian's linux-source-6.12 with KUnit,
# KASAN, KFENCE, lockdep, DEBUG_VM, kmemleak and fault injection.  The build
# is cached outside the checkout, keyed by source version and config.
#
# Prints DEBUG_SRC, DEBUG_KDIR (the build tree) and DEBUG_BZIMAGE.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# One build at a time per cache: concurrent runs wait for it, then reuse it.
exec 9>"$CACHE/.debug-kernel.lock"
flock 9

eval "$("$here/linux-source.sh")"
src=$KSRC
ver=$KSRC_VERSION

# The KUnit module's own needs must be part of the debug config.
grep '^CONFIG_' "$here/../kunit/.kunitconfig" | while read -r opt; do
	grep -qx "$opt" "$here/debug.config" ||
		die "kunit/.kunitconfig's $opt is missing from debug.config"
done
key=$(sha256sum "$here/debug.config" | cut -c1-12)
out="$CACHE/debug-$ver-$key"
if [ ! -e "$out/.done" ]; then
	log "building debug kernel $ver (config $key); about 10-15 minutes"
	mkdir -p "$out"
	grep '^CONFIG_' "$here/debug.config" >"$out/.config"
	make -s -C "$src" O="$out" ARCH=x86_64 olddefconfig >&2
	missing=$(grep '^CONFIG_' "$here/debug.config" | while read -r opt; do
		grep -qx "$opt" "$out/.config" || echo "$opt"
	done)
	[ -z "$missing" ] || die "olddefconfig dropped: $missing"
	make -s -C "$src" O="$out" ARCH=x86_64 -j"$(nproc)" \
		>"$out/build.log" 2>&1 || { tail -n 40 "$out/build.log" >&2;
		die "debug kernel build failed"; }
	touch "$out/.done"
fi

echo "DEBUG_SRC=$src"
echo "DEBUG_KDIR=$out"
echo "DEBUG_BZIMAGE=$out/arch/x86/boot/bzImage"
