// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * The library's version at run time (liburing's io_uring_major_version()
 * and io_uring_check_version() are the model): compiled from the same
 * macros of <wsheap.h> the Makefile reads, so the two always agree.
 */
#include <errno.h>

#include "wsheap_priv.h"

unsigned int wsheap_version(void)
{
	return WSHEAP_LIB_VERSION;
}

int wsheap_check_version(unsigned int major, unsigned int minor)
{
	return major == WSHEAP_LIB_VERSION_MAJOR &&
	       minor <= WSHEAP_LIB_VERSION_MINOR ? 0 : -ENOSYS;
}
