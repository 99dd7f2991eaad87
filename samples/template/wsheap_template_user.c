// SPDX-License-Identifier: MIT
/*
 * wsheap_template_user: the user-space side of the template driver.
 *
 * It creates a heap with libwsheap, exports it, and hands the descriptor
 * to /dev/wsheap_template: the driver fills a block, which this program
 * reads in place through its own mapping of the heap.  Then the driver
 * keeps a block, stamps it, and after this program resets the heap, the
 * driver's next stamp is refused (ESTALE) rather than written into memory
 * of the heap's next generation.  Exits 0 if everything checked out.
 */
#define _POSIX_C_SOURCE 200809L	/* O_CLOEXEC */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <wsheap.h>

#include "wsheap_template.h"

#define DEVICE	"/dev/wsheap_template"
#define FILL	(256 * 1024 + 123)	/* several pages, not a whole one */
#define SEED	0x5eedULL
#define STAMP	0x0123456789abcdefULL

static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAILED", what);
	failures += !ok;
}

/* The command's result, or -errno: the ioctl's int carries nothing else. */
static int call(int dev, unsigned long cmd, struct wsheap_template_io *io)
{
	return ioctl(dev, cmd, io) ? -errno : 0;
}

static void fill(int dev, struct wsheap *heap, int heap_fd)
{
	struct wsheap_template_io io = {
		.heap_fd = heap_fd, .size = FILL, .value = SEED,
	};
	const uint8_t *p;
	size_t i, bad = 0;
	void *ptr;

	if (call(dev, WSHEAP_TEMPLATE_FILL, &io)) {
		check(0, "FILL");
		return;
	}
	printf("FILL: %u bytes at offset %llu, generation %llu\n", io.size,
	       (unsigned long long)io.offset, (unsigned long long)io.generation);
	if (wsheap_ptr(heap, io.offset, FILL, &ptr)) {
		check(0, "the filled block is mapped");
		return;
	}
	p = ptr;
	for (i = 0; i < FILL; i++)
		bad += p[i] != wsheap_template_byte(SEED, i);
	check(!bad, "the driver's pattern reads back in place");
}

static void keep_stamp_reset(int dev, struct wsheap *heap, int heap_fd)
{
	struct wsheap_template_io io = { .heap_fd = heap_fd, .size = 64 };
	uint64_t got;
	void *ptr;
	int ret;

	if (call(dev, WSHEAP_TEMPLATE_KEEP, &io)) {
		check(0, "KEEP");
		return;
	}
	io.value = STAMP;
	ret = call(dev, WSHEAP_TEMPLATE_STAMP, &io);
	if (!ret)
		ret = wsheap_ptr(heap, io.offset, sizeof(got), &ptr);
	if (!ret)
		memcpy(&got, ptr, sizeof(got));
	check(!ret && got == STAMP, "the driver stamps the block it keeps");

	check(!wsheap_reset(heap), "reset the heap");
	ret = call(dev, WSHEAP_TEMPLATE_STAMP, &io);
	check(ret == -ESTALE, "after the reset the driver's stamp is refused (ESTALE)");
	ret = call(dev, WSHEAP_TEMPLATE_STAMP, &io);
	check(ret == -ENODATA, "and the driver has let go of the block (ENODATA)");
}

int main(void)
{
	struct wsheap *heap;
	int dev, heap_fd, ret;

	dev = open(DEVICE, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		fprintf(stderr, "%s: %s (insmod wsheap_template.ko)\n", DEVICE,
			strerror(errno));
		return 1;
	}
	ret = wsheap_create(NULL, UINT64_MAX, 0, 0, &heap);
	if (!ret)
		ret = wsheap_export(heap, 0, &heap_fd);
	if (ret) {
		fprintf(stderr, "a heap to share: %s\n", strerror(-ret));
		return 1;
	}
	fill(dev, heap, heap_fd);
	keep_stamp_reset(dev, heap, heap_fd);
	close(heap_fd);
	wsheap_free(heap);
	close(dev);
	printf("%s\n", failures ? "wsheap_template: FAILED" : "wsheap_template: ok");
	return failures ? 1 : 0;
}
