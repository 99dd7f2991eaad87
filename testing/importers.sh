#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The dma-buf importers tests/importers/ exercises, from Debian's
# linux-image package (unpacked by deps.sh): vgem (DRM PRIME, fences) and
# vivid (V4L2 capture), with every module they depend on (modinfo), in
# load order.  Copies them decompressed (busybox insmod takes plain ELF)
# to OUTDIR/NN-name.ko, NN the order, and prints one SRC:DEST spec a line
# for initramfs.sh.  Prints nothing for a kernel that ships neither.
#   importers.sh MODULES_DIR OUTDIR     MODULES_DIR: .../lib/modules/KREL
set -euo pipefail
mdir=$1
out=$2
rm -rf "$out"
mkdir -p "$out"
[ -d "$mdir/kernel" ] || exit 0

declare -A path=() seen=()
while read -r f; do
	b=$(basename "$f")
	b=${b%%.ko*}
	path[${b//-/_}]=$f
done < <(find "$mdir/kernel" -name '*.ko*')

n=0
# visit NAME: its dependencies first, then NAME itself.
visit() {
	local m=${1//-/_} dep f
	[ -z "${seen[$m]:-}" ] || return 0
	seen[$m]=1
	f=${path[$m]:-}
	[ -n "$f" ] || return 0
	for dep in $(modinfo -F depends "$f" | tr , ' '); do
		visit "$dep"
	done
	n=$((n + 1))
	case $f in
	*.xz) xz -dc "$f" ;;
	*.zst) zstd -dcq "$f" ;;
	*.gz) gzip -dc "$f" ;;
	*) cat "$f" ;;
	esac >"$out/$(printf %02d $n)-$m.ko"
	echo "$out/$(printf %02d $n)-$m.ko:/modules/importers/$(printf %02d $n)-$m.ko"
}
visit vgem
visit vivid
