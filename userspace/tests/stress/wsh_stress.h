/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the wsheap reliability programs (fuzzer, stress, fault
 * injection) on top of the test-support library (tests/support): budgets,
 * a seeded generator, ioctl wrappers that return a descriptor or -errno,
 * memory access guarded against SIGBUS/SIGSEGV (sigsetjmp, per thread),
 * the status page, shared rwlocks and the check that all was released.
 *
 * Nothing here uses the kselftest harness: these programs print their own
 * TAP (one case per process or phase), which testing/results.py counts.
 */
#ifndef WSH_STRESS_H
#define WSH_STRESS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <ucontext.h>

#include "wsh_support.h"

#define WSH_MAX_HANDLE	((1u << (63 - WSHEAP_SPAN_SHIFT)) - 1)

typedef unsigned long long ull;

/* ------------------------------------------------------------ budget --- */

/* WSHEAP_BUDGET=long for `make fuzz`; anything else (or unset) is short. */
static inline bool wsh_budget_long(void)
{
	const char *b = getenv("WSHEAP_BUDGET");

	return b && !strcmp(b, "long");
}

/* CLOCK_MONOTONIC in seconds. */
static inline double wsh_now(void)
{
	return (double)wsh_now_ns() / 1e9;
}

/*
 * Without /dev/wsheap every one of a program's @n TAP cases (named @what)
 * is a skip: print them and return true.
 */
static inline bool wsh_skip_without_device(int n, const char *what)
{
	int i, err;

	if (!access(WSHEAP_DEVICE, R_OK | W_OK))
		return false;
	err = errno;
	for (i = 0; i < n; i++)
		printf("ok %d %s # SKIP %s: %s\n", i + 1, what, WSHEAP_DEVICE,
		       strerror(err));
	return true;
}

/* ---------------------------------------------------------------- rng --- */

struct wsh_rng {
	uint64_t s;
};

static inline uint64_t wsh_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* splitmix64: tiny, seedable, good enough for choosing operations. */
static inline uint64_t wsh_rand(struct wsh_rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return wsh_mix64(r->s);
}

static inline uint64_t wsh_below(struct wsh_rng *r, uint64_t n)
{
	return n ? wsh_rand(r) % n : 0;
}

static inline bool wsh_chance(struct wsh_rng *r, unsigned int percent)
{
	return wsh_below(r, 100) < percent;
}

/* ------------------------------------------------------------- ioctl --- */

/*
 * What a busy child (one that is killed at some point) leaves behind, at
 * random: heap @h of context @fd reset or not, destroyed but one time in
 * @keep_one_in, its dma-buf @dfd (if >= 0) closed or left open.
 */
static inline void wsh_leave_at_random(struct wsh_rng *r, int fd, unsigned int h,
				       int dfd, unsigned int keep_one_in)
{
	if (wsh_below(r, 2))
		wsh_reset(fd, h, NULL);
	if (wsh_below(r, keep_one_in))
		wsh_destroy(fd, h);
	if (dfd >= 0 && wsh_below(r, 2))
		close(dfd);
}

static inline int wsh_alloc(int fd, unsigned int h, ull size, ull align,
			    ull *off, ull *gen)
{
	return wsh_alloc_gen(fd, h, size, align, off, gen);
}

/* EXPORT: the new descriptor, or -errno. */
static inline int wsh_export(int fd, unsigned int h, unsigned int flags)
{
	struct wsheap_export e;
	int ret;

	memset(&e, 0, sizeof(e));
	e.handle = h;
	e.flags = flags;
	ret = wsh_ioctl(fd, WSHEAP_IOC_EXPORT, &e);
	return ret ? ret : e.fd;
}

/* EXPORT_DMABUF: the dma-buf's descriptor, or -errno. */
static inline int wsh_dmabuf(int fd, unsigned int h, ull off, ull size,
			     unsigned int flags)
{
	int dfd = -1, ret = wsh_export_dmabuf(fd, h, flags, off, size, &dfd);

	return ret ? ret : dfd;
}

static inline ull wsh_pages_up(ull bytes, ull ps)
{
	/* bytes rounded up to pages, in pages, without overflowing */
	return bytes / ps + !!(bytes % ps);
}

/* ---------------------------------------------------- guarded access --- */

/*
 * A fault inside a guarded access jumps back to it (per thread); a fault
 * anywhere else falls back to the default action and kills the process,
 * which the caller reports.  SIGBUS is what wsheap raises for uncommitted
 * or given-back pages; SIGSEGV would mean a mapping is not where we think.
 */
/*
 * Weak, not static: a program of several files (the fuzzer) has one guard
 * state, which the handler installed by any of them sees.
 */
__attribute__((weak)) __thread sigjmp_buf *wsh_guard_jb;
__attribute__((weak)) __thread volatile int wsh_guard_sig;

static void wsh_guard_handler(int sig, siginfo_t *si, void *uc)
{
	char msg[160];
	int n;

	if (wsh_guard_jb) {
		sigjmp_buf *jb = wsh_guard_jb;

		wsh_guard_sig = sig;
		wsh_guard_jb = NULL;
		siglongjmp(*jb, 1);
	}
	/* dying anyway: say where (snprintf is good enough here) */
	n = snprintf(msg, sizeof(msg),
		     "# wsheap: unguarded signal %d (code %d) at address %p, ip %#llx, pid %d, thread %d\n",
		     sig, si->si_code, si->si_addr,
		     (unsigned long long)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP],
		     (int)getpid(), (int)gettid());
	if (n > 0 && write(2, msg, (size_t)n) < 0) {
		/* nothing to do */
	}
	signal(sig, SIG_DFL);	/* the access repeats and kills us */
}

/*
 * Signals are delivered on an alternate stack, faulted in beforehand: under
 * fault injection the kernel could not write a signal frame into stack
 * pages never touched before (it would turn the SIGBUS into SIGSEGV).
 * Call once per thread (the main thread: wsh_guard_install() does).
 */
static inline void wsh_altstack(void)
{
	const size_t len = 256 << 10;
	stack_t ss;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		return;
	memset(p, 0, len);
	ss.ss_sp = p;
	ss.ss_size = len;
	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);
}

/* Fault in the stack below the caller (where deeper calls will run). */
static void __attribute__((noinline, unused)) wsh_prefault_stack(void)
{
	volatile unsigned char pad[192 << 10];

	memset((void *)pad, 0, sizeof(pad));
}

static inline void wsh_guard_install(void)
{
	struct sigaction sa;

	wsh_altstack();
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = wsh_guard_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
}

enum wsh_acc { WSH_READ, WSH_WRITE, WSH_ZERO_CHECK, WSH_CMP };

static const unsigned char wsh_zeros[4096];

/* Index of the first byte where a and b differ (they do differ). */
static inline size_t wsh_first_diff(const volatile unsigned char *a,
				    const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != (b ? b[i] : 0))
			return i;
	return n;
}

/*
 * One guarded access to [p, p + n): copy out (READ, into @buf), copy in
 * (WRITE, from @buf), check all zero (ZERO_CHECK) or compare with @buf
 * (CMP).  Returns 0, 1 for a mismatch (CMP/ZERO_CHECK; *@bad is the index)
 * or the signal number that interrupted the access.
 *
 * The handler runs with SA_NODEFER, so the jump back needs no signal mask
 * restored: sigsetjmp(, 0) saves a system call per access.
 */
static int __attribute__((noinline, unused))
wsh_access(enum wsh_acc how, volatile unsigned char *p, unsigned char *buf,
	   size_t n, size_t *bad)
{
	unsigned char *q = (unsigned char *)p;
	size_t done, chunk;

	switch (how) {
	case WSH_READ:
		memcpy(buf, q, n);
		break;
	case WSH_WRITE:
		memcpy(q, buf, n);
		break;
	case WSH_ZERO_CHECK:
		for (done = 0; done < n; done += chunk) {
			chunk = n - done < sizeof(wsh_zeros) ? n - done :
				sizeof(wsh_zeros);
			if (memcmp(q + done, wsh_zeros, chunk)) {
				if (bad)
					*bad = done + wsh_first_diff(p + done,
								     NULL, chunk);
				return 1;
			}
		}
		break;
	case WSH_CMP:
		if (memcmp(q, buf, n)) {
			if (bad)
				*bad = wsh_first_diff(p, buf, n);
			return 1;
		}
		break;
	}
	return 0;
}

static inline int wsh_guarded(enum wsh_acc how, volatile unsigned char *p,
			      unsigned char *buf, size_t n, size_t *bad)
{
	sigjmp_buf jb;
	volatile int ret;

	if (sigsetjmp(jb, 0))
		return wsh_guard_sig;
	wsh_guard_jb = &jb;
	ret = wsh_access(how, p, buf, n, bad);
	wsh_guard_jb = NULL;
	return ret;
}

/* Touch one byte: 0 if it worked, else the signal. */
static inline int wsh_probe(volatile unsigned char *p, bool write)
{
	unsigned char b = 0x5a;

	return wsh_guarded(write ? WSH_WRITE : WSH_READ, p, &b, 1, NULL);
}

/* ----------------------------------------------------------- pattern --- */

/*
 * The bytes a record of @seed holds at heap offset @off: one mixed word per
 * aligned 8 heap bytes, so any window of it can be regenerated; rarely 0.
 */
static inline unsigned char wsh_pat(uint64_t seed, uint64_t off)
{
	uint64_t x = wsh_mix64(seed ^ (off >> 3) * 0x9e3779b97f4a7c15ULL);
	unsigned char b = (unsigned char)(x >> ((off & 7) * 8));

	return b ? b : 0xa5;
}

static inline void wsh_pat_fill(unsigned char *buf, size_t n, uint64_t seed,
				uint64_t off)
{
	size_t i = 0;

	while (i < n && ((off + i) & 7))
		buf[i] = wsh_pat(seed, off + i), i++;
	for (; i + 8 <= n; i += 8) {
		uint64_t x = wsh_mix64(seed ^ ((off + i) >> 3) *
				       0x9e3779b97f4a7c15ULL);
		int k;

		for (k = 0; k < 8; k++) {
			unsigned char b = (unsigned char)(x >> (k * 8));

			buf[i + k] = b ? b : 0xa5;
		}
	}
	for (; i < n; i++)
		buf[i] = wsh_pat(seed, off + i);
}

/* FNV-1a, 64 bit. */
static inline uint64_t wsh_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i;

	if (!h)
		h = 0xcbf29ce484222325ULL;
	for (i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* -------------------------------------------------------------- maps --- */

static inline void *wsh_map(int fd, ull mmap_offset, ull off, size_t len,
			    int prot)
{
	return mmap(NULL, len, prot, MAP_SHARED, fd, (off_t)(mmap_offset + off));
}

/* The read-only status page of a heap, or NULL. */
static inline volatile struct wsheap_status *wsh_map_status(int fd,
							    ull mmap_offset)
{
	void *p = mmap(NULL, wsh_ps(), PROT_READ, MAP_SHARED, fd,
		       (off_t)(mmap_offset + WSHEAP_STATUS_OFFSET));

	return p == MAP_FAILED ? NULL : p;
}

static inline ull wsh_status_gen(volatile struct wsheap_status *st)
{
	return __atomic_load_n(&st->generation, __ATOMIC_ACQUIRE);
}

/* --------------------------------------------------------- processes --- */

/*
 * Start the @n worker processes of a run: process i exits with @fn(i) and
 * has socks[i], a datagram socket pair every process can send to it on
 * (socks[i][1]) and it receives on (socks[i][0]); the parent closes its
 * copies, so descriptors still in flight at the end die with the last
 * process.  0, or -1 with the reason on stderr (no process started then
 * waits for nothing: the caller exits).
 */
static inline int wsh_start_procs(int n, int (*socks)[2], pid_t *pids,
				  int (*fn)(int idx))
{
	int i;

	for (i = 0; i < n; i++)
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, socks[i])) {
			perror("socketpair");
			return -1;
		}
	fflush(NULL);
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return -1;
		}
		if (!pids[i])
			_exit(fn(i));
	}
	for (i = 0; i < n; i++) {
		close(socks[i][0]);
		close(socks[i][1]);
	}
	return 0;
}

/* --------------------------------------------------- shared rwlocks --- */

/*
 * A process-shared rwlock a process may die holding (a bug elsewhere):
 * wait at most 20 s, then give up (ETIMEDOUT) rather than hang the run.
 */
#include <pthread.h>

static inline void wsh_rwlock_init_shared(pthread_rwlock_t *l)
{
	pthread_rwlockattr_t a;

	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_rwlockattr_setkind_np(&a,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(l, &a);
	pthread_rwlockattr_destroy(&a);
}

static inline int wsh_rwlock_timed(pthread_rwlock_t *l, bool write)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 20;
	return write ? pthread_rwlock_timedwrlock(l, &ts) :
		       pthread_rwlock_timedrdlock(l, &ts);
}

/* ---------------------------------------------------------- released --- */

/*
 * Once every process that used wsheap has exited, nothing may be left:
 * /sys/kernel/debug/wsheap/stats (where debugfs is mounted) must show no
 * context, no heap and nothing committed.  Without it, the module-wide
 * commitment must be back to zero: one lazy heap can then commit all of
 * max_bytes_total (when the per-context limit allows as much).  Retries for
 * a few seconds, as files of exited processes are released asynchronously.
 * Returns 0 when all is released, 1 when not (@why says what), -errno if it
 * cannot tell.
 */
static inline int wsh_stats_released(char *why, size_t whylen)
{
	char buf[512], *p;
	ull ctxs = ~0ULL, heaps = ~0ULL, com = ~0ULL;

	if (wsh_read_file(WSH_DEBUGFS_STATS, buf, sizeof(buf)))
		return -ENOENT;
	if ((p = strstr(buf, "contexts ")))
		ctxs = strtoull(p + 9, NULL, 0);
	if ((p = strstr(buf, "heaps ")))
		heaps = strtoull(p + 6, NULL, 0);
	if ((p = strstr(buf, "committed ")))
		com = strtoull(p + 10, NULL, 0);
	if (!ctxs && !heaps && !com)
		return 0;
	snprintf(why, whylen, "%s: contexts %llu heaps %llu committed %llu",
		 WSH_DEBUGFS_STATS, ctxs, heaps, com);
	return 1;
}

static inline int wsh_commitment_is_zero(char *why, size_t whylen)
{
	ull total, per_ctx, want, ps = wsh_ps();
	struct wsheap_create c;
	int fd, ret = 1, tries;

	for (tries = 0; tries < 50; tries++) {
		ret = wsh_stats_released(why, whylen);
		if (ret <= 0)
			break;
		wsh_sleep_us(200000);
	}
	if (ret != -ENOENT)
		return ret;
	ret = 1;
	if (wsh_param_read_u64("max_bytes_total", &total) ||
	    wsh_param_read_u64("max_bytes_per_context", &per_ctx))
		return -ENOENT;
	if (per_ctx < total) {
		snprintf(why, whylen, "max_bytes_per_context < max_bytes_total");
		return -EINVAL;
	}
	want = total / ps * ps;
	fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (tries = 0; tries < 50 && ret; tries++) {
		int r;

		if (tries)
			wsh_sleep_us(200000);
		if (wsh_create(fd, ~0ULL, 0, 0, &c))
			break;
		r = wsh_alloc(fd, c.handle, want, 0, NULL, NULL);
		wsh_destroy(fd, c.handle);
		if (!r)
			ret = 0;
		else
			snprintf(why, whylen,
				 "committing max_bytes_total (%llu) fails: %s",
				 want, strerror(-r));
	}
	close(fd);
	return ret;
}

static inline void wsh_no_core_dumps(void)
{
	struct rlimit rl = { 0, 0 };

	setrlimit(RLIMIT_CORE, &rl);
}

#endif /* WSH_STRESS_H */
