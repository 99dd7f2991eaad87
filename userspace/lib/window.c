// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * Mapping windows: the mmap()s through which a heap's offsets are reached,
 * and the counted mmap()/munmap() every mapping of a heap goes through.
 *
 * The kernel places the blocks of a generation one after the other from
 * offset 0, so offsets repeat after every reset.  A block is reached through
 * a window, an mmap() of a range of the heap's offsets.  A block that no
 * window covers gets a prefix window [0, X), X four times the power of two
 * at or above the block's end (at least 64 KiB, at most the heap's span): it
 * is address space only, the kernel installs pages on touch, and the library
 * never touches a page it has no block for.  So a growing heap maps O(log n)
 * windows, the largest covers every block of the next generations, and a
 * reset loop makes no mmap() at all.  Over-aligned blocks (alignment above
 * the page size) get a window of their own, placed at an aligned address.  A
 * reset unmaps the windows no block used in the generation that ends (unless
 * that generation took no block at all), so the windows of a heap are those
 * of at most two generations.  Pages the kernel frees at a reset are zapped
 * from the windows by the kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "wsheap_priv.h"

void *wsheap__mmap(struct wsheap_impl *h, void *addr, uint64_t len, int prot,
		   int flags, int fd, uint64_t off)
{
	COUNT_ADD(h->mmaps, 1);
	COUNT_ADD(h->ctx->mmaps, 1);
	return mmap(addr, len, prot, flags, fd, (off_t)off);
}

void wsheap__munmap(struct wsheap_impl *h, uintptr_t va, uint64_t len)
{
	COUNT_ADD(h->munmaps, 1);
	COUNT_ADD(h->ctx->munmaps, 1);
	munmap((void *)va, len);
	wsheap__san_forget(va, len);
}

/* The offsets [0, X) of a new prefix window for a block ending at @end. */
static uint64_t prefix_len(const struct wsheap_impl *h, uint64_t end)
{
	uint64_t x = WSHEAP_BLOCK_MIN;

	if (x < h->ctx->page_size)
		x = h->ctx->page_size;
	while (x < end && x < h->data_span)
		x <<= 1;
	if (x <= h->data_span / 4)
		x <<= 2;
	else
		x = h->data_span;
	return x < end ? end : x;
}

/* Map heap offsets [off, off + len) at @addr (or anywhere). */
static void *map_at(struct wsheap_impl *h, void *addr, uint64_t off,
		    uint64_t len, int extra_flags)
{
	return wsheap__mmap(h, addr, len, h->prot, MAP_SHARED | extra_flags,
			    h->ctx->fd, h->mmap_offset + off);
}

static int window_add(struct wsheap_impl *h, uint64_t off, uint64_t len,
		      uintptr_t va)
{
	struct wsheap_window *w = malloc(sizeof(*w));

	if (!w) {
		wsheap__munmap(h, va, len);
		return -ENOMEM;
	}
	w->off = off;
	w->len = len;
	w->va = va;
	w->last_gen = h->gen;
	w->next = h->windows;
	h->windows = w;
	COUNT_ADD(h->nwindows, 1);
	COUNT_ADD(h->mapped_bytes, len);
	return 0;
}

/* Map heap bytes [off, off + len) at an address aligned to @align. */
static int window_map_aligned(struct wsheap_impl *h, uint64_t off,
			      uint64_t len, uint64_t align, uintptr_t *vap)
{
	uintptr_t res, va;
	void *p;

	if (len + align < len)
		return -ENOMEM;
	p = wsheap__mmap(h, NULL, len + align, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	res = (uintptr_t)p;
	va = ALIGN_UP(res, (uintptr_t)align);

	p = map_at(h, (void *)va, off, len, MAP_FIXED);
	if (p == MAP_FAILED) {
		int ret = -errno;

		wsheap__munmap(h, res, len + align);
		return ret;
	}
	if (va > res)
		wsheap__munmap(h, res, va - res);
	if (res + len + align > va + len)
		wsheap__munmap(h, va + len, res + len + align - (va + len));

	*vap = va;
	return window_add(h, off, len, va);
}

static int window_map_plain(struct wsheap_impl *h, uint64_t off, uint64_t len,
			    uintptr_t *vap)
{
	void *p = map_at(h, NULL, off, len, 0);

	if (p == MAP_FAILED)
		return -errno;
	*vap = (uintptr_t)p;
	return window_add(h, off, len, (uintptr_t)p);
}

/*
 * The address of heap bytes [off, off + len), mapping them if needed.  @off
 * need not be page aligned (wsheap_ptr()); blocks are.
 */
int wsheap__window_map(struct wsheap_impl *h, uint64_t off, uint64_t len,
		       uint64_t align, uintptr_t *vap)
{
	uint64_t pg = h->ctx->page_size, x, start;
	struct wsheap_window *w;
	uintptr_t va;
	int ret;

	for (w = h->windows; w; w = w->next) {
		if (off < w->off || off + len > w->off + w->len)
			continue;
		va = w->va + (off - w->off);
		if (va & (align - 1))
			continue;
		w->last_gen = h->gen;
		*vap = va;
		return 0;
	}

	if (align > pg)
		return window_map_aligned(h, off, len, align, vap);

	x = prefix_len(h, off + len);
	ret = window_map_plain(h, 0, x, &va);
	if (!ret) {
		*vap = va + off;
		return 0;
	}
	/* No room for the prefix: map just the pages of the range. */
	start = off & ~(pg - 1);
	ret = window_map_plain(h, start, ALIGN_UP(off + len, pg) - start, &va);
	if (!ret)
		*vap = va + (off - start);
	return ret;
}

/* The heap offset of address @va: 0, or -EINVAL if no window holds it. */
int wsheap__window_offset(struct wsheap_impl *h, uintptr_t va,
			  uint64_t *offset)
{
	struct wsheap_window *w;

	for (w = h->windows; w; w = w->next) {
		if (va >= w->va && va - w->va < w->len) {
			*offset = w->off + (va - w->va);
			return 0;
		}
	}
	return -EINVAL;
}

/* The window that holds @va is in use in the current generation. */
void wsheap__window_touch(struct wsheap_impl *h, uintptr_t va)
{
	struct wsheap_window *w;

	for (w = h->windows; w; w = w->next)
		if (va >= w->va && va - w->va < w->len)
			w->last_gen = h->gen;
}

/* Unmap the windows no block used in the generation that is ending. */
void wsheap__windows_prune(struct wsheap_impl *h)
{
	struct wsheap_window **pw = &h->windows, *w;

	if (!h->blocks)
		return;	/* an idle generation says nothing about the next */

	while ((w = *pw)) {
		if (w->last_gen < h->gen) {
			*pw = w->next;
			wsheap__munmap(h, w->va, w->len);
			COUNT_SUB(h->nwindows, 1);
			COUNT_SUB(h->mapped_bytes, w->len);
			free(w);
		} else {
			pw = &w->next;
		}
	}
}

void wsheap__windows_unmap_all(struct wsheap_impl *h)
{
	struct wsheap_window *w, *next;

	for (w = h->windows; w; w = next) {
		next = w->next;
		wsheap__munmap(h, w->va, w->len);
		free(w);
	}
	h->windows = NULL;
	h->nwindows = 0;
	h->mapped_bytes = 0;
}
