/* SPDX-License-Identifier: MIT */
/*
 * memfd_arena: the arena a kernel engineer would build instead of wsheap,
 * written to be as good as it can be, as wsheap's strongest peer.
 *
 * memfd_create() + ftruncate() to the span + one MAP_SHARED mapping of it;
 * an inline bump pointer with the same quota and requested bookkeeping as
 * wsheap's fast path (the quota clamps the fast path's end, so the inline
 * path checks only the room); a reset that punches the pages beyond the trim
 * size out of the file (fallocate(PUNCH_HOLE | KEEP_SIZE)), which zaps them
 * from every process's mappings and frees them.  A reset within the trim
 * size makes no system call.  The file is sealed against shrinking and
 * growing, so a process it is shared with (by passing the descriptor) can
 * neither truncate pages from under the others nor make it larger; sealing
 * against shrinking is also what udmabuf needs to make a dma-buf of it.
 *
 * What it cannot do that wsheap does: see bench/RESULTS.md.
 */
#ifndef BENCH_MEMFD_ARENA_H
#define BENCH_MEMFD_ARENA_H

#include <stddef.h>
#include <stdint.h>

/* Address space of an arena: the file size and the one mapping. */
#define MEMFD_ARENA_SPAN	(64ULL << 30)

/* memfd_arena_create() flags */
#define MEMFD_ARENA_POPULATE	(1U << 0)	/* allocate the trim's pages now */

/**
 * struct memfd_arena - an arena; the first four fields are the fast path's
 * @cur: next free byte (8-byte aligned)
 * @end: where the fast path stops: the mapping's end, or earlier where the
 *	quota (@max_size - @requested) runs out
 * @requested: bytes requested since creation or the last reset
 * @max_size: the quota on @requested
 * @base: the mapping
 * @map_end: its end
 * @trim: bytes a reset keeps (page rounded)
 * @fd: the memfd
 * @page: the page size
 * @syscalls: system calls made since creation (counted by the arena)
 */
struct memfd_arena {
	uintptr_t cur;
	uintptr_t end;
	uint64_t requested;
	uint64_t max_size;
	uintptr_t base;
	uintptr_t map_end;
	uint64_t trim;
	int fd;
	unsigned int page;
	uint64_t syscalls;
};

int memfd_arena_create(struct memfd_arena *a, uint64_t max_size,
		       uint64_t trim, unsigned int flags);
void memfd_arena_destroy(struct memfd_arena *a);
/* Release every allocation; give back what lies beyond the trim size. */
int memfd_arena_reset(struct memfd_arena *a);
/* Map another process's arena from its descriptor (read-write). */
int memfd_arena_map_fd(int fd, void **basep, size_t *lenp);

int memfd_arena_alloc_slow(struct memfd_arena *a, size_t size, size_t align,
			   void **ptr);
/* Extend the last allocation @p from @old to @new bytes in place (0) */
int memfd_arena_grow_slow(struct memfd_arena *a, void *p, size_t old,
			  size_t new_size);

static inline int memfd_arena_alloc(struct memfd_arena *a, size_t size,
				    void **ptr)
{
	uintptr_t p = a->cur;

	if (__builtin_expect(size <= a->end - p, 1)) {
		a->cur = p + ((size + 7) & ~(size_t)7);
		a->requested += size;
		*ptr = (void *)p;
		return 0;
	}
	return memfd_arena_alloc_slow(a, size, 8, ptr);
}

static inline int memfd_arena_alloc_aligned(struct memfd_arena *a,
					    size_t size, size_t align,
					    void **ptr)
{
	uintptr_t p = (a->cur + (align - 1)) & ~(uintptr_t)(align - 1);

	if (__builtin_expect(p >= a->cur && p <= a->end &&
			     size <= a->end - p, 1)) {
		a->cur = p + ((size + 7) & ~(size_t)7);
		a->requested += size;
		*ptr = (void *)p;
		return 0;
	}
	return memfd_arena_alloc_slow(a, size, align, ptr);
}

/*
 * Grow the most recent allocation @p of @old bytes to @new_size in place;
 * -ENOSPC (nothing changed) if it is not the last one or there is no room.
 */
static inline int memfd_arena_grow(struct memfd_arena *a, void *p, size_t old,
				   size_t new_size)
{
	uintptr_t e = (uintptr_t)p + ((old + 7) & ~(size_t)7);
	size_t add = new_size - old;

	if (__builtin_expect(e == a->cur && new_size >= old &&
			     add <= a->end - e, 1)) {
		a->cur = (uintptr_t)p + ((new_size + 7) & ~(size_t)7);
		a->requested += add;
		return 0;
	}
	return memfd_arena_grow_slow(a, p, old, new_size);
}

#endif /* BENCH_MEMFD_ARENA_H */
