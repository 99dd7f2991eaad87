// SPDX-License-Identifier: GPL-2.0
/*
 * One life of a heap, for the load/unload cycles of
 * testing/guest/reliability.sh, and holders that must keep the module
 * from unloading.
 *
 *   wsheap_cycle_test            TAP: the lifecycle, and each holder kind
 *   wsheap_cycle_test --once     create + alloc + touch + export + import +
 *                                dma-buf + reset + destroy; exit status
 *   wsheap_cycle_test --hold K   set up a holder of kind K (map: only a
 *                                mapping; export: only an exported
 *                                descriptor; dmabuf: only a dma-buf and its
 *                                mapping; ctx: an open context), print
 *                                "ready", wait for SIGTERM, check the data
 *                                is still there and exit 0
 */
#include "../abi/wsheap_test_util.h"	/* includes kselftest_harness.h */

/* TEST()'s wrapper has an unused parameter (the harness is not -Wextra clean) */
#pragma GCC diagnostic ignored "-Wunused-parameter"

/* The lifecycle; 0 or the step that failed. */
static int run_lifecycle(void)
{
	const size_t ps = (size_t)wsh_ps();
	struct wsheap_create c;
	struct wsheap_export e;
	struct wsheap_import im;
	struct wsheap_export_dmabuf d;
	unsigned char *p, *q;
	__u64 off, gen;
	int fd, fd2, ret = 0;

	fd = wsh_open();
	fd2 = wsh_open();
	if (fd < 0 || fd2 < 0)
		return 1;
	if (wsh_create(fd, 1 << 20, ps, WSHEAP_CREATE_ZERO_ON_RESET, &c))
		return 2;
	if (wsh_alloc(fd, c.handle, 3 * ps, 0, &off))
		return 3;
	p = wsh_map(fd, &c, 0, 4 * ps);
	if (p == MAP_FAILED)
		return 4;
	if (wsh_nonzero(p, 3 * ps) != -1)
		return 5;
	wsh_fill(p, 3 * ps, 9);
	memset(&e, 0, sizeof(e));
	e.handle = c.handle;
	if (wsh_ioctl(fd, WSHEAP_IOC_EXPORT, &e))
		return 6;
	memset(&im, 0, sizeof(im));
	im.fd = e.fd;
	if (wsh_ioctl(fd2, WSHEAP_IOC_IMPORT, &im))
		return 7;
	q = mmap(NULL, 3 * ps, PROT_READ, MAP_SHARED, fd2, (off_t)im.mmap_offset);
	if (q == MAP_FAILED || wsh_check(q, 3 * ps, 9) != -1)
		return 8;
	memset(&d, 0, sizeof(d));
	d.handle = c.handle;
	d.size = 2 * ps;
	if (wsh_ioctl(fd, WSHEAP_IOC_EXPORT_DMABUF, &d))
		return 9;
	if (wsh_reset(fd, c.handle, &gen) || gen != 1)
		return 10;
	if (wsh_nonzero(p, ps) != -1 || wsh_touch(p + ps, false) != SIGBUS)
		return 11;
	close(e.fd);	/* closing never gives memory back... */
	if (wsh_destroy(fd2, im.handle) || wsh_destroy(fd, c.handle))
		return 12;
	/* ...the last user's DESTROY does */
	if (wsh_touch(p, false) != SIGBUS)
		ret = 13;
	munmap(q, 3 * ps);
	munmap(p, 4 * ps);
	close(d.fd);
	close(fd2);
	close(fd);
	return ret;
}

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

/* A holder: only one kind of reference keeps the heap (and the module). */
static int hold(const char *kind)
{
	const size_t ps = (size_t)wsh_ps(), len = 4 * ps;
	struct wsheap_create c;
	unsigned char *p = NULL;
	int fd, x = -1;
	sigset_t set;

	fd = wsh_open();
	if (fd < 0 || wsh_create(fd, 1 << 20, 0, 0, &c) ||
	    wsh_alloc(fd, c.handle, len, 0, NULL))
		return 20;
	if (!strcmp(kind, "map")) {
		p = wsh_map(fd, &c, 0, len);
		if (p == MAP_FAILED)
			return 21;
		wsh_fill(p, len, 4);
		close(fd);	/* only the mapping is left */
		fd = -1;
	} else if (!strcmp(kind, "export")) {
		struct wsheap_export e;

		memset(&e, 0, sizeof(e));
		e.handle = c.handle;
		if (wsh_ioctl(fd, WSHEAP_IOC_EXPORT, &e))
			return 22;
		x = e.fd;
		close(fd);
		fd = -1;
	} else if (!strcmp(kind, "dmabuf")) {
		struct wsheap_export_dmabuf d;

		memset(&d, 0, sizeof(d));
		d.handle = c.handle;
		d.size = len;
		if (wsh_ioctl(fd, WSHEAP_IOC_EXPORT_DMABUF, &d))
			return 23;
		x = d.fd;
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, x, 0);
		if (p == MAP_FAILED)
			return 24;
		wsh_fill(p, len, 4);
		/* the heap is gone; the dma-buf keeps its pages */
		if (wsh_destroy(fd, c.handle))
			return 25;
		close(fd);
		fd = -1;
	} else if (strcmp(kind, "ctx")) {
		return 26;
	}
	signal(SIGTERM, on_term);
	sigemptyset(&set);
	printf("ready\n");
	fflush(stdout);
	while (!got_term)
		sigsuspend(&set);
	if (p && wsh_check(p, len, 4) != -1)
		return 27;
	if (x >= 0 && !strcmp(kind, "export")) {
		/* the export still maps the heap */
		p = mmap(NULL, len, PROT_READ, MAP_SHARED, x, 0);
		if (p == MAP_FAILED || wsh_nonzero(p, len) != -1)
			return 28;
	}
	return 0;
}

TEST(lifecycle)
{
	EXPECT_EQ(0, run_lifecycle());
}

/* Each holder kind waits and still has its data when told to stop. */
static void holder(struct __test_metadata *_metadata, const char *kind)
{
	int pfd[2], status;
	char buf[16] = "";
	pid_t pid;

	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		dup2(pfd[1], 1);
		_exit(hold(kind));
	}
	close(pfd[1]);
	ASSERT_LT(0, read(pfd[0], buf, sizeof(buf) - 1));
	EXPECT_EQ(0, strncmp(buf, "ready", 5));
	kill(pid, SIGTERM);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, wsh_status_code(status));
	close(pfd[0]);
}

TEST(hold_map) { holder(_metadata, "map"); }
TEST(hold_export) { holder(_metadata, "export"); }
TEST(hold_dmabuf) { holder(_metadata, "dmabuf"); }

int main(int argc, char **argv)
{
	int rc;

	if (argc == 2 && !strcmp(argv[1], "--once")) {
		rc = run_lifecycle();
		if (rc)
			fprintf(stderr, "wsheap lifecycle failed at step %d\n", rc);
		return rc;
	}
	if (argc == 3 && !strcmp(argv[1], "--hold"))
		return hold(argv[2]);
	return test_harness_run(argc, argv);
}
