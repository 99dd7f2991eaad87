#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make kunit`: wsheap's KUnit suites the way kernel developers run them.
# The tree goes into a copy of Debian's linux-source-6.12 as
# drivers/misc/wsheap/ (its Kconfig and .kunitconfig), and
#   tools/testing/kunit/kunit.py run --kunitconfig=drivers/misc/wsheap
# builds a kernel with whatever suites kunit/ holds built in and runs it:
# in QEMU for x86_64, as a user-mode Linux process for um.
#
#   kunit.sh [OUTDIR]     architectures from KUNIT_ARCHS (default: x86_64 um)
#
# The copy and each architecture's build tree stay in the cache
# ($CACHE/kunit-VERSION, or WSHEAP_KUNIT_DIR), shared by every checkout and
# locked while a run uses it, so a second run (a fresh clone's too)
# rebuilds only wsheap.  With OUTDIR,
# each architecture's cases go to OUTDIR/kunit-ARCH/results.json, as make
# check counts them.  Exits non-zero if any run failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
out=${1:-}

eval "$("$here/deps.sh")" || die "dependencies"
eval "$("$here/linux-source.sh")" || die "linux-source"
work=${WSHEAP_KUNIT_DIR:-$CACHE/kunit-${KSRC##*/src-}}
tree="$work/linux"
mkdir -p "$tree"
# One run at a time per build tree: others wait, then find it warm.
exec 7>"$work.lock"
flock 7

# A private copy of the shared tree; the two files wsheap hooks into are
# written below, and only when they change, so a warm build stays warm.
t0=$(date +%s)
rsync -a --delete --exclude=/.done --exclude=/drivers/misc/wsheap/ \
	--exclude=/drivers/misc/Kconfig --exclude=/drivers/misc/Makefile \
	"$KSRC/" "$tree/" || die "copying $KSRC"
replace_if_changed() {	# replace_if_changed FILE: FILE.new becomes FILE
	if cmp -s "$1.new" "$1"; then rm -f "$1.new"; else mv "$1.new" "$1"; fi
}
sed '$s|^endmenu$|source "drivers/misc/wsheap/Kconfig"\nendmenu|' \
	"$KSRC/drivers/misc/Kconfig" >"$tree/drivers/misc/Kconfig.new"
grep -q wsheap "$tree/drivers/misc/Kconfig.new" ||
	die "drivers/misc/Kconfig does not end in endmenu"
replace_if_changed "$tree/drivers/misc/Kconfig"
{ cat "$KSRC/drivers/misc/Makefile"; echo 'obj-$(CONFIG_WSHEAP) += wsheap/'; } \
	>"$tree/drivers/misc/Makefile.new"
replace_if_changed "$tree/drivers/misc/Makefile"

# The module's sources as a kernel tree holds them: no build output.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
(cd "$top" && shopt -s nullglob &&
	cp -p --parents Kconfig Kbuild .kunitconfig ./*.c ./*.h \
		kunit/Kbuild kunit/*.[ch] samples/Kbuild samples/*.[ch] \
		"$stage/") || die "staging the sources"
find "$stage" -name '*.mod.c' -delete
rsync -a --delete "$stage/" "$tree/drivers/misc/wsheap/"
log "kunit: tree ready in $(( $(date +%s) - t0 )) s ($tree)"

status=0
for arch in ${KUNIT_ARCHS:-x86_64 um}; do
	bdir="$work/build-$arch"
	t0=$(date +%s)
	rm -f "$bdir/results.kunit.json" "$bdir/test.log"
	case $arch in
	# Two CPUs, as the guests have, so the cases that race kthreads race.
	x86_64) extra=(--kconfig_add=CONFIG_SMP=y "--qemu_args=-smp 2") ;;
	# KUnit's UML defaults turn on PCI over virtio without a device ID,
	# which WARNs at boot (6.12); wsheap needs no PCI.  UML has one CPU.
	um) extra=(--kconfig_add=CONFIG_UML_PCI_OVER_VIRTIO=n) ;;
	*) extra=() ;;
	esac
	log "kunit: kunit.py run --arch=$arch ${extra[*]}"
	(cd "$tree" && python3 tools/testing/kunit/kunit.py run \
		--kunitconfig=drivers/misc/wsheap --arch="$arch" "${extra[@]}" \
		--build_dir="$bdir" --jobs="$(nproc)" --timeout=900 \
		--json="$bdir/results.kunit.json")
	rc=$?
	log "kunit: $arch took $(( $(date +%s) - t0 )) s, kunit.py exit $rc"
	[ $rc = 0 ] || status=1
	if [ -n "$out" ]; then
		mkdir -p "$out/kunit-$arch"
		python3 "$here/results.py" kunit "kunit-$arch" "$out/kunit-$arch" \
			"$bdir/results.kunit.json" "$bdir/test.log" $rc
	fi
done
exit $status
