// SPDX-License-Identifier: GPL-2.0
/*
 * Resets that sanitizers see (issue 14): a pointer kept across a reset, or
 * a byte beyond an allocation, is reported, even inside the trim where the
 * page stays mapped; correct programs are not.
 *
 * Built twice from this file: sanitize_asan_test with -fsanitize=address
 * against an ASan build of the library (the Makefile's lib-asan), where
 * each case runs in a child that AddressSanitizer must or must not abort;
 * and sanitize_test, a plain build (linked dynamically against the C
 * library, whose suppressions memcheck has) whose cases run as
 * "valgrind --tool=memcheck sanitize_test --case NAME" (skipped where
 * valgrind is not installed).  The suites' own programs run under ASan as
 * *_asan_test (see the Makefile).
 */
#include <poll.h>
#include <pthread.h>

#include "wsheap_test.h"
#include <webservices.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN	1
#endif

/*
 * Where valgrind is looked for (the guest's initramfs copies it there):
 * Debian's valgrind is a shell script around valgrind.bin.
 */
#ifndef UNDER_ASAN
static const char *valgrind(void)
{
	if (!access("/usr/bin/valgrind.bin", X_OK))
		return "/usr/bin/valgrind.bin";
	if (!access("/usr/bin/valgrind", X_OK))
		return "/usr/bin/valgrind";
	return NULL;
}
#endif

/* ---- the cases: each is a whole program ------------------------------------ */

static volatile unsigned char sink;

/* A pointer kept across an in-place reset (one block, within the trim). */
static int case_bad_after_inplace_reset(void)
{
	struct wsheap *h;
	unsigned char *p;

	if (wsheap_create(NULL, UINT64_MAX, 1 << 20, 0, &h) ||
	    wsheap_alloc(h, 64, (void **)&p))
		return 2;
	memset(p, 1, 64);
	if (wsheap_reset(h))
		return 3;
	sink = p[10];		/* reported: the page is still mapped */
	return 0;
}

/* A pointer kept across a reset the kernel makes, inside its trim. */
static int case_bad_after_kernel_reset(void)
{
	struct wsheap *h;
	unsigned char *p, *q;
	int i;

	if (wsheap_create(NULL, UINT64_MAX, 1 << 20, 0, &h) ||
	    wsheap_alloc(h, 100, (void **)&p))
		return 2;
	/* a second block: the reset goes to the kernel, which keeps both */
	for (i = 0; i < 4; i++)
		if (wsheap_alloc(h, 60 << 10, (void **)&q))
			return 2;
	memset(p, 1, 100);
	if (wsheap_reset(h) || wsheap_alloc(h, 8, (void **)&q))
		return 3;
	sink = p[50];
	return 0;
}

/* A WWSAPI heap: a pointer from before WsResetHeap. */
static int case_bad_after_ws_reset(void)
{
	WS_HEAP *h;
	char *p;

	if (WsCreateHeap(1 << 20, 1 << 20, NULL, 0, &h, NULL) != S_OK ||
	    WsAlloc(h, 32, (void **)&p, NULL) != S_OK)
		return 2;
	strcpy(p, "message");
	if (WsResetHeap(h, NULL) != S_OK)
		return 3;
	sink = (unsigned char)p[0];
	return 0;
}

/* A pointer from after a mark, used after the rewind to it. */
static int case_bad_after_rewind(void)
{
	struct wsheap_mark m;
	struct wsheap *h;
	unsigned char *p;

	if (wsheap_create(NULL, UINT64_MAX, 0, 0, &h) ||
	    wsheap_alloc(h, 64, (void **)&p) || wsheap_mark(h, &m) ||
	    wsheap_alloc(h, 64, (void **)&p))
		return 2;
	memset(p, 1, 64);
	if (wsheap_rewind(h, &m))
		return 3;
	sink = p[0];
	return 0;
}

/* A byte the block has not handed out: just past an allocation. */
static int case_bad_beyond_allocation(void)
{
	struct wsheap *h;
	unsigned char *p;

	if (wsheap_create(NULL, UINT64_MAX, 0, 0, &h) ||
	    wsheap_alloc(h, 24, (void **)&p))
		return 2;
	memset(p, 1, 24);
	sink = p[24];
	return 0;
}

/* Correct: allocate, use, reset, allocate the same memory again, use. */
static int case_good_message_loop(void)
{
	unsigned char *p;
	struct wsheap *h;
	WS_HEAP *wh;
	size_t sz;
	int r, i;

	if (wsheap_create(NULL, UINT64_MAX, 1 << 20, 0, &h))
		return 2;
	for (r = 0; r < 200; r++) {
		for (i = 0; i < 50; i++) {
			sz = 1 + (size_t)(r * 31 + i * 17) % 3000;
			if (wsheap_alloc(h, sz, (void **)&p))
				return 3;
			memset(p, i, sz);
			if (p[sz - 1] != (unsigned char)i)
				return 4;
		}
		if (r % 50 == 49 && wsheap_alloc(h, 200 << 10, (void **)&p))
			return 5;	/* now and then, a reset by the kernel */
		if (wsheap_reset(h))
			return 6;
	}
	if (wsheap_free(h))
		return 7;
	if (WsCreateHeap(1 << 20, 4096, NULL, 0, &wh, NULL) != S_OK)
		return 8;
	for (r = 0; r < 100; r++) {
		for (i = 0; i < 20; i++) {
			if (WsAlloc(wh, 40, (void **)&p, NULL) != S_OK)
				return 9;
			memset(p, r, 40);
		}
		if (WsResetHeap(wh, NULL) != S_OK)
			return 10;
	}
	WsFreeHeap(wh);
	return 0;
}

/* Correct: what another party wrote, read through wsheap_ptr(). */
static int case_good_shared_read(void)
{
	struct wsheap *h, *im;
	struct wsheap_ctx *ctx;
	uint64_t off;
	char *p, *q;
	int fd;

	if (wsheap_create(NULL, UINT64_MAX, 1 << 20, 0, &h) ||
	    wsheap_alloc(h, 4096, (void **)&p))
		return 2;
	strcpy(p, "shared");
	if (wsheap_offset(h, p, &off) || wsheap_export(h, 0, &fd) ||
	    wsheap_ctx_open(&ctx) || wsheap_import(ctx, fd, 0, &im))
		return 3;
	close(fd);
	if (wsheap_ptr(im, off, 4096, (void **)&q) || strcmp(q, "shared"))
		return 4;
	/* the importer's reset, then its own allocations there */
	if (wsheap_reset(im) || wsheap_alloc(im, 64, (void **)&q))
		return 5;
	memset(q, 2, 64);
	if (wsheap_alloc(h, 64, (void **)&p))
		return 6;
	memset(p, 3, 64);
	if (wsheap_free(im) || wsheap_ctx_close(ctx) || wsheap_free(h))
		return 7;
	return 0;
}

static void *ts_worker(void *arg)
{
	struct wsheap *h = arg;
	char *p;
	int i;

	for (i = 0; i < 2000; i++) {
		if (wsheap_alloc(h, 8 + (size_t)i % 200, (void **)&p))
			return (void *)1;
		memset(p, i, 8);
	}
	return NULL;
}

/* Correct: a thread-safe heap, two threads, reset between rounds. */
static int case_good_threads(void)
{
	pthread_t t[2];
	struct wsheap *h;
	void *rv;
	int r, i;

	if (wsheap_create(NULL, UINT64_MAX, 1 << 20, WSHEAP_HEAP_THREADSAFE,
			  &h))
		return 2;
	for (r = 0; r < 3; r++) {
		for (i = 0; i < 2; i++)
			if (pthread_create(&t[i], NULL, ts_worker, h))
				return 3;
		for (i = 0; i < 2; i++)
			if (pthread_join(t[i], &rv) || rv)
				return 4;
		if (wsheap_reset(h))
			return 5;
	}
	return wsheap_free(h) ? 6 : 0;
}

static const struct {
	const char *name;
	int (*fn)(void);
	bool bad;		/* a sanitizer must report it */
} cases[] = {
	{ "bad_after_inplace_reset", case_bad_after_inplace_reset, true },
	{ "bad_after_kernel_reset", case_bad_after_kernel_reset, true },
	{ "bad_after_ws_reset", case_bad_after_ws_reset, true },
	{ "bad_after_rewind", case_bad_after_rewind, true },
	{ "bad_beyond_allocation", case_bad_beyond_allocation, true },
	{ "good_message_loop", case_good_message_loop, false },
	{ "good_shared_read", case_good_shared_read, false },
	{ "good_threads", case_good_threads, false },
};

static int run_case(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strcmp(cases[i].name, name))
			return cases[i].fn();
	return 100;
}

/* ---- running a case in a child, under the tool -------------------------- */

/*
 * Run case @name in a child (under valgrind unless this is the ASan build)
 * with its stderr in @buf; return its wait status.
 */
static int run_child(const char *self, const char *name, char *buf,
		     size_t size)
{
	size_t len = 0;
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
#ifdef UNDER_ASAN
		_exit(run_case(name));
#else
		execl(valgrind(), "valgrind", "--tool=memcheck", "-q",
		      "--vgdb=no", "--error-exitcode=99", self, "--case",
		      name, (char *)NULL);
		_exit(127);
#endif
	}
	close(pfd[1]);
	while (len + 1 < size && (n = read(pfd[0], buf + len,
					    size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	/* drain what does not fit */
	while (read(pfd[0], &status, sizeof(status)) > 0)
		;
	close(pfd[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static char self_path[4096];

static void check_case(struct __test_metadata *_metadata, const char *name,
		       bool bad)
{
	static char out[1 << 16];
	int status;

	NEED_DEV();
#ifndef UNDER_ASAN
	if (!valgrind())
		SKIP(return, "valgrind is not installed");
#endif
	status = run_child(self_path, name, out, sizeof(out));
	ASSERT_NE(-1, status);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("%s: status %#x\n%s", name,
					      status, out);
	if (bad) {
#ifdef UNDER_ASAN
		EXPECT_NE(0, WEXITSTATUS(status)) TH_LOG("%s: not reported", name);
		EXPECT_NE(NULL, strstr(out, "use-after-poison"))
			TH_LOG("%s:\n%s", name, out);
#else
		EXPECT_EQ(99, WEXITSTATUS(status)) TH_LOG("%s:\n%s", name, out);
		EXPECT_NE(NULL, strstr(out, "Invalid read"))
			TH_LOG("%s:\n%s", name, out);
#endif
	} else {
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("%s:\n%s", name, out);
		EXPECT_EQ(NULL, strstr(out, "ERROR: AddressSanitizer"))
			TH_LOG("%s:\n%s", name, out);
		EXPECT_EQ(NULL, strstr(out, "Invalid "))
			TH_LOG("%s:\n%s", name, out);
	}
}

#define CASE(n, bad) TEST(n) { check_case(_metadata, #n, bad); }
CASE(bad_after_inplace_reset, true)
CASE(bad_after_kernel_reset, true)
CASE(bad_after_ws_reset, true)
CASE(bad_after_rewind, true)
CASE(bad_beyond_allocation, true)
CASE(good_message_loop, false)
CASE(good_shared_read, false)
CASE(good_threads, false)

int main(int argc, char **argv)
{
	ssize_t n;

	if (argc == 3 && !strcmp(argv[1], "--case"))
		return run_case(argv[2]);
	n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	if (n > 0)
		self_path[n] = '\0';
	return test_harness_run(argc, argv);
}
