// SPDX-License-Identifier: GPL-2.0
/*
 * Regression cases for kernel bugs the fuzzer found, run after the
 * fuzzing (or alone with --repro).
 */
#include "fuzz.h"

/* --------------------------------------------------- status-lag mode --- */

/*
 * --status-lag SECONDS: a focused reproducer for readers that validate a
 * block with the status page (generation, data, generation).  A writer
 * fills a block of a ZERO_ON_RESET heap whose trim keeps it, publishes
 * (generation, offset), then resets; readers check the block between two
 * reads of the status generation.  Counts the times the data was already
 * gone while both reads still showed the block's generation.
 */
static struct {
	int fd;
	unsigned int h;
	unsigned char *map;
	volatile struct wsheap_status *st;
	ull pub;		/* generation << 32 | page offset, or 0 */
	volatile int stop;
	ull lag, checks, lag_resets, last_lag_gen;
} sl;

#define SL_BLOCK (256 << 10)

static void *sl_reader(void *arg)
{
	(void)arg;
	while (!sl.stop) {
		ull pub = __atomic_load_n(&sl.pub, __ATOMIC_ACQUIRE);
		ull g = pub >> 32, off = (pub & 0xffffffffULL) * ps, g0, g1;
		const unsigned char *b = sl.map + off;
		size_t i;
		bool bad = false;

		if (!pub)
			continue;
		g0 = wsh_status_gen(sl.st);
		if (g0 != g)
			continue;
		for (i = 0; i < SL_BLOCK; i += 64)
			if (b[i] != 0xab) {
				bad = true;
				break;
			}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		g1 = wsh_status_gen(sl.st);
		__atomic_add_fetch(&sl.checks, 1, __ATOMIC_RELAXED);
		if (bad && g1 == g) {
			__atomic_add_fetch(&sl.lag, 1, __ATOMIC_RELAXED);
			if (__atomic_exchange_n(&sl.last_lag_gen, g, __ATOMIC_RELAXED) != g)
				__atomic_add_fetch(&sl.lag_resets, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

int status_lag_mode(int n, ull seconds)
{
	struct wsheap_create c;
	pthread_t rd[2];
	double end = wsh_now() + (double)seconds;
	ull off, gen, resets = 0;
	int i;

	sl.fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (sl.fd < 0 || wsh_create(sl.fd, ~0ULL, 4ULL << 20,
				    WSHEAP_CREATE_ZERO_ON_RESET, &c)) {
		printf("not ok %d status lag: setup: %s\n", n, strerror(errno));
		return 1;
	}
	sl.h = c.handle;
	sl.map = wsh_map(sl.fd, c.mmap_offset, 0, 4 << 20, PROT_READ | PROT_WRITE);
	sl.st = wsh_map_status(sl.fd, c.mmap_offset);
	if (sl.map == MAP_FAILED || !sl.st) {
		printf("not ok %d status lag: mmap: %s\n", n, strerror(errno));
		return 1;
	}
	for (i = 0; i < 2; i++)
		pthread_create(&rd[i], NULL, sl_reader, NULL);
	while (wsh_now() < end) {
		if (wsh_alloc(sl.fd, sl.h, SL_BLOCK, ps, &off, &gen))
			break;
		memset(sl.map + off, 0xab, SL_BLOCK);
		__atomic_store_n(&sl.pub, gen << 32 | off / ps, __ATOMIC_RELEASE);
		wsh_sleep_us(2000);
		wsh_reset(sl.fd, sl.h, NULL);
		resets++;
	}
	sl.stop = 1;
	for (i = 0; i < 2; i++)
		pthread_join(rd[i], NULL);
	printf("# %llu resets, %llu checks: during %llu resets, %llu times, a block's data was already zeroed while the status page (read before and after) still showed its generation\n",
	       resets, sl.checks, sl.lag_resets, sl.lag);
	printf("%s %d status page generation changes before a reset destroys data\n",
	       sl.lag ? "not ok" : "ok", n);
	munmap(sl.map, 4 << 20);
	munmap((void *)sl.st, ps);
	close(sl.fd);
	return sl.lag != 0;
}

/* EXPORT_DMABUF far beyond the committed pages must fail with EINVAL, fast. */
int dmabuf_range_mode(int n)
{
	struct wsheap_create c;
	int fd, x, bad = 0;
	double t0, dt;
	static const ull sizes[] = { 1ULL << 30, 1ULL << 36,
				     WSHEAP_STATUS_OFFSET - 4096 };
	unsigned int i;

	fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0 || wsh_create(fd, ~0ULL, 0, 0, &c) ||
	    wsh_alloc(fd, c.handle, ps, 0, NULL, NULL)) {
		printf("not ok %d dmabuf range: setup: %s\n", n, strerror(errno));
		return 1;
	}
	for (i = 0; i < 3; i++) {
		t0 = wsh_now();
		x = wsh_dmabuf(fd, c.handle, 0, sizes[i], 0);
		dt = wsh_now() - t0;
		printf("# EXPORT_DMABUF of %llu bytes, one page committed: %s in %.3f s\n",
		       sizes[i], x < 0 ? strerror(-x) : "a dma-buf", dt);
		if (x != -EINVAL)
			bad = 1;
		if (x >= 0)
			close(x);
	}
	printf("%s %d EXPORT_DMABUF beyond the committed pages fails with EINVAL\n",
	       bad ? "not ok" : "ok", n);
	close(fd);
	return bad;
}

/*
 * RESET with its struct in a page it gives back: ABI 2's RESET writes
 * nothing back, so it simply resets; ABI 1's (RESET_V0) resets too, and
 * succeeds though the generation could not be written back.  (ABI 1 once
 * looked the argument up in the caller's mappings and refused with EFAULT.)
 */
int reset_efault_mode(int n)
{
	struct wsheap_create c;
	struct wsheap_info i = { 0 };
	struct wsheap_reset *r;
	unsigned char *m;
	int fd, rc, rc0, bad;

	fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0 || wsh_create(fd, 1 << 20, 0, 0, &c) ||
	    wsh_alloc(fd, c.handle, 2 * ps, 0, NULL, NULL)) {
		printf("not ok %d reset efault: setup: %s\n", n, strerror(errno));
		return 1;
	}
	m = wsh_map(fd, c.mmap_offset, 0, 2 * ps, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED) {
		printf("not ok %d reset efault: mmap: %s\n", n, strerror(errno));
		return 1;
	}
	r = (void *)(m + ps);	/* trim 0: the reset gives this page back */
	memset(r, 0, sizeof(*r));
	r->handle = c.handle;
	rc = wsh_ioctl(fd, WSHEAP_IOC_RESET, r);
	wsh_info(fd, c.handle, &i);
	printf("# RESET with its struct in a page it gives back: %s, generation now %llu, %llu bytes committed\n",
	       rc ? strerror(-rc) : "success", (ull)i.generation,
	       (ull)i.committed);
	bad = rc || i.generation != 1 || i.committed;
	/* the same with ABI 1's encoding, after committing the page again */
	rc0 = wsh_alloc(fd, c.handle, 2 * ps, 0, NULL, NULL);
	if (!rc0) {
		memset(r, 0, sizeof(*r));
		r->handle = c.handle;
		rc0 = wsh_ioctl(fd, WSHEAP_IOC_RESET_V0, r);
	}
	wsh_info(fd, c.handle, &i);
	printf("# RESET_V0 likewise: %s, generation now %llu\n",
	       rc0 ? strerror(-rc0) : "success", (ull)i.generation);
	bad |= rc0 || i.generation != 2 || i.committed;
	printf("%s %d a RESET whose argument lies in a page it gives back resets\n",
	       bad ? "not ok" : "ok", n);
	munmap(m, 2 * ps);
	close(fd);
	return bad;
}

/*
 * A pipe that vmsplice() filled from a heap page references that page (a
 * GUP reference, not a pin).  A reset that keeps the page reuses it for
 * the next generation, so whoever holds the pipe - even after giving up
 * every handle, descriptor and mapping of the heap - reads what the next
 * generation writes there.  docs/abi.md: what a reset cannot revoke keeps
 * the old page, with the old generation's data, and never sees the heap's
 * later data.  Each variant: the owner writes 'A', a party vmsplices 16
 * bytes (the owner itself; a read-only importer, which then gives up its
 * handle, export and mapping), RESET (the trim keeps the page), ALLOC,
 * the owner writes 'B', the pipe is read: it must give 'A'.
 */
static int vmsplice_one(int n, unsigned int flags, bool importer, bool *bad)
{
	struct wsheap_import im;
	struct wsheap_create c;
	unsigned char *m, *ro = MAP_FAILED, got[16];
	struct iovec iov;
	int fd, ctx2 = -1, x = -1, p[2];
	ssize_t k;

	fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0 || wsh_create(fd, 1 << 20, ps, flags, &c) ||
	    wsh_alloc(fd, c.handle, ps, 0, NULL, NULL) || pipe2(p, O_CLOEXEC)) {
		printf("not ok %d vmsplice reset: setup: %s\n", n, strerror(errno));
		return 1;
	}
	m = wsh_map(fd, c.mmap_offset, 0, ps, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED) {
		printf("not ok %d vmsplice reset: mmap: %s\n", n, strerror(errno));
		return 1;
	}
	memset(m, 'A', ps);
	iov.iov_base = m;
	if (importer) {
		ctx2 = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
		x = wsh_export(fd, c.handle, WSHEAP_EXPORT_RDONLY);
		if (ctx2 < 0 || x < 0 || wsh_import(ctx2, x, &im) ||
		    (ro = wsh_map(ctx2, im.mmap_offset, 0, ps, PROT_READ)) == MAP_FAILED) {
			printf("not ok %d vmsplice reset: import: %s\n", n, strerror(errno));
			return 1;
		}
		iov.iov_base = ro;
	}
	iov.iov_len = sizeof(got);
	k = vmsplice(p[1], &iov, 1, 0);
	if (importer) {
		/* the importer gives up everything but the pipe */
		munmap(ro, ps);
		wsh_destroy(ctx2, im.handle);
		close(ctx2);
		close(x);
	}
	if (wsh_reset(fd, c.handle, NULL) || wsh_alloc(fd, c.handle, ps, 0, NULL, NULL)) {
		printf("not ok %d vmsplice reset: RESET, ALLOC: %s\n", n, strerror(errno));
		return 1;
	}
	memset(m, 'B', ps);	/* the next generation's data */
	memset(got, 0, sizeof(got));
	if (k > 0)
		k = read(p[0], got, sizeof(got));
	printf("# flags %u, vmsplice by %s, RESET, the next generation writes 'B': the pipe gives %zd bytes, '%c'\n",
	       flags, importer ? "a read-only importer that then let go" : "the owner",
	       k, got[0] ? got[0] : '?');
	*bad |= k > 0 && got[0] != 'A';
	munmap(m, ps);
	close(p[0]);
	close(p[1]);
	close(fd);
	return 0;
}

int vmsplice_reset_mode(int n)
{
	bool bad = false;

	if (vmsplice_one(n, 0, false, &bad) ||
	    vmsplice_one(n, WSHEAP_CREATE_ZERO_ON_RESET, false, &bad) ||
	    vmsplice_one(n, 0, true, &bad))
		return 1;
	printf("%s %d a pipe filled by vmsplice before a RESET never shows the next generation\n",
	       bad ? "not ok" : "ok", n);
	return bad;
}

/* The regression cases, TAP numbers n to n + 3. */
int regressions(int n, ull seconds)
{
	int fail = 0;

	fail |= status_lag_mode(n, seconds);
	fail |= dmabuf_range_mode(n + 1);
	fail |= reset_efault_mode(n + 2);
	fail |= vmsplice_reset_mode(n + 3);
	return fail;
}
