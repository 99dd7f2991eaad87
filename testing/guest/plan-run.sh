# SPDX-License-Identifier: GPL-2.0
# The demo plan for `make run`.
. /lib.sh
echo "wsheap demo guest: $(uname -sr)"
step insmod:wsheap insmod /modules/wsheap.ko
step insmod:wsheap_sample insmod /modules/wsheap_sample.ko
ls -l /dev/wsheap /dev/wsheap_sample
for d in /demo/*; do
	[ -x "$d" ] || continue
	step "demo:$(basename "$d")" "$d"
done
step rmmod:wsheap_sample rmmod wsheap_sample
step rmmod:wsheap rmmod wsheap
