// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * WWSAPI heaps on top of the native API: WsCreateHeap, WsAlloc, WsResetHeap,
 * WsFreeHeap, WsGetHeapProperty; and the extensions (not Windows) that
 * share heaps between processes: WsheapExportHeap, WsheapImportHeap,
 * WsheapExportDmabuf, WsheapGetHeapGeneration, WsheapGetHeapPointer,
 * WsheapGetHeapOffset; and savepoints, WsheapMarkHeap and WsheapRewindHeap.
 *
 * maxSize bounds the sum of the exact sizes requested, as on Windows: this
 * layer counts them itself (the native quota counts sizes rounded up to 8,
 * so the native heap gets none); trimSize is the native (kernel) trim size.
 *
 * WS_HEAP_PROPERTY_ACTUAL_SIZE reports Windows' block model, computed next
 * to the real (larger, page-granular) kernel blocks: the first block is 128
 * bytes, each further block twice the previous one or as large as the
 * request that needs it, requests are rounded up to 8 bytes, carry no header
 * and never straddle blocks.  A reset keeps the first block and then further
 * blocks in order while everything kept still fits in trimSize.  A
 * zero-size request takes no block.  A reset by another process that shares
 * the heap, once the native heap noticed it, resets the model too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsheap_priv.h"
#include "ws_priv.h"

#define WS_HEAP_MAGIC		0x50414548u	/* "HEAP" */
#define MODEL_FIRST_BLOCK	((SIZE_T)128)
#define MODEL_MAX_BLOCKS	64

struct _WS_HEAP {
	uint32_t magic;
	struct wsheap *heap;
	SIZE_T max_size;
	SIZE_T trim_size;
	SIZE_T requested;	/* exact sizes since the last reset */

	/* Windows' block model, for ACTUAL_SIZE */
	ULONG nblocks;		/* blocks held */
	ULONG cur;		/* the block being filled (if nblocks) */
	SIZE_T used;		/* bytes used in blocks[cur] */
	SIZE_T actual;		/* sum of blocks[] */
	SIZE_T blocks[MODEL_MAX_BLOCKS];
	uint64_t foreign_seen;	/* the native heap's foreign_resets, modelled */
};

static SIZE_T sat_add(SIZE_T a, SIZE_T b)
{
	return a + b < a ? SIZE_MAX : a + b;
}

static void model_alloc(WS_HEAP *h, SIZE_T size)
{
	SIZE_T r, nb;
	ULONG i;

	if (size == 0)
		return;
	r = size > SIZE_MAX - 7 ? SIZE_MAX : (size + 7) & ~(SIZE_T)7;

	if (h->nblocks) {
		if (r <= h->blocks[h->cur] - h->used) {
			h->used += r;
			return;
		}
		/* Blocks kept by a reset come next, in order. */
		for (i = h->cur + 1; i < h->nblocks; i++) {
			if (r <= h->blocks[i]) {
				h->cur = i;
				h->used = r;
				return;
			}
		}
	}

	if (h->nblocks == 0) {
		nb = MODEL_FIRST_BLOCK;
	} else {
		nb = h->blocks[h->nblocks - 1];
		nb = nb > SIZE_MAX / 2 ? SIZE_MAX : nb * 2;
	}
	if (nb < r)
		nb = r;

	if (h->nblocks == MODEL_MAX_BLOCKS) {
		/* Unreachable with doubling sizes; stay saturated. */
		h->cur = h->nblocks - 1;
		h->used = h->blocks[h->cur];
		h->actual = SIZE_MAX;
		return;
	}
	h->blocks[h->nblocks] = nb;
	h->cur = h->nblocks++;
	h->used = r;
	h->actual = sat_add(h->actual, nb);
}

static void model_reset(WS_HEAP *h)
{
	SIZE_T kept;
	ULONG n;

	if (h->nblocks == 0)
		return;
	kept = h->blocks[0];	/* the first block is always kept */
	for (n = 1; n < h->nblocks; n++) {
		if (sat_add(kept, h->blocks[n]) > h->trim_size)
			break;
		kept += h->blocks[n];
	}
	h->nblocks = n;
	h->cur = 0;
	h->used = 0;
	h->actual = kept;
}

/* Another process reset the shared heap: so does the model. */
static inline void model_foreign_resets(WS_HEAP *h)
{
	uint64_t n = COUNT_READ(to_impl(h->heap)->foreign_resets);

	if (__builtin_expect(n != h->foreign_seen, 0)) {
		h->foreign_seen = n;
		h->requested = 0;
		model_reset(h);
	}
}

static HRESULT hr_from_errno(int err)
{
	switch (err) {
	case -ENOSPC:
		return WS_E_QUOTA_EXCEEDED;
	case -ENOMEM:
	case -EDQUOT:
	case -EMFILE:
	case -ENFILE:
	case -EFBIG:
	case -EOVERFLOW:
		return E_OUTOFMEMORY;
	case -EINVAL:
		return E_INVALIDARG;
	case -EBADF:
		return E_INVALIDARG;
	case -EBUSY:
	case -EPERM:
	case -ESTALE:
		return WS_E_INVALID_OPERATION;
	case -EOPNOTSUPP:
		return WS_E_NOT_SUPPORTED;
	default:
		return E_FAIL;
	}
}

/* A failure to open /dev/wsheap: its message says what to do. */
static bool device_error(int err)
{
	return err == -ENOENT || err == -ENODEV || err == -EACCES;
}

HRESULT WINAPI WsCreateHeap(SIZE_T maxSize, SIZE_T trimSize,
			    const WS_HEAP_PROPERTY *properties,
			    ULONG propertyCount, WS_HEAP **heap,
			    WS_ERROR *error)
{
	WS_HEAP *h;
	int ret;

	(void)properties;	/* ignored when propertyCount is 0 */
	if (!heap)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsCreateHeap: the heap out-pointer is NULL");
	if (propertyCount)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsCreateHeap: propertyCount is %u, but heap properties are reserved: it must be 0",
				       (unsigned int)propertyCount);

	h = calloc(1, sizeof(*h));
	if (!h)
		return wsheap__ws_fail(error, E_OUTOFMEMORY,
				       "WsCreateHeap: out of memory for the heap object");

	ret = wsheap_create(NULL, UINT64_MAX, trimSize, 0, &h->heap);
	if (ret) {
		free(h);
		if (device_error(ret))
			return wsheap__ws_fail(error, E_FAIL,
					       "WsCreateHeap: cannot open %s: %s",
					       WSHEAP_DEVICE, wsheap_strerror(ret));
		return wsheap__ws_fail(error, hr_from_errno(ret),
				       "WsCreateHeap: cannot create a heap: %s",
				       wsheap_strerror(ret));
	}

	h->magic = WS_HEAP_MAGIC;
	h->max_size = maxSize;
	h->trim_size = trimSize;
	*heap = h;
	return S_OK;
}

/*
 * WsAlloc's failures, out of line: the message buffers would otherwise give
 * every allocation a large stack frame (and a stack-protector canary).
 */
static __attribute__((noinline, cold)) HRESULT
ws_alloc_fail(WS_HEAP *heap, SIZE_T size, int ret, WS_ERROR *error)
{
	if (ret == -ENOSPC)
		return wsheap__ws_fail(error, WS_E_QUOTA_EXCEEDED,
				       "WsAlloc: allocating %zu bytes would exceed the heap's maximum size of %zu bytes (%zu bytes are already allocated)",
				       size, heap->max_size, heap->requested);
	return wsheap__ws_fail(error, hr_from_errno(ret),
			       "WsAlloc: cannot allocate %zu bytes: %s",
			       size, wsheap_strerror(ret));
}

/*
 * Over the quota, unless another process reset the shared heap and the
 * native heap has not noticed yet: ask it (no system call once it maps the
 * status page), and count the reset first.
 */
static __attribute__((noinline, cold)) bool
quota_after_refresh(WS_HEAP *heap, SIZE_T size)
{
	/* (a heap nobody shares would map its status page for nothing) */
	if (!__wsheap_load_relaxed(&to_impl(heap->heap)->share) ||
	    wsheap_refresh(heap->heap) <= 0)
		return false;
	model_foreign_resets(heap);
	return size <= heap->max_size - heap->requested;
}

HRESULT WINAPI WsAlloc(WS_HEAP *heap, SIZE_T size, void **ptr, WS_ERROR *error)
{
	void *p;
	int ret;

	if (!heap)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsAlloc: the heap is NULL");
	if (!ptr)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsAlloc: the out-pointer is NULL");

	if (__builtin_expect(size > heap->max_size - heap->requested, 0) &&
	    !quota_after_refresh(heap, size))
		return ws_alloc_fail(heap, size, -ENOSPC, error);
	ret = wsheap_alloc(heap->heap, size, &p);
	if (ret)
		return ws_alloc_fail(heap, size, ret, error);

	model_foreign_resets(heap);
	heap->requested += size;
	model_alloc(heap, size);
	*ptr = p;
	return S_OK;
}

HRESULT WINAPI WsResetHeap(WS_HEAP *heap, WS_ERROR *error)
{
	int ret;

	if (!heap)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsResetHeap: the heap is NULL");

	ret = wsheap_reset(heap->heap);
	if (ret)
		return wsheap__ws_fail(error, hr_from_errno(ret),
				       "WsResetHeap: cannot reset the heap: %s",
				       wsheap_strerror(ret));
	model_foreign_resets(heap);
	model_reset(heap);
	heap->requested = 0;
	return S_OK;
}

void WINAPI WsFreeHeap(WS_HEAP *heap)
{
	if (!heap)
		return;
	wsheap_free(heap->heap);
	heap->magic = 0;
	free(heap);
}

HRESULT WINAPI WsGetHeapProperty(WS_HEAP *heap, WS_HEAP_PROPERTY_ID id,
				 void *value, ULONG valueSize, WS_ERROR *error)
{
	SIZE_T v;

	if (!heap)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsGetHeapProperty: the heap is NULL");

	switch (id) {
	case WS_HEAP_PROPERTY_MAX_SIZE:
		v = heap->max_size;
		break;
	case WS_HEAP_PROPERTY_TRIM_SIZE:
		v = heap->trim_size;
		break;
	case WS_HEAP_PROPERTY_REQUESTED_SIZE:
		model_foreign_resets(heap);
		v = heap->requested;
		break;
	case WS_HEAP_PROPERTY_ACTUAL_SIZE:
		model_foreign_resets(heap);
		v = heap->actual;
		break;
	default:
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsGetHeapProperty: unknown heap property id %d",
				       (int)id);
	}

	if (!value)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsGetHeapProperty: the value buffer is NULL");
	if (valueSize != sizeof(SIZE_T))
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsGetHeapProperty: valueSize is %u, but heap properties are SIZE_T (%zu bytes)",
				       (unsigned int)valueSize, sizeof(SIZE_T));
	memcpy(value, &v, sizeof(v));
	return S_OK;
}

/* ---- extensions (not Windows): savepoints -------------------------------- */

/* What a WSHEAP_HEAP_MARK holds. */
struct ws_mark {
	struct wsheap_mark native;
	SIZE_T requested;
};
_Static_assert(sizeof(struct ws_mark) <= sizeof(WSHEAP_HEAP_MARK),
	       "WSHEAP_HEAP_MARK is too small");

HRESULT WINAPI WsheapMarkHeap(WS_HEAP *heap, WSHEAP_HEAP_MARK *mark,
			      WS_ERROR *error)
{
	struct ws_mark m;
	int ret;

	if (!heap || !mark)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsheapMarkHeap: the heap or the mark is NULL");
	ret = wsheap_mark(heap->heap, &m.native);
	if (ret)
		return wsheap__ws_fail(error, hr_from_errno(ret),
				       "WsheapMarkHeap: cannot mark the heap: %s",
				       wsheap_strerror(ret));
	m.requested = heap->requested;
	memset(mark, 0, sizeof(*mark));
	memcpy(mark, &m, sizeof(m));
	return S_OK;
}

HRESULT WINAPI WsheapRewindHeap(WS_HEAP *heap, const WSHEAP_HEAP_MARK *mark,
				WS_ERROR *error)
{
	struct ws_mark m;
	int ret;

	if (!heap || !mark)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsheapRewindHeap: the heap or the mark is NULL");
	memcpy(&m, mark, sizeof(m));
	ret = wsheap_rewind(heap->heap, &m.native);
	if (ret == -ESTALE)
		return wsheap__ws_fail(error, WS_E_INVALID_OPERATION,
				       "WsheapRewindHeap: the mark is stale: the heap was reset, or rewound to before it, since it was taken");
	if (ret)
		return wsheap__ws_fail(error, hr_from_errno(ret),
				       "WsheapRewindHeap: cannot rewind the heap: %s",
				       wsheap_strerror(ret));
	heap->requested = m.requested;
	return S_OK;
}

/* ---- extensions (not Windows): sharing ---------------------------------- */

/* WSHEAP_WS_EXPORT_* to WSHEAP_SHARE_*; -1 for unknown flags. */
static int share_flags(ULONG flags)
{
	int nflags = 0;

	if (flags & ~(ULONG)(WSHEAP_WS_EXPORT_READ_ONLY |
			     WSHEAP_WS_EXPORT_NO_CLOEXEC))
		return -1;
	if (flags & WSHEAP_WS_EXPORT_READ_ONLY)
		nflags |= WSHEAP_SHARE_RDONLY;
	if (flags & WSHEAP_WS_EXPORT_NO_CLOEXEC)
		nflags |= WSHEAP_SHARE_NO_CLOEXEC;
	return nflags;
}

HRESULT WINAPI WsheapExportHeap(WS_HEAP *heap, ULONG flags, int *fd,
				WS_ERROR *error)
{
	int nflags = share_flags(flags), ret, out;

	if (!heap)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsheapExportHeap: the heap is NULL");
	if (!fd)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsheapExportHeap: the descriptor out-pointer is NULL");
	if (nflags < 0)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsheapExportHeap: unknown flags 0x%x (only WSHEAP_WS_EXPORT_READ_ONLY and WSHEAP_WS_EXPORT_NO_CLOEXEC)",
				       (unsigned int)flags);

	ret = wsheap_export(heap->heap, nflags, &out);
	if (ret == -EPERM)
		return wsheap__ws_fail(error, WS_E_INVALID_OPERATION,
				       "WsheapExportHeap: the heap is a read-only import: it can only be exported with WSHEAP_WS_EXPORT_READ_ONLY");
	if (ret)
		return wsheap__ws_fail(error, hr_from_errno(ret),
				       "WsheapExportHeap: cannot export the heap: %s",
				       wsheap_strerror(ret));
	*fd = out;
	return S_OK;
}

HRESULT WINAPI WsheapExportDmabuf(WS_HEAP *heap, const void *ptr, SIZE_T size,
				  ULONG flags, int *fd, WS_ERROR *error)
{
	int nflags = share_flags(flags), ret, out;

	if (!heap || !ptr || !fd)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsheapExportDmabuf: %s is NULL",
				       !heap ? "the heap" : !ptr ? "the pointer" :
				       "the descriptor out-pointer");
	if (nflags < 0)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsheapExportDmabuf: unknown flags 0x%x (only WSHEAP_WS_EXPORT_READ_ONLY and WSHEAP_WS_EXPORT_NO_CLOEXEC)",
				       (unsigned int)flags);
	ret = wsheap_export_dmabuf(heap->heap, ptr, size, nflags, &out);
	switch (ret) {
	case 0:
		*fd = out;
		return S_OK;
	case -EINVAL:
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsheapExportDmabuf: cannot export %zu bytes at %p: the size must not be 0, and the range must start on a page boundary inside memory the heap holds now",
				       size, ptr);
	case -ESTALE:
		return wsheap__ws_fail(error, WS_E_INVALID_OPERATION,
				       "WsheapExportDmabuf: another process reset the heap: %p is no longer an allocation",
				       ptr);
	case -EPERM:
		return wsheap__ws_fail(error, WS_E_INVALID_OPERATION,
				       "WsheapExportDmabuf: the heap is a read-only import");
	default:
		return wsheap__ws_fail(error, hr_from_errno(ret),
				       "WsheapExportDmabuf: cannot export the range: %s",
				       wsheap_strerror(ret));
	}
}

HRESULT WINAPI WsheapImportHeap(int fd, WS_HEAP **heap, WS_ERROR *error)
{
	struct wsheap_stats st;
	WS_HEAP *h;
	int ret;

	if (!heap)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsheapImportHeap: the heap out-pointer is NULL");

	h = calloc(1, sizeof(*h));
	if (!h)
		return wsheap__ws_fail(error, E_OUTOFMEMORY,
				       "WsheapImportHeap: out of memory for the heap object");

	ret = wsheap_import(NULL, fd, 0, &h->heap);
	if (ret) {
		free(h);
		if (ret == -EINVAL)
			return wsheap__ws_fail(error, E_INVALIDARG,
					       "WsheapImportHeap: descriptor %d is not a heap exported with WsheapExportHeap",
					       fd);
		if (ret == -EBADF)
			return wsheap__ws_fail(error, E_INVALIDARG,
					       "WsheapImportHeap: descriptor %d is not open",
					       fd);
		if (device_error(ret))
			return wsheap__ws_fail(error, E_FAIL,
					       "WsheapImportHeap: cannot open %s: %s",
					       WSHEAP_DEVICE, wsheap_strerror(ret));
		return wsheap__ws_fail(error, hr_from_errno(ret),
				       "WsheapImportHeap: cannot import the heap: %s",
				       wsheap_strerror(ret));
	}

	wsheap_stats(h->heap, &st);
	h->magic = WS_HEAP_MAGIC;
	h->max_size = SIZE_MAX;
	h->trim_size = st.trim_size > SIZE_MAX ? SIZE_MAX : (SIZE_T)st.trim_size;
	h->foreign_seen = st.foreign_resets;
	*heap = h;
	return S_OK;
}

HRESULT WINAPI WsheapGetHeapGeneration(WS_HEAP *heap, ULONGLONG *generation,
				       WS_ERROR *error)
{
	uint64_t g;
	int ret;

	if (!heap)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsheapGetHeapGeneration: the heap is NULL");
	if (!generation)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsheapGetHeapGeneration: the generation out-pointer is NULL");
	ret = wsheap_generation(heap->heap, &g);
	if (ret)
		return wsheap__ws_fail(error, hr_from_errno(ret),
				       "WsheapGetHeapGeneration: cannot map the heap's status page: %s",
				       wsheap_strerror(ret));
	*generation = g;
	return S_OK;
}

HRESULT WINAPI WsheapGetHeapPointer(WS_HEAP *heap, ULONGLONG offset,
				    SIZE_T size, void **ptr, WS_ERROR *error)
{
	void *p;
	int ret;

	if (!heap)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsheapGetHeapPointer: the heap is NULL");
	if (!ptr)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsheapGetHeapPointer: the out-pointer is NULL");
	ret = wsheap_ptr(heap->heap, offset, size, &p);
	if (ret == -EINVAL || ret == -ENXIO || ret == -ENOENT)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsheapGetHeapPointer: the heap does not hold %zu bytes at offset %llu now%s",
				       size, (unsigned long long)offset,
				       ret == -ENOENT ? " (it was destroyed)" :
				       ret == -ENXIO ? " (never allocated, or released by a reset)" :
				       " (beyond the heap's span)");
	if (ret)
		return wsheap__ws_fail(error, hr_from_errno(ret),
				       "WsheapGetHeapPointer: cannot map offset %llu: %s",
				       (unsigned long long)offset,
				       wsheap_strerror(ret));
	*ptr = p;
	return S_OK;
}

HRESULT WINAPI WsheapGetHeapOffset(WS_HEAP *heap, const void *ptr,
				   ULONGLONG *offset, WS_ERROR *error)
{
	uint64_t off;

	if (!heap)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsheapGetHeapOffset: the heap is NULL");
	if (!ptr || !offset)
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsheapGetHeapOffset: %s is NULL",
				       !ptr ? "the pointer" : "the offset out-pointer");
	if (wsheap_offset(heap->heap, ptr, &off))
		return wsheap__ws_fail(error, E_INVALIDARG,
				       "WsheapGetHeapOffset: %p is not inside the heap's memory",
				       ptr);
	*offset = off;
	return S_OK;
}
