// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap ABI: every ioctl's happy path and its failures (docs/abi.md).
 */
#include "wsheap_test_util.h"	/* includes kselftest_harness.h */

#include <termios.h>

/* ---- a table of the six commands, for the generic struct/ENOTTY tests --- */

enum { C_CREATE, C_ALLOC, C_RESET, C_DESTROY, C_INFO, C_VERSION, C_NR };

struct wsh_cmd {
	const char *name;
	unsigned int cmd;	/* as in wsheap_ioctl.h */
	size_t size;
};

static const struct wsh_cmd wsh_cmds[C_NR] = {
	[C_CREATE]  = { "CREATE",  WSHEAP_IOC_CREATE,  sizeof(struct wsheap_create) },
	[C_ALLOC]   = { "ALLOC",   WSHEAP_IOC_ALLOC,   sizeof(struct wsheap_alloc) },
	[C_RESET]   = { "RESET",   WSHEAP_IOC_RESET,   sizeof(struct wsheap_reset) },
	[C_DESTROY] = { "DESTROY", WSHEAP_IOC_DESTROY, sizeof(struct wsheap_destroy) },
	[C_INFO]    = { "INFO",    WSHEAP_IOC_INFO,    sizeof(struct wsheap_info) },
	[C_VERSION] = { "VERSION", WSHEAP_IOC_VERSION, sizeof(struct wsheap_version) },
};

/* The command @i re-encoded with another direction, magic or size. */
static unsigned long cmd_with(int i, unsigned int dir, unsigned int magic,
			      size_t size)
{
	return _IOC(dir, magic, _IOC_NR(wsh_cmds[i].cmd), size);
}

static unsigned long cmd_sized(int i, size_t size)
{
	return cmd_with(i, _IOC_DIR(wsh_cmds[i].cmd), WSHEAP_IOC_MAGIC, size);
}

/* Largest size _IOC can encode. */
#define WSH_IOC_SIZE_MAX	((1u << _IOC_SIZEBITS) - 1)

/*
 * Fill @buf (@len bytes, zeroed) with a valid argument for command @i on
 * heap @h, so that only what the test changes can make the call fail.
 */
static void valid_arg(int i, void *buf, size_t len, __u32 h)
{
	union wsh_any_arg u;

	memset(&u, 0, sizeof(u));
	switch (i) {
	case C_CREATE:
		u.c.max_size = 1 << 20;
		break;
	case C_ALLOC:
		u.a.handle = h;
		u.a.size = 64;
		break;
	case C_RESET:
		u.r.handle = h;
		break;
	case C_DESTROY:
		u.d.handle = h;
		break;
	case C_INFO:
		u.i.handle = h;
		break;
	}
	memset(buf, 0, len);
	memcpy(buf, &u, len < wsh_cmds[i].size ? len : wsh_cmds[i].size);
}

static int new_heap(int fd, __u32 *h)
{
	struct wsheap_create c;
	int ret = wsh_create(fd, 1 << 20, 0, 0, &c);

	if (!ret)
		*h = c.handle;
	return ret;
}

WSH_CONTEXT_FIXTURE(dev);

/* ------------------------------- VERSION -------------------------------- */

TEST_F(dev, version_fields)
{
	struct wsheap_version v;
	int n;

	for (n = 0; n < 3; n++) {
		memset(&v, 0, sizeof(v));
		ASSERT_EQ(0, wsh_ioctl(self->fd, WSHEAP_IOC_VERSION, &v));
		EXPECT_EQ((__u32)WSHEAP_ABI_VERSION, v.abi);
		EXPECT_EQ((__u32)self->ps, v.page_size);
		EXPECT_EQ((__u32)WSHEAP_CREATE_FLAGS, v.create_flags);
		EXPECT_EQ(0U, v.pad);
		EXPECT_EQ((__u64)WSHEAP_SPAN, v.span);
		EXPECT_EQ(0ULL, v.reserved[0]);
		EXPECT_EQ(0ULL, v.reserved[1]);
	}
}

/* VERSION only reads out: whatever the caller's struct held is overwritten. */
TEST_F(dev, version_ignores_input)
{
	struct wsheap_version v;
	int k;

	for (k = 0; k < 3; k++) {
		memset(&v, 0xff, sizeof(v));
		EXPECT_EQ(0, wsh_ioctl(self->fd, WSHEAP_IOC_VERSION, &v));
		EXPECT_EQ((__u32)WSHEAP_ABI_VERSION, v.abi);
		EXPECT_EQ(0U, v.pad);
		EXPECT_EQ(0ULL, v.reserved[0]);
		EXPECT_EQ(0ULL, v.reserved[1]);
	}
}

/* -------------------------------- CREATE -------------------------------- */

TEST_F(dev, create_happy)
{
	struct wsheap_create c;
	struct wsheap_info i;

	memset(&c, 0, sizeof(c));
	c.max_size = 1 << 20;
	c.trim_size = 3 * self->ps;
	ASSERT_EQ(0, wsh_ioctl(self->fd, WSHEAP_IOC_CREATE, &c));
	EXPECT_NE(0U, c.handle);
	EXPECT_EQ((__u64)WSHEAP_SPAN, c.mmap_span);
	EXPECT_EQ(0ULL, c.mmap_offset % self->ps);
	EXPECT_EQ((__u64)1 << 20, c.max_size);
	EXPECT_EQ(3 * self->ps, c.trim_size);
	EXPECT_EQ(0U, c.flags);
	EXPECT_EQ(0ULL, c.reserved[0]);
	EXPECT_EQ(0ULL, c.reserved[1]);
	EXPECT_EQ(0ULL, c.reserved[2]);

	/* CREATE commits no memory. */
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(c.handle, i.handle);
	EXPECT_EQ(0U, i.flags);
	EXPECT_EQ((__u64)1 << 20, i.max_size);
	EXPECT_EQ(3 * self->ps, i.trim_size);
	EXPECT_EQ(0ULL, i.requested);
	EXPECT_EQ(0ULL, i.committed);
	EXPECT_EQ(0ULL, i.resident);
	EXPECT_EQ(0ULL, i.cursor);
	EXPECT_EQ(0ULL, i.generation);
}

TEST_F(dev, create_heaps_distinct)
{
	struct wsheap_create c[4];
	int a, b;

	for (a = 0; a < 4; a++) {
		ASSERT_EQ(0, wsh_create(self->fd, 4096, 0,
					a == 3 ? WSHEAP_CREATE_FLAGS : 0, &c[a]));
		ASSERT_NE(0U, c[a].handle);
		ASSERT_EQ((__u64)WSHEAP_SPAN, c[a].mmap_span);
		ASSERT_EQ(0ULL, c[a].mmap_offset % self->ps);
	}
	for (a = 0; a < 4; a++) {
		for (b = a + 1; b < 4; b++) {
			__u64 oa = c[a].mmap_offset, ob = c[b].mmap_offset;
			__u64 dist = oa > ob ? oa - ob : ob - oa;

			EXPECT_NE(c[a].handle, c[b].handle);
			EXPECT_NE(oa, ob);
			/* An mmap offset names one heap: the windows cannot overlap. */
			EXPECT_LE((__u64)WSHEAP_SPAN, dist)
				TH_LOG("heaps %d/%d offsets %#llx %#llx", a, b,
				       (unsigned long long)oa, (unsigned long long)ob);
		}
	}
}

/* SET_ADDRESS records a page-aligned address that INFO reports. */
TEST_F(dev, set_address_is_reported)
{
	struct wsheap_set_address sa;
	struct wsheap_create c;
	struct wsheap_info i;

	ASSERT_EQ(0, wsh_create(self->fd, UINT64_MAX, 0, 0, &c));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(0ULL, i.address);
	memset(&sa, 0, sizeof(sa));
	sa.handle = c.handle;
	sa.address = 0x7f0000000000ULL;
	ASSERT_EQ(0, wsh_ioctl(self->fd, WSHEAP_IOC_SET_ADDRESS, &sa));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(0x7f0000000000ULL, i.address);
	sa.address += 1;
	EXPECT_EQ(-EINVAL, wsh_ioctl(self->fd, WSHEAP_IOC_SET_ADDRESS, &sa));
	sa.address -= 1;
	EXPECT_EINVAL_WITH(self->fd, WSHEAP_IOC_SET_ADDRESS, sa, flags, 1);
	EXPECT_EINVAL_WITH(self->fd, WSHEAP_IOC_SET_ADDRESS, sa, reserved[1], 1);
	sa.handle = 0;
	EXPECT_EQ(-ENOENT, wsh_ioctl(self->fd, WSHEAP_IOC_SET_ADDRESS, &sa));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(0x7f0000000000ULL, i.address);
}

/* CONTIG: each ALLOC's new pages are one run, backed at once, bounded. */
TEST_F(dev, contig_runs_are_bounded)
{
	struct wsheap_create c;
	struct wsheap_info before, after;
	struct wsheap_version v;

	ASSERT_EQ(0, wsh_ioctl(self->fd, WSHEAP_IOC_VERSION, &v));
	ASSERT_NE(0U, v.create_flags & WSHEAP_CREATE_CONTIG);
	ASSERT_EQ(0, wsh_create(self->fd, UINT64_MAX, 0, WSHEAP_CREATE_CONTIG, &c));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 1 << 20, 0, NULL));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &before));
	EXPECT_EQ(1ULL << 20, before.resident);
	EXPECT_EQ(-ENOMEM, wsh_alloc(self->fd, c.handle,
				     WSHEAP_CONTIG_MAX + self->ps, 0, NULL));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &after));
	EXPECT_TRUE(wsh_info_same(&before, &after));
	EXPECT_EQ(0, wsh_alloc(self->fd, c.handle, WSHEAP_CONTIG_MAX, 0, NULL));
}

TEST_F(dev, create_any_sizes)
{
	static const struct { __u64 max, trim; __u32 flags; } cases[] = {
		{ 0, 0, 0 },
		{ UINT64_MAX, UINT64_MAX, 0 },
		{ 1, 1, WSHEAP_CREATE_POPULATE },
		{ 4095, 12289, WSHEAP_CREATE_ZERO_ON_RESET },
		{ 1ULL << 63, (1ULL << 63) + 1, WSHEAP_CREATE_FLAGS },
		{ WSHEAP_SPAN * 2, WSHEAP_SPAN + 1, 0 },
	};
	unsigned int n;

	for (n = 0; n < sizeof(cases) / sizeof(cases[0]); n++) {
		struct wsheap_create c;
		struct wsheap_info i;

		ASSERT_EQ(0, wsh_create(self->fd, cases[n].max, cases[n].trim,
					cases[n].flags, &c)) TH_LOG("case %u", n);
		ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
		EXPECT_EQ(cases[n].max, i.max_size) TH_LOG("case %u", n);
		EXPECT_EQ(cases[n].trim, i.trim_size) TH_LOG("case %u", n);
		EXPECT_EQ(cases[n].flags, i.flags) TH_LOG("case %u", n);
		EXPECT_EQ(0ULL, i.committed) TH_LOG("case %u", n);
	}
}

TEST_F(dev, create_unknown_flags)
{
	static const __u32 bad[] = {
		1U << 3, 1U << 4, 1U << 16, 1U << 31,
		WSHEAP_CREATE_FLAGS | (1U << 3), ~(__u32)WSHEAP_CREATE_FLAGS, ~0U,
	};
	unsigned int n;

	for (n = 0; n < sizeof(bad) / sizeof(bad[0]); n++) {
		EXPECT_EQ(-EINVAL, wsh_create(self->fd, 4096, 0, bad[n], NULL))
			TH_LOG("flags %#x", bad[n]);
	}
	EXPECT_EQ(0, wsh_create(self->fd, 4096, 0, WSHEAP_CREATE_FLAGS, NULL));
}

TEST_F(dev, create_reserved_nonzero)
{
	struct wsheap_create c;
	int k;

	for (k = 0; k < 3; k++) {
		memset(&c, 0, sizeof(c));
		c.max_size = 4096;
		c.reserved[k] = k == 2 ? 1ULL << 63 : 1;
		EXPECT_EQ(-EINVAL, wsh_ioctl(self->fd, WSHEAP_IOC_CREATE, &c))
			TH_LOG("reserved[%d]", k);
	}
}

/* -------------------------------- ALLOC --------------------------------- */

TEST_F(dev, alloc_bump_default_align)
{
	struct wsheap_create c;
	struct wsheap_info i;
	__u64 off, gen;

	ASSERT_EQ(0, wsh_create(self->fd, 1 << 20, 0, 0, &c));
	ASSERT_EQ(0, wsh_alloc_gen(self->fd, c.handle, 1, 0, &off, &gen));
	EXPECT_EQ(0ULL, off);
	EXPECT_EQ(0ULL, gen);
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 1, 0, &off));	/* cursor 1 */
	EXPECT_EQ(8ULL, off);
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 3, 8, &off));	/* cursor 9 */
	EXPECT_EQ(16ULL, off);
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 0, 0, &off));	/* cursor 19 */
	EXPECT_EQ(24ULL, off);
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 5, 1, &off));	/* cursor 24 */
	EXPECT_EQ(24ULL, off);
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 2, 0, &off));	/* cursor 29 */
	EXPECT_EQ(32ULL, off);

	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(34ULL, i.cursor);
	EXPECT_EQ(12ULL, i.requested);
	EXPECT_EQ(self->ps, i.committed);
	EXPECT_EQ(0ULL, i.generation);

	/* Blocks go on bumping: the next page-sized block starts at 40. */
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, self->ps, 0, &off));
	EXPECT_EQ(40ULL, off);
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(40 + self->ps, i.cursor);
	EXPECT_EQ(2 * self->ps, i.committed);
}

TEST_F(dev, alloc_alignment_up_to_1m)
{
	struct wsheap_create c;
	struct wsheap_info i;
	__u64 off, cursor;
	int s;

	ASSERT_EQ(0, wsh_create(self->fd, UINT64_MAX, 0, 0, &c));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 1, 1, &off));
	ASSERT_EQ(0ULL, off);
	cursor = 1;
	for (s = 0; s <= 20; s++) {
		__u64 a = 1ULL << s;

		ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 1, a, &off))
			TH_LOG("align %#llx", (unsigned long long)a);
		EXPECT_EQ(0ULL, off & (a - 1))
			TH_LOG("align %#llx off %#llx", (unsigned long long)a,
			       (unsigned long long)off);
		EXPECT_EQ(wsh_align_up(cursor, a), off)
			TH_LOG("align %#llx", (unsigned long long)a);
		cursor = off + 1;
	}
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(cursor, i.cursor);
	EXPECT_EQ(22ULL, i.requested);
	EXPECT_EQ(wsh_align_up(cursor, self->ps), i.committed);
}

TEST_F(dev, alloc_alignment_large)
{
	__u64 per = UINT64_MAX, total = UINT64_MAX, limit;
	bool known = true;
	struct wsheap_create c;
	int s;

	/* Aligning a non-zero cursor to 2^s commits 2^s bytes. */
	if (wsh_param_read_u64("max_bytes_per_context", &per) ||
	    wsh_param_read_u64("max_bytes_total", &total))
		known = false;
	limit = per < total ? per : total;

	ASSERT_EQ(0, wsh_create(self->fd, UINT64_MAX, 0, 0, &c));
	for (s = 21; s <= 30; s++) {
		__u64 a = 1ULL << s, off = 0;
		struct wsheap_info i;
		int ret;

		ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 1, 0, &off));
		ASSERT_EQ(0ULL, off);
		ret = wsh_alloc(self->fd, c.handle, 0, a, &off);
		if (known && a <= limit) {
			ASSERT_EQ(0, ret) TH_LOG("align 2^%d", s);
		} else if (ret == -EDQUOT || ret == -ENOMEM) {
			TH_LOG("align 2^%d: commit exceeds this machine's limits (%d)",
			       s, ret);
		} else {
			ASSERT_EQ(0, ret) TH_LOG("align 2^%d", s);
		}
		if (!ret) {
			EXPECT_EQ(a, off) TH_LOG("align 2^%d", s);
			ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
			EXPECT_EQ(a, i.cursor);
			EXPECT_EQ(a, i.committed);
		}
		/* trim 0: the reset releases everything again */
		ASSERT_EQ(0, wsh_reset(self->fd, c.handle, NULL));
		ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
		ASSERT_EQ(0ULL, i.committed);
	}
}

TEST_F(dev, alloc_bad_align)
{
	static const __u64 bad[] = {
		3, 5, 6, 7, 12, 24, 4095, 4097, (1ULL << 30) + 1, (1ULL << 30) - 1,
		1ULL << 31, 1ULL << 32, 1ULL << 40, 1ULL << 63, UINT64_MAX,
	};
	struct wsheap_create c;
	struct wsheap_info before;
	unsigned int n;

	ASSERT_EQ(0, wsh_create(self->fd, 1 << 20, 0, 0, &c));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 3, 0, NULL));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &before));
	for (n = 0; n < sizeof(bad) / sizeof(bad[0]); n++) {
		EXPECT_EQ(-EINVAL, wsh_alloc(self->fd, c.handle, 1, bad[n], NULL))
			TH_LOG("align %#llx", (unsigned long long)bad[n]);
		EXPECT_EQ(-EINVAL, wsh_alloc(self->fd, c.handle, 0, bad[n], NULL))
			TH_LOG("size 0, align %#llx", (unsigned long long)bad[n]);
	}
	EXPECT_INFO_UNCHANGED(self->fd, c.handle, &before);
	/* The largest alignment itself is fine. */
	EXPECT_EQ(0, wsh_alloc(self->fd, c.handle, 0, WSHEAP_MAX_ALIGN, NULL));
}

TEST_F(dev, alloc_size_zero_uses_no_quota)
{
	struct wsheap_create c;
	struct wsheap_info i;
	__u64 off;

	ASSERT_EQ(0, wsh_create(self->fd, 16, 0, 0, &c));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 0, 0, &off));
	EXPECT_EQ(0ULL, off);
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(0ULL, i.requested);
	EXPECT_EQ(0ULL, i.cursor);
	EXPECT_EQ(0ULL, i.committed);

	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 16, 0, &off));
	EXPECT_EQ(0ULL, off);
	/* The quota is full, yet empty blocks still fit. */
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 0, 0, &off));
	EXPECT_EQ(16ULL, off);
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 0, 64, &off));
	EXPECT_EQ(64ULL, off);
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(16ULL, i.requested);
	EXPECT_EQ(64ULL, i.cursor);
	EXPECT_EQ(-ENOSPC, wsh_alloc(self->fd, c.handle, 1, 0, NULL));
}

TEST_F(dev, alloc_unknown_flags)
{
	static const __u32 bad[] = { 1, 2, 1U << 31, ~0U };
	struct wsheap_create c;
	struct wsheap_info before;
	struct wsheap_alloc a;
	unsigned int n;

	ASSERT_EQ(0, wsh_create(self->fd, 1 << 20, 0, 0, &c));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &before));
	for (n = 0; n < sizeof(bad) / sizeof(bad[0]); n++) {
		memset(&a, 0, sizeof(a));
		a.handle = c.handle;
		a.size = 10;
		a.flags = bad[n];
		EXPECT_EQ(-EINVAL, wsh_ioctl(self->fd, WSHEAP_IOC_ALLOC, &a))
			TH_LOG("flags %#x", bad[n]);
	}
	EXPECT_INFO_UNCHANGED(self->fd, c.handle, &before);
}

TEST_F(dev, alloc_reserved_nonzero)
{
	struct wsheap_create c;
	struct wsheap_info before;
	struct wsheap_alloc a;
	int k;

	ASSERT_EQ(0, wsh_create(self->fd, 1 << 20, 0, 0, &c));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &before));
	for (k = 0; k < 2; k++) {
		memset(&a, 0, sizeof(a));
		a.handle = c.handle;
		a.size = 10;
		a.reserved[k] = 1ULL << (k * 63);
		EXPECT_EQ(-EINVAL, wsh_ioctl(self->fd, WSHEAP_IOC_ALLOC, &a))
			TH_LOG("reserved[%d]", k);
	}
	EXPECT_INFO_UNCHANGED(self->fd, c.handle, &before);
}

/* -------------------------------- quota --------------------------------- */

TEST_F(dev, quota_exact_fill_and_one_over)
{
	struct wsheap_create c;
	struct wsheap_info before, after;
	__u64 off;

	ASSERT_EQ(0, wsh_create(self->fd, 1000, 0, 0, &c));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 600, 0, &off));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 400, 0, &off));	/* exactly full */
	EXPECT_EQ(600ULL, off);
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &before));
	EXPECT_EQ(1000ULL, before.requested);

	EXPECT_EQ(-ENOSPC, wsh_alloc(self->fd, c.handle, 1, 0, NULL));
	EXPECT_EQ(-ENOSPC, wsh_alloc(self->fd, c.handle, 1, 1, NULL));
	EXPECT_EQ(-ENOSPC, wsh_alloc(self->fd, c.handle, 1, 4096, NULL));
	EXPECT_EQ(-ENOSPC, wsh_alloc(self->fd, c.handle, 1000, 0, NULL));
	EXPECT_INFO_UNCHANGED(self->fd, c.handle, &before);

	/* Page-sized: three pages fit a three-page quota, one byte more not. */
	ASSERT_EQ(0, wsh_create(self->fd, 3 * self->ps, 0, 0, &c));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 2 * self->ps, 0, NULL));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &before));
	EXPECT_EQ(-ENOSPC, wsh_alloc(self->fd, c.handle, self->ps + 1, 0, NULL));
	EXPECT_INFO_UNCHANGED(self->fd, c.handle, &before);
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, self->ps, 0, &off));
	EXPECT_EQ(2 * self->ps, off);
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &after));
	EXPECT_EQ(3 * self->ps, after.requested);
	EXPECT_EQ(3 * self->ps, after.committed);
}

TEST_F(dev, quota_zero_heap)
{
	struct wsheap_create c;
	struct wsheap_info i;
	__u64 off = 1;

	ASSERT_EQ(0, wsh_create(self->fd, 0, 0, 0, &c));
	EXPECT_EQ(0, wsh_alloc(self->fd, c.handle, 0, 0, &off));
	EXPECT_EQ(0ULL, off);
	EXPECT_EQ(-ENOSPC, wsh_alloc(self->fd, c.handle, 1, 0, NULL));
	EXPECT_EQ(-ENOSPC, wsh_alloc(self->fd, c.handle, 1, 1, NULL));
	EXPECT_EQ(0, wsh_alloc(self->fd, c.handle, 0, 4096, &off));
	EXPECT_EQ(0ULL, off);
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(0ULL, i.requested);
	EXPECT_EQ(0ULL, i.cursor);
	EXPECT_EQ(0ULL, i.committed);
}

TEST_F(dev, quota_counts_sizes_not_padding)
{
	struct wsheap_create c;
	struct wsheap_info i;
	__u64 off;

	ASSERT_EQ(0, wsh_create(self->fd, 16, 0, 0, &c));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 1, 0, &off));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 15, 4096, &off));
	EXPECT_EQ(4096ULL, off);
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(16ULL, i.requested);
	EXPECT_EQ(4096ULL + 15, i.cursor);
	EXPECT_EQ(wsh_align_up(4096 + 15, self->ps), i.committed);
	EXPECT_EQ(-ENOSPC, wsh_alloc(self->fd, c.handle, 1, 1, NULL));
}

TEST_F(dev, quota_restored_by_reset)
{
	struct wsheap_create c;
	__u64 off, gen;

	ASSERT_EQ(0, wsh_create(self->fd, 100, 0, 0, &c));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 100, 0, NULL));
	ASSERT_EQ(-ENOSPC, wsh_alloc(self->fd, c.handle, 1, 0, NULL));
	ASSERT_EQ(0, wsh_reset(self->fd, c.handle, &gen));
	EXPECT_EQ(1ULL, gen);
	ASSERT_EQ(0, wsh_alloc_gen(self->fd, c.handle, 100, 0, &off, &gen));
	EXPECT_EQ(0ULL, off);
	EXPECT_EQ(1ULL, gen);
	EXPECT_EQ(-ENOSPC, wsh_alloc(self->fd, c.handle, 1, 0, NULL));
}

/* --------------------------- huge and overflow --------------------------- */

TEST_F(dev, alloc_beyond_span_efbig)
{
	const __u64 span = WSHEAP_SPAN;
	struct wsheap_create c;
	struct wsheap_info before, after;
	int ret;

	ASSERT_EQ(0, wsh_create(self->fd, UINT64_MAX, 0, 0, &c));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &before));
	EXPECT_EQ(UINT64_MAX, before.max_size);
	EXPECT_EQ(-EFBIG, wsh_alloc(self->fd, c.handle, span + 1, 0, NULL));
	EXPECT_EQ(-EFBIG, wsh_alloc(self->fd, c.handle, span * 2, 0, NULL));
	/* cursor 0: 0 + 2^64-1 does not overflow, it just ends beyond the span */
	EXPECT_EQ(-EFBIG, wsh_alloc(self->fd, c.handle, UINT64_MAX, 0, NULL));
	EXPECT_INFO_UNCHANGED(self->fd, c.handle, &before);

	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 1, 0, NULL));	/* cursor 1 */
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &before));
	/* offset 8, ends at span + 1 */
	EXPECT_EQ(-EFBIG, wsh_alloc(self->fd, c.handle, span - 7, 0, NULL));
	/* offset 4096, ends at span + 1 */
	EXPECT_EQ(-EFBIG, wsh_alloc(self->fd, c.handle, span - 4095, 4096, NULL));
	/* offset 8, ends at 2^64 - 1: no overflow, beyond the span */
	EXPECT_EQ(-EFBIG, wsh_alloc(self->fd, c.handle, UINT64_MAX - 8, 0, NULL));
	/* offset 1, ends at 2^64 - 1 */
	EXPECT_EQ(-EFBIG, wsh_alloc(self->fd, c.handle, UINT64_MAX - 1, 1, NULL));
	EXPECT_INFO_UNCHANGED(self->fd, c.handle, &before);

	/* Data ends where the status area starts. */
	EXPECT_EQ(-EFBIG, wsh_alloc(self->fd, c.handle,
				    WSHEAP_STATUS_OFFSET - 7, 0, NULL));
	/*
	 * Ending exactly at the status area is not EFBIG; committing ~1 TiB is
	 * over the default limits (total RAM), so EDQUOT/ENOMEM are fine too.
	 */
	ret = wsh_alloc(self->fd, c.handle, WSHEAP_STATUS_OFFSET - 8, 0, NULL);
	EXPECT_TRUE(ret == 0 || ret == -EDQUOT || ret == -ENOMEM)
		TH_LOG("block ending at the span: %d", ret);
	if (ret == 0) {
		ASSERT_EQ(0, wsh_info(self->fd, c.handle, &after));
		EXPECT_EQ(WSHEAP_STATUS_OFFSET, after.cursor);
		EXPECT_EQ(WSHEAP_STATUS_OFFSET, after.committed);
		EXPECT_EQ(-EFBIG, wsh_alloc(self->fd, c.handle, 1, 1, NULL));
		EXPECT_EQ(0, wsh_alloc(self->fd, c.handle, 0, 1, NULL));
	} else {
		EXPECT_INFO_UNCHANGED(self->fd, c.handle, &before);
	}
}

TEST_F(dev, alloc_overflow_eoverflow)
{
	struct wsheap_create c;
	struct wsheap_info before;
	int ret;

	ASSERT_EQ(0, wsh_create(self->fd, UINT64_MAX, UINT64_MAX, 0, &c));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 1, 0, NULL));	/* cursor 1 */
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &before));

	/*
	 * requested (1) + size stays within the quota (2^64 - 1) in all of
	 * these, but align_up(cursor) + size wraps.
	 */
	EXPECT_EQ(-EOVERFLOW, wsh_alloc(self->fd, c.handle, UINT64_MAX - 1, 0, NULL));
	EXPECT_EQ(-EOVERFLOW, wsh_alloc(self->fd, c.handle, UINT64_MAX - 7, 0, NULL));
	EXPECT_EQ(-EOVERFLOW, wsh_alloc(self->fd, c.handle, UINT64_MAX - 7, 8, NULL));
	EXPECT_EQ(-EOVERFLOW, wsh_alloc(self->fd, c.handle, UINT64_MAX - 4095, 4096, NULL));
	EXPECT_EQ(-EOVERFLOW, wsh_alloc(self->fd, c.handle, UINT64_MAX - 1,
					WSHEAP_MAX_ALIGN, NULL));
	/* 8 + (2^64 - 9) = 2^64 - 1: no wrap, so it is EFBIG, not EOVERFLOW. */
	EXPECT_EQ(-EFBIG, wsh_alloc(self->fd, c.handle, UINT64_MAX - 8, 0, NULL));

	/*
	 * size 2^64 - 1 with 1 byte requested: both the quota sum and the
	 * block end exceed 64 bits; docs/abi.md does not order ENOSPC and
	 * EOVERFLOW, accept either.
	 */
	ret = wsh_alloc(self->fd, c.handle, UINT64_MAX, 0, NULL);
	EXPECT_TRUE(ret == -EOVERFLOW || ret == -ENOSPC) TH_LOG("got %d", ret);

	EXPECT_INFO_UNCHANGED(self->fd, c.handle, &before);
}

/* -------------------------------- RESET --------------------------------- */

TEST_F(dev, reset_happy)
{
	struct wsheap_create c;
	struct wsheap_info i;
	__u64 off, gen;

	ASSERT_EQ(0, wsh_create(self->fd, 1 << 20, 0, 0, &c));
	ASSERT_EQ(0, wsh_alloc_gen(self->fd, c.handle, 100, 0, &off, &gen));
	EXPECT_EQ(0ULL, gen);
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 5000, 0, &off));
	EXPECT_EQ(104ULL, off);

	ASSERT_EQ(0, wsh_reset(self->fd, c.handle, &gen));
	EXPECT_EQ(1ULL, gen);
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(1ULL, i.generation);
	EXPECT_EQ(0ULL, i.requested);
	EXPECT_EQ(0ULL, i.cursor);
	EXPECT_EQ(0ULL, i.committed);	/* trim 0 */

	ASSERT_EQ(0, wsh_alloc_gen(self->fd, c.handle, 10, 0, &off, &gen));
	EXPECT_EQ(0ULL, off);
	EXPECT_EQ(1ULL, gen);

	ASSERT_EQ(0, wsh_reset(self->fd, c.handle, &gen));
	EXPECT_EQ(2ULL, gen);
	ASSERT_EQ(0, wsh_reset(self->fd, c.handle, &gen));	/* empty heap */
	EXPECT_EQ(3ULL, gen);
	ASSERT_EQ(0, wsh_alloc_gen(self->fd, c.handle, 1, 0, NULL, &gen));
	EXPECT_EQ(3ULL, gen);
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(3ULL, i.generation);
}

TEST_F(dev, reset_keeps_min_trim_committed)
{
	const __u64 ps = self->ps, before = 8 * ps;
	const __u64 trims[] = {
		0, 1, ps - 1, ps, ps + 1, 3 * ps + 5, 8 * ps - 1, 8 * ps,
		8 * ps + 1, 100 * ps, UINT64_MAX - ps + 2, UINT64_MAX,
	};
	unsigned int n;

	for (n = 0; n < sizeof(trims) / sizeof(trims[0]); n++) {
		__u64 t = trims[n], kept;
		struct wsheap_create c;
		struct wsheap_info i;

		/* page_align(t), without wrapping for t near 2^64 */
		kept = t > UINT64_MAX - (ps - 1) ? before : wsh_align_up(t, ps);
		if (kept > before)
			kept = before;

		ASSERT_EQ(0, wsh_create(self->fd, UINT64_MAX, t, 0, &c));
		ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, before - 3, 0, NULL));
		ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
		ASSERT_EQ(before, i.committed);

		ASSERT_EQ(0, wsh_reset(self->fd, c.handle, NULL));
		ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
		EXPECT_EQ(kept, i.committed) TH_LOG("trim %#llx", (unsigned long long)t);
		EXPECT_LE(i.resident, i.committed);

		/* A second reset keeps the same. */
		ASSERT_EQ(0, wsh_reset(self->fd, c.handle, NULL));
		ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
		EXPECT_EQ(kept, i.committed) TH_LOG("trim %#llx", (unsigned long long)t);
		EXPECT_EQ(2ULL, i.generation);

		/* A small alloc does not shrink what is committed. */
		ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 1, 0, NULL));
		ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
		EXPECT_EQ(kept > ps ? kept : ps, i.committed)
			TH_LOG("trim %#llx", (unsigned long long)t);

		ASSERT_EQ(0, wsh_destroy(self->fd, c.handle));
	}
}

TEST_F(dev, reset_unknown_flags_and_reserved)
{
	struct wsheap_create c;
	struct wsheap_info before;
	struct wsheap_reset r;
	int k;

	ASSERT_EQ(0, wsh_create(self->fd, 1 << 20, 0, 0, &c));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 100, 0, NULL));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &before));

	memset(&r, 0, sizeof(r));
	r.handle = c.handle;
	EXPECT_EINVAL_WITH(self->fd, WSHEAP_IOC_RESET, r, flags, 1);
	r.flags = 1U << 31;
	EXPECT_EQ(-EINVAL, wsh_ioctl(self->fd, WSHEAP_IOC_RESET, &r));
	for (k = 0; k < 2; k++) {
		memset(&r, 0, sizeof(r));
		r.handle = c.handle;
		r.reserved[k] = 1;
		EXPECT_EQ(-EINVAL, wsh_ioctl(self->fd, WSHEAP_IOC_RESET, &r))
			TH_LOG("reserved[%d]", k);
	}
	EXPECT_INFO_UNCHANGED(self->fd, c.handle, &before);
	EXPECT_EQ(0ULL, before.generation);	/* so none of them reset */
}

/* ABI 2's RESET reads its struct and writes nothing back. */
TEST_F(dev, reset_writes_nothing_back)
{
	const size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	struct wsheap_create c;
	struct wsheap_reset r;
	struct wsheap_info i;
	void *page;

	ASSERT_EQ(0, wsh_create(self->fd, 1 << 20, 0, 0, &c));
	memset(&r, 0, sizeof(r));
	r.handle = c.handle;
	r.generation = 0xa5a5;	/* ignored on input, left as it is */
	ASSERT_EQ(0, wsh_ioctl(self->fd, WSHEAP_IOC_RESET, &r));
	EXPECT_EQ(0xa5a5ULL, r.generation);
	/* So its struct may lie in read-only memory. */
	page = mmap(NULL, ps, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	r.generation = 0;
	memcpy(page, &r, sizeof(r));
	ASSERT_EQ(0, mprotect(page, ps, PROT_READ));
	EXPECT_EQ(0, wsh_ioctl(self->fd, WSHEAP_IOC_RESET, page));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(2ULL, i.generation);
	munmap(page, ps);
}

/* ABI 1's encoding is still accepted and writes the generation back. */
TEST_F(dev, reset_v0_writes_the_generation_back)
{
	struct wsheap_create c;
	__u64 gen = 0;

	ASSERT_EQ(0, wsh_create(self->fd, 1 << 20, 0, 0, &c));
	ASSERT_EQ(0, wsh_reset_v0(self->fd, c.handle, &gen));
	EXPECT_EQ(1ULL, gen);
	ASSERT_EQ(0, wsh_reset(self->fd, c.handle, &gen));
	EXPECT_EQ(2ULL, gen);
	ASSERT_EQ(0, wsh_reset_v0(self->fd, c.handle, &gen));
	EXPECT_EQ(3ULL, gen);
}

/* ------------------------------- DESTROY -------------------------------- */

TEST_F(dev, destroy_happy)
{
	struct wsheap_create a, b, k;
	struct wsheap_info i;

	ASSERT_EQ(0, wsh_create(self->fd, 1 << 20, 0, 0, &k));
	ASSERT_EQ(0, wsh_create(self->fd, 1 << 20, 0, 0, &a));
	ASSERT_EQ(0, wsh_alloc(self->fd, a.handle, 100, 0, NULL));
	ASSERT_EQ(0, wsh_alloc(self->fd, k.handle, 10, 0, NULL));

	ASSERT_EQ(0, wsh_destroy(self->fd, a.handle));
	EXPECT_EQ(-ENOENT, wsh_info(self->fd, a.handle, NULL));
	EXPECT_EQ(-ENOENT, wsh_alloc(self->fd, a.handle, 1, 0, NULL));
	EXPECT_EQ(-ENOENT, wsh_reset(self->fd, a.handle, NULL));
	EXPECT_EQ(-ENOENT, wsh_destroy(self->fd, a.handle));

	/* The other heap is untouched. */
	ASSERT_EQ(0, wsh_info(self->fd, k.handle, &i));
	EXPECT_EQ(10ULL, i.requested);

	/* Handles are not reused soon. */
	ASSERT_EQ(0, wsh_create(self->fd, 1 << 20, 0, 0, &b));
	EXPECT_NE(a.handle, b.handle);
	EXPECT_NE(k.handle, b.handle);
	EXPECT_EQ(-ENOENT, wsh_info(self->fd, a.handle, NULL));
	ASSERT_EQ(0, wsh_info(self->fd, b.handle, &i));
	EXPECT_EQ(0ULL, i.requested);
	EXPECT_EQ(0, wsh_destroy(self->fd, b.handle));
	EXPECT_EQ(0, wsh_destroy(self->fd, k.handle));
}

TEST_F(dev, destroy_unknown_flags_and_reserved)
{
	struct wsheap_destroy d;
	__u32 h;
	int k;

	ASSERT_EQ(0, new_heap(self->fd, &h));
	memset(&d, 0, sizeof(d));
	d.handle = h;
	EXPECT_EINVAL_WITH(self->fd, WSHEAP_IOC_DESTROY, d, flags, 1);
	d.flags = ~0U;
	EXPECT_EQ(-EINVAL, wsh_ioctl(self->fd, WSHEAP_IOC_DESTROY, &d));
	for (k = 0; k < 2; k++) {
		memset(&d, 0, sizeof(d));
		d.handle = h;
		d.reserved[k] = 1ULL << 32;
		EXPECT_EQ(-EINVAL, wsh_ioctl(self->fd, WSHEAP_IOC_DESTROY, &d))
			TH_LOG("reserved[%d]", k);
	}
	/* None of them destroyed it. */
	EXPECT_EQ(0, wsh_info(self->fd, h, NULL));
	EXPECT_EQ(0, wsh_destroy(self->fd, h));
}

/* --------------------------------- INFO --------------------------------- */

TEST_F(dev, info_reserved_nonzero)
{
	struct wsheap_info i;
	__u32 h;
	int k;

	ASSERT_EQ(0, new_heap(self->fd, &h));
	for (k = 0; k < 1; k++) {
		memset(&i, 0, sizeof(i));
		i.handle = h;
		i.reserved = 1;
		EXPECT_EQ(-EINVAL, wsh_ioctl(self->fd, WSHEAP_IOC_INFO, &i))
			TH_LOG("reserved[%d]", k);
	}
	EXPECT_EQ(0, wsh_info(self->fd, h, NULL));
}

#define CHECK_INFO(fd, h, _req, _com, _cur, _gen) do {			\
	struct wsheap_info __i;						\
	ASSERT_EQ(0, wsh_info(fd, h, &__i));				\
	EXPECT_EQ((__u32)(h), __i.handle);				\
	EXPECT_EQ((__u64)(_req), __i.requested);			\
	EXPECT_EQ((__u64)(_com), __i.committed);			\
	EXPECT_EQ((__u64)(_cur), __i.cursor);				\
	EXPECT_EQ((__u64)(_gen), __i.generation);			\
	EXPECT_LE(__i.resident, __i.committed);				\
	EXPECT_EQ(0ULL, __i.held);					\
	EXPECT_EQ(0ULL, __i.reserved);					\
} while (0)

TEST_F(dev, info_consistent_after_each_step)
{
	const __u64 ps = self->ps;
	struct wsheap_create c;
	struct wsheap_info i;
	__u64 off;

	ASSERT_EQ(0, wsh_create(self->fd, 10 * ps, ps + 1,
				WSHEAP_CREATE_ZERO_ON_RESET, &c));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ((__u32)WSHEAP_CREATE_ZERO_ON_RESET, i.flags);
	EXPECT_EQ(10 * ps, i.max_size);
	EXPECT_EQ(ps + 1, i.trim_size);
	EXPECT_EQ(0ULL, i.resident);
	CHECK_INFO(self->fd, c.handle, 0, 0, 0, 0);

	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 100, 0, &off));
	CHECK_INFO(self->fd, c.handle, 100, ps, 100, 0);
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(0ULL, i.resident);	/* nothing touched, no POPULATE */

	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 3 * ps, ps, &off));
	EXPECT_EQ(ps, off);
	CHECK_INFO(self->fd, c.handle, 100 + 3 * ps, 4 * ps, 4 * ps, 0);

	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 0, 2 * ps, &off));
	EXPECT_EQ(4 * ps, off);
	CHECK_INFO(self->fd, c.handle, 100 + 3 * ps, 4 * ps, 4 * ps, 0);

	ASSERT_EQ(0, wsh_reset(self->fd, c.handle, NULL));
	CHECK_INFO(self->fd, c.handle, 0, 2 * ps, 0, 1);

	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 1, 0, &off));
	EXPECT_EQ(0ULL, off);
	CHECK_INFO(self->fd, c.handle, 1, 2 * ps, 1, 1);

	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 2 * ps, 0, &off));
	EXPECT_EQ(8ULL, off);
	CHECK_INFO(self->fd, c.handle, 1 + 2 * ps, 3 * ps, 8 + 2 * ps, 1);

	/* The flags and sizes stay as created. */
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ((__u32)WSHEAP_CREATE_ZERO_ON_RESET, i.flags);
	EXPECT_EQ(10 * ps, i.max_size);
	EXPECT_EQ(ps + 1, i.trim_size);

	ASSERT_EQ(0, wsh_destroy(self->fd, c.handle));
	EXPECT_EQ(-ENOENT, wsh_info(self->fd, c.handle, NULL));
}

/* -------------------------------- handles -------------------------------- */

TEST_F(dev, bad_handles_enoent)
{
	struct wsheap_info before;
	__u32 h, gone, bad[5];
	int n;

	ASSERT_EQ(0, new_heap(self->fd, &h));
	ASSERT_EQ(0, new_heap(self->fd, &gone));
	ASSERT_EQ(0, wsh_destroy(self->fd, gone));
	ASSERT_EQ(0, wsh_alloc(self->fd, h, 10, 0, NULL));
	ASSERT_EQ(0, wsh_info(self->fd, h, &before));

	bad[0] = 0;
	bad[1] = gone;
	bad[2] = h + 1000;
	bad[3] = h ^ 0x40000000;
	bad[4] = 0xffffffff;
	for (n = 0; n < 5; n++) {
		if (bad[n] == h)
			continue;
		EXPECT_EQ(-ENOENT, wsh_alloc(self->fd, bad[n], 1, 0, NULL))
			TH_LOG("handle %#x", bad[n]);
		EXPECT_EQ(-ENOENT, wsh_alloc(self->fd, bad[n], 0, 0, NULL))
			TH_LOG("handle %#x", bad[n]);
		EXPECT_EQ(-ENOENT, wsh_reset(self->fd, bad[n], NULL))
			TH_LOG("handle %#x", bad[n]);
		EXPECT_EQ(-ENOENT, wsh_info(self->fd, bad[n], NULL))
			TH_LOG("handle %#x", bad[n]);
		EXPECT_EQ(-ENOENT, wsh_destroy(self->fd, bad[n]))
			TH_LOG("handle %#x", bad[n]);
	}
	EXPECT_INFO_UNCHANGED(self->fd, h, &before);
}

TEST_F(dev, other_context_handle_enoent)
{
	struct wsheap_info before;
	struct wsheap_create c1, c2, g;
	__u32 foreign;
	int fd2;

	ASSERT_EQ(0, wsh_create(self->fd, 1 << 20, 0, 0, &c1));
	ASSERT_EQ(0, wsh_create(self->fd, 1 << 20, 0, 0, &c2));
	ASSERT_EQ(0, wsh_alloc(self->fd, c1.handle, 10, 0, NULL));
	ASSERT_EQ(0, wsh_info(self->fd, c1.handle, &before));

	fd2 = wsh_open();
	ASSERT_LE(0, fd2);
	/* A context with no heaps knows no handle. */
	EXPECT_EQ(-ENOENT, wsh_info(fd2, c1.handle, NULL));
	EXPECT_EQ(-ENOENT, wsh_alloc(fd2, c1.handle, 1, 0, NULL));
	EXPECT_EQ(-ENOENT, wsh_reset(fd2, c1.handle, NULL));
	EXPECT_EQ(-ENOENT, wsh_destroy(fd2, c1.handle));

	/* With a heap of its own, still none of the first context's. */
	ASSERT_EQ(0, wsh_create(fd2, 1 << 20, 0, 0, &g));
	foreign = g.handle == c1.handle ? c2.handle : c1.handle;
	EXPECT_EQ(-ENOENT, wsh_info(fd2, foreign, NULL));
	EXPECT_EQ(-ENOENT, wsh_destroy(fd2, foreign));

	EXPECT_INFO_UNCHANGED(self->fd, c1.handle, &before);
	EXPECT_EQ(0, wsh_info(self->fd, c2.handle, NULL));
	close(fd2);
}

/* -------------------------- struct size handling ------------------------- */

TEST_F(dev, smaller_struct_einval)
{
	unsigned char buf[256] __attribute__((aligned(16)));
	int i, n;

	for (i = 0; i < C_NR; i++) {
		size_t full = wsh_cmds[i].size;
		const size_t sizes[] = { 0, 4, full - 8, full - 1 };
		__u32 h;

		ASSERT_EQ(0, new_heap(self->fd, &h));
		for (n = 0; n < 4; n++) {
			valid_arg(i, buf, sizeof(buf), h);
			EXPECT_EQ(-EINVAL, wsh_ioctl(self->fd, cmd_sized(i, sizes[n]), buf))
				TH_LOG("%s with size %zu", wsh_cmds[i].name, sizes[n]);
		}
		/* neither reset, allocated from, nor destroyed */
		EXPECT_EQ(0, wsh_info(self->fd, h, NULL)) TH_LOG("%s", wsh_cmds[i].name);
	}
}

/* Check that command @i with a valid argument did its job. */
static bool did_its_job(int i, int fd, const void *buf, __u32 h)
{
	union wsh_any_arg u;
	struct wsheap_info info;

	memcpy(&u, buf, wsh_cmds[i].size);
	switch (i) {
	case C_CREATE:
		return u.c.handle != 0 && u.c.mmap_span == WSHEAP_SPAN &&
		       wsh_info(fd, u.c.handle, NULL) == 0;
	case C_ALLOC:
		return wsh_info(fd, h, &info) == 0 && info.requested == 64 &&
		       u.a.offset == 0;
	case C_RESET:
		/* RESET writes nothing back (ABI 2): the heap tells. */
		return wsh_info(fd, h, &info) == 0 && info.generation == 1;
	case C_DESTROY:
		return wsh_info(fd, h, NULL) == -ENOENT;
	case C_INFO:
		return u.i.handle == h && u.i.max_size == 1 << 20;
	case C_VERSION:
		return u.v.abi == WSHEAP_ABI_VERSION && u.v.span == WSHEAP_SPAN;
	}
	return false;
}

TEST_F(dev, larger_struct_zero_tail_ok)
{
	static unsigned char buf[WSH_IOC_SIZE_MAX + 1] __attribute__((aligned(64)));
	int i, n;

	for (i = 0; i < C_NR; i++) {
		const size_t sizes[] = {
			wsh_cmds[i].size + 8, wsh_cmds[i].size + 64,
			wsh_cmds[i].size + 1, WSH_IOC_SIZE_MAX,
		};

		for (n = 0; n < 4; n++) {
			__u32 h;

			ASSERT_EQ(0, new_heap(self->fd, &h));
			valid_arg(i, buf, sizeof(buf), h);
			EXPECT_EQ(0, wsh_ioctl(self->fd, cmd_sized(i, sizes[n]), buf))
				TH_LOG("%s with size %zu", wsh_cmds[i].name, sizes[n]);
			EXPECT_TRUE(did_its_job(i, self->fd, buf, h))
				TH_LOG("%s with size %zu", wsh_cmds[i].name, sizes[n]);
		}
	}
}

TEST_F(dev, larger_struct_nonzero_tail_e2big)
{
	static unsigned char buf[WSH_IOC_SIZE_MAX + 1] __attribute__((aligned(64)));
	int i, n;

	for (i = 0; i < C_NR; i++) {
		size_t full = wsh_cmds[i].size;
		const struct { size_t size, at; } cases[] = {
			{ full + 8, full },
			{ full + 8, full + 7 },
			{ full + 1, full },
			{ full + 64, full + 33 },
			{ WSH_IOC_SIZE_MAX, WSH_IOC_SIZE_MAX - 1 },
		};

		/* VERSION (_IOR) copies nothing in, so it has no tail to check. */
		if (i == C_VERSION)
			continue;
		for (n = 0; n < 5; n++) {
			struct wsheap_info before, after;
			__u32 h;

			ASSERT_EQ(0, new_heap(self->fd, &h));
			ASSERT_EQ(0, wsh_info(self->fd, h, &before));
			valid_arg(i, buf, sizeof(buf), h);
			buf[cases[n].at] = 0x01;
			EXPECT_EQ(-E2BIG, wsh_ioctl(self->fd, cmd_sized(i, cases[n].size), buf))
				TH_LOG("%s with size %zu, byte %zu set", wsh_cmds[i].name,
				       cases[n].size, cases[n].at);
			after = wsh_info_or_junk(self->fd, h);
			EXPECT_TRUE(wsh_info_same(&before, &after))
				TH_LOG("%s changed the heap", wsh_cmds[i].name);
		}
	}
}

/* ------------------------------- ENOTTY --------------------------------- */

TEST_F(dev, unknown_command_enotty)
{
	unsigned char buf[256] __attribute__((aligned(16)));
	static const unsigned int nrs[] = { 0x0a, 0x0b, 0x10, 0x3f, 0x80, 0xff };
	unsigned int n, dir;
	struct termios t;

	for (n = 0; n < sizeof(nrs) / sizeof(nrs[0]); n++) {
		for (dir = 0; dir < 4; dir++) {
			memset(buf, 0, sizeof(buf));
			EXPECT_EQ(-ENOTTY, wsh_ioctl(self->fd,
				_IOC(dir, WSHEAP_IOC_MAGIC, nrs[n], 64), buf))
				TH_LOG("nr %#x dir %u", nrs[n], dir);
			EXPECT_EQ(-ENOTTY, wsh_ioctl(self->fd,
				_IOC(dir, WSHEAP_IOC_MAGIC, nrs[n], sizeof(struct wsheap_info)), buf))
				TH_LOG("nr %#x dir %u", nrs[n], dir);
		}
	}
	EXPECT_EQ(-ENOTTY, wsh_ioctl(self->fd, TCGETS, &t));
	EXPECT_EQ(-ENOTTY, wsh_ioctl(self->fd, 0, buf));
}

TEST_F(dev, wrong_magic_enotty)
{
	unsigned char buf[256] __attribute__((aligned(16)));
	static const unsigned int magics[] = { 0x00, 0xb8, 0xba, 0xff };
	unsigned int m;
	int i;

	for (i = 0; i < C_NR; i++) {
		for (m = 0; m < sizeof(magics) / sizeof(magics[0]); m++) {
			__u32 h;

			ASSERT_EQ(0, new_heap(self->fd, &h));
			valid_arg(i, buf, sizeof(buf), h);
			EXPECT_EQ(-ENOTTY, wsh_ioctl(self->fd,
				cmd_with(i, _IOC_DIR(wsh_cmds[i].cmd), magics[m],
					 wsh_cmds[i].size), buf))
				TH_LOG("%s with magic %#x", wsh_cmds[i].name, magics[m]);
			EXPECT_EQ(0, wsh_info(self->fd, h, NULL));
		}
	}
}

TEST_F(dev, wrong_direction_enotty)
{
	unsigned char buf[256] __attribute__((aligned(16)));
	unsigned int dir;
	int i;

	for (i = 0; i < C_NR; i++) {
		for (dir = 0; dir < 4; dir++) {
			struct wsheap_info before;
			__u32 h;

			/* RESET's ABI 1 encoding, _IOWR, is still accepted. */
			if (dir == _IOC_DIR(wsh_cmds[i].cmd) ||
			    (i == C_RESET && dir == (_IOC_READ | _IOC_WRITE)))
				continue;
			ASSERT_EQ(0, new_heap(self->fd, &h));
			ASSERT_EQ(0, wsh_info(self->fd, h, &before));
			valid_arg(i, buf, sizeof(buf), h);
			EXPECT_EQ(-ENOTTY, wsh_ioctl(self->fd,
				cmd_with(i, dir, WSHEAP_IOC_MAGIC, wsh_cmds[i].size), buf))
				TH_LOG("%s with direction %u", wsh_cmds[i].name, dir);
			EXPECT_INFO_UNCHANGED(self->fd, h, &before);
		}
	}
}

/* -------------------------------- EFAULT -------------------------------- */

TEST_F(dev, null_pointer_efault)
{
	int i;

	for (i = 0; i < C_NR; i++) {
		EXPECT_EQ(-EFAULT, wsh_ioctl(self->fd, wsh_cmds[i].cmd, NULL))
			TH_LOG("%s", wsh_cmds[i].name);
		EXPECT_EQ(-EFAULT, wsh_ioctl(self->fd,
					     cmd_sized(i, wsh_cmds[i].size + 8), NULL))
			TH_LOG("%s, larger", wsh_cmds[i].name);
	}
}

TEST_F(dev, bad_pointer_efault)
{
	const size_t ps = self->ps;
	unsigned char *area;
	int i;

	/* One read-write page followed by an inaccessible one. */
	area = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	ASSERT_EQ(0, mprotect(area + ps, ps, PROT_NONE));

	for (i = 0; i < C_NR; i++) {
		size_t size = wsh_cmds[i].size;
		struct wsheap_info before, after;
		unsigned char *p;
		__u32 h;

		ASSERT_EQ(0, new_heap(self->fd, &h));
		ASSERT_EQ(0, wsh_info(self->fd, h, &before));

		/* in the inaccessible page */
		EXPECT_EQ(-EFAULT, wsh_ioctl(self->fd, wsh_cmds[i].cmd, area + ps))
			TH_LOG("%s: PROT_NONE", wsh_cmds[i].name);
		/* a kernel address */
		EXPECT_EQ(-EFAULT, wsh_ioctl(self->fd, wsh_cmds[i].cmd,
					     (void *)(~0UL - 4095)))
			TH_LOG("%s: kernel address", wsh_cmds[i].name);
		/* straddling into the inaccessible page */
		p = area + ps - size / 2;
		valid_arg(i, p, size / 2, h);
		EXPECT_EQ(-EFAULT, wsh_ioctl(self->fd, wsh_cmds[i].cmd, p))
			TH_LOG("%s: straddling", wsh_cmds[i].name);
		/*
		 * The struct fits, the (larger) command's tail does not: the
		 * kernel reads that tail (to check it is zero) for commands that
		 * copy in; VERSION only writes what it knows, so never faults.
		 */
		p = area + ps - size;
		valid_arg(i, p, size, h);
		if (i != C_VERSION)
			EXPECT_EQ(-EFAULT, wsh_ioctl(self->fd, cmd_sized(i, size + 16), p))
				TH_LOG("%s: tail in PROT_NONE", wsh_cmds[i].name);

		after = wsh_info_or_junk(self->fd, h);
		EXPECT_TRUE(wsh_info_same(&before, &after))
			TH_LOG("%s changed the heap", wsh_cmds[i].name);
	}
	munmap(area, 2 * ps);
}

/* @cmd with its argument (@size bytes at @arg) in the read-only page @page. */
static int ioctl_read_only_arg(int fd, unsigned long cmd, unsigned char *page,
			       size_t ps, const void *arg, size_t size)
{
	if (mprotect(page, ps, PROT_READ | PROT_WRITE))
		return -errno;
	memcpy(page, arg, size);
	if (mprotect(page, ps, PROT_READ))
		return -errno;
	return wsh_ioctl(fd, cmd, page);
}

TEST_F(dev, efault_on_copy_out_changes_nothing)
{
	const size_t ps = self->ps;
	struct wsheap_info before, after;
	struct wsheap_version v = { 0 };
	struct wsheap_alloc a = { .size = 100 };
	struct wsheap_reset r = { 0 };
	struct wsheap_info qi = { 0 };
	unsigned char *page;
	__u32 h;

	page = mmap(NULL, ps, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, new_heap(self->fd, &h));
	ASSERT_EQ(0, wsh_alloc(self->fd, h, 10, 0, NULL));
	ASSERT_EQ(0, wsh_info(self->fd, h, &before));
	a.handle = r.handle = qi.handle = h;

	/* ALLOC from a read-only struct: readable, but the result can't land. */
	EXPECT_EQ(-EFAULT, ioctl_read_only_arg(self->fd, WSHEAP_IOC_ALLOC, page,
					       ps, &a, sizeof(a)));
	after = wsh_info_or_junk(self->fd, h);
	EXPECT_TRUE(wsh_info_same(&before, &after)) TH_LOG("ALLOC took effect");

	/* ABI 1's RESET writes back, so likewise */
	EXPECT_EQ(-EFAULT, ioctl_read_only_arg(self->fd, WSHEAP_IOC_RESET_V0,
					       page, ps, &r, sizeof(r)));
	after = wsh_info_or_junk(self->fd, h);
	EXPECT_TRUE(wsh_info_same(&before, &after)) TH_LOG("RESET took effect");

	/* INFO and VERSION have nowhere to write */
	EXPECT_EQ(-EFAULT, ioctl_read_only_arg(self->fd, WSHEAP_IOC_INFO, page,
					       ps, &qi, sizeof(qi)));
	EXPECT_EQ(-EFAULT, ioctl_read_only_arg(self->fd, WSHEAP_IOC_VERSION,
					       page, ps, &v, sizeof(v)));

	/* and the heap still works normally */
	EXPECT_EQ(0, wsh_alloc(self->fd, h, 100, 0, NULL));
	munmap(page, ps);
}

TEST_F(dev, failed_call_copies_nothing_back)
{
	struct wsheap_create c;
	struct wsheap_alloc a;
	struct wsheap_reset r;
	__u32 h;

	/* CREATE with an unknown flag */
	memset(&c, 0, sizeof(c));
	c.max_size = 4096;
	c.flags = 1U << 30;
	c.handle = 0xdeadbeef;
	c.mmap_offset = 0x1234000;
	c.mmap_span = 77;
	EXPECT_EQ(-EINVAL, wsh_ioctl(self->fd, WSHEAP_IOC_CREATE, &c));
	EXPECT_EQ(0xdeadbeefU, c.handle);
	EXPECT_EQ(0x1234000ULL, c.mmap_offset);
	EXPECT_EQ(77ULL, c.mmap_span);

	/* ALLOC over the quota */
	ASSERT_EQ(0, wsh_create(self->fd, 10, 0, 0, &c));
	h = c.handle;
	ASSERT_EQ(0, wsh_alloc(self->fd, h, 4, 0, NULL));
	memset(&a, 0, sizeof(a));
	a.handle = h;
	a.size = 7;
	a.offset = 0x5555;
	a.generation = 0x6666;
	EXPECT_EQ(-ENOSPC, wsh_ioctl(self->fd, WSHEAP_IOC_ALLOC, &a));
	EXPECT_EQ(0x5555ULL, a.offset);
	EXPECT_EQ(0x6666ULL, a.generation);
	EXPECT_EQ(7ULL, a.size);

	/* RESET of an unknown handle */
	memset(&r, 0, sizeof(r));
	r.handle = h + 777;
	r.generation = 0x7777;
	EXPECT_EQ(-ENOENT, wsh_ioctl(self->fd, WSHEAP_IOC_RESET, &r));
	EXPECT_EQ(0x7777ULL, r.generation);
}

TEST_HARNESS_MAIN
