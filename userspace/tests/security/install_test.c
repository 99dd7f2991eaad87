// SPDX-License-Identifier: GPL-2.0
/*
 * Handles and descriptors are published last and whole (issue 10, items 2
 * and 6).
 *
 * import_race: one thread IMPORTs a read-only export over and over while
 * another, in the same process, aims EXPORT (read-write), ALLOC, RESET or
 * mmap(PROT_WRITE) at the handle that IMPORT is about to publish (handles
 * are handed out in sequence, so it is the last one plus one).  Any success
 * is write access through a read-only handle.
 *
 * copyout: one thread flips the page that holds an ioctl's argument between
 * read-only and read-write while another calls EXPORT, EXPORT_DMABUF,
 * IMPORT or CREATE on it.  The dispatcher probes that the argument can be
 * written before it acts and copies the result out after: a flip between
 * the two fails the call with EFAULT after the command ran.  Such a call
 * must leave nothing behind: no descriptor, no handle, and a DESTROY of the
 * heap must still give its memory back.
 *
 * Each race runs for RACE_MIN_MS and until RACE_MIN_COUNT rounds (imports,
 * or copy-outs that failed) are done, but never beyond RACE_MAX_S: a fast
 * kernel stops after the minimum time, a slow one (the debug kernel) after
 * the minimum count.  The log says how many attempts hit the window.
 */
#include "wsh_sec.h"

#define RACE_MIN_MS	1000
#define RACE_MIN_COUNT	100
#define RACE_MAX_S	10

/* Keep racing?  @start: wsh_now_ns() when it began; @count: rounds done. */
static bool race_on(__u64 start, unsigned long count)
{
	__u64 ms = (wsh_now_ns() - start) / 1000000;

	return ms < RACE_MAX_S * 1000 &&
	       (ms < RACE_MIN_MS || count < RACE_MIN_COUNT);
}

/* Pin the calling thread to CPU @cpu modulo the CPUs there are. */
static void pin_to_cpu(int cpu)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (n < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu % n, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* ------------------------------- item 2 --------------------------------- */

enum race_op { OP_EXPORT, OP_ALLOC, OP_RESET, OP_MMAP };

struct import_race {
	int ctx;
	enum race_op op;
	_Atomic __u32 last;		/* the handle IMPORT gave last */
	atomic_bool stop;
	unsigned long attempts, hits;
};

/* The attacker: write access through the handle about to be published. */
static void *race_attacker(void *arg)
{
	struct import_race *r = arg;
	struct wsheap_reset rs;
	size_t ps = wsh_ps();
	int efd;
	void *p;

	pin_to_cpu(1);
	while (!atomic_load(&r->stop)) {
		__u32 h = atomic_load(&r->last) + 1;

		r->attempts++;
		switch (r->op) {
		case OP_EXPORT:
			if (!wsh_export(r->ctx, h, 0, &efd)) {
				r->hits++;
				close(efd);
			}
			break;
		case OP_ALLOC:
			if (!wsh_alloc(r->ctx, h, 1, 0, NULL))
				r->hits++;
			break;
		case OP_RESET:
			memset(&rs, 0, sizeof(rs));
			rs.handle = h;
			if (!wsh_ioctl(r->ctx, WSHEAP_IOC_RESET, &rs))
				r->hits++;
			break;
		case OP_MMAP:
			p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED,
				 r->ctx, (off_t)((__u64)h << WSHEAP_SPAN_SHIFT));
			if (p != MAP_FAILED) {
				r->hits++;
				munmap(p, ps);
			}
			break;
		}
	}
	return NULL;
}

FIXTURE(import_race) {
	int owner;
	int rofd;
	struct wsheap_create c;
};

FIXTURE_VARIANT(import_race) {
	enum race_op op;
};

FIXTURE_VARIANT_ADD(import_race, export_rw) { .op = OP_EXPORT };
FIXTURE_VARIANT_ADD(import_race, alloc) { .op = OP_ALLOC };
FIXTURE_VARIANT_ADD(import_race, reset) { .op = OP_RESET };
FIXTURE_VARIANT_ADD(import_race, mmap_write) { .op = OP_MMAP };

FIXTURE_SETUP(import_race)
{
	self->owner = wsh_open();
	ASSERT_LE(0, self->owner) TH_LOG("open %s: %s", WSHEAP_DEVICE, strerror(errno));
	ASSERT_EQ(0, wsh_heap_with_pages(self->owner, 1, wsh_ps(), 0, &self->c));
	ASSERT_EQ(0, wsh_export(self->owner, self->c.handle,
				WSHEAP_EXPORT_RDONLY, &self->rofd));
}

FIXTURE_TEARDOWN(import_race)
{
	close(self->rofd);
	close(self->owner);
}

TEST_F_TIMEOUT(import_race, publishes_read_only_atomically, 60)
{
	struct import_race r = { .op = variant->op };
	struct wsheap_import im;
	unsigned long imports = 0;
	struct wsheap_info before, after;
	pthread_t t;
	__u64 start;

	r.ctx = wsh_open();
	ASSERT_LE(0, r.ctx);
	ASSERT_EQ(0, wsh_info(self->owner, self->c.handle, &before));
	ASSERT_EQ(0, pthread_create(&t, NULL, race_attacker, &r));
	pin_to_cpu(0);
	start = wsh_now_ns();
	while (race_on(start, imports)) {
		if (wsh_import(r.ctx, self->rofd, &im))
			break;
		EXPECT_EQ(WSHEAP_ACCESS_RDONLY, im.access);
		atomic_store(&r.last, im.handle);
		wsh_destroy(r.ctx, im.handle);
		imports++;
	}
	atomic_store(&r.stop, true);
	pthread_join(t, NULL);
	ASSERT_EQ(0, wsh_info(self->owner, self->c.handle, &after));
	TH_LOG("%lu imports, %lu attempts on the next handle, %lu with write access",
	       imports, r.attempts, r.hits);
	/* the race ran (the debug kernel manages ~50 imports a second) */
	EXPECT_LE((unsigned long)RACE_MIN_COUNT, imports);
	EXPECT_LT(100UL, r.attempts);
	EXPECT_EQ(0UL, r.hits);
	/* nothing the attacker did reached the heap */
	EXPECT_EQ(before.generation, after.generation);
	EXPECT_EQ(before.requested, after.requested);
	close(r.ctx);
}

/* ------------------------------- item 6 --------------------------------- */

enum copyout_cmd { CO_EXPORT, CO_EXPORT_DMABUF, CO_IMPORT, CO_CREATE };

struct flipper {
	void *page;
	size_t len;
	atomic_bool stop;
	unsigned long flips;
};

/* Flip the argument's page read-only and back, as fast as it goes. */
static void *flip_fn(void *arg)
{
	struct flipper *f = arg;

	pin_to_cpu(1);
	while (!atomic_load(&f->stop)) {
		mprotect(f->page, f->len, PROT_READ);
		mprotect(f->page, f->len, PROT_READ | PROT_WRITE);
		f->flips++;
	}
	return NULL;
}

FIXTURE(copyout) {
	int fd;
	int efd;			/* a RW export of the heap (IMPORT's input) */
	struct wsheap_create c;
	unsigned char *heap_map;	/* a mapping of the heap's page */
	size_t ps;
};

FIXTURE_VARIANT(copyout) {
	enum copyout_cmd cmd;
	bool fd_result;		/* the command makes a descriptor */
};

FIXTURE_VARIANT_ADD(copyout, export) { .cmd = CO_EXPORT, .fd_result = true };
FIXTURE_VARIANT_ADD(copyout, export_dmabuf) { .cmd = CO_EXPORT_DMABUF, .fd_result = true };
FIXTURE_VARIANT_ADD(copyout, import) { .cmd = CO_IMPORT };
FIXTURE_VARIANT_ADD(copyout, create) { .cmd = CO_CREATE };

FIXTURE_SETUP(copyout)
{
	self->ps = wsh_ps();
	self->efd = -1;
	self->fd = wsh_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", WSHEAP_DEVICE, strerror(errno));
	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 1, 0, 0, &self->c));
	self->heap_map = wsh_map(self->fd, &self->c, 0, self->ps);
	ASSERT_NE(MAP_FAILED, self->heap_map);
	self->heap_map[0] = 1;
	if (variant->cmd == CO_IMPORT)
		ASSERT_EQ(0, wsh_export(self->fd, self->c.handle, 0, &self->efd));
}

FIXTURE_TEARDOWN(copyout)
{
	munmap(self->heap_map, self->ps);
	if (self->efd >= 0)
		close(self->efd);
	close(self->fd);
}

/* The argument struct of @cmd for the fixture's heap, at @page. */
static unsigned long copyout_arg(FIXTURE_DATA(copyout) *self,
				 enum copyout_cmd cmd, void *page)
{
	struct wsheap_export_dmabuf *d = page;
	struct wsheap_export *e = page;
	struct wsheap_import *im = page;
	struct wsheap_create *c = page;

	memset(page, 0, self->ps);
	switch (cmd) {
	case CO_EXPORT:
		e->handle = self->c.handle;
		return WSHEAP_IOC_EXPORT;
	case CO_EXPORT_DMABUF:
		d->handle = self->c.handle;
		d->size = self->ps;
		return WSHEAP_IOC_EXPORT_DMABUF;
	case CO_IMPORT:
		im->fd = self->efd;
		return WSHEAP_IOC_IMPORT;
	case CO_CREATE:
		c->max_size = 4096;
		return WSHEAP_IOC_CREATE;
	}
	return 0;
}

/* What a successful call made, read back from the argument. */
static int copyout_result(enum copyout_cmd cmd, const void *page)
{
	switch (cmd) {
	case CO_EXPORT:
		return ((const struct wsheap_export *)page)->fd;
	case CO_EXPORT_DMABUF:
		return ((const struct wsheap_export_dmabuf *)page)->fd;
	case CO_IMPORT:
		return (int)((const struct wsheap_import *)page)->handle;
	case CO_CREATE:
		return (int)((const struct wsheap_create *)page)->handle;
	}
	return -1;
}

TEST_F_TIMEOUT(copyout, efault_leaves_nothing_behind, 60)
{
	struct flipper f = { .len = self->ps };
	unsigned long calls = 0, efaults = 0, leaks = 0, ok = 0;
	int fds_before, fds_after, next_fd, res;
	long long committed_before = 0, committed_after = 0;
	bool have_stats;
	__u32 next_handle = self->c.handle + 1;
	unsigned long cmd;
	pthread_t t;
	__u64 start;

	f.page = mmap(NULL, self->ps, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, f.page);
	cmd = copyout_arg(self, variant->cmd, f.page);
	have_stats = !wsh_stats_committed(&committed_before);
	fds_before = wsh_count_fds();
	next_fd = wsh_lowest_free_fd();
	ASSERT_LE(0, next_fd);

	ASSERT_EQ(0, pthread_create(&t, NULL, flip_fn, &f));
	pin_to_cpu(0);
	start = wsh_now_ns();
	/* The argument is only read by the kernel: it never needs rewriting. */
	while (race_on(start, efaults)) {
		int ret = wsh_ioctl(self->fd, cmd, f.page);

		calls++;
		if (!ret) {
			ok++;
			res = copyout_result(variant->cmd, f.page);
			if (variant->fd_result) {
				close(res);
			} else {
				wsh_destroy(self->fd, (__u32)res);
				next_handle = (__u32)res + 1;
			}
			continue;
		}
		ASSERT_EQ(-EFAULT, ret) TH_LOG("call %lu: %s", calls, strerror(-ret));
		efaults++;
		/* Leaks are left in place: the checks below must see them. */
		if (variant->fd_result && wsh_fd_is_open(next_fd)) {
			leaks++;
			next_fd = wsh_lowest_free_fd();
		} else if (!variant->fd_result &&
			   !wsh_info(self->fd, next_handle, NULL)) {
			leaks++;
			next_handle++;
		}
	}
	atomic_store(&f.stop, true);
	pthread_join(t, NULL);
	fds_after = wsh_count_fds();
	TH_LOG("%lu calls: %lu done, %lu EFAULT, %lu of them left a %s behind (%lu flips)",
	       calls, ok, efaults, leaks,
	       variant->fd_result ? "descriptor" : "handle", f.flips);
	ASSERT_LT(0UL, efaults) TH_LOG("the flips never made the copy-out fail");
	EXPECT_EQ(0UL, leaks);
	EXPECT_EQ(fds_before, fds_after) TH_LOG("descriptors nobody was told of");
	EXPECT_EQ(-ENOENT, wsh_info(self->fd, next_handle, NULL));

	/* The heap's last known user goes: its memory must go with it. */
	if (self->efd >= 0) {
		close(self->efd);
		self->efd = -1;
	}
	ASSERT_EQ(0, wsh_destroy(self->fd, self->c.handle));
	if (variant->cmd == CO_EXPORT || variant->cmd == CO_IMPORT)
		EXPECT_EQ(SIGBUS, wsh_touch(self->heap_map, false))
			TH_LOG("DESTROY left the heap's page mapped: a hidden user holds it");
	if (have_stats && variant->cmd != CO_EXPORT_DMABUF) {
		ASSERT_EQ(0, wsh_stats_committed(&committed_after));
		EXPECT_EQ(committed_before - (long long)self->ps, committed_after)
			TH_LOG("debugfs committed: %lld before (this heap's page included), %lld after",
			       committed_before, committed_after);
	}
	munmap(f.page, self->ps);
}

TEST_HARNESS_MAIN
