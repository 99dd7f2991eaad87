/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The raw ioctl wrappers every wsheap test program uses: each fills a
 * zeroed argument struct, returns 0 (or the ioctl's non-negative result) or
 * -errno, and copies results out only on success, to optional pointers.
 * The ABI suites (tests/abi, tests/share) and the reliability programs
 * (tests/stress) add their own helpers on top.
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

/* CREATE; @out (optional) receives the whole returned struct. */
static inline int wsh_create(int fd, __u64 max_size, __u64 trim_size,
			     __u32 flags, struct wsheap_create *out)
{
	struct wsheap_create c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.max_size = max_size;
	c.trim_size = trim_size;
	c.flags = flags;
	ret = wsh_ioctl(fd, WSHEAP_IOC_CREATE, &c);
	if (!ret && out)
		*out = c;
	return ret;
}

/* ALLOC; @off and @gen are optional outputs. */
static inline int wsh_alloc_gen(int fd, __u32 handle, __u64 size, __u64 align,
				__u64 *off, __u64 *gen)
{
	struct wsheap_alloc a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.handle = handle;
	a.size = size;
	a.align = align;
	ret = wsh_ioctl(fd, WSHEAP_IOC_ALLOC, &a);
	if (!ret && off)
		*off = a.offset;
	if (!ret && gen)
		*gen = a.generation;
	return ret;
}

/*
 * RESET writes nothing back (ABI 2); @gen (optional) receives the
 * generation after it, read with INFO.
 */
static inline int wsh_reset(int fd, __u32 handle, __u64 *gen)
{
	struct wsheap_reset r;
	struct wsheap_info i;
	int ret;

	memset(&r, 0, sizeof(r));
	r.handle = handle;
	ret = wsh_ioctl(fd, WSHEAP_IOC_RESET, &r);
	if (ret || !gen)
		return ret;
	memset(&i, 0, sizeof(i));
	i.handle = handle;
	ret = wsh_ioctl(fd, WSHEAP_IOC_INFO, &i);
	if (!ret)
		*gen = i.generation;
	return ret;
}

/* ABI 1's RESET, which writes the new generation back into its struct. */
static inline int wsh_reset_v0(int fd, __u32 handle, __u64 *gen)
{
	struct wsheap_reset r;
	int ret;

	memset(&r, 0, sizeof(r));
	r.handle = handle;
	ret = wsh_ioctl(fd, WSHEAP_IOC_RESET_V0, &r);
	if (!ret && gen)
		*gen = r.generation;
	return ret;
}

static inline int wsh_destroy(int fd, __u32 handle)
{
	struct wsheap_destroy d;

	memset(&d, 0, sizeof(d));
	d.handle = handle;
	return wsh_ioctl(fd, WSHEAP_IOC_DESTROY, &d);
}

static inline int wsh_info(int fd, __u32 handle, struct wsheap_info *out)
{
	struct wsheap_info i;
	int ret;

	memset(&i, 0, sizeof(i));
	i.handle = handle;
	ret = wsh_ioctl(fd, WSHEAP_IOC_INFO, &i);
	if (!ret && out)
		*out = i;
	return ret;
}

/* IMPORT @efd into context @fd; the whole reply in *@out if not NULL. */
static inline int wsh_import(int fd, int efd, struct wsheap_import *out)
{
	struct wsheap_import im;
	int ret;

	memset(&im, 0, sizeof(im));
	im.fd = efd;
	ret = wsh_ioctl(fd, WSHEAP_IOC_IMPORT, &im);
	if (!ret && out)
		*out = im;
	return ret;
}

/* EXPORT_DMABUF of [@off, @off + @size); the dma-buf's descriptor in *@dfd. */
static inline int wsh_export_dmabuf(int fd, __u32 handle, __u32 flags,
				    __u64 off, __u64 size, int *dfd)
{
	struct wsheap_export_dmabuf d;
	int ret;

	memset(&d, 0, sizeof(d));
	d.handle = handle;
	d.flags = flags;
	d.offset = off;
	d.size = size;
	ret = wsh_ioctl(fd, WSHEAP_IOC_EXPORT_DMABUF, &d);
	if (!ret && dfd)
		*dfd = d.fd;
	return ret;
}

#endif /* WSH_IOCTL_H */
