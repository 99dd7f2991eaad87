// SPDX-License-Identifier: MIT
/*
 * wsheap_grow: the grow workload's row for wsheap_grow() (issue 14), which
 * extends the most recent allocation in place.  The Makefile defines
 * BENCH_HAVE_WSHEAP_GROW when <wsheap.h> declares
 * int wsheap_grow(struct wsheap *, void *, size_t); until then the row is
 * reported as skipped.
 */
#include "impl_wsheap.h"

#ifdef BENCH_HAVE_WSHEAP_GROW
static inline char *heap_resize(struct heap *h, char *buf, size_t len,
				size_t *size, size_t need)
{
	if (buf && !wsheap_grow(h->ws, buf, 2 * need)) {
		*size = 2 * need;
		return buf;
	}
	return heap_resize_copy(h, buf, len, size, need);
}
#define IMPL_CAPS	CAP_GROW
#else
#define IMPL_CAPS	0
#define IMPL_GROW_WHY	"libwsheap has no wsheap_grow() yet (issue 14): the row runs once it does"
#endif

#define IMPL_SYM	impl_wsheap_grow
#define IMPL_NAME	"wsheap_grow"
#include "workloads.h"
