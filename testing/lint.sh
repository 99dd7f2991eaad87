#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make lint`: checkpatch --strict and sparse on the kernel code, and
# -Werror builds of everything in user space.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$top"
status=0

eval "$("$here/deps.sh")" || exit 1
eval "$("$here/debug-kernel.sh")" || exit 1

# Sources only: an in-tree build leaves *.mod.c files beside them.
mapfile -t kfiles < <(ls wsheap_internal.h wsheap_kernel.h \
	wsheap_*.c kunit/*.c samples/*.c | grep -v '\.mod\.c$')
checkpatch() {
	perl "$DEBUG_SRC/scripts/checkpatch.pl" --strict --no-tree --quiet \
		--ignore FILE_PATH_CHANGES "$@" || status=1
}
log "checkpatch --strict"
checkpatch -f "${kfiles[@]}"
# The UAPI headers are for user space too, which has no BIT().
checkpatch --ignore BIT_MACRO -f wsheap_ioctl.h samples/wsheap_sample.h
# TRACE_EVENT() is laid out the way the kernel's own trace headers are.
checkpatch --ignore PARENTHESIS_ALIGNMENT,OPEN_ENDED_LINE -f wsheap_trace.h
# The compat header is the one place that tests the kernel version.
checkpatch --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f wsheap_compat.h
# The template driver builds out of the tree for any kernel, so it tests
# the version too; its header is UAPI.
checkpatch --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON \
	-f samples/template/wsheap_template.c
checkpatch --ignore BIT_MACRO -f samples/template/wsheap_template.h

# Every exported function's kernel-doc (Context:, Return:) renders
# without a warning.
log "kernel-doc -Wall"
if perl "$DEBUG_SRC/scripts/kernel-doc" -none -Wall "${kfiles[@]}" \
	wsheap_ioctl.h 2>&1 | grep .; then
	status=1
fi

log "sparse (make C=2) against the debug kernel"
out="$top/build/lint"
"$here/build.sh" "$DEBUG_KDIR" "$out" 2>/dev/null || status=1
make -s -C "$DEBUG_KDIR" M="$out" C=2 CF="-D__CHECK_ENDIAN__" modules \
	>"$out/sparse.log" 2>&1 || status=1
if grep -E "(warning|error):" "$out/sparse.log"; then
	status=1
fi

log "call graph of the kernel files"
"$here/callgraph.sh" "$out" || status=1

# The Makefiles leave -Werror out of a distribution's build; lint adds it.
log "user space with -Wall -Wextra -Werror"
WERROR=-Werror "$here/build-user.sh" >"$out/user.log" 2>&1 ||
	{ cat "$out/user.log"; status=1; }
log "libwsheap: no call cycles between its files, man pages"
make -s -C userspace check-layers || status=1
make -s -C userspace man-check || status=1

[ $status = 0 ] && log "lint clean"
exit $status
