#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build a busybox initramfs for one guest boot.
#   initramfs.sh OUT.cpio.gz PLAN [SRC:DEST ...]
# Each SRC is copied to DEST in the guest; dynamically linked programs bring
# their shared libraries along.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$1
plan=$2
shift 2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# mktemp makes it 0700; the guest's / must be reachable for every user.
chmod 0755 "$root"

mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,etc,modules,tests,demo,lib}
cp /bin/busybox "$root/bin/busybox"
install -m 0755 "$here/guest/init" "$root/init"
install -m 0644 "$here/guest/lib.sh" "$root/lib.sh"
install -m 0644 "$here/guest/reliability.sh" "$root/reliability.sh"
install -m 0644 "$plan" "$root/plan.sh"

copy_libs() {
	# ldd prints "name => /path (addr)" and the loader as "/path (addr)".
	ldd "$1" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

for spec in "$@"; do
	src=${spec%%:*}
	dest=${spec#*:}
	mkdir -p "$root$(dirname "$dest")"
	cp -L "$src" "$root$dest"
	if file -L "$src" 2>/dev/null | grep -q 'dynamically linked'; then
		copy_libs "$src"
	fi
done
# Shared libraries the guest's programs load from an install prefix.
if [ -n "${GUEST_LIBDIR:-}" ]; then
	mkdir -p "$root/usr/lib"
	cp -a "$GUEST_LIBDIR"/. "$root/usr/lib/"
	echo /usr/lib >"$root/etc/ld.so.conf"
fi

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
