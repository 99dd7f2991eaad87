// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap dma-bufs in a real DRM driver: vgem, the virtual GEM driver that
 * Debian's kernels ship.  PRIME import (DRM_IOCTL_PRIME_FD_TO_HANDLE)
 * attaches vgem's device to the dma-buf and maps it for DMA; a fence that
 * vgem attaches to the imported object lands in the dma-buf's reservation
 * object, where poll() on the wsheap dma-buf sees it until vgem signals it.
 * The import outlives the heap: the pages stay the dma-buf's, with their
 * data.
 *
 * Skips only where there is no vgem device (a kernel without the module).
 */
#include <dirent.h>
#include <poll.h>
#include <sys/stat.h>

#include "importers.h"
#include "vgem_drm.h"

#define PAGES	8

/* Is the DRM card @fd driven by the driver called @name? */
static bool drm_driver_is(int fd, const void *name)
{
	char got[32] = "";
	struct drm_version v = { .name = got, .name_len = sizeof(got) - 1 };

	return !ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(got, name);
}

/* The first DRM card whose driver is vgem, opened; -1 if there is none. */
static int open_vgem(void)
{
	return wsh_open_matching("/dev/dri/card%d", 16, drm_driver_is, "vgem");
}

static int prime_import(int card, int dfd, __u32 *handle)
{
	struct drm_prime_handle p = { .fd = dfd };
	int ret = wsh_ioctl(card, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);

	if (!ret)
		*handle = p.handle;
	return ret;
}

static int prime_export(int card, __u32 handle, int *dfd)
{
	struct drm_prime_handle p = { .handle = handle, .flags = DRM_CLOEXEC };
	int ret = wsh_ioctl(card, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);

	if (!ret)
		*dfd = p.fd;
	return ret;
}

static int gem_close(int card, __u32 handle)
{
	struct drm_gem_close c = { .handle = handle };

	return wsh_ioctl(card, DRM_IOCTL_GEM_CLOSE, &c);
}

static int fence_attach(int card, __u32 handle, __u32 flags, __u32 *fence)
{
	struct drm_vgem_fence_attach a = { .handle = handle, .flags = flags };
	int ret = wsh_ioctl(card, DRM_IOCTL_VGEM_FENCE_ATTACH, &a);

	if (!ret)
		*fence = a.out_fence;
	return ret;
}

static int fence_signal(int card, __u32 fence)
{
	struct drm_vgem_fence_signal s = { .fence = fence };

	return wsh_ioctl(card, DRM_IOCTL_VGEM_FENCE_SIGNAL, &s);
}

/* The poll() events of the dma-buf @dfd among @events, waiting @ms. */
static short dmabuf_ready(int dfd, short events, int ms)
{
	struct pollfd p = { .fd = dfd, .events = events };

	return poll(&p, 1, ms) == 1 ? p.revents & events : 0;
}

static ino_t inode_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

FIXTURE(vgem) {
	int card;
	struct wsh_dmabuf_heap h;
};

FIXTURE_SETUP(vgem)
{
	self->h.fd = self->h.dfd = -1;
	self->card = open_vgem();
	if (self->card < 0)
		SKIP(return, "no vgem device: this kernel lacks vgem.ko");
	ASSERT_EQ(0, wsh_dmabuf_heap(&self->h, PAGES * wsh_ps(), 0));
	wsh_fill(self->h.map, self->h.size, 7);
}

FIXTURE_TEARDOWN(vgem)
{
	wsh_dmabuf_heap_close(&self->h);
	if (self->card >= 0)
		close(self->card);
}

/* vgem takes the dma-buf: one GEM object, the same dma-buf behind it. */
TEST_F(vgem, prime_import)
{
	__u32 handle, again;
	unsigned char *d;
	int dfd2;

	ASSERT_EQ(0, prime_import(self->card, self->h.dfd, &handle));
	EXPECT_NE(0U, handle);
	/* DRM caches imports: the same dma-buf is the same object */
	ASSERT_EQ(0, prime_import(self->card, self->h.dfd, &again));
	EXPECT_EQ(handle, again);
	/* exporting an import gives back the dma-buf it came from */
	ASSERT_EQ(0, prime_export(self->card, handle, &dfd2));
	EXPECT_EQ(inode_of(self->h.dfd), inode_of(dfd2));
	d = mmap(NULL, self->h.size, PROT_READ, MAP_SHARED, dfd2, 0);
	ASSERT_NE(MAP_FAILED, d);
	EXPECT_EQ(-1L, wsh_check(d, self->h.size, 7));
	munmap(d, self->h.size);
	close(dfd2);
	EXPECT_EQ(0, gem_close(self->card, handle));
	EXPECT_EQ(-EINVAL, gem_close(self->card, handle));
}

/* A write fence on the import blocks the dma-buf's readers and writers. */
TEST_F(vgem, write_fence)
{
	__u32 handle, fence, other;

	ASSERT_EQ(0, prime_import(self->card, self->h.dfd, &handle));
	EXPECT_EQ(POLLIN | POLLOUT, dmabuf_ready(self->h.dfd, POLLIN | POLLOUT, 0));
	ASSERT_EQ(0, fence_attach(self->card, handle, VGEM_FENCE_WRITE, &fence));
	EXPECT_EQ(0, dmabuf_ready(self->h.dfd, POLLIN | POLLOUT, 0));
	/* vgem itself sees the conflict in the dma-buf's reservation */
	EXPECT_EQ(-EBUSY, fence_attach(self->card, handle, 0, &other));
	EXPECT_EQ(-EBUSY, fence_attach(self->card, handle, VGEM_FENCE_WRITE, &other));
	ASSERT_EQ(0, fence_signal(self->card, fence));
	EXPECT_EQ(POLLIN, dmabuf_ready(self->h.dfd, POLLIN, 5000));
	EXPECT_EQ(POLLOUT, dmabuf_ready(self->h.dfd, POLLOUT, 5000));
	EXPECT_EQ(-ENOENT, fence_signal(self->card, fence));
	EXPECT_EQ(0, gem_close(self->card, handle));
}

/* A read fence lets readers through and holds writers back. */
TEST_F(vgem, read_fence)
{
	__u32 handle, fence, fence2, other;

	ASSERT_EQ(0, prime_import(self->card, self->h.dfd, &handle));
	ASSERT_EQ(0, fence_attach(self->card, handle, 0, &fence));
	EXPECT_EQ(POLLIN, dmabuf_ready(self->h.dfd, POLLIN, 0));
	EXPECT_EQ(0, dmabuf_ready(self->h.dfd, POLLOUT, 0));
	/* readers share, a writer waits */
	ASSERT_EQ(0, fence_attach(self->card, handle, 0, &fence2));
	EXPECT_EQ(-EBUSY, fence_attach(self->card, handle, VGEM_FENCE_WRITE, &other));
	ASSERT_EQ(0, fence_signal(self->card, fence));
	EXPECT_EQ(0, dmabuf_ready(self->h.dfd, POLLOUT, 0));
	ASSERT_EQ(0, fence_signal(self->card, fence2));
	EXPECT_EQ(POLLOUT, dmabuf_ready(self->h.dfd, POLLOUT, 5000));
	EXPECT_EQ(0, gem_close(self->card, handle));
}

/*
 * The import outlives the heap and every descriptor of the dma-buf: vgem's
 * object keeps the pages, with their data, until it is closed.
 */
TEST_F(vgem, import_outlives_the_heap)
{
	unsigned char *d;
	__u32 handle;
	int dfd2;

	ASSERT_EQ(0, prime_import(self->card, self->h.dfd, &handle));
	ASSERT_EQ(0, wsh_reset(self->h.fd, self->h.c.handle, NULL));
	ASSERT_EQ(0, wsh_destroy(self->h.fd, self->h.c.handle));
	wsh_dmabuf_heap_close(&self->h);
	ASSERT_EQ(0, prime_export(self->card, handle, &dfd2));
	d = mmap(NULL, PAGES * wsh_ps(), PROT_READ, MAP_SHARED, dfd2, 0);
	ASSERT_NE(MAP_FAILED, d);
	EXPECT_EQ(-1L, wsh_check(d, PAGES * wsh_ps(), 7));
	munmap(d, PAGES * wsh_ps());
	close(dfd2);
	EXPECT_EQ(0, gem_close(self->card, handle));
}

TEST_HARNESS_MAIN
