// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * wsheap_strerror(): what an error of the library means and, where the
 * user can do something about it, what to do.  The messages are the
 * library's own (no locale): the WWSAPI layer puts them in WS_ERRORs too.
 */
#include <errno.h>
#include <stdio.h>

#include "wsheap_priv.h"

const char *wsheap_strerror(int err)
{
	static _Thread_local char other[32];

	switch (err < 0 ? -err : err) {
	case 0:
		return "success";
	case ENOENT:
		return WSHEAP_DEVICE " does not exist: the wsheap kernel module is not loaded (load it with: modprobe wsheap)";
	case ENODEV:
		return "no driver behind " WSHEAP_DEVICE ": the wsheap kernel module is not loaded (load it with: modprobe wsheap)";
	case EACCES:
		return "permission denied on " WSHEAP_DEVICE ": the user must be in group \"wsheap\", which the udev rule 60-wsheap.rules gives read-write access (groupadd --system wsheap; usermod -aG wsheap USER; log in again)";
	case EPROTO:
		return "the loaded wsheap module speaks another ABI version than this libwsheap: install matching versions";
	case EOPNOTSUPP:
		return "not supported by the loaded wsheap module";
	case ENOMEM:
		return "out of memory, or the heap's address span is used up";
	case ENOSPC:
		return "the heap's quota (max_size) would be exceeded";
	case EDQUOT:
		return "the /dev/wsheap context's byte limit (max_bytes_per_context) is reached";
	case EMFILE:
		return "too many heaps in the context (max_heaps_per_context) or too many open files";
	case ENFILE:
		return "too many open files in the system";
	case EPERM:
		return "not permitted: the heap is read-only here (imported from a read-only export)";
	case EBUSY:
		return "busy: a kernel driver has allocations of the heap pinned";
	case ESTALE:
		return "another party reset the heap since: the memory is no longer an allocation";
	case ENXIO:
		return "no such device or address (from wsheap_ptr(): the range is not committed now)";
	case EBADF:
		return "bad file descriptor";
	case EINVAL:
		return "invalid argument";
	case ENOSYS:
		return "not provided by this version of libwsheap";
	default:
		snprintf(other, sizeof(other), "error %d", err < 0 ? -err : err);
		return other;
	}
}
