// SPDX-License-Identifier: GPL-2.0
/*
 * 32-bit processes are refused (issue 10, item 11): runs compat_test32, the
 * -m32 build beside this program, which opens /dev/wsheap (EOPNOTSUPP), and
 * uses a descriptor this 64-bit process opened and a heap it made: VERSION
 * (ENOTTY) and mmap (EOPNOTSUPP).  A kernel without IA32 emulation cannot
 * run it at all: the cases skip there, saying so.
 */
#include "wsh_sec.h"

#include <libgen.h>

/* Run compat_test32 with @args; its exit code, -ENOEXEC if it cannot run. */
static int run32(char *const args[])
{
	char self[4096], path[4200];
	char *argv[6];
	int status, i;
	ssize_t n;
	pid_t pid;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -errno;
	self[n] = '\0';
	snprintf(path, sizeof(path), "%s/compat_test32", dirname(self));
	argv[0] = path;
	for (i = 0; args[i] && i < 4; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		execv(path, argv);
		_exit(errno == ENOEXEC ? 125 : 124);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 125)
		return -ENOEXEC;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 124)
		return -ENOENT;
	return wsh_status_code(status);
}

#define RUN32(...) do {							\
	char *__a[] = { __VA_ARGS__, NULL };				\
	int __r = run32(__a);						\
									\
	if (__r == -ENOEXEC)						\
		SKIP(return, "this kernel cannot run 32-bit programs "	\
		     "(no CONFIG_IA32_EMULATION)");			\
	ASSERT_NE(-ENOENT, __r) TH_LOG("compat_test32 is missing");	\
	EXPECT_EQ(0, __r);						\
} while (0)

FIXTURE(compat) {
	int fd;		/* inherited by the 32-bit program: no O_CLOEXEC */
	struct wsheap_create c;
	char fdstr[16], offstr[32];
};

FIXTURE_SETUP(compat)
{
	self->fd = open(WSHEAP_DEVICE, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", WSHEAP_DEVICE, strerror(errno));
	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 1, 0, 0, &self->c));
	snprintf(self->fdstr, sizeof(self->fdstr), "%d", self->fd);
	snprintf(self->offstr, sizeof(self->offstr), "%llu",
		 (unsigned long long)self->c.mmap_offset);
}

FIXTURE_TEARDOWN(compat)
{
	close(self->fd);
}

TEST_F(compat, open_from_32bit_eopnotsupp)
{
	RUN32("open");
}

TEST_F(compat, ioctl_from_32bit_enotty)
{
	RUN32("ioctl", self->fdstr);
}

TEST_F(compat, mmap_from_32bit_eopnotsupp)
{
	RUN32("mmap", self->fdstr, self->offstr);
}

TEST_HARNESS_MAIN
