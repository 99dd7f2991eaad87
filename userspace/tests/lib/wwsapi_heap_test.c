// SPDX-License-Identifier: GPL-2.0
/*
 * <webservices.h> heaps: WsCreateHeap, WsAlloc, WsResetHeap, WsFreeHeap,
 * WsGetHeapProperty, against the Windows contract (shared/reference/
 * wwsapi.md), and the error strings heap functions add on failure.
 */
#include <webservices.h>
#include "wsheap_test.h"
#include "../support/wsh_scale.h"

DEFINE_SLOW_FIXTURE(slow)

static SIZE_T prop(WS_HEAP *h, WS_HEAP_PROPERTY_ID id)
{
	SIZE_T v = (SIZE_T)0xdeadbeef;

	if (WsGetHeapProperty(h, id, &v, sizeof(v), NULL) != S_OK)
		return (SIZE_T)-1;
	return v;
}

#define REQUESTED(h)	prop((h), WS_HEAP_PROPERTY_REQUESTED_SIZE)
#define ACTUAL(h)	prop((h), WS_HEAP_PROPERTY_ACTUAL_SIZE)

/* ---- types and constants ------------------------------------------------- */

TEST(types_and_constants)
{
	HRESULT hr;

	EXPECT_EQ(4, (int)sizeof(HRESULT));
	EXPECT_TRUE((HRESULT)-1 < 0);
	EXPECT_EQ(4, (int)sizeof(ULONG));
	EXPECT_EQ(2, (int)sizeof(WCHAR));
	EXPECT_EQ(2, (int)sizeof(LANGID));
	EXPECT_EQ(sizeof(size_t), sizeof(SIZE_T));
	EXPECT_EQ(0, S_OK);
	EXPECT_EQ((int32_t)0x80070057, E_INVALIDARG);
	EXPECT_EQ((int32_t)0x8007000E, E_OUTOFMEMORY);
	EXPECT_EQ((int32_t)0x803D0000, WS_E_INVALID_FORMAT);
	EXPECT_EQ((int32_t)0x803D0001, WS_E_OBJECT_FAULTED);
	EXPECT_EQ((int32_t)0x803D0002, WS_E_NUMERIC_OVERFLOW);
	EXPECT_EQ((int32_t)0x803D0003, WS_E_INVALID_OPERATION);
	EXPECT_EQ((int32_t)0x803D0004, WS_E_OPERATION_ABORTED);
	EXPECT_EQ((int32_t)0x803D0008, WS_E_QUOTA_EXCEEDED);
	EXPECT_EQ((int32_t)0x803D0017, WS_E_NOT_SUPPORTED);
	EXPECT_EQ((int32_t)0x803D0021, WS_E_OTHER);
	EXPECT_EQ((int32_t)0x803D0023, WS_E_SECURITY_SYSTEM_FAILURE);
	EXPECT_EQ(0, (int)WS_HEAP_PROPERTY_MAX_SIZE);
	EXPECT_EQ(1, (int)WS_HEAP_PROPERTY_TRIM_SIZE);
	EXPECT_EQ(2, (int)WS_HEAP_PROPERTY_REQUESTED_SIZE);
	EXPECT_EQ(3, (int)WS_HEAP_PROPERTY_ACTUAL_SIZE);
	EXPECT_EQ(0, (int)WS_ERROR_PROPERTY_STRING_COUNT);
	EXPECT_EQ(1, (int)WS_ERROR_PROPERTY_ORIGINAL_ERROR_CODE);
	EXPECT_EQ(2, (int)WS_ERROR_PROPERTY_LANGID);
	hr = E_INVALIDARG;
	EXPECT_TRUE(FAILED(hr));
	EXPECT_FALSE(SUCCEEDED(hr));
	EXPECT_TRUE(SUCCEEDED(S_OK));
	EXPECT_TRUE(SUCCEEDED(S_FALSE));
	EXPECT_EQ(0x0409, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US));
}

/* Windows-style code with SAL annotations compiles unchanged. */
static HRESULT sal_user(_In_ WS_HEAP *heap, _In_ SIZE_T size,
			_Outptr_result_bytebuffer_(size) void **out,
			_In_opt_ WS_ERROR *error)
{
	HRESULT hr = WsAlloc(heap, size, out, error);

	if (FAILED(hr))
		return hr;
	return S_OK;
}

TEST(sal_annotated_caller)
{
	WS_HEAP *h = NULL;
	void *p = NULL;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(1024, 0, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, sal_user(h, 10, &p, NULL));
	EXPECT_NE(NULL, p);
	WsFreeHeap(h);
}

/* ---- WsCreateHeap ---------------------------------------------------------- */

TEST(create_null_out_pointer)
{
	EXPECT_EQ(E_INVALIDARG, WsCreateHeap(0, 0, NULL, 0, NULL, NULL));
	EXPECT_EQ(E_INVALIDARG, WsCreateHeap(1 << 16, 1 << 6, NULL, 0, NULL, NULL));
}

TEST(create_property_count_not_zero)
{
	WS_HEAP *h = (WS_HEAP *)0x1;
	WS_HEAP_PROPERTY p;
	SIZE_T max = 1 << 16;

	p.id = WS_HEAP_PROPERTY_MAX_SIZE;
	p.value = &max;
	p.valueSize = sizeof(max);
	/* Even a valid property is rejected: they are reserved. */
	EXPECT_EQ(E_INVALIDARG, WsCreateHeap(1 << 16, 1 << 6, &p, 1, &h, NULL));
	EXPECT_EQ(E_INVALIDARG, WsCreateHeap(1 << 16, 1 << 6, NULL, 1, &h, NULL));
	EXPECT_EQ((WS_HEAP *)0x1, h);
}

TEST(create_properties_ignored_with_count_zero)
{
	WS_HEAP_PROPERTY p = { (WS_HEAP_PROPERTY_ID)99, NULL, 3 };
	WS_HEAP *h = NULL;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(100, 0, &p, 0, &h, NULL));
	ASSERT_NE(NULL, h);
	WsFreeHeap(h);
}

TEST(create_any_max_size)
{
	SIZE_T sizes[] = { 0, 1, 1 << 16, SIZE_MAX / 2, SIZE_MAX };
	WS_HEAP *h;
	size_t i;

	NEED_DEV();
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		h = NULL;
		ASSERT_EQ(S_OK, WsCreateHeap(sizes[i], sizes[i], NULL, 0, &h, NULL));
		ASSERT_NE(NULL, h);
		EXPECT_EQ(sizes[i], prop(h, WS_HEAP_PROPERTY_MAX_SIZE));
		EXPECT_EQ(sizes[i], prop(h, WS_HEAP_PROPERTY_TRIM_SIZE));
		WsFreeHeap(h);
	}
}

TEST(fresh_heap_requested_and_actual_zero)
{
	WS_HEAP *h;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(1 << 16, 1 << 6, NULL, 0, &h, NULL));
	EXPECT_EQ((SIZE_T)1 << 16, prop(h, WS_HEAP_PROPERTY_MAX_SIZE));
	EXPECT_EQ((SIZE_T)1 << 6, prop(h, WS_HEAP_PROPERTY_TRIM_SIZE));
	EXPECT_EQ((SIZE_T)0, REQUESTED(h));
	EXPECT_EQ((SIZE_T)0, ACTUAL(h));
	WsFreeHeap(h);
}

TEST_F_TIMEOUT(slow, heaps_1000_at_once, 120)
{
	WS_HEAP *h[1000];
	void *p[1000];
	int i, n = (int)wsh_scaled(1000);

	NEED_DEV();
	for (i = 0; i < n; i++) {
		ASSERT_EQ(S_OK, WsCreateHeap(4096, 0, NULL, 0, &h[i], NULL)) TH_LOG("heap %d", i);
		ASSERT_EQ(S_OK, WsAlloc(h[i], 100, &p[i], NULL));
		pattern_fill(p[i], 100, (uint32_t)i);
	}
	for (i = 0; i < n; i++) {
		ASSERT_TRUE(pattern_ok(p[i], 100, (uint32_t)i));
		EXPECT_EQ((SIZE_T)128, ACTUAL(h[i]));
		WsFreeHeap(h[i]);
	}
}

/* ---- WsGetHeapProperty ----------------------------------------------------- */

TEST(property_null_heap_or_value)
{
	WS_HEAP *h;
	SIZE_T v = 7;

	EXPECT_EQ(E_INVALIDARG, WsGetHeapProperty(NULL, WS_HEAP_PROPERTY_MAX_SIZE, &v, sizeof(v), NULL));
	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(100, 0, NULL, 0, &h, NULL));
	EXPECT_EQ(E_INVALIDARG, WsGetHeapProperty(h, WS_HEAP_PROPERTY_MAX_SIZE, NULL, sizeof(v), NULL));
	EXPECT_EQ(E_INVALIDARG, WsGetHeapProperty(h, WS_HEAP_PROPERTY_ACTUAL_SIZE, NULL, sizeof(v), NULL));
	EXPECT_EQ((SIZE_T)7, v);
	WsFreeHeap(h);
}

TEST(property_unknown_id_leaves_output)
{
	WS_HEAP *h;
	SIZE_T v = 0xdeadbeef;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(1 << 16, 1 << 6, NULL, 0, &h, NULL));
	EXPECT_EQ(E_INVALIDARG, WsGetHeapProperty(h, (WS_HEAP_PROPERTY_ID)(WS_HEAP_PROPERTY_ACTUAL_SIZE + 1),
						  &v, sizeof(v), NULL));
	EXPECT_EQ(E_INVALIDARG, WsGetHeapProperty(h, (WS_HEAP_PROPERTY_ID)-1, &v, sizeof(v), NULL));
	EXPECT_EQ((SIZE_T)0xdeadbeef, v);
	WsFreeHeap(h);
}

TEST(property_wrong_sizes_leave_output)
{
	ULONG sizes[] = { 0, 1, 4, 7, 9, 16 };
	unsigned char buf[16];
	WS_HEAP *h;
	size_t i;
	int id, k;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(1 << 16, 1 << 6, NULL, 0, &h, NULL));
	for (id = 0; id <= 3; id++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			memset(buf, 0xcc, sizeof(buf));
			EXPECT_EQ(E_INVALIDARG, WsGetHeapProperty(h, (WS_HEAP_PROPERTY_ID)id, buf,
								  sizes[i], NULL))
				TH_LOG("id %d size %u", id, sizes[i]);
			for (k = 0; k < 16; k++)
				ASSERT_EQ(0xcc, buf[k]);
		}
	}
	WsFreeHeap(h);
}

TEST(properties_survive_reset)
{
	WS_HEAP *h;
	void *p;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(1 << 16, 1 << 6, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 1000, &p, NULL));
	ASSERT_EQ(S_OK, WsResetHeap(h, NULL));
	EXPECT_EQ((SIZE_T)1 << 16, prop(h, WS_HEAP_PROPERTY_MAX_SIZE));
	EXPECT_EQ((SIZE_T)1 << 6, prop(h, WS_HEAP_PROPERTY_TRIM_SIZE));
	EXPECT_EQ((SIZE_T)0, REQUESTED(h));
	WsFreeHeap(h);
}

/* ---- WsAlloc ------------------------------------------------------------------ */

TEST(alloc_null_heap_or_ptr)
{
	void *p = (void *)0x1;
	WS_HEAP *h;

	EXPECT_EQ(E_INVALIDARG, WsAlloc(NULL, 16, &p, NULL));
	EXPECT_EQ((void *)0x1, p);
	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(100, 0, NULL, 0, &h, NULL));
	EXPECT_EQ(E_INVALIDARG, WsAlloc(h, 16, NULL, NULL));
	EXPECT_EQ((SIZE_T)0, REQUESTED(h));
	WsFreeHeap(h);
}

TEST(alloc_size_zero)
{
	WS_HEAP *h;
	void *p = NULL;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(0, 0, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 0, &p, NULL));
	EXPECT_NE(NULL, p);
	EXPECT_EQ((SIZE_T)0, REQUESTED(h));
	EXPECT_EQ(WS_E_QUOTA_EXCEEDED, WsAlloc(h, 1, &p, NULL));
	WsFreeHeap(h);
}

TEST(alloc_8_byte_aligned)
{
	struct range r[100];
	WS_HEAP *h;
	void *p;
	int i;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(SIZE_MAX, 0, NULL, 0, &h, NULL));
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(S_OK, WsAlloc(h, (SIZE_T)(i % 13 + 1), &p, NULL));
		EXPECT_EQ(U64(0), (uintptr_t)p % 8) TH_LOG("size %d", i % 13 + 1);
		r[i].start = (uintptr_t)p;
		r[i].len = (size_t)(i % 13 + 1);
		memset(p, i, r[i].len);
	}
	EXPECT_EQ(0, ranges_overlap(r, 100));
	WsFreeHeap(h);
}

TEST(alloc_memory_is_writable_and_stable)
{
	WS_HEAP *h;
	char *a, *b;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(1 << 20, 0, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 100, (void **)&a, NULL));
	strcpy(a, "first");
	ASSERT_EQ(S_OK, WsAlloc(h, 500000, (void **)&b, NULL));
	memset(b, 'x', 500000);
	EXPECT_STREQ("first", a);
	WsFreeHeap(h);
}

TEST(alloc_big_and_out_of_memory)
{
	WS_ERROR *e;
	WS_HEAP *h;
	void *p = (void *)0x1;
	char *big;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	ASSERT_EQ(S_OK, WsCreateHeap(SIZE_MAX, 0, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, (SIZE_T)256 << 20, (void **)&big, e));
	big[0] = 1;
	big[((SIZE_T)256 << 20) - 1] = 2;
	EXPECT_EQ(0U, string_count(e));
	/* Within the quota (SIZE_MAX) but impossible: out of memory. */
	EXPECT_EQ(E_OUTOFMEMORY, WsAlloc(h, SIZE_MAX - ((SIZE_T)256 << 20), &p, e));
	EXPECT_EQ((void *)0x1, p);
	EXPECT_EQ(1U, string_count(e));
	TH_LOG("error string: %s", error_text(e, 0));
	EXPECT_EQ((SIZE_T)256 << 20, REQUESTED(h));
	WsFreeHeap(h);
	WsFreeError(e);
}

/* ---- quota ------------------------------------------------------------------- */

TEST(quota_exactly_full)
{
	WS_HEAP *h;
	void *p;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(100, 0, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 30, &p, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 70, &p, NULL));	/* the exact remainder */
	EXPECT_EQ((SIZE_T)100, REQUESTED(h));
	EXPECT_EQ(WS_E_QUOTA_EXCEEDED, WsAlloc(h, 1, &p, NULL));
	EXPECT_EQ(S_OK, WsAlloc(h, 0, &p, NULL));
	WsFreeHeap(h);
}

TEST(quota_one_byte_over)
{
	WS_HEAP *h;
	void *p, *keep = (void *)0x1;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(100, 0, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 50, &p, NULL));
	p = keep;
	EXPECT_EQ(WS_E_QUOTA_EXCEEDED, WsAlloc(h, 51, &p, NULL));
	EXPECT_EQ(keep, p);	/* written only on success */
	EXPECT_EQ(WS_E_QUOTA_EXCEEDED, WsAlloc(h, 101, &p, NULL));
	EXPECT_EQ(S_OK, WsAlloc(h, 50, &p, NULL));
	WsFreeHeap(h);
}

TEST(quota_failed_request_consumes_nothing)
{
	WS_HEAP *h;
	void *p;
	int i;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(64, 0, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 16, &p, NULL));
	for (i = 0; i < 20; i++)
		EXPECT_EQ(WS_E_QUOTA_EXCEEDED, WsAlloc(h, 49, &p, NULL));
	EXPECT_EQ((SIZE_T)16, REQUESTED(h));
	EXPECT_EQ((SIZE_T)128, ACTUAL(h));
	EXPECT_EQ(S_OK, WsAlloc(h, 48, &p, NULL));
	EXPECT_EQ((SIZE_T)64, REQUESTED(h));
	WsFreeHeap(h);
}

TEST(quota_bounds_requested_not_rounded_sizes)
{
	WS_HEAP *h;
	void *p;
	int i;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(10, 0, NULL, 0, &h, NULL));
	for (i = 0; i < 10; i++)
		ASSERT_EQ(S_OK, WsAlloc(h, 1, &p, NULL));
	EXPECT_EQ((SIZE_T)10, REQUESTED(h));
	EXPECT_EQ((SIZE_T)128, ACTUAL(h));	/* 10 x 8 rounded bytes */
	EXPECT_EQ(WS_E_QUOTA_EXCEEDED, WsAlloc(h, 1, &p, NULL));
	WsFreeHeap(h);
}

TEST(quota_zero_max_size)
{
	WS_HEAP *h;
	void *p;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(0, 0, NULL, 0, &h, NULL));
	EXPECT_EQ(WS_E_QUOTA_EXCEEDED, WsAlloc(h, 1, &p, NULL));
	EXPECT_EQ(WS_E_QUOTA_EXCEEDED, WsAlloc(h, SIZE_MAX, &p, NULL));
	EXPECT_EQ(S_OK, WsAlloc(h, 0, &p, NULL));
	WsFreeHeap(h);
}

TEST(quota_restored_by_reset)
{
	WS_HEAP *h;
	void *p;
	int i;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(1000, 0, NULL, 0, &h, NULL));
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(S_OK, WsAlloc(h, 1000, &p, NULL));
		EXPECT_EQ(WS_E_QUOTA_EXCEEDED, WsAlloc(h, 1, &p, NULL));
		ASSERT_EQ(S_OK, WsResetHeap(h, NULL));
		EXPECT_EQ((SIZE_T)0, REQUESTED(h));
	}
	WsFreeHeap(h);
}

/* ---- REQUESTED and ACTUAL --------------------------------------------------------- */

TEST(requested_is_the_sum_of_sizes)
{
	WS_HEAP *h;
	void *p;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(SIZE_MAX, 0, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 1, &p, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 2, &p, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 3, &p, NULL));
	EXPECT_EQ((SIZE_T)6, REQUESTED(h));
	ASSERT_EQ(S_OK, WsAlloc(h, 1000, &p, NULL));
	EXPECT_EQ((SIZE_T)1006, REQUESTED(h));
	WsFreeHeap(h);
}

TEST(actual_16_bytes_is_128)
{
	WS_HEAP *h;
	void *p;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(1 << 16, 1 << 6, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 16, &p, NULL));
	EXPECT_EQ((SIZE_T)16, REQUESTED(h));
	EXPECT_EQ((SIZE_T)128, ACTUAL(h));
	WsFreeHeap(h);
}

TEST(actual_128_bytes_is_128)
{
	WS_HEAP *h;
	void *p;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(1 << 16, 1 << 6, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 128, &p, NULL));
	EXPECT_EQ((SIZE_T)128, REQUESTED(h));
	EXPECT_EQ((SIZE_T)128, ACTUAL(h));
	WsFreeHeap(h);
}

TEST(actual_128_plus_1_is_384)
{
	WS_HEAP *h;
	void *p;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(1 << 16, 1 << 6, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 128, &p, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 1, &p, NULL));
	EXPECT_EQ((SIZE_T)129, REQUESTED(h));
	EXPECT_EQ((SIZE_T)384, ACTUAL(h));
	WsFreeHeap(h);
}

TEST(actual_after_reset_with_trim_0_is_128)
{
	WS_HEAP *h;
	void *p;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(1 << 16, 0, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 128, &p, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 1, &p, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 5000, &p, NULL));
	EXPECT_LT((SIZE_T)5000, ACTUAL(h));
	ASSERT_EQ(S_OK, WsResetHeap(h, NULL));
	EXPECT_EQ((SIZE_T)0, REQUESTED(h));
	EXPECT_EQ((SIZE_T)128, ACTUAL(h));	/* the first block is kept */
	/* Reusing the kept block costs nothing more. */
	ASSERT_EQ(S_OK, WsAlloc(h, 100, &p, NULL));
	EXPECT_EQ((SIZE_T)128, ACTUAL(h));
	WsFreeHeap(h);
}

TEST(actual_reset_of_fresh_heap_stays_0)
{
	WS_HEAP *h;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(1 << 16, 1 << 10, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsResetHeap(h, NULL));
	EXPECT_EQ((SIZE_T)0, ACTUAL(h));
	EXPECT_EQ((SIZE_T)0, REQUESTED(h));
	WsFreeHeap(h);
}

TEST(actual_blocks_double_and_never_straddle)
{
	SIZE_T expect[] = { 128, 384, 384, 896, 896, 896, 896, 1920 };
	WS_HEAP *h;
	void *p;
	int i;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(SIZE_MAX, 0, NULL, 0, &h, NULL));
	/* 128-byte requests: blocks of 128, 256, 512, 1024 bytes. */
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(S_OK, WsAlloc(h, 128, &p, NULL));
		EXPECT_EQ(expect[i], ACTUAL(h)) TH_LOG("after %d requests", i + 1);
	}
	WsFreeHeap(h);
}

TEST(actual_large_request_gets_a_larger_block)
{
	WS_HEAP *h;
	void *p;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(SIZE_MAX, 0, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 1000, &p, NULL));
	EXPECT_EQ((SIZE_T)1000, ACTUAL(h));	/* max(128, 1000) */
	ASSERT_EQ(S_OK, WsAlloc(h, 8, &p, NULL));
	EXPECT_EQ((SIZE_T)3000, ACTUAL(h));	/* + max(2 * 1000, 8) */
	ASSERT_EQ(S_OK, WsAlloc(h, 1992, &p, NULL));
	EXPECT_EQ((SIZE_T)3000, ACTUAL(h));	/* fills the 2000 block */
	ASSERT_EQ(S_OK, WsAlloc(h, 10000, &p, NULL));
	EXPECT_EQ((SIZE_T)13000, ACTUAL(h));	/* + max(4000, 10000) */
	WsFreeHeap(h);
}

TEST(actual_rounds_to_8_bytes)
{
	WS_HEAP *h;
	void *p;
	int i;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(SIZE_MAX, 0, NULL, 0, &h, NULL));
	for (i = 0; i < 16; i++)	/* 16 x 8 rounded bytes fill 128 */
		ASSERT_EQ(S_OK, WsAlloc(h, 1, &p, NULL));
	EXPECT_EQ((SIZE_T)128, ACTUAL(h));
	ASSERT_EQ(S_OK, WsAlloc(h, 1, &p, NULL));
	EXPECT_EQ((SIZE_T)384, ACTUAL(h));
	WsFreeHeap(h);
}

TEST(actual_trim_keeps_further_blocks)
{
	WS_HEAP *h;
	void *p;

	NEED_DEV();
	/* Blocks 128 + 256 = 384 fit a trim of 384: both kept. */
	ASSERT_EQ(S_OK, WsCreateHeap(SIZE_MAX, 384, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 128, &p, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 256, &p, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 8, &p, NULL));	/* + 512 */
	EXPECT_EQ((SIZE_T)896, ACTUAL(h));
	ASSERT_EQ(S_OK, WsResetHeap(h, NULL));
	EXPECT_EQ((SIZE_T)384, ACTUAL(h));
	/* The kept blocks serve the next requests in order. */
	ASSERT_EQ(S_OK, WsAlloc(h, 128, &p, NULL));
	EXPECT_EQ((SIZE_T)384, ACTUAL(h));
	ASSERT_EQ(S_OK, WsAlloc(h, 200, &p, NULL));
	EXPECT_EQ((SIZE_T)384, ACTUAL(h));
	ASSERT_EQ(S_OK, WsAlloc(h, 100, &p, NULL));	/* 56 left: new 512 */
	EXPECT_EQ((SIZE_T)896, ACTUAL(h));
	WsFreeHeap(h);

	/* One byte less: only the first block is kept. */
	ASSERT_EQ(S_OK, WsCreateHeap(SIZE_MAX, 383, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 128, &p, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 256, &p, NULL));
	ASSERT_EQ(S_OK, WsResetHeap(h, NULL));
	EXPECT_EQ((SIZE_T)128, ACTUAL(h));
	WsFreeHeap(h);
}

TEST(actual_trim_large_keeps_everything)
{
	WS_HEAP *h;
	SIZE_T before;
	void *p;
	int i;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(SIZE_MAX, SIZE_MAX, NULL, 0, &h, NULL));
	for (i = 0; i < 100; i++)
		ASSERT_EQ(S_OK, WsAlloc(h, 100, &p, NULL));
	before = ACTUAL(h);
	ASSERT_EQ(S_OK, WsResetHeap(h, NULL));
	EXPECT_EQ(before, ACTUAL(h));
	for (i = 0; i < 100; i++)
		ASSERT_EQ(S_OK, WsAlloc(h, 100, &p, NULL));
	EXPECT_EQ(before, ACTUAL(h));
	WsFreeHeap(h);
}

/* ---- WsResetHeap and WsFreeHeap ------------------------------------------------------ */

TEST(reset_null_heap)
{
	EXPECT_EQ(E_INVALIDARG, WsResetHeap(NULL, NULL));
}

TEST(reset_releases_everything)
{
	WS_HEAP *h;
	void *p, *q;
	int i;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(1 << 20, 1 << 16, NULL, 0, &h, NULL));
	for (i = 0; i < 100; i++)
		ASSERT_EQ(S_OK, WsAlloc(h, 10000, &p, NULL));
	EXPECT_EQ(WS_E_QUOTA_EXCEEDED, WsAlloc(h, 1 << 20, &p, NULL));
	ASSERT_EQ(S_OK, WsResetHeap(h, NULL));
	EXPECT_EQ((SIZE_T)0, REQUESTED(h));
	ASSERT_EQ(S_OK, WsAlloc(h, 1 << 20, &q, NULL));	/* the full quota */
	memset(q, 3, 1 << 20);
	WsFreeHeap(h);
}

TEST_F_TIMEOUT(slow, reset_loop_10000, 300)
{
	WS_HEAP *h;
	void *p;
	int i, j;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(1 << 20, 4096, NULL, 0, &h, NULL));
	for (i = 0; i < wsh_scaled(10000); i++) {
		for (j = 0; j < 10; j++) {
			ASSERT_EQ(S_OK, WsAlloc(h, 100 + (SIZE_T)j * 300, &p, NULL));
			*(volatile char *)p = 1;
		}
		ASSERT_EQ(S_OK, WsResetHeap(h, NULL));
		ASSERT_EQ((SIZE_T)0, REQUESTED(h));
	}
	WsFreeHeap(h);
}

TEST(free_null_is_a_no_op)
{
	WsFreeHeap(NULL);
	WsFreeError(NULL);
}

/* ---- error strings from heap functions ----------------------------------------------- */

TEST(error_string_on_quota_exceeded)
{
	WS_ERROR *e;
	WS_HEAP *h;
	ULONG code = 0;
	void *p;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	ASSERT_EQ(S_OK, WsCreateHeap(100, 0, NULL, 0, &h, e));
	ASSERT_EQ(S_OK, WsAlloc(h, 60, &p, e));
	EXPECT_EQ(0U, string_count(e));
	EXPECT_EQ(WS_E_QUOTA_EXCEEDED, WsAlloc(h, 41, &p, e));
	ASSERT_EQ(1U, string_count(e));
	TH_LOG("quota: %s", error_text(e, 0));
	EXPECT_NE(NULL, strstr(error_text(e, 0), "WsAlloc"));
	EXPECT_NE(NULL, strstr(error_text(e, 0), "100"));
	ASSERT_EQ(S_OK, WsGetErrorProperty(e, WS_ERROR_PROPERTY_ORIGINAL_ERROR_CODE, &code, sizeof(code)));
	EXPECT_EQ(0U, code);
	WsFreeHeap(h);
	WsFreeError(e);
}

TEST(error_strings_on_invalid_arguments)
{
	WS_HEAP_PROPERTY hp = { WS_HEAP_PROPERTY_MAX_SIZE, NULL, 0 };
	WS_HEAP *h = NULL;
	WS_ERROR *e;
	SIZE_T v;
	void *p;

	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	EXPECT_EQ(E_INVALIDARG, WsCreateHeap(0, 0, NULL, 0, NULL, e));
	EXPECT_EQ(1U, string_count(e));
	EXPECT_EQ(E_INVALIDARG, WsCreateHeap(0, 0, &hp, 1, &h, e));
	EXPECT_EQ(2U, string_count(e));
	EXPECT_NE(NULL, strstr(error_text(e, 0), "propertyCount"));
	EXPECT_EQ(E_INVALIDARG, WsAlloc(NULL, 1, &p, e));
	EXPECT_EQ(3U, string_count(e));
	EXPECT_EQ(E_INVALIDARG, WsResetHeap(NULL, e));
	EXPECT_EQ(4U, string_count(e));
	EXPECT_NE(NULL, strstr(error_text(e, 0), "WsResetHeap"));
	EXPECT_EQ(E_INVALIDARG, WsGetHeapProperty(NULL, WS_HEAP_PROPERTY_MAX_SIZE, &v, sizeof(v), e));
	EXPECT_EQ(5U, string_count(e));
	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(0, 0, NULL, 0, &h, e));
	EXPECT_EQ(E_INVALIDARG, WsAlloc(h, 1, NULL, e));
	EXPECT_EQ(E_INVALIDARG, WsGetHeapProperty(h, WS_HEAP_PROPERTY_MAX_SIZE, &v, 4, e));
	EXPECT_EQ(E_INVALIDARG, WsGetHeapProperty(h, (WS_HEAP_PROPERTY_ID)4, &v, sizeof(v), e));
	EXPECT_EQ(8U, string_count(e));
	EXPECT_NE(NULL, strstr(error_text(e, 0), "WsGetHeapProperty"));
	WsFreeHeap(h);
	WsFreeError(e);
}

TEST(no_error_string_on_success)
{
	WS_ERROR *e;
	WS_HEAP *h;
	SIZE_T v;
	void *p;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	ASSERT_EQ(S_OK, WsCreateHeap(1000, 0, NULL, 0, &h, e));
	ASSERT_EQ(S_OK, WsAlloc(h, 10, &p, e));
	ASSERT_EQ(S_OK, WsGetHeapProperty(h, WS_HEAP_PROPERTY_ACTUAL_SIZE, &v, sizeof(v), e));
	ASSERT_EQ(S_OK, WsResetHeap(h, e));
	EXPECT_EQ(0U, string_count(e));
	WsFreeHeap(h);
	WsFreeError(e);
}

TEST(error_strings_accumulate_newest_first)
{
	WS_ERROR *e;
	WS_HEAP *h;
	void *p;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	ASSERT_EQ(S_OK, WsCreateHeap(10, 0, NULL, 0, &h, NULL));
	EXPECT_EQ(E_INVALIDARG, WsAlloc(h, 1, NULL, e));
	EXPECT_EQ(WS_E_QUOTA_EXCEEDED, WsAlloc(h, 11, &p, e));
	ASSERT_EQ(2U, string_count(e));
	EXPECT_NE(NULL, strstr(error_text(e, 1), "out-pointer"));
	EXPECT_NE(NULL, strstr(error_text(e, 0), "maximum size"));
	WsFreeHeap(h);
	WsFreeError(e);
}

TEST_HARNESS_MAIN
