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
# Valgrind's memcheck, for userspace/tests/lib/sanitize_test, and the
# dynamic linker's symbols it needs (libc6-dbg, by build id).
ldso=$(readlink -f /lib64/ld-linux-x86-64.so.2)
ldid=$(readelf -n "$ldso" 2>/dev/null | sed -n 's/.*Build ID: //p')
for f in /usr/bin/valgrind /usr/bin/valgrind.bin \
	"/usr/lib/debug/.build-id/${ldid:0:2}/${ldid:2}.debug" \
	/usr/libexec/valgrind/memcheck-amd64-linux \
	/usr/libexec/valgrind/vgpreload_core-amd64-linux.so \
	/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so \
	/usr/libexec/valgrind/default.supp; do
	[ -e "$f" ] || continue
	mkdir -p "$root$(dirname "$f")"
	cp -L "$f" "$root$f"
	case $f in
	/usr/bin/*)	# the launcher; the tools are static
		if file -L "$f" 2>/dev/null | grep -q 'dynamically linked'; then
			copy_libs "$f"
		fi ;;
	esac
done
if [ -n "${GUEST_LIBDIR:-}" ]; then
	mkdir -p "$root/usr/lib"
	cp -a "$GUEST_LIBDIR"/. "$root/usr/lib/"
	echo /usr/lib >"$root/etc/ld.so.conf"
fi

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
