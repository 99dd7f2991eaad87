// SPDX-License-Identifier: GPL-2.0
/*
 * Printing WS_STRINGs on Linux: WsheapStringToUtf8() (UTF-16 to UTF-8,
 * surrogate pairs, lone surrogates, cutting at character boundaries, the
 * size query), used the way webservices.h(3) shows, on the strings the
 * library itself puts in a WS_ERROR.  No device needed.
 */
#include <inttypes.h>

#include <webservices.h>
#include "wsheap_test.h"

/* The UTF-8 of @s, or "(error)". */
static const char *utf8(const WS_STRING *s)
{
	static char buf[256];

	return WsheapStringToUtf8(s, buf, sizeof(buf), NULL) == S_OK ?
		buf : "(error)";
}

TEST(ascii_bmp_and_surrogate_pairs)
{
	WS_STRING ascii = WS_STRING_VALUE(u"heap of 8 bytes");
	/* e-acute (2 bytes), euro (3), a grinning face (a pair, 4) */
	WS_STRING mixed = WS_STRING_VALUE(u"caf\u00e9 \u20ac5 \U0001F600!");
	WS_STRING empty = WS_STRING_VALUE(u"");
	SIZE_T len = 0;
	char buf[64];

	EXPECT_STREQ("heap of 8 bytes", utf8(&ascii));
	EXPECT_EQ(S_OK, WsheapStringToUtf8(&mixed, buf, sizeof(buf), &len));
	EXPECT_STREQ("caf\xc3\xa9 \xe2\x82\xac" "5 \xf0\x9f\x98\x80!", buf);
	EXPECT_EQ((SIZE_T)16, len);
	EXPECT_EQ((SIZE_T)16, strlen(buf));
	EXPECT_STREQ("", utf8(&empty));
}

TEST(lone_surrogates_become_replacement_characters)
{
	/* a lone high, a lone low, a high before a plain character, a high at the end */
	static WCHAR units[] = { 'a', 0xd83d, 'b', 0xde00, 'c', 0xd800, 0xd801,
				 0xdc37, 0xdbff };
	WS_STRING s = { WsCountOf(units), units };

	EXPECT_STREQ("a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd"
		     "\xf0\x90\x90\xb7\xef\xbf\xbd", utf8(&s));
}

TEST(short_buffers_cut_at_character_boundaries)
{
	WS_STRING s = WS_STRING_VALUE(u"ab\u20ac\U0001F600");	/* 2+3+4 bytes */
	SIZE_T len = 0;
	char buf[16];

	/* Size query. */
	EXPECT_EQ(E_NOT_SUFFICIENT_BUFFER, WsheapStringToUtf8(&s, NULL, 0, &len));
	EXPECT_EQ((SIZE_T)9, len);
	/* Room for "ab" and the NUL, not the euro sign. */
	memset(buf, 'x', sizeof(buf));
	EXPECT_EQ(E_NOT_SUFFICIENT_BUFFER, WsheapStringToUtf8(&s, buf, 5, &len));
	EXPECT_STREQ("ab", buf);
	EXPECT_EQ((SIZE_T)9, len);
	/* The euro sign but not half of the face. */
	EXPECT_EQ(E_NOT_SUFFICIENT_BUFFER, WsheapStringToUtf8(&s, buf, 9, NULL));
	EXPECT_STREQ("ab\xe2\x82\xac", buf);
	EXPECT_EQ('x', buf[6]);
	/* Exactly enough: all of it and the NUL. */
	EXPECT_EQ(S_OK, WsheapStringToUtf8(&s, buf, 10, NULL));
	EXPECT_EQ((SIZE_T)9, strlen(buf));
	EXPECT_EQ(E_NOT_SUFFICIENT_BUFFER, WsheapStringToUtf8(&s, buf, 1, NULL));
	EXPECT_STREQ("", buf);
}

TEST(bad_arguments)
{
	WS_STRING s = WS_STRING_VALUE(u"x"), nochars = { 3, NULL };
	char buf[8];

	EXPECT_EQ(E_INVALIDARG, WsheapStringToUtf8(NULL, buf, sizeof(buf), NULL));
	EXPECT_EQ(E_INVALIDARG, WsheapStringToUtf8(&nochars, buf, sizeof(buf), NULL));
	EXPECT_EQ(E_INVALIDARG, WsheapStringToUtf8(&s, NULL, sizeof(buf), NULL));
	nochars.length = 0;	/* an empty string needs no characters */
	EXPECT_EQ(S_OK, WsheapStringToUtf8(&nochars, buf, sizeof(buf), NULL));
}

/* What webservices.h(3) shows: print every string of a WS_ERROR. */
TEST(print_the_strings_of_an_error)
{
	WS_STRING added = WS_STRING_VALUE(u"r\u00e9sum\u00e9 of request 7");
	ULONG count = 0, i;
	WS_HEAP *h = NULL;
	WS_STRING s;
	WS_ERROR *e;
	HRESULT hr;
	char line[512], out[1024] = "";
	FILE *f;

	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	ASSERT_EQ(S_OK, WsAddErrorString(e, &added));
	hr = WsCreateHeap(0, 0, NULL, 1, &h, e);	/* propertyCount must be 0 */
	ASSERT_EQ(E_INVALIDARG, hr);
	ASSERT_EQ(S_OK, WsGetErrorProperty(e, WS_ERROR_PROPERTY_STRING_COUNT,
					   &count, sizeof(count)));
	ASSERT_EQ(2U, count);

	f = fmemopen(out, sizeof(out), "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "failed: 0x%08" PRIx32 "\n", (uint32_t)hr);
	for (i = 0; i < count; i++) {
		ASSERT_EQ(S_OK, WsGetErrorString(e, i, &s));
		ASSERT_EQ(S_OK, WsheapStringToUtf8(&s, line, sizeof(line), NULL));
		fprintf(f, "  %s\n", line);
	}
	fclose(f);
	EXPECT_STREQ("failed: 0x80070057\n"
		     "  WsCreateHeap: propertyCount is 1, but heap properties are reserved: it must be 0\n"
		     "  r\xc3\xa9sum\xc3\xa9 of request 7\n", out);
	WsFreeError(e);
}

TEST_HARNESS_MAIN
