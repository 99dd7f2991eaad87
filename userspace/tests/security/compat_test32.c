// SPDX-License-Identifier: GPL-2.0
/*
 * The 32-bit half of compat_test (issue 10, item 11), built -m32 -static.
 * A 32-bit process cannot address wsheap's mmap offsets (handle << 40 is
 * beyond what mmap2 reaches for handles above 15), so the module refuses
 * it: open gives EOPNOTSUPP, and a descriptor a 64-bit process opened and
 * passed on refuses ioctls (ENOTTY) and mmap (EOPNOTSUPP).
 *
 *   compat_test32 open             open /dev/wsheap
 *   compat_test32 ioctl FD         VERSION on the inherited descriptor FD
 *   compat_test32 mmap FD OFFSET   map one page of FD at OFFSET
 *
 * Prints what happened as TAP comments; exits 0 if the module refused as
 * it should, 1 if not, 2 on bad usage.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "wsheap_ioctl.h"

static int expect_errno(const char *what, int ret, int want)
{
	if (ret >= 0) {
		printf("# 32-bit %s: worked (expected %s)\n", what, strerror(want));
		return 1;
	}
	printf("# 32-bit %s: %s (expected %s)\n", what, strerror(errno),
	       strerror(want));
	return errno == want ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct wsheap_version v;
	long long off;
	void *p;
	int fd;

	if (sizeof(long) != 4) {
		printf("# not a 32-bit build\n");
		return 2;
	}
	if (argc == 2 && !strcmp(argv[1], "open")) {
		fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
		return expect_errno("open", fd, EOPNOTSUPP);
	}
	if (argc == 3 && !strcmp(argv[1], "ioctl")) {
		memset(&v, 0, sizeof(v));
		fd = atoi(argv[2]);
		return expect_errno("ioctl(VERSION)",
				    ioctl(fd, WSHEAP_IOC_VERSION, &v), ENOTTY);
	}
	if (argc == 4 && !strcmp(argv[1], "mmap")) {
		fd = atoi(argv[2]);
		off = strtoll(argv[3], NULL, 0);
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, (off_t)off);
		return expect_errno("mmap", p == MAP_FAILED ? -1 : 0, EOPNOTSUPP);
	}
	fprintf(stderr, "usage: %s open | ioctl FD | mmap FD OFFSET\n", argv[0]);
	return 2;
}
