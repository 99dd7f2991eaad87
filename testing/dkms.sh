#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host-side packaging checks, as test cases for make check:
#   - a real `dkms add` + `dkms build` of wsheap against Debian's headers,
#     from the tree `make install-dkms` lays out, keeping Module.symvers in
#     DKMS's tree for drivers built against wsheap, and the template driver
#     built against that;
#   - `make install` into a DESTDIR puts module, wsheap_kernel.h and
#     Module.symvers, library, headers, pc file, man pages and udev rule
#     where they belong;
#   - the library's make install-check (pkg-config builds, headers, ABI).
#   dkms.sh KREL KDIR OUTDIR   -> OUTDIR/results.json
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
krel=$1
kdir=$2
out=$3
mkdir -p "$out"
cases=()

record() {	# record NAME STATUS
	cases+=("$1=$2")
	echo "packaging: $2: $1"
}

ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
arch=$(uname -m)
tree=$(mktemp -d)
mkdir -p "$tree/dkms"
make -s -C "$top" install-dkms DESTDIR="$tree/root" >"$out/dkms.log" 2>&1
dk=(dkms --dkmstree "$tree/dkms" --sourcetree "$tree/root/usr/src")
if "${dk[@]}" add -m wsheap -v "$ver" >>"$out/dkms.log" 2>&1 &&
   "${dk[@]}" build -m wsheap -v "$ver" -k "$krel" \
	--kernelsourcedir "$kdir" >>"$out/dkms.log" 2>&1 &&
   ls "$tree"/dkms/wsheap/"$ver"/"$krel"/*/module/wsheap.ko* >/dev/null 2>&1
then
	record "dkms build against $krel" pass
else
	tail -n 30 "$out/dkms.log"
	record "dkms build against $krel" fail
fi
if grep -q "wsheap_get.*WSHEAP" \
	"$tree/dkms/wsheap/$ver/$krel/$arch/Module.symvers" 2>/dev/null; then
	record "dkms keeps Module.symvers for drivers" pass
else
	record "dkms keeps Module.symvers for drivers" fail
fi
# A driver built against what DKMS installed (README: the DKMS line).
line=$("$here/build-template.sh" "$kdir" --installed \
	"$tree/root/usr/src/wsheap-$ver" \
	"$tree/dkms/wsheap/$ver/$krel/$arch/Module.symvers" "$tree/template" \
	2>"$out/template.log" | grep -E '^(not )?ok 1 ')
name=${line#*ok 1 }
case $line in
"not ok"*) tail -n 20 "$out/template.log"; record "$name" fail ;;
*"# SKIP"*) record "${name%% # SKIP*}" skip ;;
ok*) record "$name" pass ;;
*) record "template driver against the DKMS install: no result" fail ;;
esac

dest="$tree/install"
if make -s -C "$top" install KDIR="$kdir" KERNELRELEASE="$krel" \
	DESTDIR="$dest" PREFIX=/usr >"$out/install.log" 2>&1; then
	missing=""
	for f in "lib/modules/$krel/updates/wsheap.ko" \
		 usr/include/wsheap.h usr/include/wsheap/webservices.h \
		 usr/lib/pkgconfig/wsheap.pc usr/share/man/man3/WsAlloc.3 \
		 usr/share/man/man4/wsheap.4 usr/lib/udev/rules.d/60-wsheap.rules \
		 usr/bin/wsheapctl usr/src/wsheap-$ver/wsheap_kernel.h \
		 usr/src/wsheap-$ver/$krel/Module.symvers; do
		ls "$dest/$f"* >/dev/null 2>&1 || missing="$missing $f"
	done
	ls "$dest"/usr/lib/libwsheap.so.* >/dev/null 2>&1 ||
		ls "$dest"/usr/lib/*/libwsheap.so.* >/dev/null 2>&1 ||
		missing="$missing libwsheap.so"
	if [ -z "$missing" ]; then
		record "make install DESTDIR" pass
	else
		echo "make install left out:$missing"
		record "make install DESTDIR" fail
	fi
else
	tail -n 30 "$out/install.log"
	record "make install DESTDIR" fail
fi
rm -rf "$tree"

# The library's own install checks: pkg-config builds (shared, static), the
# headers in C and C++, and the inline fast path's ABI against a 1.0 library.
if make -s -C "$top/userspace" install-check >"$out/install-check.log" 2>&1
then
	record "libwsheap install-check" pass
else
	tail -n 30 "$out/install-check.log"
	record "libwsheap install-check" fail
fi

python3 - "$out/results.json" "${cases[@]}" <<'PY'
import json, sys
cases = [c.rsplit("=", 1) for c in sys.argv[2:]]
counts = {s: sum(1 for _, st in cases if st == s) for s in ("pass", "fail", "skip")}
json.dump({"label": "packaging", "counts": counts, "cases": cases},
          open(sys.argv[1], "w"), indent=1)
PY
