// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzer operations on processes: a forked child sees the heaps as its
 * parent does, and a child killed while busy leaves nothing behind.
 */
#include "fuzz.h"

#include <linux/close_range.h>

/* ------------------------------------------------------------- fork --- */

/* fork(), never while map_nofork() makes a mapping. */
pid_t fuzz_fork(struct thr *t)
{
	pid_t pid;

	pthread_rwlock_rdlock(&t->P->maplock);
	pid = fork();
	if (pid)
		pthread_rwlock_unlock(&t->P->maplock);
	return pid;
}

/*
 * fuzz_fork() under the read side of the fork lock, which the caller drops
 * once it has reaped the child; a failure (reported unless fault injection
 * explains it) leaves the lock free and returns -1.
 */
pid_t fuzz_fork_locked(struct thr *t)
{
	pid_t pid;

	pthread_rwlock_rdlock(&t->P->forklock);
	pid = fuzz_fork(t);
	if (pid < 0) {
		pthread_rwlock_unlock(&t->P->forklock);
		if (!(opt.faults && (errno == ENOMEM || errno == EAGAIN)))
			VIOL(t, "fork: %s", strerror(errno));
	}
	return pid;
}

/*
 * A shared mapping no child inherits, with no fork between the mmap and
 * the MADV_DONTFORK: a child's copy of a dma-buf's mapping would keep the
 * dma-buf, and its pages, after we closed it.
 */
void *map_nofork(struct thr *t, size_t len, int prot, int fd, off_t off)
{
	void *m;

	pthread_rwlock_wrlock(&t->P->maplock);
	m = mmap(NULL, len, prot, MAP_SHARED, fd, off);
	if (m != MAP_FAILED && madvise(m, len, MADV_DONTFORK)) {
		VIOL(t, "MADV_DONTFORK: %s", strerror(errno));
		munmap(m, len);
		m = MAP_FAILED;
	}
	pthread_rwlock_unlock(&t->P->maplock);
	return m;
}

/* A child of a worker under --faults: stop failing (the open may fail). */
void child_no_faults(void)
{
	int i;

	for (i = 0; i < 1000; i++)
		if (!wsh_write_file("/proc/thread-self/make-it-fail", "0"))
			return;
}

void op_fork(struct thr *t)
{
	int status, i, rc;
	pid_t pid;

	if (!wsh_chance(&t->r, opt.faults ? 10 : 25))
		return;
	pid = fuzz_fork_locked(t);
	if (pid < 0)
		return;
	if (pid == 0) {
		int before = G->violations, fd;
		struct wsheap_create c;
		ull off;

		if (opt.faults)
			child_no_faults();
		/* the child shares the context and the mappings */
		for (i = 0; i < NPRIV; i++)
			if (t->heaps[i].used) {
				check_model(t, &t->heaps[i], "in a forked child");
				verify_heap(t, &t->heaps[i], t->heaps[i].win,
					    "in a forked child");
			}
		/* and has contexts of its own */
		fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
		if (fd >= 0 && !wsh_create(fd, 1 << 20, 0, 0, &c)) {
			unsigned char *m = wsh_map(fd, c.mmap_offset, 0, 2 * ps,
						   PROT_READ | PROT_WRITE);

			rc = wsh_alloc(fd, c.handle, ps + 1, 0, &off, NULL);
			if (!rc && m != MAP_FAILED) {
				memset(m, 0x3c, ps + 1);
				if (m[ps] != 0x3c)
					VIOL(t, "child's own heap lost a byte");
			}
			wsh_destroy(fd, c.handle);
			if (m != MAP_FAILED && wsh_probe(m, false) != SIGBUS)
				VIOL(t, "child's destroyed heap still reachable");
		}
		_exit(G->violations != before);
	}
	ADD(forks, 1);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pthread_rwlock_unlock(&t->P->forklock);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		VIOL(t, "forked child: status %#x", status);
	for (i = 0; i < NPRIV; i++)
		if (t->heaps[i].used)
			verify_heap(t, &t->heaps[i], t->heaps[i].win, "after a child");
}

/* A child that is busy with wsheap when SIGKILL arrives. */
static void __attribute__((noreturn)) busy_child(ull seed)
{
	struct wsh_rng r = { seed };
	struct wsheap_create c = { 0 };
	int fd, sv[2], x, d;
	ull off;

	if (opt.faults)
		child_no_faults();
	fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0 || socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		_exit(0);
	for (;;) {
		unsigned char *m;

		if (wsh_create(fd, 64ULL << 20, wsh_below(&r, 1 << 20),
			       (unsigned int)wsh_below(&r, 4), &c))
			continue;
		wsh_alloc(fd, c.handle, wsh_below(&r, 16ULL << 20), 0, &off, NULL);
		m = wsh_map(fd, c.mmap_offset, 0, 1 << 20, PROT_READ | PROT_WRITE);
		if (m != MAP_FAILED)
			wsh_guarded(WSH_WRITE, m, (unsigned char *)&r, 8, NULL);
		x = wsh_export(fd, c.handle, 0);
		if (x >= 0) {
			/* leave a descriptor in flight */
			wsh_send_fd(sv[0], x, "x", 1, MSG_DONTWAIT);
			close(x);
		}
		d = wsh_dmabuf(fd, c.handle, 0, ps, 0);
		wsh_leave_at_random(&r, fd, c.handle, d, 3);
	}
}

void op_fork_kill(struct thr *t)
{
	int status;
	pid_t pid;

	if (!wsh_chance(&t->r, 20))
		return;
	pthread_rwlock_rdlock(&t->P->forklock);
	pid = fuzz_fork(t);
	if (pid < 0) {
		pthread_rwlock_unlock(&t->P->forklock);
		return;
	}
	if (pid == 0)
		busy_child(wsh_rand(&t->r));
	wsh_sleep_us((unsigned int)wsh_below(&t->r, 30000));
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pthread_rwlock_unlock(&t->P->forklock);
	ADD(kills, 1);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		ADD(kills_seen, 1);
	else if (!WIFEXITED(status))
		VIOL(t, "busy child died of %#x, not SIGKILL", status);
}

/* ------------------------------------------------ private tables --- */

/*
 * Give the calling thread a descriptor table of its own, with 0, 1 and 2
 * only: what it opens then is invisible to the other threads and never
 * inherited by their children.  The new table starts as a copy (of the
 * first 64 descriptors at least) closed at once; like a fork, it holds
 * other threads' descriptors meanwhile, so it takes the fork lock: a
 * DESTROY that must free waits for it.  Returns 0 or -errno.
 */
int private_table(struct thr *t)
{
	int rc;

	pthread_rwlock_rdlock(&t->P->forklock);
	rc = close_range(3, ~0U, CLOSE_RANGE_UNSHARE) ? -errno : 0;
	pthread_rwlock_unlock(&t->P->forklock);
	return rc;
}

struct private_run {
	struct thr *t;
	void (*fn)(struct thr *t);
};

static void *private_main(void *arg)
{
	struct private_run *r = arg;

	/* its stack is not faulted in: no allocation may fail here */
	if (opt.faults)
		child_no_faults();
	if (!private_table(r->t))
		r->fn(r->t);
	return NULL;
}

/*
 * Run @fn in a thread with a table of its own while this one waits (@fn
 * may use @t, its buffers and its generator).  Mappings stay shared: what
 * must not reach a child is mapped MADV_DONTFORK.
 */
void run_private(struct thr *t, void (*fn)(struct thr *t))
{
	struct private_run r = { t, fn };
	pthread_t pt;

	if (!pthread_create(&pt, NULL, private_main, &r))
		pthread_join(pt, NULL);
}
