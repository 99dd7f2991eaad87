#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unpack (or reuse) Debian's linux-source-$KSERIES (default 6.12) in the
# cache.  The tree is shared and read-only for its users: they build with
# O= or work in a copy.
#
# Prints KSRC (the tree) and KSRC_VERSION (the Debian package version).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

KSERIES=${KSERIES:-6.12}
pkg="linux-source-$KSERIES"
ver=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: //p')
[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "cannot resolve $pkg"

# One unpacking at a time per cache: concurrent runs wait, then reuse it.
exec 8>"$CACHE/.linux-source.lock"
flock 8

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

echo "KSRC=$src"
echo "KSRC_VERSION=$ver"
