# SPDX-License-Identifier: GPL-2.0
# The demo plan for `make run`.
. /lib.sh
echo "wsheap demo guest: $(uname -sr)"
step insmod:wsheap insmod /modules/wsheap.ko
ls -l /dev/wsheap
for d in /demo/*; do
	[ -x "$d" ] || continue
	step "demo:$(basename "$d")" "$d"
done
step rmmod:wsheap rmmod wsheap
