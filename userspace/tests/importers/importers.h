/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the importer tests share: a heap whose pages are exported as a
 * dma-buf, and the skip rule (a test skips only where the kernel has no
 * such importer; testing/guest/lib.sh loads them where it ships them).
 */
#ifndef WSHEAP_IMPORTERS_H
#define WSHEAP_IMPORTERS_H

#include "../abi/wsheap_test_util.h"	/* includes kselftest_harness.h */

/*
 * The first of the devices @fmt % 0 .. @n - 1 (e.g. "/dev/video%d") that
 * opens read-write and that @match(fd, @arg) accepts, opened; -1 if none.
 */
static inline int wsh_open_matching(const char *fmt, int n,
				    bool (*match)(int fd, const void *arg),
				    const void *arg)
{
	char path[64];
	int i, fd;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), fmt, i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (match(fd, arg))
			return fd;
		close(fd);
	}
	return -1;
}

/**
 * struct wsh_dmabuf_heap - a heap, its mapping and a dma-buf of it
 * @fd: the context (/dev/wsheap)
 * @c: CREATE's reply
 * @map: the heap's own mapping of [0, @size)
 * @size: bytes allocated (whole pages) and exported
 * @dfd: the dma-buf of [0, @size)
 */
struct wsh_dmabuf_heap {
	int fd;
	struct wsheap_create c;
	unsigned char *map;
	size_t size;
	int dfd;
};

/*
 * Create a heap with @flags, allocate @size bytes (rounded up to pages)
 * at offset 0, map them and export them as a dma-buf.  0 or -errno.
 */
static inline int wsh_dmabuf_heap(struct wsh_dmabuf_heap *h, size_t size,
				  __u32 flags)
{
	__u64 off;
	int ret;

	memset(h, 0, sizeof(*h));
	h->dfd = -1;
	h->size = wsh_align_up(size, wsh_ps());
	h->fd = wsh_open();
	if (h->fd < 0)
		return -errno;
	ret = wsh_create(h->fd, UINT64_MAX, 0, flags, &h->c);
	if (!ret)
		ret = wsh_alloc(h->fd, h->c.handle, h->size, wsh_ps(), &off);
	if (!ret && off)
		ret = -EPROTO;		/* the first allocation starts at 0 */
	if (ret)
		return ret;
	h->map = wsh_map(h->fd, &h->c, 0, h->size);
	if (h->map == MAP_FAILED) {
		h->map = NULL;
		return -errno;
	}
	return wsh_export_dmabuf(h->fd, h->c.handle, 0, 0, h->size, &h->dfd);
}

static inline void wsh_dmabuf_heap_close(struct wsh_dmabuf_heap *h)
{
	if (h->dfd >= 0)
		close(h->dfd);
	if (h->map)
		munmap(h->map, h->size);
	if (h->fd >= 0)
		close(h->fd);
	h->dfd = h->fd = -1;
	h->map = NULL;
}

/* Whether the module takes CREATE flag @flag (its VERSION says). */
static inline bool wsh_has_create_flag(__u32 flag)
{
	struct wsheap_version v;
	int fd = wsh_open();
	bool has;

	if (fd < 0)
		return false;
	has = !wsh_version(fd, &v) && (v.create_flags & flag);
	close(fd);
	return has;
}

#endif /* WSHEAP_IMPORTERS_H */
