/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wsheap ABI fuzzer: seeded random sequences of every ioctl (valid,
 * boundary and malformed arguments), mmap/munmap/mremap/mprotect/madvise,
 * /proc/self/mem, fork, close, dup, export/import, dma-bufs, the sample
 * driver and SCM_RIGHTS, in several processes with several threads each,
 * checking invariants as it goes:
 *
 *  - INFO of a heap only this thread changes matches a model exactly
 *    (requested, cursor, committed, generation, sizes, flags), and every
 *    INFO of any heap is consistent: requested <= max_size, cursor >=
 *    requested, committed page aligned, >= cursor rounded up and <= the
 *    larger of it and the trim size, resident <= committed (== with
 *    POPULATE), generation monotonic.  ALLOC's errno is predicted exactly.
 *  - data written to an allocation reads back (through every window,
 *    imports, export descriptors, dma-bufs, /proc/self/mem, forked
 *    children) until a reset; after a reset bytes within the trim keep
 *    their data (zero with ZERO_ON_RESET), pages beyond it raise SIGBUS
 *    until committed again and then read zero;
 *  - no given-back page can be reached: after a reset beyond the trim,
 *    after the last user's DESTROY (the status page then says DEAD);
 *  - dma-bufs keep pages the heap gave back, with their data;
 *  - read-only handles and descriptors: EPERM/EACCES, never a write;
 *  - a failed call changes nothing (model comparison after each error);
 *  - shared heaps (other threads and processes allocate and reset): a
 *    block whose generation is still current (INFO) holds its data, and a
 *    reset never destroys a block while the status page still shows its
 *    generation (a seqlock-style reader can trust what it read);
 *  - a kernel user (the sample driver) allocates as predicted, and while
 *    it pins records (HOLD) a RESET fails with EBUSY and changes nothing.
 *
 * And the attack classes of issue 10, each a success is a violation:
 *  - ro-upgrade: a read-only view (read-only handle or export, read-only
 *    dma-buf, status page, a handle of an O_RDONLY context, a read-only
 *    shared heap) through mprotect, remap_file_pages (onto the same or
 *    other pages), mremap then mprotect, fork then mprotect and a write in
 *    the child, MADV_POPULATE_WRITE, /proc/self/mem, process_vm_writev,
 *    reopening /proc/self/fd/N or /proc/self/map_files O_RDWR, MAP_PRIVATE:
 *    never writable, its data and the owner's intact;
 *  - no-exec: PROT_EXEC at mmap (EPERM) and mprotect (EACCES) of every
 *    kind of mapping and descriptor;
 *  - rdonly-context: a context opened O_RDONLY creates, allocates (as the
 *    model predicts), resets, destroys, and hands out nothing writable;
 *  - import-race: EXPORT, EXPORT_DMABUF, ALLOC, RESET, mmap in another
 *    thread on the handle a read-only IMPORT is publishing;
 *  - efault-race: EXPORT, EXPORT_DMABUF, IMPORT and CREATE whose copy-out
 *    fails leave no descriptor, handle or hidden heap user behind;
 *  - dmabuf-write, dmabuf-reset: a dma-buf never sees a later
 *    generation's writes, the heap never sees the dma-buf's, INFO's held
 *    counts exactly the pages dma-bufs took out of the heap;
 *  - sample-stale: the sample driver's CONSUME and HOLD of records of an
 *    ended generation fail, or see the current generation's bytes only.
 *
 * Faults raised by accesses are caught with a SIGBUS/SIGSEGV handler and
 * sigsetjmp, per thread.  With --faults the worker threads set their
 * make-it-fail (testing/guest/reliability.sh arms failslab and
 * fail_page_alloc): then -ENOMEM is accepted wherever the kernel
 * allocates, SIGBUS on first touch of a lazy page, and nothing else.
 *
 *   wsheap_fuzz_test [--seed N] [--ops N] [--seconds N] [--procs N]
 *                    [--threads N] [--faults] [--verbose]
 *                    [--weight OPERATION=N]...
 *   wsheap_fuzz_test [--seconds N] --repro status-lag|dmabuf-range|
 *                    reset-efault|vmsplice-reset
 *
 * --weight sets how often an operation runs (per mille of the total, by
 * the names the summary prints; 0: never), for runs aimed at one class.
 *
 * After the fuzzing, four regression cases for kernel bugs the fuzzer
 * found (--repro runs one of them alone):
 *   status-lag    a RESET of a ZERO_ON_RESET heap zeroed the pages it keeps
 *                 before the status page showed the new generation, so a
 *                 reader validating a block by the status generation (read
 *                 before and after) accepted zeroed data;
 *   dmabuf-range  EXPORT_DMABUF sized a page array by the requested range
 *                 before checking it against the committed pages: ENOMEM
 *                 (not EINVAL) and a vmalloc warning with a stack trace;
 *   reset-efault  RESET with its struct in a page it gives back returned
 *                 EFAULT after resetting; ABI 2's RESET writes nothing
 *                 back and resets, RESET_V0 resets and returns 0;
 *   vmsplice-reset  a pipe that vmsplice() filled from a heap page keeps a
 *                 reference to it; a reset that kept the page reused it,
 *                 and the pipe showed the next generation's data (a reset
 *                 now gives such a page up).
 *
 * Defaults come from WSHEAP_BUDGET (short, make check: 2 processes x 2
 * threads, 200000 operations or 12 s; long, make fuzz: 3 x 3, 10^6
 * operations, an hour and a half at most: a few hundred operations a
 * second on the debug kernel in TCG).  Prints the seed and per-operation counts,
 * and TAP: one case per process (no violated invariant), one for
 * everything being released once every process exited (no context, heap or
 * commitment left in /sys/kernel/debug/wsheap/stats).
 */
#ifndef WSH_FUZZ_H
#define WSH_FUZZ_H

/*
 * The fuzzer's files, one concern each, sharing this header:
 *   model.c       what each thread knows of its private heaps, and what an
 *                 ALLOC must give (predict_alloc())
 *   check.c       violations, and the checks of INFO, records and windows
 *   ops_heap.c    CREATE, ALLOC, RESET, DESTROY and the data they keep
 *   ops_ioctl.c   VERSION and malformed calls
 *   ops_map.c     extra windows: mmap, munmap, mprotect, madvise, mremap,
 *                 /proc/self/mem
 *   ops_share.c   EXPORT, IMPORT, export descriptors, dup, contexts
 *   ops_dmabuf.c  dma-bufs, and what they keep across resets
 *   ops_sample.c  the sample driver (a kernel user of the heap)
 *   ops_proc.c    fork, children killed while busy, threads with a
 *                 descriptor table of their own
 *   ops_pool.c    heaps shared between processes (SCM_RIGHTS)
 *   ops_rights.c  read-only views that must stay read-only, PROT_EXEC,
 *                 contexts opened O_RDONLY
 *   ops_race.c    IMPORT raced by a second thread, EFAULT on copy-out
 *   harness.c     the operation table, worker threads, processes, main()
 *   regress.c     regression cases for kernel bugs the fuzzer found
 */

#include "../wsh_stress.h"

#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>

#include "wsheap_sample.h"

#define MAX_PROCS	8
#define MAX_THREADS	16
#define NPRIV		6	/* private heaps per thread */
#define MAXREC		40	/* remembered records per heap */
#define MAXGHOST	40
#define NHND		4	/* handles per heap (owner + imports) */
#define NXFD		3	/* export descriptors per heap */
#define NDMA		4	/* dma-bufs per thread */
#define NCHAOS		6	/* lingering extra windows per thread */
#define NPOOL		6	/* shared heaps per process */
#define NPREC		24	/* records per thread in shared heaps */
#define WIN		(2ULL << 20)	/* main window of a private heap */
#define POOL_WIN	(1ULL << 20)
#define RECMAX		4096	/* bytes of a record we write and check */
#define DMAMAX		(64ULL << 10)
#define NMAYBE		8	/* dma-bufs a heap may have unbeknown to us */

/* ------------------------------------------------------------ options --- */

struct fuzz_opt {
	ull seed;
	ull ops;
	ull seconds;
	int procs;
	int threads;
	bool faults;
	bool verbose;
};

extern struct fuzz_opt opt;
extern ull ps;
extern bool have_sample;

/* ------------------------------------------------------------- stats --- */

enum {
	OP_ALLOC_WRITE, OP_ALLOC_EDGE, OP_VERIFY, OP_INFO, OP_RESET,
	OP_CREATE, OP_DESTROY, OP_VERSION, OP_BADIOCTL, OP_BADHANDLE,
	OP_ARG_IN_HEAP, OP_MMAP, OP_MUNMAP, OP_MPROTECT, OP_MADVISE, OP_MREMAP,
	OP_PROCMEM, OP_EXPORT, OP_IMPORT, OP_CLOSE_EXPORT, OP_EXPORT_MMAP,
	OP_DMABUF, OP_DMABUF_CHECK, OP_DMABUF_CLOSE, OP_SAMPLE, OP_DUP,
	OP_CTX2_CLOSE, OP_FORK, OP_FORK_KILL, OP_SCM_SEND, OP_SCM_RECV,
	OP_POOL_WRITE, OP_POOL_VERIFY, OP_POOL_RESET, OP_POOL_INFO,
	OP_POOL_MISC, OP_POOL_DESTROY,
	/* the attack classes of issue 10 */
	OP_RO_UPGRADE, OP_NOEXEC, OP_RDCTX, OP_IMPORT_RACE, OP_EFAULT_RACE,
	OP_DMABUF_WRITE, OP_DMABUF_GEN, OP_SAMPLE_STALE, OP_NR
};

struct fuzz_op {
	const char *name;
	unsigned int weight;	/* per mille: cheap calls dominate */
};

extern const struct fuzz_op ops[OP_NR];

/* In MAP_SHARED memory: every process adds to it. */
struct gstats {
	/*
	 * Writers of shared heaps hold this shared from ALLOC to the end of
	 * their write, resets of shared heaps exclusively: otherwise a writer
	 * whose block a reset took away writes over the next generation's
	 * blocks (the arena's rule: a stale pointer is the caller's bug).
	 * Readers do not take it: they race with resets on purpose.
	 */
	pthread_rwlock_t resetlock;
	volatile int stop;
	ull ops;
	ull proc_ops[MAX_PROCS];
	int proc_viol[MAX_PROCS];
	ull opcount[OP_NR];
	ull opns[OP_NR];
	ull enomem, sigbus_ok, kills, forks, scm_sent, scm_recv;
	ull verified, pool_verified, sample_records, orphans, kills_seen;
	/* attacks: upgrade paths tried, PROT_EXEC refusals, import races ... */
	ull upgrades, noexec, race_imports, race_attempts;
	ull efault_calls, efaults, efault_flips, dmabuf_gens, stale_checks;
	int violations;
	int first_taken;
	char first[1024];
};

extern struct gstats *G;

#define ADD(field, n)	__atomic_add_fetch(&G->field, (n), __ATOMIC_RELAXED)

/* ------------------------------------------------------------- model --- */

enum { REC_PAT, REC_SAMPLE };

struct rec {
	ull off;
	unsigned int len;
	unsigned char type;
	ull seed;
};

struct hnd {
	int ctxk;		/* 0: the process context, 1: this thread's ctx2 */
	unsigned int h;
	bool ro;
	bool live;
};

struct ph {
	bool used;
	int id;
	struct hnd hs[NHND];
	int xfd[NXFD];
	bool xro[NXFD];
	ull max, trim;
	unsigned int flags;
	ull cursor, req, committed, gen;
	unsigned char *win;
	volatile struct wsheap_status *st;
	struct rec recs[MAXREC];
	int nrec;
	struct rec ghosts[MAXGHOST];
	int nghost;
	bool ghost_zero;
	ull dirty_end;	/* bytes at and beyond are zero where committed */
	bool ctx2_only;	/* made in ctx2: never exported */
	/*
	 * Under --faults the sample driver may fail after it allocated (its
	 * vmap): when no handle was there to ask INFO, the model learns the
	 * outcome at the next handle's use.
	 */
	bool pending;
	ull pend_size, pend_end;
	/*
	 * Ranges of dma-bufs of this generation that may be alive without
	 * this thread knowing (closed here but inherited by a child, sent
	 * over SCM_RIGHTS): the next reset may take their pages out of the
	 * heap.  nmaybe > NMAYBE: any page.
	 */
	struct { ull off, len; } maybe[NMAYBE];
	int nmaybe;
};

struct dma {
	bool used;
	int fd;
	unsigned char *map;
	size_t len;
	int heap_id;
	ull off;		/* in the heap */
	/*
	 * Bytes [frozen_from, len) are pages the heap gave back (a reset,
	 * the heap's end): the dma-buf keeps them, only its holder (this
	 * thread, through map) writes them, their contents are in snap.
	 * Bytes below still are the heap's pages.
	 */
	size_t frozen_from;
	unsigned char *snap;
	bool rw;		/* map is writable */
	ull gen;		/* the heap's generation at EXPORT_DMABUF */
};

struct chaos {
	bool used;
	unsigned char *addr;
	size_t len;
	int heap_id;
	ull off;		/* heap offset of addr */
	int prot;
	bool nowrite;	/* made read-only for good: ro handle, status area */
};

struct prec {
	bool used;
	int slot;
	ull epoch;
	ull off;
	unsigned int len;
	ull seed;
	ull gen;
};

/* A shared heap: imported from another process, or made here and sent. */
struct pool {
	pthread_rwlock_t lk;
	bool used;
	ull epoch;
	unsigned int h;
	bool ro;
	ull max;
	unsigned int flags;
	unsigned char *map;
	volatile struct wsheap_status *st;
	ull seen_gen;		/* atomic: the highest generation observed */
};

struct proc {
	int idx;
	int ctx;
	/*
	 * Children inherit every descriptor, exports of other threads'
	 * heaps included, which keeps those heaps' users alive: forks hold
	 * this shared until the child is reaped, and a DESTROY that must
	 * give the memory back holds it exclusively.
	 */
	pthread_rwlock_t forklock;
	/*
	 * Held shared across each fork() itself, exclusive while a mapping no
	 * child may inherit is made and marked MADV_DONTFORK (fuzz_fork()).
	 */
	pthread_rwlock_t maplock;
	struct pool pool[NPOOL];
	ull next_epoch;
};

struct thr {
	struct proc *P;
	int tid;
	pthread_t pt;
	struct wsh_rng r;
	int ctx2;
	struct ph heaps[NPRIV];
	int next_id;
	struct dma dmas[NDMA];
	struct chaos ch[NCHAOS];
	struct prec pr[NPREC];
	unsigned int dead_handles[8];
	int ndead;
	int memfd;
	int rdctx;		/* /dev/wsheap opened O_RDONLY, or -1 */
	char detail[160];
	ull ops;
	int op;
	unsigned char buf[RECMAX + DMAMAX];
	unsigned char buf2[DMAMAX];
};

/* Sockets: process i receives on socks[i][0]; anyone sends on socks[i][1]. */
extern int socks[MAX_PROCS][2];

enum { MSG_HEAP = 1, MSG_DMABUF, MSG_CTX };

struct msg {
	unsigned int magic;
	unsigned int kind;
	unsigned int sender;
	unsigned int ro;
	ull max;
	unsigned int flags;
	unsigned int pad;
};

#define MSG_MAGIC 0x77736866

/* -------------------------------------------------------- violations --- */

/* The index of the fuzzing process this is, -1 in the parent. */
extern int cur_proc;

void __attribute__((format(printf, 3, 4)))
violation(struct thr *t, int line, const char *fmt, ...);

#define VIOL(t, ...) violation((t), __LINE__, __VA_ARGS__)

/* @rc as a number or an errno name, in one of a few rotating buffers. */
const char *E(int rc);
bool expect(struct thr *t, int line, int rc, int want, bool nomem,
	    const char *what);

#define EXPECT(t, rc, want, nomem, what) \
	expect((t), __LINE__, (rc), (want), (nomem), (what))

/* ---------------------------------------------------------- check.c --- */

int wsh_try_map(int fd, unsigned int h, int prot);
bool wsh_nonzero_tail(const unsigned char *p, size_t n);
void check_info_consistent(struct thr *t, const struct wsheap_info *i,
			   const char *who);
void check_model(struct thr *t, struct ph *p, const char *when);
bool check_rec(struct thr *t, struct ph *p, const struct rec *r,
	       unsigned char *base, bool zero, const char *what);
void verify_heap(struct thr *t, struct ph *p, unsigned char *base,
		 const char *what);
const char *maps_line(const void *addr);
void probe_gone(struct thr *t, struct ph *p, unsigned char *base,
		ull from, ull to, bool writable, const char *what);
void check_window(struct thr *t, struct ph *p, unsigned char *w,
		  ull off, size_t len, const char *what);

/* ---------------------------------------------------------- model.c --- */

struct pred {
	int rc;
	ull start, end;
	bool commits;	/* needs new pages: may fail EDQUOT/ENOMEM */
};

int ctxfd(struct thr *t, int k);
int users(struct ph *p);
void resolve(struct thr *t, struct ph *p, struct hnd *h);
struct hnd *pick_hnd_raw(struct thr *t, struct ph *p, bool rw);
/*
 * A random element of @arr[@n] whose 'used' is set (a scan from a random
 * start, so every used one can be chosen), or NULL.
 */
#define PICK_USED(t, arr, n) ({						\
	int _start = (int)wsh_below(&(t)->r, (n)), _i;			\
	__typeof__(&(arr)[0]) _pick = NULL;				\
									\
	for (_i = 0; _i < (n) && !_pick; _i++)				\
		if ((arr)[(_start + _i) % (n)].used)			\
			_pick = &(arr)[(_start + _i) % (n)];		\
	_pick;								\
})
struct hnd *pick_hnd(struct thr *t, struct ph *p, bool rw);
bool committed_known(struct thr *t, struct ph *p);
struct ph *pick_heap(struct thr *t);
struct ph *heap_by_id(struct thr *t, int id);
ull trim_bytes(struct ph *p);
void rec_bytes(const struct rec *r, unsigned char *out);
struct pred predict_alloc(struct ph *p, ull size, ull align);
void model_commit(struct ph *p, ull end, ull size);
void model_alloc(struct ph *p, const struct pred *pr, ull size);
void model_maybe_held(struct ph *p, ull off, ull len);
bool model_maybe_covers(const struct ph *p, ull off, ull len);

/* ------------------------------------------------------- operations --- */

/* ops_heap.c */
int open_ctx2(struct thr *t);
void forget_heap(struct thr *t, struct ph *p);
void heap_gone(struct thr *t, struct ph *p, bool killed);
void op_create(struct thr *t);
void do_alloc(struct thr *t, bool edge);
void op_verify(struct thr *t);
void op_info(struct thr *t);
void op_reset(struct thr *t);
void op_destroy(struct thr *t);

/* ops_ioctl.c */
void op_version(struct thr *t);
void op_badioctl(struct thr *t);
void op_badhandle(struct thr *t);
void op_arg_in_heap(struct thr *t);

/* ops_map.c */
void chaos_drop_heap(struct thr *t, int heap_id, bool probe_dead);
void op_mmap(struct thr *t);
void op_munmap(struct thr *t);
void op_mprotect(struct thr *t);
void op_madvise(struct thr *t);
void op_mremap(struct thr *t);
void op_procmem(struct thr *t);

/* ops_share.c */
int pick_xfd(struct thr *t, struct ph *p);
void op_export(struct thr *t);
void op_import(struct thr *t);
void op_close_export(struct thr *t);
void op_export_mmap(struct thr *t);
void op_dup(struct thr *t);
void op_ctx2_close(struct thr *t);

/* ops_dmabuf.c */
void dma_freeze(struct thr *t, struct ph *p, ull keep);
int dma_live_ranges(struct thr *t, struct ph *p, ull off[NDMA], ull len[NDMA]);
void op_dmabuf(struct thr *t);
void op_dmabuf_check(struct thr *t);
void op_dmabuf_close(struct thr *t);
void op_dmabuf_write(struct thr *t);
void op_dmabuf_gen(struct thr *t);

/* ops_sample.c */
void op_sample(struct thr *t);
void op_sample_stale(struct thr *t);

/* ops_proc.c */
/* A task a worker made under --faults (child, helper thread): no failing. */
void child_no_faults(void);
pid_t fuzz_fork(struct thr *t);
pid_t fuzz_fork_locked(struct thr *t);
void *map_nofork(struct thr *t, size_t len, int prot, int fd, off_t off);
int private_table(struct thr *t);
void run_private(struct thr *t, void (*fn)(struct thr *t));
void op_fork(struct thr *t);
void op_fork_kill(struct thr *t);

/* ops_rights.c */
void op_ro_upgrade(struct thr *t);
void op_noexec(struct thr *t);
void op_rdctx(struct thr *t);

/* ops_race.c */
void op_import_race(struct thr *t);
void op_efault_race(struct thr *t);

/* ops_pool.c */
struct pool *pool_get(struct thr *t);
void pool_put(struct pool *s);
void send_heap(struct thr *t, int to);
void op_pool_write(struct thr *t);
void op_pool_verify(struct thr *t);
void op_pool_reset(struct thr *t);
void op_pool_info(struct thr *t);
void op_pool_misc(struct thr *t);
void op_pool_destroy(struct thr *t);
void op_scm_send(struct thr *t);
void op_scm_recv(struct thr *t);

/* -------------------------------------------------------- regress.c --- */

int status_lag_mode(int n, ull seconds);
int dmabuf_range_mode(int n);
int reset_efault_mode(int n);
int vmsplice_reset_mode(int n);
/* The regression cases, TAP numbers n, n + 1, n + 2. */
int regressions(int n, ull seconds);

#endif /* WSH_FUZZ_H */
