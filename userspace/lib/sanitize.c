// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * What AddressSanitizer and Valgrind's memcheck are told about a heap, so
 * that a use of memory a reset released is reported even inside the trim,
 * where the page stays mapped and the kernel cannot fault it.
 *
 * Built with -fsanitize=address, the library poisons every block it maps,
 * unpoisons each allocation, and poisons the generation's blocks again
 * when the generation ends (a reset, in place or by the kernel, or one by
 * another party that the library notices).  Under Valgrind (the client
 * requests cost a few instructions outside it), each heap is a mempool:
 * blocks are made inaccessible, allocations are MEMPOOL_ALLOC chunks, and
 * the end of a generation trims them all away (MEMPOOL_TRIM), so memcheck
 * reports a later access as one to freed memory.  Either way the inline
 * path stays off (wsheap__san_active()): every allocation goes through the
 * slow path, which tells the tool.  Memory that wsheap_ptr() hands out, on
 * behalf of other parties, is made accessible.  Unmapped ranges are
 * forgotten, since the address space may be reused by anyone.
 *
 * The bottom layer: it calls nothing else of the library.
 */
#include "wsheap_priv.h"

#if defined(__SANITIZE_ADDRESS__)
#define WSHEAP_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WSHEAP_ASAN	1
#endif
#endif

#ifdef WSHEAP_ASAN
#include <sanitizer/asan_interface.h>
#endif

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/valgrind.h>
#include <valgrind/memcheck.h>
#define WSHEAP_VALGRIND	1
#endif
#endif

#ifdef WSHEAP_VALGRIND
#define ON_VALGRIND()	(RUNNING_ON_VALGRIND != 0)
#else
#define ON_VALGRIND()	false
#endif

bool wsheap__san_active(void)
{
#ifdef WSHEAP_ASAN
	return true;
#else
	return ON_VALGRIND();
#endif
}

/* Nothing of [@p, @p + @len) may be touched. */
static void forbid(uintptr_t p, uint64_t len)
{
#ifdef WSHEAP_ASAN
	ASAN_POISON_MEMORY_REGION((void *)p, len);
#endif
#ifdef WSHEAP_VALGRIND
	if (ON_VALGRIND())
		VALGRIND_MAKE_MEM_NOACCESS((void *)p, len);
#endif
	(void)p;
	(void)len;
}

void wsheap__san_heap_new(struct wsheap_impl *h)
{
#ifdef WSHEAP_VALGRIND
	if (ON_VALGRIND())
		VALGRIND_CREATE_MEMPOOL(h, 0, 0);
#endif
	(void)h;
}

void wsheap__san_heap_end(struct wsheap_impl *h)
{
#ifdef WSHEAP_VALGRIND
	if (ON_VALGRIND())
		VALGRIND_DESTROY_MEMPOOL(h);
#endif
	(void)h;
}

/* A block of the current generation: nothing in it is handed out yet. */
void wsheap__san_block(struct wsheap_impl *h, uintptr_t base, uint64_t len)
{
	if (h->san)
		forbid(base, len);
}

/*
 * What a rewind released: [@p, @p + @len) may not be touched.  (Under
 * Valgrind its chunks stay in the pool until the generation ends; the
 * memory is inaccessible all the same.)
 */
void wsheap__san_release(uintptr_t p, uint64_t len)
{
	forbid(p, len);
}

/* An allocation of @size (> 0) bytes at @p. */
void wsheap__san_alloc(struct wsheap_impl *h, uintptr_t p, uint64_t size)
{
#ifdef WSHEAP_ASAN
	ASAN_UNPOISON_MEMORY_REGION((void *)p, size);
#endif
#ifdef WSHEAP_VALGRIND
	if (ON_VALGRIND())
		VALGRIND_MEMPOOL_ALLOC(h, (void *)p, size);
#endif
	(void)h;
	(void)p;
	(void)size;
}

/* The generation ends: everything it handed out is released. */
void wsheap__san_reset(struct wsheap_impl *h)
{
	uint32_t i;

	if (!h->san)
		return;
#ifdef WSHEAP_VALGRIND
	/* no chunk lies inside [0, 0): all are freed and made inaccessible */
	if (ON_VALGRIND())
		VALGRIND_MEMPOOL_TRIM(h, 0, 0);
#endif
	for (i = 0; i < h->blks.n; i++)
		forbid(h->blks.v[i].base, h->blks.v[i].len);
	for (i = 0; i < h->spare.n; i++)
		forbid(h->spare.v[i].base, h->spare.v[i].len);
}

/* The allocation at @p changes from @old_size to @new_size bytes. */
void wsheap__san_resize(struct wsheap_impl *h, uintptr_t p, uint64_t old_size,
			uint64_t new_size)
{
	if (!h->san)
		return;
#ifdef WSHEAP_ASAN
	ASAN_UNPOISON_MEMORY_REGION((void *)p, new_size);
	if (old_size > ((new_size + 7) & ~(uint64_t)7))
		forbid(p + ((new_size + 7) & ~(uint64_t)7),
		       old_size - ((new_size + 7) & ~(uint64_t)7));
#endif
#ifdef WSHEAP_VALGRIND
	if (ON_VALGRIND())
		VALGRIND_MEMPOOL_CHANGE(h, (void *)p, (void *)p, new_size);
#endif
	(void)p;
	(void)old_size;
	(void)new_size;
}

/* [@p, @p + @len) holds what another party may have written: usable. */
void wsheap__san_unpoison(uintptr_t p, uint64_t len)
{
#ifdef WSHEAP_ASAN
	ASAN_UNPOISON_MEMORY_REGION((void *)p, len);
#endif
#ifdef WSHEAP_VALGRIND
	if (ON_VALGRIND())
		VALGRIND_MAKE_MEM_DEFINED((void *)p, len);
#endif
	(void)p;
	(void)len;
}

/* [@p, @p + @len) is unmapped: its address space is anyone's again. */
void wsheap__san_forget(uintptr_t p, uint64_t len)
{
#ifdef WSHEAP_ASAN
	ASAN_UNPOISON_MEMORY_REGION((void *)p, len);
#endif
	/* memcheck tracks munmap() itself */
	(void)p;
	(void)len;
}
