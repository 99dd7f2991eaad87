// SPDX-License-Identifier: MIT
/*
 * memfd_arena: creation, the slow paths and the reset (see memfd_arena.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memfd_arena.h"

#define ALIGN_UP(x, a)	(((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))

/*
 * Where the inline path must stop: the mapping's end, or earlier where the
 * quota runs out.  The inline path takes the size rounded up to 8 and adds
 * the size to requested; with end - cur a multiple of 8 and at most
 * max_size - requested, the rounded size fits whenever the size does, so
 * no inline allocation can exceed the quota (wsheap's set_limit()).
 */
static void set_limit(struct memfd_arena *a)
{
	uint64_t room = (a->max_size - a->requested) & ~(uint64_t)7;

	a->end = a->map_end - a->cur > room ? a->cur + room : a->map_end;
}

int memfd_arena_create(struct memfd_arena *a, uint64_t max_size,
		       uint64_t trim, unsigned int flags)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *p;
	int ret;

	memset(a, 0, sizeof(*a));
	a->page = (unsigned int)pg;
	a->trim = ALIGN_UP(trim < MEMFD_ARENA_SPAN ? trim : MEMFD_ARENA_SPAN,
			   (uint64_t)pg);
	a->max_size = max_size;
	a->fd = memfd_create("memfd_arena", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	a->syscalls++;
	if (a->fd < 0)
		return -errno;
	a->syscalls += 3;
	if (ftruncate(a->fd, (off_t)MEMFD_ARENA_SPAN) ||
	    fcntl(a->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		goto fail;
	p = mmap(NULL, MEMFD_ARENA_SPAN, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_NORESERVE, a->fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	if ((flags & MEMFD_ARENA_POPULATE) && a->trim) {
		a->syscalls++;
		if (madvise(p, a->trim, MADV_POPULATE_WRITE)) {
			munmap(p, MEMFD_ARENA_SPAN);
			goto fail;
		}
	}
	a->base = a->cur = (uintptr_t)p;
	a->map_end = a->base + MEMFD_ARENA_SPAN;
	set_limit(a);
	return 0;
fail:
	ret = -errno;
	close(a->fd);
	a->fd = -1;
	return ret;
}

void memfd_arena_destroy(struct memfd_arena *a)
{
	if (a->base)
		munmap((void *)a->base, MEMFD_ARENA_SPAN);
	if (a->fd >= 0)
		close(a->fd);
	a->syscalls += 2;
	a->base = a->cur = a->end = 0;
	a->fd = -1;
}

/*
 * The cursor is the generation's high-water mark (a bump pointer only
 * moves up), and a reset leaves nothing backed beyond the trim size: so
 * the pages to give back are exactly [trim, cur).  Punching them zaps them
 * in every process that maps the file, then frees them.
 */
int memfd_arena_reset(struct memfd_arena *a)
{
	uint64_t used = ALIGN_UP((uint64_t)(a->cur - a->base),
				 (uint64_t)a->page);

	if (used > a->trim) {
		a->syscalls++;
		if (fallocate(a->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)a->trim, (off_t)(used - a->trim)))
			return -errno;
	}
	a->cur = a->base;
	a->requested = 0;
	set_limit(a);
	return 0;
}

int memfd_arena_alloc_slow(struct memfd_arena *a, size_t size, size_t align,
			   void **ptr)
{
	uintptr_t p;
	size_t rsz;

	if (align & (align - 1))
		return -EINVAL;
	if (align < 8)
		align = 8;
	if (size > a->max_size - a->requested)
		return -ENOSPC;
	rsz = (size + 7) & ~(size_t)7;
	if (rsz < size)
		return -ENOMEM;
	p = ALIGN_UP(a->cur, (uintptr_t)align);
	if (p < a->cur || p > a->map_end || rsz > a->map_end - p)
		return -ENOMEM;
	/* The rounding the inline path leaves out, or an alignment. */
	a->cur = p + rsz;
	a->requested += size;
	set_limit(a);
	*ptr = (void *)p;
	return 0;
}

int memfd_arena_grow_slow(struct memfd_arena *a, void *p, size_t old,
			  size_t new_size)
{
	uintptr_t e = (uintptr_t)p + ((old + 7) & ~(size_t)7);
	size_t add = new_size - old;

	if (new_size < old || e != a->cur)
		return -EINVAL;
	if (add > a->max_size - a->requested)
		return -ENOSPC;
	if (((new_size + 7) & ~(size_t)7) - ((old + 7) & ~(size_t)7) >
	    a->map_end - e)
		return -ENOSPC;
	a->cur = (uintptr_t)p + ((new_size + 7) & ~(size_t)7);
	a->requested += add;
	set_limit(a);
	return 0;
}

int memfd_arena_map_fd(int fd, void **basep, size_t *lenp)
{
	struct stat st;
	void *p;

	if (fstat(fd, &st))
		return -errno;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*basep = p;
	*lenp = (size_t)st.st_size;
	return 0;
}
