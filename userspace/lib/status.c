// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * The status page: the kernel's read-only page of a heap that tells every
 * party (process, or heap object of the same kernel heap) of a reset
 * without a system call.
 *
 * An exported or imported heap maps it and points pub.gen_ptr at its
 * generation, so the inline fast path notices a reset by another party with
 * one load.  What must hold together (the committed size, the DEAD flag,
 * a generation whose reset is over) is read under the page's sequence
 * counter (ABI 2; a module of ABI 1 leaves it 0, so one pass reads).
 */
#include <errno.h>
#include <sched.h>
#include <sys/mman.h>

#include "wsheap_priv.h"

/* The heap's status page, mapped on first use (race-free, once per heap). */
int wsheap__status_get(struct wsheap_impl *h, struct wsheap_status **stp)
{
	struct wsheap_status *st, *expected = NULL;
	void *p;

	st = __wsheap_load_acquire(&h->status);
	if (st) {
		*stp = st;
		return 0;
	}
	p = wsheap__mmap(h, NULL, h->ctx->page_size, PROT_READ, MAP_SHARED,
			 h->ctx->fd, h->mmap_offset + WSHEAP_STATUS_OFFSET);
	if (p == MAP_FAILED)
		return -errno;
	st = p;
	if (!__wsheap_cmpxchg_acq_rel(&h->status, &expected, st)) {
		/* Another thread mapped it first. */
		wsheap__munmap(h, (uintptr_t)p, h->ctx->page_size);
		st = expected;
	}
	*stp = st;
	return 0;
}

void wsheap__status_unmap(struct wsheap_impl *h)
{
	if (h->status) {
		wsheap__munmap(h, (uintptr_t)h->status, h->ctx->page_size);
		h->status = NULL;
	}
}

/*
 * The status page as of no reset or destruction under way: wait while the
 * sequence counter is odd, read, and read again if it moved meanwhile (the
 * seqcount reader of perf's mmap page and the vDSO).  Resets give pages
 * back and zero them while it is odd, which takes a while: yield.
 */
void wsheap__status_read(const struct wsheap_status *st,
			 struct wsheap_status *out)
{
	uint64_t seq;

	do {
		while ((seq = __wsheap_load_acquire(&st->sequence)) & 1)
			sched_yield();
		out->generation = __wsheap_load_relaxed(&st->generation);
		out->committed = __wsheap_load_relaxed(&st->committed);
		out->flags = __wsheap_load_relaxed(&st->flags);
		__wsheap_fence_acquire();
	} while (__wsheap_load_relaxed(&st->sequence) != seq);
	out->sequence = seq;
}

/*
 * May offsets up to @end be touched now?  0, -ENOENT (the heap was
 * destroyed) or -ENXIO (beyond what the heap has committed: SIGBUS).
 */
int wsheap__status_range(const struct wsheap_status *st, uint64_t end)
{
	struct wsheap_status s;

	wsheap__status_read(st, &s);
	if (s.flags & WSHEAP_STATUS_DEAD)
		return -ENOENT;
	return end > s.committed ? -ENXIO : 0;
}

/*
 * Point the fast path at the status page (writable heaps only).  pub.gen
 * stays the generation of the current block, so if the heap was reset
 * meanwhile the next allocation takes the slow path and drops the block.
 */
void wsheap__use_status(struct wsheap_impl *h, struct wsheap_status *st)
{
	if (h->rdonly)
		return;
	__wsheap_store_release(&h->pub.gen_ptr,
			       (const uint64_t *)(const void *)&st->generation);
}
