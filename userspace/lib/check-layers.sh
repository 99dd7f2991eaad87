#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
#
# check-layers.sh OBJ...: no call cycles between the library's source files.
# An object depends on another when it uses a symbol the other defines
# (nm); tsort(1) fails on a cycle.  Prints the files lowest layer first.
set -eu
defs=$(mktemp)
edges=$(mktemp)
trap 'rm -f "$defs" "$edges"' EXIT

for o in "$@"; do
	nm --defined-only "$o" |
		awk -v f="$(basename "$o" .o)" '$2 ~ /^[TDBRV]$/ { print $3, f }'
done | sort -u >"$defs"

for o in "$@"; do
	f=$(basename "$o" .o)
	echo "$f $f"
	nm --undefined-only "$o" | awk '{ print $2 }' |
		awk -v f="$f" 'NR == FNR { def[$1] = $2; next }
			       ($1 in def) && def[$1] != f { print f, def[$1] }' \
			"$defs" -
done | sort -u >"$edges"

order=$(tsort "$edges") || exit 1
echo "$order" | tac | tr '\n' ' '
echo
