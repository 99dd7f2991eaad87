// SPDX-License-Identifier: GPL-2.0
/*
 * WSHEAP_HEAP_POPULATE (issue 12): a populated heap's blocks are mapped
 * when the library takes them, so the program's own stores take no fault.
 * What the page table holds is read from /proc/self/pagemap (bit 63: the
 * page is present), before anything touches the memory.
 */
#include "wsheap_test.h"

/* How many of the @len bytes at @p have a present PTE; -1 on error. */
static long present_pages(const void *p, size_t len)
{
	uint64_t pg = page_size(), first = (uintptr_t)p / pg, n = len / pg, i;
	uint64_t e;
	long count = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (pread(fd, &e, sizeof(e), (off_t)((first + i) * 8)) !=
		    (ssize_t)sizeof(e)) {
			count = -1;
			break;
		}
		count += (long)(e >> 63);
	}
	close(fd);
	return count;
}

FIXTURE(pop) {
	struct wsheap *h;
};

FIXTURE_VARIANT(pop) {
	unsigned int flags;
	bool mapped;	/* every page present before the first store */
};

FIXTURE_VARIANT_ADD(pop, populate) {
	.flags = WSHEAP_HEAP_POPULATE,
	.mapped = true,
};

FIXTURE_VARIANT_ADD(pop, populate_zero_on_reset) {
	.flags = WSHEAP_HEAP_POPULATE | WSHEAP_HEAP_ZERO_ON_RESET,
	.mapped = true,
};

/* the control: a lazy heap's pages come with the first touch */
FIXTURE_VARIANT_ADD(pop, lazy) {
	.flags = 0,
	.mapped = false,
};

FIXTURE_SETUP(pop)
{
	self->h = NULL;
	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, variant->flags,
				   &self->h));
}

FIXTURE_TEARDOWN(pop)
{
	if (self->h)
		wsheap_free(self->h);
}

/* A block of 4 MiB (one allocation larger than the first block). */
TEST_F(pop, a_new_block_is_mapped_before_the_first_store)
{
	const size_t len = 4 << 20;
	long n = len / page_size();
	char *p;

	ASSERT_EQ(0, wsheap_alloc_aligned(self->h, len, page_size(),
					  (void **)&p));
	EXPECT_EQ(variant->mapped ? n : 0, present_pages(p, len));
	memset(p, 0x5a, len);
	EXPECT_EQ(n, present_pages(p, len));
	EXPECT_EQ(0x5a, p[len - 1]);
}

/* Small allocations: the block they come from is mapped whole. */
TEST_F(pop, small_allocations_land_on_mapped_pages)
{
	char *p;
	int i;

	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(0, wsheap_alloc(self->h, 64, (void **)&p));
		if (variant->mapped)
			ASSERT_EQ(1, present_pages((void *)((uintptr_t)p &
					~(uintptr_t)(page_size() - 1)),
					page_size()));
		memset(p, i, 64);
	}
}

/* After a reset that gives pages back, the next generation's are mapped too. */
TEST_F(pop, the_next_generation_is_mapped_again)
{
	const size_t len = 2 << 20;
	char *p;

	ASSERT_EQ(0, wsheap_alloc_aligned(self->h, len, page_size(),
					  (void **)&p));
	memset(p, 1, len);
	ASSERT_EQ(0, wsheap_reset(self->h));	/* trim 0: everything goes */
	ASSERT_EQ(0, wsheap_alloc_aligned(self->h, len, page_size(),
					  (void **)&p));
	if (variant->mapped)
		EXPECT_EQ((long)(len / page_size()), present_pages(p, len));
	EXPECT_EQ(0, p[0]);
	EXPECT_EQ(0, p[len - 1]);
}

TEST_HARNESS_MAIN
