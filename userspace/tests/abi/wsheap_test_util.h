/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the wsheap ABI tests.
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

#include "wsheap_ioctl.h"
#include "wsh_ioctl.h"

#define WSH_PARAM_DIR	"/sys/module/wsheap/parameters/"

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

static inline __u64 wsh_ps(void)
{
	return (__u64)sysconf(_SC_PAGESIZE);
}

static inline __u64 wsh_align_up(__u64 x, __u64 a)
{
	return (x + a - 1) & ~(a - 1);
}

static inline int wsh_open_flags(int flags)
{
	return open(WSHEAP_DEVICE, flags | O_CLOEXEC);
}

static inline int wsh_open(void)
{
	return wsh_open_flags(O_RDWR);
}

static inline int wsh_alloc(int fd, __u32 handle, __u64 size, __u64 align,
			    __u64 *off)
{
	return wsh_alloc_gen(fd, handle, size, align, off, NULL);
}

static inline int wsh_version(int fd, struct wsheap_version *out)
{
	struct wsheap_version v;
	int ret;

	memset(&v, 0, sizeof(v));
	ret = wsh_ioctl(fd, WSHEAP_IOC_VERSION, &v);
	if (!ret && out)
		*out = v;
	return ret;
}

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

/*
 * Run @fn(@arg) in a forked child that exits with its return value.
 * Returns the raw wait status, or -1 if fork/wait failed.
 */
static inline int wsh_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		signal(SIGBUS, SIG_DFL);
		signal(SIGSEGV, SIG_DFL);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/* What a wait status means, for asserts: exit code, or 1000 + signal. */
static inline int wsh_status_code(int status)
{
	if (status == -1)
		return -1;
	if (WIFSIGNALED(status))
		return 1000 + WTERMSIG(status);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return -2;
}

#define WSH_KILLED_BY(sig)	(1000 + (sig))

struct wsh_touch_arg {
	volatile unsigned char *p;
	bool write;
};

static inline int wsh_touch_fn(void *arg)
{
	struct wsh_touch_arg *t = arg;

	if (t->write)
		*t->p = 0x5a;
	else
		(void)*t->p;
	return 0;
}

/*
 * Touch one byte in a child.  Returns 0 if the access worked, the signal
 * number that killed the child otherwise (SIGBUS expected), -1 on error.
 * The access has no effect on the caller's view (a write in the child lands
 * in the shared heap page, though: only use write on pages expected to fault,
 * or where a 0x5a byte does not matter).
 */
static inline int wsh_touch(const volatile void *p, bool write)
{
	struct wsh_touch_arg t = {
		.p = (volatile unsigned char *)p,
		.write = write,
	};
	int status = wsh_child(wsh_touch_fn, &t);

	if (status == -1)
		return -1;
	if (WIFSIGNALED(status))
		return WTERMSIG(status);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return -1;
}

/* A byte pattern that depends on the position and a seed, rarely zero. */
static inline unsigned char wsh_pat(size_t i, unsigned int seed)
{
	unsigned char b = (unsigned char)(seed * 131u + i * 7u + (i >> 12) * 13u);

	return b ? b : 0xa5;
}

static inline void wsh_fill(void *p, size_t len, unsigned int seed)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		c[i] = wsh_pat(i, seed);
}

/* Index of the first byte not matching the pattern, or -1. */
static inline long wsh_check(const void *p, size_t len, unsigned int seed)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i] != wsh_pat(i, seed))
			return (long)i;
	return -1;
}

/* Index of the first non-zero byte, or -1. */
static inline long wsh_nonzero(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i])
			return (long)i;
	return -1;
}

/* Module parameters: read as a string without the trailing newline. */
static inline int wsh_param_read(const char *name, char *buf, size_t size)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), WSH_PARAM_DIR "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static inline int wsh_param_write(const char *name, const char *val)
{
	char path[256];
	size_t len = strlen(val);
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), WSH_PARAM_DIR "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	return (size_t)n == len ? 0 : -EIO;
}

static inline int wsh_param_read_u64(const char *name, __u64 *val)
{
	char buf[64], *end;
	int ret = wsh_param_read(name, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*val = strtoull(buf, &end, 0);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

static inline int wsh_param_write_u64(const char *name, __u64 val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)val);
	return wsh_param_write(name, buf);
}

static inline void wsh_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
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
	struct wsheap_export e;
	int ret;

	memset(&e, 0, sizeof(e));
	e.handle = handle;
	e.flags = flags;
	ret = wsh_ioctl(fd, WSHEAP_IOC_EXPORT, &e);
	if (!ret)
		*efd = e.fd;
	return ret;
}

#endif /* WSHEAP_TEST_UTIL_H */
