#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what building and testing wsheap needs on Debian 12, and fetch the
# Debian 6.12 kernel (image + headers) into the cache.  Versions are resolved
# through the meta packages at run time; nothing is pinned.
#
# Prints shell assignments (STOCK_KREL, STOCK_VMLINUZ, STOCK_KDIR) on stdout
# for the caller to eval.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TOOLS="qemu-system-x86 busybox-static flex bison libelf-dev libssl-dev bc cpio
xz-utils kmod sparse python3 gcc make dwarves rsync dkms"
KSERIES=${KSERIES:-6.12}

need=""
for p in $TOOLS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		need="$need $p"
done
if [ -n "$need" ]; then
	log "installing:$need"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 || true
	apt-get install -y -qq --no-install-recommends $need \
		>"$CACHE/apt.log" 2>&1 || { cat "$CACHE/apt.log" >&2; exit 1; }
fi

# The ABI name (e.g. 6.12.117+deb12) behind the meta package.
meta="linux-headers-${KSERIES}-amd64"
hdr=$(apt-cache depends "$meta" 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-headers-.*-amd64\)$/\1/p' | head -n1)
if [ -z "$hdr" ]; then
	apt-get update -qq >&2
	hdr=$(apt-cache depends "$meta" |
		sed -n 's/^ *Depends: \(linux-headers-.*-amd64\)$/\1/p' | head -n1)
fi
[ -n "$hdr" ] || die "cannot resolve $meta"
abi=${hdr#linux-headers-}
abi=${abi%-amd64}
krel="${abi}-amd64"

root="$CACHE/stock-$krel"
if [ ! -e "$root/.done" ]; then
	log "fetching Debian kernel $krel"
	rm -rf "$root"
	mkdir -p "$root/debs"
	(cd "$root/debs" && apt-get download -o APT::Sandbox::User=root -qq \
		"linux-image-${krel}-unsigned" "linux-headers-${krel}" \
		"linux-headers-${abi}-common" "linux-kbuild-${KSERIES}.${abi#"$KSERIES".}" >&2) ||
	(cd "$root/debs" && apt-get download -o APT::Sandbox::User=root -qq \
		"linux-image-${krel}-unsigned" "linux-headers-${krel}" \
		"linux-headers-${abi}-common" "linux-kbuild-${abi}" >&2)
	for d in "$root"/debs/*.deb; do
		dpkg-deb -x "$d" "$root/sysroot"
	done
	rm -rf "$root/debs"
	# The headers' Makefile includes the -common tree by absolute path.
	sed -i "s|/usr/src/|$root/sysroot/usr/src/|" \
		"$root/sysroot/usr/src/linux-headers-$krel/Makefile"
	touch "$root/.done"
fi

echo "STOCK_KREL=$krel"
echo "STOCK_VMLINUZ=$root/sysroot/boot/vmlinuz-$krel"
echo "STOCK_KDIR=$root/sysroot/usr/src/linux-headers-$krel"
