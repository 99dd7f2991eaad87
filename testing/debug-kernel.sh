#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) the debug kernel: Debian's linux-source-6.12 with KUnit,
# KASAN, KFENCE, lockdep, DEBUG_VM, kmemleak and fault injection.  The build
# is cached outside the checkout, keyed by source version and config.
#
# Prints DEBUG_SRC, DEBUG_KDIR (the build tree) and DEBUG_BZIMAGE.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

KSERIES=${KSERIES:-6.12}
pkg="linux-source-$KSERIES"
ver=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: //p')
[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "cannot resolve $pkg"

# One build at a time per cache: concurrent runs wait for it, then reuse it.
exec 9>"$CACHE/.debug-kernel.lock"
flock 9

src="$CACHE/src-$ver"
if [ ! -e "$src/.done" ]; then
	log "unpacking $pkg $ver"
	rm -rf "$src" "$CACHE/srcdeb"
	mkdir -p "$CACHE/srcdeb" "$src"
	(cd "$CACHE/srcdeb" &&
		apt-get download -qq -o APT::Sandbox::User=root "$pkg=$ver" >&2)
	dpkg-deb -x "$CACHE"/srcdeb/*.deb "$CACHE/srcdeb/root"
	tar -xaf "$CACHE"/srcdeb/root/usr/src/linux-source-"$KSERIES".tar.* \
		-C "$src" --strip-components=1
	rm -rf "$CACHE/srcdeb"
	touch "$src/.done"
fi

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
