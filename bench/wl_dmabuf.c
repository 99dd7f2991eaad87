// SPDX-License-Identifier: MIT
/*
 * dmabuf32m: make a dma-buf of 32 MiB of written arena memory and close it.
 *   wsheap: WSHEAP_IOC_EXPORT_DMABUF of the block's range
 *   memfd: the memfd arena's range through udmabuf (UDMABUF_CREATE; the
 *          memfd is sealed against shrinking, as udmabuf requires)
 * After the clock stops, the dma-buf is mapped and its first and last
 * words compared with the arena's, so both rows are known to export the
 * arena's own pages.  Skipped where the kernel has no /dev/udmabuf.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/udmabuf.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"
#include "harness.h"
#include "memfd_arena.h"
#include "wsheap.h"

#define DMABUF_BYTES	(32 * MiB)

struct dbuf {
	bool wsheap;
	char *mem;		/* the arena's range */
	struct wsheap *heap;
	uint64_t off;		/* the range's offset in the heap or file */
	struct memfd_arena arena;
	int udmabuf;
};

static void check_dmabuf(int fd, const char *mem)
{
	char *p = mmap(NULL, DMABUF_BYTES, PROT_READ, MAP_SHARED, fd, 0);

	CHECK(p != MAP_FAILED, "mmap(dma-buf): %s", strerror(errno));
	CHECK(!memcmp(p, mem, 64) &&
	      !memcmp(p + DMABUF_BYTES - 64, mem + DMABUF_BYTES - 64, 64),
	      "dma-buf: not the arena's memory");
	munmap(p, DMABUF_BYTES);
}

static void dmabuf_rep(void *arg, struct sample *s)
{
	struct dbuf *d = arg;
	struct wsheap_export_dmabuf ex;
	struct udmabuf_create uc;
	struct wsheap_stats st;
	int fd, ctl = -1;

	if (d->wsheap) {
		wsheap_stats(d->heap, &st);
		ctl = wsheap_ctx_fd(wsheap_ctx_of(d->heap));
		memset(&ex, 0, sizeof(ex));
		ex.handle = st.handle;
		ex.offset = d->off;
		ex.size = DMABUF_BYTES;
		sample_start(s);
		CHECK(!ioctl(ctl, WSHEAP_IOC_EXPORT_DMABUF, &ex),
		      "EXPORT_DMABUF: %s", strerror(errno));
		fd = ex.fd;
	} else {
		memset(&uc, 0, sizeof(uc));
		uc.memfd = (uint32_t)d->arena.fd;
		uc.flags = UDMABUF_FLAGS_CLOEXEC;
		uc.offset = d->off;
		uc.size = DMABUF_BYTES;
		sample_start(s);
		fd = ioctl(d->udmabuf, UDMABUF_CREATE, &uc);
		CHECK(fd >= 0, "UDMABUF_CREATE: %s", strerror(errno));
	}
	close(fd);
	sample_stop(s);
	/* a second one to check: the timed one is closed already */
	if (d->wsheap) {
		CHECK(!ioctl(ctl, WSHEAP_IOC_EXPORT_DMABUF, &ex),
		      "EXPORT_DMABUF: %s", strerror(errno));
		fd = ex.fd;
	} else {
		fd = ioctl(d->udmabuf, UDMABUF_CREATE, &uc);
		CHECK(fd >= 0, "UDMABUF_CREATE: %s", strerror(errno));
	}
	check_dmabuf(fd, d->mem);
	close(fd);
}

void wl_dmabuf32m(void)
{
	static struct dbuf w, m;
	struct row rows[2];
	void *p;
	int ret;

	fprintf(stderr, "dmabuf32m: a dma-buf of 32 MiB of arena memory\n");
	m.udmabuf = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (m.udmabuf < 0) {
		emit_skip("dmabuf32m", "*", "no /dev/udmabuf (CONFIG_UDMABUF) in this kernel");
		return;
	}
	w.wsheap = true;
	CHECK(!wsheap_create(NULL, UINT64_MAX, DMABUF_BYTES, 0, &w.heap),
	      "wsheap_create");
	CHECK(!wsheap_alloc_aligned(w.heap, DMABUF_BYTES, PAGE, &p),
	      "wsheap_alloc");
	memset(p, 0x3c, DMABUF_BYTES);
	w.mem = p;
	CHECK(!wsheap_offset(w.heap, p, &w.off), "wsheap_offset");

	ret = memfd_arena_create(&m.arena, UINT64_MAX, DMABUF_BYTES, 0);
	CHECK(!ret, "memfd_arena_create: %d", ret);
	CHECK(!memfd_arena_alloc_aligned(&m.arena, DMABUF_BYTES, PAGE, &p),
	      "memfd_arena_alloc");
	memset(p, 0x3c, DMABUF_BYTES);
	m.mem = p;
	m.off = (uintptr_t)p - m.arena.base;

	memset(rows, 0, sizeof(rows));
	rows[0].impl = "wsheap";
	rows[0].rep = dmabuf_rep;
	rows[0].arg = &w;
	snprintf(rows[0].note, sizeof(rows[0].note),
		 "ns per 4 KiB page: WSHEAP_IOC_EXPORT_DMABUF of 32 MiB of written heap memory, then close()");
	rows[1].impl = "memfd";
	rows[1].rep = dmabuf_rep;
	rows[1].arg = &m;
	snprintf(rows[1].note, sizeof(rows[1].note),
		 "ns per 4 KiB page: UDMABUF_CREATE of 32 MiB of written memfd arena memory, then close()");
	measure("dmabuf32m", UNIT_NS_PER_OP, 1, runs_for(7),
		DMABUF_BYTES / PAGE, rows, 2);
	CHECK(!wsheap_free(w.heap), "wsheap_free");
	memfd_arena_destroy(&m.arena);
	close(m.udmabuf);
}
