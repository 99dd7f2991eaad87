/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the libwsheap tests (one executable per *_test.c).
 */
#ifndef WSHEAP_TEST_H
#define WSHEAP_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * The harness's macros give every test an unused "variant" parameter and its
 * signal handler an unused "ucontext", and TEST_F() keeps a local across
 * setjmp() (-Wclobbered): silence only those two warnings.
 */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wclobbered"
#endif
#include "kselftest_harness.h"

#include <wsheap.h>

#ifdef __SANITIZE_ADDRESS__
/*
 * The *_asan_test builds: tests that expect SIGSEGV or SIGBUS (a write to a
 * read-only mapping, a page a reset took) get the signal, not ASan's
 * report of it; leaks are not what they look for.
 */
__attribute__((used)) const char *__asan_default_options(void)
{
	return "handle_segv=0:handle_sigbus=0:detect_leaks=0";
}
#endif

/*
 * Tests that need the kernel module skip when /dev/wsheap does not exist,
 * unless WSHEAP_REQUIRE_DEVICE is set in the environment (as the QEMU runner
 * may do): then a missing device is a failure.
 */
static inline int wsheap_test_dev_state(void)
{
	if (access(WSHEAP_DEVICE, F_OK) == 0)
		return 0;
	return getenv("WSHEAP_REQUIRE_DEVICE") ? -1 : 1;
}

#define NEED_DEV() do { \
	int __dev = wsheap_test_dev_state(); \
	ASSERT_NE(-1, __dev) \
		TH_LOG("%s is missing and WSHEAP_REQUIRE_DEVICE is set", \
		       WSHEAP_DEVICE); \
	if (__dev) \
		SKIP(return, "%s is missing: module not loaded", \
		     WSHEAP_DEVICE); \
} while (0)

/* A fixture only for the longer timeout of TEST_F_TIMEOUT. */
#define DEFINE_SLOW_FIXTURE(name) \
	FIXTURE(name) { int unused; }; \
	FIXTURE_SETUP(name) { } \
	FIXTURE_TEARDOWN(name) { }

static inline uint64_t page_size(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

static inline uint64_t page_align(uint64_t x)
{
	uint64_t pg = page_size();

	return (x + pg - 1) & ~(pg - 1);
}

static inline struct wsheap_stats heap_stats(struct wsheap *h)
{
	struct wsheap_stats st;

	memset(&st, 0xff, sizeof(st));
	if (wsheap_stats(h, &st))
		memset(&st, 0xff, sizeof(st));
	return st;
}

static inline struct wsheap_info heap_info(struct wsheap *h)
{
	struct wsheap_info in;

	if (wsheap_get_info(h, &in))
		memset(&in, 0xff, sizeof(in));
	return in;
}

/* A span of memory handed out, for overlap checks. */
struct range {
	uintptr_t start;
	size_t len;
};

static inline int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* 0 if no two ranges overlap (zero-length ranges are ignored). */
static inline int ranges_overlap(struct range *r, size_t n)
{
	size_t i, last = (size_t)-1;

	qsort(r, n, sizeof(*r), range_cmp);
	for (i = 0; i < n; i++) {
		if (!r[i].len)
			continue;
		if (last != (size_t)-1 && r[last].start + r[last].len > r[i].start)
			return 1;
		last = i;
	}
	return 0;
}

/* Fill and check memory with a pattern that depends on @seed. */
static inline void pattern_fill(void *p, size_t n, uint32_t seed)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		c[i] = (unsigned char)(seed * 31 + i * 7 + (seed >> 8));
}

static inline int pattern_ok(const void *p, size_t n, uint32_t seed)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i] != (unsigned char)(seed * 31 + i * 7 + (seed >> 8)))
			return 0;
	return 1;
}

/* Lines of /proc/self/maps: the number of mappings of the process. */
static inline int count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int c, n = 0;

	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* A small deterministic PRNG (xorshift). */
static inline uint32_t rnd(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

#define U64(x)	((uint64_t)(x))

/* Reap @pid, which must have exited with 0 (its own checks passed). */
static inline void expect_child_ok(struct __test_metadata *_metadata,
				   pid_t pid)
{
	int status;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child died, status %#x", status);
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("the child's checks failed");
}

#ifdef WSHEAP_WEBSERVICES_H	/* the WWSAPI suites */
/* The number of strings in a WS_ERROR, or 0xdeadbeef if it cannot say. */
static inline ULONG string_count(WS_ERROR *e)
{
	ULONG n = 0xdeadbeef;

	if (WsGetErrorProperty(e, WS_ERROR_PROPERTY_STRING_COUNT, &n,
			       sizeof(n)) != S_OK)
		return 0xdeadbeef;
	return n;
}

/* The error's string @index as ASCII (other code units become '?'). */
static inline const char *error_text(WS_ERROR *e, ULONG index)
{
	static char buf[1024];
	WS_STRING s;
	ULONG i;

	if (WsGetErrorString(e, index, &s) != S_OK)
		return "(none)";
	for (i = 0; i < s.length && i < sizeof(buf) - 1; i++)
		buf[i] = s.chars[i] < 128 ? (char)s.chars[i] : '?';
	buf[i] = 0;
	return buf;
}
#endif

#endif /* WSHEAP_TEST_H */
