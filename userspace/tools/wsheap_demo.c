// SPDX-License-Identifier: MIT
/*
 * wsheap_demo: the raw ABI end to end, as `make run` shows it.
 * Create a heap, allocate blocks, write and read them through a mapping,
 * reset (watching trim and the generation), and print INFO along the way.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wsheap_ioctl.h"

static int fd = -1;

static int call(unsigned long cmd, void *arg, const char *what)
{
	if (ioctl(fd, cmd, arg) == 0)
		return 0;
	fprintf(stderr, "wsheap_demo: %s: %s\n", what, strerror(errno));
	return -1;
}

static int show(uint32_t handle, const char *when)
{
	struct wsheap_info info = { .handle = handle };

	if (call(WSHEAP_IOC_INFO, &info, "INFO"))
		return -1;
	printf("%-22s requested=%-8" PRIu64 " committed=%-8" PRIu64
	       " resident=%-8" PRIu64 " cursor=%-8" PRIu64 " generation=%" PRIu64 "\n",
	       when, (uint64_t)info.requested, (uint64_t)info.committed,
	       (uint64_t)info.resident, (uint64_t)info.cursor,
	       (uint64_t)info.generation);
	return 0;
}

int main(void)
{
	struct wsheap_version ver = { 0 };
	struct wsheap_create cr = { .max_size = 1 << 20, .trim_size = 8192 };
	struct wsheap_alloc al = { 0 };
	struct wsheap_reset rs = { 0 };
	struct wsheap_destroy de = { 0 };
	const size_t len = 64 * 1024;
	uint64_t offs[3];
	char *map;
	int i;

	fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("wsheap_demo: open " WSHEAP_DEVICE);
		return 1;
	}
	if (call(WSHEAP_IOC_VERSION, &ver, "VERSION") ||
	    call(WSHEAP_IOC_CREATE, &cr, "CREATE"))
		return 1;
	printf("wsheap ABI %u, page %u; heap %u: max %" PRIu64 " trim %" PRIu64
	       ", mmap offset %#" PRIx64 "\n", ver.abi, ver.page_size, cr.handle,
	       (uint64_t)cr.max_size, (uint64_t)cr.trim_size,
	       (uint64_t)cr.mmap_offset);
	show(cr.handle, "created:");

	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   cr.mmap_offset);
	if (map == MAP_FAILED) {
		perror("wsheap_demo: mmap");
		return 1;
	}
	for (i = 0; i < 3; i++) {
		al = (struct wsheap_alloc){ .handle = cr.handle,
					    .size = 5000, .align = 64 };
		if (call(WSHEAP_IOC_ALLOC, &al, "ALLOC"))
			return 1;
		offs[i] = al.offset;
		snprintf(map + offs[i], 5000, "record %d at offset %" PRIu64,
			 i, (uint64_t)offs[i]);
	}
	show(cr.handle, "3 x 5000 B written:");
	for (i = 0; i < 3; i++)
		printf("  read back: %s\n", map + offs[i]);

	rs.handle = cr.handle;
	if (call(WSHEAP_IOC_RESET, &rs, "RESET"))
		return 1;
	show(cr.handle, "after reset:");
	printf("  kept page (within trim) still reads: %s\n", map + offs[0]);

	al = (struct wsheap_alloc){ .handle = cr.handle, .size = 100 };
	if (call(WSHEAP_IOC_ALLOC, &al, "ALLOC"))
		return 1;
	printf("  new allocation at offset %" PRIu64 " in generation %" PRIu64 "\n",
	       (uint64_t)al.offset, (uint64_t)al.generation);

	al = (struct wsheap_alloc){ .handle = cr.handle, .size = 2 << 20 };
	if (ioctl(fd, WSHEAP_IOC_ALLOC, &al) < 0)
		printf("  2 MiB from a 1 MiB heap: %s (quota)\n", strerror(errno));

	/* What an operator sees meanwhile (wsheapctl reads debugfs). */
	if (access("/bin/wsheapctl", X_OK) == 0) {
		fflush(stdout);
		if (system("/bin/wsheapctl list") != 0)
			fprintf(stderr, "wsheap_demo: wsheapctl failed\n");
	}

	munmap(map, len);
	de.handle = cr.handle;
	if (call(WSHEAP_IOC_DESTROY, &de, "DESTROY"))
		return 1;
	printf("destroyed heap %u\n", cr.handle);
	close(fd);
	return 0;
}
