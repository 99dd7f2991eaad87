// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for libwsheap.so.1 as release 1.0 built it, for the loader
 * checks of abi-check.sh: the soname, the LIBWSHEAP_1.0 version node only,
 * and heap objects of layout 1 (four fields, then the library's own state)
 * over malloc()ed blocks instead of /dev/wsheap.  Just what the clients
 * use: wsheap_create(), the slow path, wsheap_free().
 */
#include <errno.h>
#include <stdlib.h>

#include "wsheap_v1.h"

#define BLOCK	(64 << 10)

/* The 1.0 object: layout 1, then private state (no gen_ptr, no gen). */
struct wsheap {
	struct wsheap_v1 pub;
	char *block;
};

int wsheap_create(void *ctx, uint64_t max_size, uint64_t trim_size,
		  unsigned int flags, struct wsheap **heapp)
{
	struct wsheap *h;

	(void)ctx;
	(void)trim_size;
	if (flags)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->block = malloc(BLOCK);
	if (!h->block) {
		free(h);
		return -ENOMEM;
	}
	h->pub.cur = (uintptr_t)h->block;
	h->pub.end = h->pub.cur + BLOCK;
	h->pub.max_size = max_size;
	*heapp = h;
	return 0;
}

/* One block and no growth: what does not fit inline fails. */
int __wsheap_alloc_slow(struct wsheap *h, size_t size, size_t align,
			void **ptr)
{
	(void)align;
	if (!h || !ptr)
		return -EINVAL;
	return size > h->pub.max_size - h->pub.requested ? -ENOSPC : -ENOMEM;
}

int wsheap_free(struct wsheap *h)
{
	if (h)
		free(h->block);
	free(h);
	return 0;
}
