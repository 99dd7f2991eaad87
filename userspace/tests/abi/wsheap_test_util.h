/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kselftest-harness suites (tests/abi, share, security, importers)
 * share on top of the test-support library (tests/support/wsh_support.h):
 * the harness itself, included once with its warnings silenced, and the
 * helpers that only they use.
 *
 * Helpers never use the harness's ASSERT/EXPECT macros: they return 0 or a
 * negative errno (or a value) and the test asserts on that.  Anything that
 * may raise SIGBUS runs in a forked child (wsh_touch / wsh_child).
 */
#ifndef WSHEAP_TEST_UTIL_H
#define WSHEAP_TEST_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

/*
 * The vendored kselftest harness is not -Wextra clean: its SIGALRM handler
 * has an unused parameter, and TEST_F's wrapper keeps a local ('child')
 * across setjmp/longjmp (-Wclobbered; a failed ASSERT then still ends as a
 * failure).  Silence exactly those two, for the harness only / for the
 * macro expansions, rather than weakening CFLAGS for our own code.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"

#include "wsh_support.h"

/*
 * Children that die of SIGBUS must not write core files into the test's
 * working directory (or feed a core_pattern pipe): turn dumps off for the
 * whole test program.  Inherited across fork().
 */
static void __attribute__((constructor)) wsh_no_core_dumps(void)
{
	struct rlimit rl = { 0, 0 };

	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static inline __u64 wsh_align_up(__u64 x, __u64 a)
{
	return (x + a - 1) & ~(a - 1);
}

static inline int wsh_open_flags(int flags)
{
	return open(WSHEAP_DEVICE, flags | O_CLOEXEC);
}

static inline int wsh_alloc(int fd, __u32 handle, __u64 size, __u64 align,
			    __u64 *off)
{
	return wsh_alloc_gen(fd, handle, size, align, off, NULL);
}

static inline int wsh_version(int fd, struct wsheap_version *out)
{
	struct wsheap_version v = { 0 };

	return wsh_ioctl_out(fd, WSHEAP_IOC_VERSION, &v, out, sizeof(v));
}

/*
 * FIXTURE(@name) holding an open context (self->fd; a test that closes it
 * sets -1) and the page size (self->ps): what most ABI tests start from.
 */
#define WSH_CONTEXT_FIXTURE(name)					\
	FIXTURE(name) {							\
		int fd;							\
		size_t ps;						\
	};								\
	FIXTURE_SETUP(name)						\
	{								\
		self->ps = (size_t)wsh_ps();				\
		self->fd = wsh_open();					\
		ASSERT_LE(0, self->fd)					\
			TH_LOG("open %s: %s", WSHEAP_DEVICE, strerror(errno)); \
	}								\
	FIXTURE_TEARDOWN(name)						\
	{								\
		if (self->fd >= 0)					\
			close(self->fd);				\
	}								\
	struct wsh_context_fixture_##name	/* the caller's ';' ends it */

/*
 * EXPECT that @cmd fails with EINVAL on context @fd while the field @field
 * of its argument @arg (a struct, otherwise valid) holds @bad; the field is
 * 0 again afterwards.  The ABI's every reserved bit is checked this way.
 */
#define EXPECT_EINVAL_WITH(fd, cmd, arg, field, bad) do {		\
	(arg).field = (bad);						\
	EXPECT_EQ(-EINVAL, wsh_ioctl(fd, cmd, &(arg)))			\
		TH_LOG("%s = %s", #field, #bad);			\
	(arg).field = 0;						\
} while (0)

/*
 * The variants of fixture @name that run its tests on a plain heap and on
 * one created with ZERO_ON_RESET (variant->flags: CREATE's flags).
 */
#define WSH_CREATE_FLAG_VARIANTS(name)					\
	FIXTURE_VARIANT(name) {						\
		__u32 flags;						\
	};								\
	FIXTURE_VARIANT_ADD(name, plain) { .flags = 0 };		\
	FIXTURE_VARIANT_ADD(name, zero_on_reset) {			\
		.flags = WSHEAP_CREATE_ZERO_ON_RESET			\
	}

/* Room for the argument of any wsheap command. */
union wsh_any_arg {
	struct wsheap_create c;
	struct wsheap_alloc a;
	struct wsheap_reset r;
	struct wsheap_destroy d;
	struct wsheap_info i;
	struct wsheap_version v;
	struct wsheap_export e;
	struct wsheap_import im;
	struct wsheap_export_dmabuf db;
};

/* INFO of @handle, or a struct of 0xff bytes when INFO itself fails. */
static inline struct wsheap_info wsh_info_or_junk(int fd, __u32 handle)
{
	struct wsheap_info i;

	if (wsh_info(fd, handle, &i))
		memset(&i, 0xff, sizeof(i));
	return i;
}

static inline bool wsh_info_same(const struct wsheap_info *a,
				 const struct wsheap_info *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* EXPECT that INFO of heap @h in @fd is still *@before: a call changed nothing. */
#define EXPECT_INFO_UNCHANGED(fd, h, before) do {			\
	struct wsheap_info _now = wsh_info_or_junk(fd, h);		\
									\
	EXPECT_TRUE(wsh_info_same(before, &_now))			\
		TH_LOG("INFO of heap %u changed", (unsigned int)(h));	\
} while (0)

/* mmap heap bytes [off, off + len) of the heap @c; MAP_FAILED on error. */
static inline void *wsh_map_prot(int fd, const struct wsheap_create *c,
				 __u64 off, size_t len, int prot)
{
	return mmap(NULL, len, prot, MAP_SHARED, fd,
		    (off_t)(c->mmap_offset + off));
}

static inline void *wsh_map(int fd, const struct wsheap_create *c,
			    __u64 off, size_t len)
{
	return wsh_map_prot(fd, c, off, len, PROT_READ | PROT_WRITE);
}

/* Try an mmap; 0 if it worked (and unmap it again), else -errno. */
static inline int wsh_try_mmap(size_t len, int prot, int flags, int fd,
			       __u64 offset)
{
	void *p = mmap(NULL, len, prot, flags, fd, (off_t)offset);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

/* A heap of @pages committed pages (max_size unlimited). */
static inline int wsh_heap_with_pages(int fd, size_t pages, __u64 trim,
				      __u32 flags, struct wsheap_create *c)
{
	int ret = wsh_create(fd, UINT64_MAX, trim, flags, c);

	if (ret || !pages)
		return ret;
	return wsh_alloc(fd, c->handle, pages * wsh_ps(), 0, NULL);
}

/* EXPORT @handle with @flags; the new descriptor in *@efd. */
static inline int wsh_export(int fd, __u32 handle, __u32 flags, int *efd)
{
	struct wsheap_export e = { .handle = handle, .flags = flags };
	int ret = wsh_ioctl(fd, WSHEAP_IOC_EXPORT, &e);

	if (!ret)
		*efd = e.fd;
	return ret;
}

#endif /* WSHEAP_TEST_UTIL_H */
