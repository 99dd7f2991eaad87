// SPDX-License-Identifier: MIT
/*
 * wsheap: libwsheap's native API (impl_wsheap.h).  Its grow row builds with
 * what the library offers today: a new buffer twice the size and a copy.
 */
#include "impl_wsheap.h"

static inline char *heap_resize(struct heap *h, char *buf, size_t len,
				size_t *size, size_t need)
{
	return heap_resize_copy(h, buf, len, size, need);
}

#define IMPL_SYM	impl_wsheap
#define IMPL_NAME	"wsheap"
#define IMPL_CAPS	(CAP_TRIM | CAP_TOUCH | CAP_GROW)
#include "workloads.h"
