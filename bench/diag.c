// SPDX-License-Identifier: MIT
/*
 * Diagnostics: where a wsheap steady message spends its time.  The reset,
 * the first allocation of a generation and the other 199 allocations are
 * timed apart, message by message; and obstack's message with and without
 * two no-op ioctls, which shows what two system calls cost the code around
 * them.  Raw per-message samples; report.py takes their medians.
 */
#include <fcntl.h>
#include <obstack.h>
#include <stdlib.h>
#include <sys/ioctl.h>
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
