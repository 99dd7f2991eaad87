/* SPDX-License-Identifier: MIT */
/*
 * The implementations under test behind one table.  Each impl_*.c file
 * defines one arena-like heap (struct heap and its inline operations) and
 * includes workloads.h, which instantiates every heap workload's timed loop
 * for that heap: the allocation calls inside a loop are direct (inlined
 * where the API is inline), never through this table.  The table is only
 * used to open, run and close a heap, once per run.
 */
#ifndef BENCH_IMPL_H
#define BENCH_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "harness.h"

/* What a heap's configuration asks for (struct heap_cfg.flags). */
#define CFG_POPULATE	(1U << 0)	/* pages allocated up front */
#define CFG_NOHUGE	(1U << 1)	/* anonymous memory: 4 KiB pages */
#define CFG_POP_WRITE	(1U << 2)	/* firsttouch: MADV_POPULATE_WRITE */
#define CFG_GIVE_BACK	(1U << 3)	/* the release gives memory back */
#define CFG_ZERO_RESET	(1U << 4)	/* wsheap: WSHEAP_HEAP_ZERO_ON_RESET */

/**
 * struct heap_cfg - what a workload needs from a heap
 * @size: allocation size (alloc, reset)
 * @n: allocations (or appends) per run
 * @trim: bytes a release keeps (wsheap's trim size; the peers that can
 *	give memory back keep about this much)
 * @flags: CFG_*
 * @pool: bytes a pool-based peer should reserve (talloc)
 * @sizes: steady: the sizes of one message (@n of them)
 * @rounds: steady: messages per run
 */
struct heap_cfg {
	size_t size;
	size_t n;
	uint64_t trim;
	unsigned int flags;
	size_t pool;
	const uint32_t *sizes;
	size_t rounds;
};

/* reset_trim64m: bytes allocated and written, in pieces of TRIM_PIECE */
#define TRIM_BYTES	(64 * MiB)
#define TRIM_PIECE	(64 * KiB)
#define TRIM_PIECES	(TRIM_BYTES / TRIM_PIECE)
/* firsttouch64m: bytes of fresh memory written */
#define TOUCH_BYTES	(64 * MiB)

/* Workloads an implementation can run (struct impl.caps). */
#define CAP_TRIM	(1U << 0)	/* its release can give memory back */
#define CAP_TOUCH	(1U << 1)	/* its memory comes fresh from the kernel */
#define CAP_GROW	(1U << 2)	/* it has a grow workload */

/**
 * struct run - a heap in a workload: the argument of the reps
 * @cfg: its configuration
 * @heap: the implementation's struct heap
 * @sum: a checksum the grow loop leaves, so nothing is optimised away
 */
struct run {
	struct heap_cfg cfg;
	void *heap;
	uint64_t sum;
};

/**
 * struct impl - one implementation
 * @name: in the results
 * @caps: CAP_*
 * @heap_size: sizeof(its struct heap)
 * @open: make a heap for @cfg (dies on failure)
 * @close: destroy it
 * @alloc: N allocations of one size, each written, then the release
 * @reset: N allocations (not timed), then the release (timed)
 * @steady: messages of mixed sizes, each released
 * @trim: 64 MiB in 64 KiB pieces, written (not timed), then the release
 *	that gives back all but the trim size (timed); extra: bytes resident
 *	(RSS) the heap kept
 * @touch: 64 MiB from a fresh heap, every byte written
 * @grow: a builder that appends 8 bytes N times
 * @grow_why: why @grow is NULL where it is (shown as a skipped row)
 */
struct impl {
	const char *name;
	unsigned int caps;
	size_t heap_size;
	void (*open)(void *heap, const struct heap_cfg *cfg);
	void (*close)(void *heap);
	rep_fn *alloc;
	rep_fn *reset;
	rep_fn *steady;
	rep_fn *trim;
	rep_fn *touch;
	rep_fn *grow;
	const char *grow_why;
};

extern const struct impl impl_wsheap, impl_wsheap_grow, impl_wsalloc, impl_memfd, impl_bump,
	impl_malloc, impl_obstack, impl_mimalloc, impl_jemalloc, impl_talloc,
	impl_apr;

/* The rows of the allocation workloads, in table order. */
extern const struct impl *const impls[];
extern const size_t nimpls;

/* Process-wide setup of the peers (memory they keep, versions). */
void peers_init(void);
/* Give back what the peers keep, so the next workload starts clean. */
void peers_settle(void);
/* "mimalloc 209, jemalloc 5.3.0, ..." */
const char *peers_versions(void);

#endif /* BENCH_IMPL_H */
