// SPDX-License-Identifier: GPL-2.0
/*
 * Errors that say what to do: a missing /dev/wsheap names "modprobe wsheap",
 * a permission failure names /dev/wsheap, the group "wsheap" and the udev
 * rule, in wsheap_strerror() (the native API's diagnostics) and in the
 * WS_ERROR strings of the WWSAPI functions.  The two situations are made
 * for real in a forked child: a chroot without /dev, and the device opened
 * as an unprivileged user (both need root; the module creates the device
 * 0600 root).
 */
#include <grp.h>
#include <sys/stat.h>

#include <webservices.h>
#include "wsheap_test.h"

#define NOBODY	65534

/* The most recent string of @e as UTF-8, or "(none)". */
static const char *last_string(WS_ERROR *e)
{
	static char buf[1024];
	WS_STRING s;

	if (WsGetErrorString(e, 0, &s) != S_OK ||
	    WsheapStringToUtf8(&s, buf, sizeof(buf), NULL) != S_OK)
		return "(none)";
	return buf;
}

/* In a child: a failed check says which and exits 1. */
#define CHILD_EXPECT(cond, text) do { \
	if (!(cond)) { \
		fprintf(stderr, "# %s:%d: %s: \"%s\"\n", __FILE__, __LINE__, \
			#cond, (text)); \
		return 1; \
	} \
} while (0)

static int has(const char *s, const char *part)
{
	return strstr(s, part) != NULL;
}

/*
 * WsCreateHeap fails, saying it cannot open /dev/wsheap; *@e is the
 * WS_ERROR it filled.  0, or what the child exits with.
 */
static int ws_create_fails(WS_ERROR **e, WS_HEAP **wh)
{
	HRESULT hr;

	if (WsCreateError(NULL, 0, e))
		return 2;
	hr = WsCreateHeap(1 << 20, 0, NULL, 0, wh, *e);
	CHILD_EXPECT(hr == E_FAIL, last_string(*e));
	CHILD_EXPECT(has(last_string(*e), "WsCreateHeap: cannot open /dev/wsheap"),
		     last_string(*e));
	return 0;
}

/* Run @fn in a child; its exit status, or -1. */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn());
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST(strerror_says_what_to_do)
{
	const char *m;

	m = wsheap_strerror(-ENOENT);
	EXPECT_TRUE(has(m, "/dev/wsheap")) TH_LOG("%s", m);
	EXPECT_TRUE(has(m, "modprobe wsheap")) TH_LOG("%s", m);
	m = wsheap_strerror(-ENODEV);
	EXPECT_TRUE(has(m, "modprobe wsheap")) TH_LOG("%s", m);
	m = wsheap_strerror(-EACCES);
	EXPECT_TRUE(has(m, "/dev/wsheap")) TH_LOG("%s", m);
	EXPECT_TRUE(has(m, "group \"wsheap\"")) TH_LOG("%s", m);
	EXPECT_TRUE(has(m, "60-wsheap.rules")) TH_LOG("%s", m);
	/* The positive value works as well; unknown ones are numbered. */
	EXPECT_STREQ(wsheap_strerror(-EACCES), wsheap_strerror(EACCES));
	EXPECT_TRUE(has(wsheap_strerror(-ENOSPC), "quota"));
	EXPECT_STREQ("error 4095", wsheap_strerror(-4095));
	EXPECT_STREQ("success", wsheap_strerror(0));
}

/* Without /dev/wsheap: a chroot into an empty directory. */
static char empty_dir[] = "/tmp/wsheap-nodev-XXXXXX";

static int missing_device(void)
{
	struct wsheap_ctx *ctx;
	struct wsheap *h;
	WS_HEAP *wh;
	WS_ERROR *e;
	HRESULT hr;
	int ret;

	if (chroot(empty_dir) || chdir("/"))
		return 2;
	ret = wsheap_ctx_open(&ctx);
	CHILD_EXPECT(ret == -ENOENT, wsheap_strerror(ret));
	CHILD_EXPECT(has(wsheap_strerror(ret), "modprobe wsheap"),
		     wsheap_strerror(ret));
	ret = wsheap_create(NULL, 100, 0, 0, &h);
	CHILD_EXPECT(ret == -ENOENT, wsheap_strerror(ret));

	ret = ws_create_fails(&e, &wh);
	if (ret)
		return ret;
	CHILD_EXPECT(has(last_string(e), "modprobe wsheap"), last_string(e));
	hr = WsheapImportHeap(0, &wh, e);
	CHILD_EXPECT(hr == E_FAIL, last_string(e));
	CHILD_EXPECT(has(last_string(e), "modprobe wsheap"), last_string(e));
	printf("# %s\n", last_string(e));
	WsFreeError(e);
	return 0;
}

TEST(missing_device_says_modprobe)
{
	int ret;

	if (geteuid() != 0)
		SKIP(return, "needs root (chroot)");
	ASSERT_NE(NULL, mkdtemp(empty_dir));
	ret = in_child(missing_device);
	rmdir(empty_dir);
	ASSERT_NE(2, ret) TH_LOG("cannot chroot into an empty directory");
	EXPECT_EQ(0, ret);
}

/* As an unprivileged user with no groups: the device is 0600 root. */
static int permission_denied(void)
{
	struct wsheap_ctx *ctx;
	WS_HEAP *wh;
	WS_ERROR *e;
	int ret;

	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return 2;
	ret = wsheap_ctx_open(&ctx);
	CHILD_EXPECT(ret == -EACCES, wsheap_strerror(ret));
	CHILD_EXPECT(has(wsheap_strerror(ret), "60-wsheap.rules"),
		     wsheap_strerror(ret));

	ret = ws_create_fails(&e, &wh);
	if (ret)
		return ret;
	CHILD_EXPECT(has(last_string(e), "group \"wsheap\""), last_string(e));
	CHILD_EXPECT(has(last_string(e), "udev rule 60-wsheap.rules"),
		     last_string(e));
	printf("# %s\n", last_string(e));
	WsFreeError(e);
	return 0;
}

TEST(permission_denied_names_group_and_udev_rule)
{
	struct stat st;
	int ret;

	NEED_DEV();
	if (geteuid() != 0)
		SKIP(return, "needs root (to become another user)");
	ASSERT_EQ(0, stat(WSHEAP_DEVICE, &st));
	if (st.st_mode & (S_IROTH | S_IWOTH))
		SKIP(return, "%s is open to everyone here", WSHEAP_DEVICE);
	ret = in_child(permission_denied);
	ASSERT_NE(2, ret) TH_LOG("cannot become uid %d", NOBODY);
	EXPECT_EQ(0, ret);
}

TEST_HARNESS_MAIN
