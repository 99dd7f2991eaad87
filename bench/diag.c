// SPDX-License-Identifier: MIT
/*
 * Diagnostics.  Where a wsheap steady message spends its time.  The reset,
 * the first allocation of a generation and the other 199 allocations are
 * timed apart, message by message; and obstack's message with and without
 * two no-op ioctls, which shows what two system calls cost the code around
 * them.  Raw per-message samples; report.py takes their medians.
 */
#include <fcntl.h>
#include <obstack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"
#include "harness.h"
#include "wsheap.h"
#include "wsheap_ioctl.h"

static void *ob_chunk_alloc(size_t n)
{
	return xmalloc(n);
}

#define obstack_chunk_alloc ob_chunk_alloc
#define obstack_chunk_free free

void steady_breakdown(size_t rounds)
{
	double *t_reset, *t_first, *t_rest, *t_ob, *t_ob2;
	struct wsheap_version v;
	struct obstack ob;
	struct wsheap *heap;
	uint64_t a, b, c, d;
	void *p, *mark;
	size_t r, i;
	int fd;

	t_reset = xmalloc(rounds * sizeof(double));
	t_first = xmalloc(rounds * sizeof(double));
	t_rest = xmalloc(rounds * sizeof(double));
	t_ob = xmalloc(rounds * sizeof(double));
	t_ob2 = xmalloc(rounds * sizeof(double));
	fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "open %s", WSHEAP_DEVICE);

	CHECK(!wsheap_create(NULL, UINT64_MAX, 1 * MiB, 0, &heap),
	      "wsheap_create");
	for (r = 0; r < rounds + 2; r++) {
		a = now_ns();
		CHECK(!wsheap_alloc(heap, msg_sizes[0], &p), "wsheap_alloc");
		TOUCH(p, 0);
		b = now_ns();
		for (i = 1; i < MSG_ALLOCS; i++) {
			CHECK(!wsheap_alloc(heap, msg_sizes[i], &p),
			      "wsheap_alloc");
			TOUCH(p, i);
		}
		c = now_ns();
		CHECK(!wsheap_reset(heap), "wsheap_reset");
		d = now_ns();
		if (r >= 2) {	/* two warm-up rounds */
			t_first[r - 2] = (double)(b - a);
			t_rest[r - 2] = (double)(c - b);
			t_reset[r - 2] = (double)(d - c);
		}
	}
	CHECK(!wsheap_free(heap), "wsheap_free");

	CHECK(obstack_begin(&ob, 64 * 1024), "obstack_begin");
	mark = obstack_alloc(&ob, 0);
	for (r = 0; r < 2 * (rounds + 2); r++) {
		bool sys = r & 1;

		a = now_ns();
		for (i = 0; i < MSG_ALLOCS; i++)
			TOUCH(obstack_alloc(&ob, msg_sizes[i]), i);
		obstack_free(&ob, mark);
		mark = obstack_alloc(&ob, 0);
		if (sys) {
			CHECK(!ioctl(fd, WSHEAP_IOC_VERSION, &v), "VERSION");
			CHECK(!ioctl(fd, WSHEAP_IOC_VERSION, &v), "VERSION");
		}
		b = now_ns();
		if (r >= 4)
			(sys ? t_ob2 : t_ob)[r / 2 - 2] = (double)(b - a);
	}
	obstack_free(&ob, NULL);
	close(fd);

	emit_diag("steady.wsheap.reset", "ns", t_reset, rounds,
		  "wsheap_reset(), trim 1 MiB (in place: no system call when the kernel would keep everything)");
	emit_diag("steady.wsheap.first_alloc", "ns", t_first, rounds,
		  "first allocation after a reset (an ALLOC ioctl only when the reset went to the kernel)");
	emit_diag("steady.wsheap.other_199_allocs", "ns", t_rest, rounds,
		  "the other 199 allocations of a message (inline bump, each written once)");
	emit_diag("steady.obstack.message", "ns", t_ob, rounds,
		  "an obstack message (200 allocations + release), no system call");
	emit_diag("steady.obstack.message_plus_2_ioctls", "ns", t_ob2, rounds,
		  "the same obstack message followed by two no-op ioctls (VERSION)");
	free(t_reset);
	free(t_first);
	free(t_rest);
	free(t_ob);
	free(t_ob2);
}

/*
 * fastpath64: what each part of an inline fast path costs here.  Bump
 * loops of 10^6 allocations of 64 B, each written, with a cursor in memory
 * that an opaque slow path could change (as in every allocator with an
 * out-of-line slow path), over 64 MiB of anonymous memory on 4 KiB pages,
 * as wsheap's and the memfd arena's are:
 *   room                    the room check and the bump (the bump row's
 *                           inline path)
 *   room+requested          and the requested bookkeeping (memfd's)
 *   room+requested+gen      and a generation check through a pointer, as
 *                           libwsheap's wsheap_alloc() does
 *   room_thp                the room loop over memory on 2 MiB pages (THP),
 *                           as the bump row's is: under TCG each new 4 KiB
 *                           page the loop reaches costs a software TLB fill
 * The struct has wsheap's public layout.
 */
struct fast {
	uintptr_t cur;
	uintptr_t end;
	uint64_t requested;
	uint64_t max_size;
	const uint64_t *gen_ptr;
	uint64_t gen;
	uintptr_t base;
};

#define FAST_BYTES	(64 * MiB)

static __attribute__((noipa)) void *fast_slow(struct fast *f, size_t size)
{
	die("fastpath64: %zu bytes do not fit at %#lx", size,
	    (unsigned long)f->cur);
}

#define FAST_LOOP(name, COND, BOOK)					\
static void name(void *arg, struct sample *s)				\
{									\
	struct fast *f = arg;						\
	const size_t n = QN(1000000, 100000), size = 64;		\
	uintptr_t p;							\
	size_t i;							\
									\
	sample_start(s);						\
	for (i = 0; i < n; i++) {					\
		p = f->cur;						\
		if (__builtin_expect(size <= f->end - p && (COND), 1)) { \
			f->cur = p + ((size + 7) & ~(size_t)7);		\
			BOOK;						\
			TOUCH(p, i);					\
		} else {						\
			TOUCH(fast_slow(f, size), i);			\
		}							\
	}								\
	f->cur = f->base;						\
	f->requested = 0;						\
	sample_stop(s);							\
}

FAST_LOOP(fast_room, 1, (void)0)
FAST_LOOP(fast_req, 1, f->requested += size)
FAST_LOOP(fast_gen, *f->gen_ptr == f->gen, f->requested += size)

#define FAST_ROWS	4

void wl_fastpath64(void)
{
	static struct fast f[FAST_ROWS];
	static const char *const names[FAST_ROWS] = {
		"room", "room+requested", "room+requested+gen", "room_thp",
	};
	static rep_fn *const reps[FAST_ROWS] = {
		fast_room, fast_req, fast_gen, fast_room,
	};
	struct row rows[FAST_ROWS];
	char *map, *mem;
	int k;

	fprintf(stderr, "fastpath64: the parts of an inline fast path\n");
	/* 2 MiB aligned, so that the last row's 64 MiB can be THP */
	map = mmap(NULL, (FAST_ROWS + 1) * FAST_BYTES, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(map != MAP_FAILED, "mmap");
	mem = (char *)(((uintptr_t)map + 2 * MiB - 1) & ~(uintptr_t)(2 * MiB - 1));
	CHECK(!madvise(mem, (FAST_ROWS - 1) * FAST_BYTES, MADV_NOHUGEPAGE),
	      "madvise");
	memset(rows, 0, sizeof(rows));
	for (k = 0; k < FAST_ROWS; k++) {
		f[k].base = f[k].cur = (uintptr_t)mem + (size_t)k * FAST_BYTES;
		f[k].end = f[k].base + FAST_BYTES;
		f[k].max_size = UINT64_MAX;
		f[k].gen_ptr = &f[k].gen;
		rows[k].impl = names[k];
		rows[k].rep = reps[k];
		rows[k].arg = &f[k];
		snprintf(rows[k].note, sizeof(rows[k].note),
			 "ns per 64 B allocation, each written: %s (cursor in memory, opaque slow path; %s pages)",
			 names[k], k < FAST_ROWS - 1 ? "4 KiB" : "2 MiB");
	}
	measure("fastpath64", UNIT_NS_PER_OP, 2, runs_for(7),
		QN(1000000, 100000), rows, FAST_ROWS);
	munmap(map, (FAST_ROWS + 1) * FAST_BYTES);
}
