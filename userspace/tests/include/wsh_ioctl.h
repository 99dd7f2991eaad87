/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The raw ioctl wrappers every wsheap test program uses: each fills an
 * argument struct (every other field zero: the UAPI structs have no
 * implicit padding), returns 0 (or the ioctl's non-negative result) or
 * -errno, and copies results out only on success, to optional pointers.
 * The test-support library (tests/support) and the suites add their own
 * helpers on top.
 */
#ifndef WSH_IOCTL_H
#define WSH_IOCTL_H

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "wsheap_ioctl.h"

static inline int wsh_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

/* wsh_ioctl(); on success the whole struct (@size bytes) to @out if set. */
static inline int wsh_ioctl_out(int fd, unsigned long cmd, void *arg,
				void *out, size_t size)
{
	int ret = wsh_ioctl(fd, cmd, arg);

	if (!ret && out)
		memcpy(out, arg, size);
	return ret;
}

/* CREATE; @out (optional) receives the whole returned struct. */
static inline int wsh_create(int fd, __u64 max_size, __u64 trim_size,
			     __u32 flags, struct wsheap_create *out)
{
	struct wsheap_create c = {
		.max_size = max_size, .trim_size = trim_size, .flags = flags,
	};

	return wsh_ioctl_out(fd, WSHEAP_IOC_CREATE, &c, out, sizeof(c));
}

/* ALLOC; @off and @gen are optional outputs. */
static inline int wsh_alloc_gen(int fd, __u32 handle, __u64 size, __u64 align,
				__u64 *off, __u64 *gen)
{
	struct wsheap_alloc a = {
		.handle = handle, .size = size, .align = align,
	};
	int ret = wsh_ioctl(fd, WSHEAP_IOC_ALLOC, &a);

	if (!ret && off)
		*off = a.offset;
	if (!ret && gen)
		*gen = a.generation;
	return ret;
}

static inline int wsh_info(int fd, __u32 handle, struct wsheap_info *out)
{
	struct wsheap_info i = { .handle = handle };

	return wsh_ioctl_out(fd, WSHEAP_IOC_INFO, &i, out, sizeof(i));
}

/*
 * RESET writes nothing back (ABI 2); @gen (optional) receives the
 * generation after it, read with INFO.
 */
static inline int wsh_reset(int fd, __u32 handle, __u64 *gen)
{
	struct wsheap_reset r = { .handle = handle };
	struct wsheap_info i;
	int ret = wsh_ioctl(fd, WSHEAP_IOC_RESET, &r);

	if (ret || !gen)
		return ret;
	ret = wsh_info(fd, handle, &i);
	if (!ret)
		*gen = i.generation;
	return ret;
}

/* ABI 1's RESET, which writes the new generation back into its struct. */
static inline int wsh_reset_v0(int fd, __u32 handle, __u64 *gen)
{
	struct wsheap_reset r = { .handle = handle };
	int ret = wsh_ioctl(fd, WSHEAP_IOC_RESET_V0, &r);

	if (!ret && gen)
		*gen = r.generation;
	return ret;
}

static inline int wsh_destroy(int fd, __u32 handle)
{
	struct wsheap_destroy d = { .handle = handle };

	return wsh_ioctl(fd, WSHEAP_IOC_DESTROY, &d);
}

/* IMPORT @efd into context @fd; the whole reply in *@out if not NULL. */
static inline int wsh_import(int fd, int efd, struct wsheap_import *out)
{
	struct wsheap_import im = { .fd = efd };

	return wsh_ioctl_out(fd, WSHEAP_IOC_IMPORT, &im, out, sizeof(im));
}

/* EXPORT_DMABUF of [@off, @off + @size); the dma-buf's descriptor in *@dfd. */
static inline int wsh_export_dmabuf(int fd, __u32 handle, __u32 flags,
				    __u64 off, __u64 size, int *dfd)
{
	struct wsheap_export_dmabuf d = {
		.handle = handle, .flags = flags, .offset = off, .size = size,
	};
	int ret = wsh_ioctl(fd, WSHEAP_IOC_EXPORT_DMABUF, &d);

	if (!ret && dfd)
		*dfd = d.fd;
	return ret;
}

#endif /* WSH_IOCTL_H */
