// SPDX-License-Identifier: GPL-2.0
/*
 * <webservices.h> error objects: WsCreateError, WsGetErrorProperty,
 * WsSetErrorProperty, WsAddErrorString, WsGetErrorString, WsResetError,
 * WsFreeError, against the Windows contract.  No kernel module needed.
 */
#include <webservices.h>
#include "wsheap_test.h"

static WCHAR *u16(const char *s, WCHAR *buf)
{
	size_t i;

	for (i = 0; s[i]; i++)
		buf[i] = (WCHAR)(unsigned char)s[i];
	return buf;
}

static int str_is(const WS_STRING *s, const char *ascii)
{
	size_t i, n = strlen(ascii);

	if (s->length != n)
		return 0;
	for (i = 0; i < n; i++)
		if (s->chars[i] != (WCHAR)(unsigned char)ascii[i])
			return 0;
	return 1;
}

static HRESULT add(WS_ERROR *e, const char *ascii)
{
	WCHAR buf[256];
	WS_STRING s;

	s.length = (ULONG)strlen(ascii);
	s.chars = u16(ascii, buf);
	return WsAddErrorString(e, &s);
}

static ULONG count(WS_ERROR *e)
{
	ULONG n = 0xdeadbeef;

	if (WsGetErrorProperty(e, WS_ERROR_PROPERTY_STRING_COUNT, &n, sizeof(n)) != S_OK)
		return 0xdeadbeef;
	return n;
}

/* ---- WsCreateError ---------------------------------------------------------- */

TEST(create_null_out_pointer)
{
	EXPECT_EQ(E_INVALIDARG, WsCreateError(NULL, 0, NULL));
}

TEST(create_defaults)
{
	WS_ERROR *e = NULL;
	ULONG n = 0xdeadbeef, code = 0xdeadbeef;
	LANGID lang = 0xdead;

	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	ASSERT_NE(NULL, e);
	ASSERT_EQ(S_OK, WsGetErrorProperty(e, WS_ERROR_PROPERTY_STRING_COUNT, &n, sizeof(n)));
	EXPECT_EQ(0U, n);
	ASSERT_EQ(S_OK, WsGetErrorProperty(e, WS_ERROR_PROPERTY_ORIGINAL_ERROR_CODE, &code, sizeof(code)));
	EXPECT_EQ(0U, code);
	ASSERT_EQ(S_OK, WsGetErrorProperty(e, WS_ERROR_PROPERTY_LANGID, &lang, sizeof(lang)));
	EXPECT_EQ(0x0409, lang);
	WsFreeError(e);
}

TEST(create_with_langid)
{
	LANGID dutch = MAKELANGID(0x13, SUBLANG_DEFAULT), lang = 0;
	WS_ERROR_PROPERTY p = { WS_ERROR_PROPERTY_LANGID, &dutch, sizeof(dutch) };
	WS_ERROR *e = NULL;

	ASSERT_EQ(S_OK, WsCreateError(&p, 1, &e));
	ASSERT_EQ(S_OK, WsGetErrorProperty(e, WS_ERROR_PROPERTY_LANGID, &lang, sizeof(lang)));
	EXPECT_EQ(dutch, lang);
	WsFreeError(e);
}

TEST(create_rejects_other_properties)
{
	ULONG v = 1;
	LANGID lang = 0x0409;
	WS_ERROR_PROPERTY p;
	WS_ERROR *e = (WS_ERROR *)0x1;

	p.id = WS_ERROR_PROPERTY_STRING_COUNT;
	p.value = &v;
	p.valueSize = sizeof(v);
	EXPECT_EQ(E_INVALIDARG, WsCreateError(&p, 1, &e));
	p.id = WS_ERROR_PROPERTY_ORIGINAL_ERROR_CODE;
	EXPECT_EQ(E_INVALIDARG, WsCreateError(&p, 1, &e));
	p.id = (WS_ERROR_PROPERTY_ID)(WS_ERROR_PROPERTY_LANGID + 1);
	EXPECT_EQ(E_INVALIDARG, WsCreateError(&p, 1, &e));
	/* LANGID with a wrong size */
	p.id = WS_ERROR_PROPERTY_LANGID;
	p.value = &v;
	p.valueSize = 4;
	EXPECT_EQ(E_INVALIDARG, WsCreateError(&p, 1, &e));
	p.value = &lang;
	p.valueSize = 1;
	EXPECT_EQ(E_INVALIDARG, WsCreateError(&p, 1, &e));
	/* nothing is returned on failure */
	EXPECT_EQ((WS_ERROR *)0x1, e);
}

/* ---- WsGetErrorProperty ---------------------------------------------------------- */

TEST(get_property_null_arguments)
{
	WS_ERROR *e;
	ULONG n;

	EXPECT_EQ(E_INVALIDARG, WsGetErrorProperty(NULL, WS_ERROR_PROPERTY_STRING_COUNT, &n, sizeof(n)));
	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	EXPECT_EQ(E_INVALIDARG, WsGetErrorProperty(e, WS_ERROR_PROPERTY_STRING_COUNT, NULL, sizeof(n)));
	EXPECT_EQ(E_INVALIDARG, WsGetErrorProperty(e, WS_ERROR_PROPERTY_LANGID, NULL, 2));
	WsFreeError(e);
}

TEST(get_property_sizes_must_be_exact)
{
	unsigned char buf[8];
	WS_ERROR *e;

	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	EXPECT_EQ(S_OK, WsGetErrorProperty(e, WS_ERROR_PROPERTY_STRING_COUNT, buf, 4));
	EXPECT_EQ(S_OK, WsGetErrorProperty(e, WS_ERROR_PROPERTY_ORIGINAL_ERROR_CODE, buf, 4));
	EXPECT_EQ(S_OK, WsGetErrorProperty(e, WS_ERROR_PROPERTY_LANGID, buf, 2));
	EXPECT_EQ(E_INVALIDARG, WsGetErrorProperty(e, WS_ERROR_PROPERTY_STRING_COUNT, buf, 8));
	EXPECT_EQ(E_INVALIDARG, WsGetErrorProperty(e, WS_ERROR_PROPERTY_STRING_COUNT, buf, 2));
	EXPECT_EQ(E_INVALIDARG, WsGetErrorProperty(e, WS_ERROR_PROPERTY_ORIGINAL_ERROR_CODE, buf, 0));
	EXPECT_EQ(E_INVALIDARG, WsGetErrorProperty(e, WS_ERROR_PROPERTY_ORIGINAL_ERROR_CODE, buf, 8));
	EXPECT_EQ(E_INVALIDARG, WsGetErrorProperty(e, WS_ERROR_PROPERTY_LANGID, buf, 4));
	EXPECT_EQ(E_INVALIDARG, WsGetErrorProperty(e, WS_ERROR_PROPERTY_LANGID, buf, 1));
	WsFreeError(e);
}

TEST(get_property_unknown_id_leaves_buffer)
{
	ULONG v = 0xdeadbeef;
	WS_ERROR *e;

	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	EXPECT_EQ(E_INVALIDARG, WsGetErrorProperty(e, (WS_ERROR_PROPERTY_ID)(WS_ERROR_PROPERTY_LANGID + 1),
						   &v, sizeof(v)));
	EXPECT_EQ(E_INVALIDARG, WsGetErrorProperty(e, (WS_ERROR_PROPERTY_ID)-1, &v, sizeof(v)));
	EXPECT_EQ(0xdeadbeefU, v);
	WsFreeError(e);
}

/* ---- WsSetErrorProperty ----------------------------------------------------------- */

TEST(set_langid_is_invalid_operation)
{
	LANGID lang = MAKELANGID(0x13, SUBLANG_DEFAULT), now = 0;
	WS_ERROR *e;

	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	/* right after creation, with any size */
	EXPECT_EQ(WS_E_INVALID_OPERATION, WsSetErrorProperty(e, WS_ERROR_PROPERTY_LANGID, &lang, sizeof(lang)));
	EXPECT_EQ(WS_E_INVALID_OPERATION, WsSetErrorProperty(e, WS_ERROR_PROPERTY_LANGID, &lang, 4));
	ASSERT_EQ(S_OK, WsGetErrorProperty(e, WS_ERROR_PROPERTY_LANGID, &now, sizeof(now)));
	EXPECT_EQ(0x0409, now);
	WsFreeError(e);
}

TEST(set_string_count_is_read_only)
{
	ULONG n = 5;
	WS_ERROR *e;

	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	EXPECT_EQ(E_INVALIDARG, WsSetErrorProperty(e, WS_ERROR_PROPERTY_STRING_COUNT, &n, sizeof(n)));
	EXPECT_EQ(0U, count(e));
	WsFreeError(e);
}

TEST(set_original_error_code)
{
	ULONG code = 0xdeadbeef, got = 0;
	WS_ERROR *e;

	EXPECT_EQ(E_INVALIDARG, WsSetErrorProperty(NULL, WS_ERROR_PROPERTY_ORIGINAL_ERROR_CODE, &code, 4));
	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	EXPECT_EQ(S_OK, WsSetErrorProperty(e, WS_ERROR_PROPERTY_ORIGINAL_ERROR_CODE, &code, sizeof(code)));
	ASSERT_EQ(S_OK, WsGetErrorProperty(e, WS_ERROR_PROPERTY_ORIGINAL_ERROR_CODE, &got, sizeof(got)));
	EXPECT_EQ(0xdeadbeefU, got);
	EXPECT_EQ(E_INVALIDARG, WsSetErrorProperty(e, WS_ERROR_PROPERTY_ORIGINAL_ERROR_CODE, &code, 8));
	EXPECT_EQ(E_INVALIDARG, WsSetErrorProperty(e, WS_ERROR_PROPERTY_ORIGINAL_ERROR_CODE, NULL, 4));
	EXPECT_EQ(E_INVALIDARG, WsSetErrorProperty(e, (WS_ERROR_PROPERTY_ID)3, &code, 4));
	WsFreeError(e);
}

/* ---- strings -------------------------------------------------------------------------- */

TEST(add_string_null_arguments)
{
	WCHAR buf[4];
	WS_STRING s = { 1, u16("a", buf) };
	WS_STRING bad = { 3, NULL };
	WS_ERROR *e;

	EXPECT_EQ(E_INVALIDARG, WsAddErrorString(NULL, &s));
	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	EXPECT_EQ(E_INVALIDARG, WsAddErrorString(e, NULL));
	EXPECT_EQ(E_INVALIDARG, WsAddErrorString(e, &bad));
	EXPECT_EQ(0U, count(e));
	WsFreeError(e);
}

TEST(add_string_copies)
{
	WCHAR buf[16];
	WS_STRING s = { 5, u16("hello", buf) }, out;
	WS_ERROR *e;

	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	ASSERT_EQ(S_OK, WsAddErrorString(e, &s));
	u16("HELLO", buf);	/* the caller's buffer changes ... */
	ASSERT_EQ(S_OK, WsGetErrorString(e, 0, &out));
	EXPECT_TRUE(str_is(&out, "hello"));	/* ... the copy does not */
	EXPECT_NE((WCHAR *)buf, out.chars);
	WsFreeError(e);
}

TEST(add_empty_string_counts)
{
	WS_STRING empty = { 0, NULL }, out = { 99, NULL };
	WS_ERROR *e;

	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	ASSERT_EQ(S_OK, WsAddErrorString(e, &empty));
	EXPECT_EQ(1U, count(e));
	ASSERT_EQ(S_OK, WsGetErrorString(e, 0, &out));
	EXPECT_EQ(0U, out.length);
	EXPECT_NE(NULL, out.chars);
	WsFreeError(e);
}

TEST(get_string_newest_first)
{
	WS_STRING out;
	WS_ERROR *e;

	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	ASSERT_EQ(S_OK, add(e, "first"));
	ASSERT_EQ(S_OK, add(e, "second"));
	ASSERT_EQ(S_OK, add(e, "third"));
	EXPECT_EQ(3U, count(e));
	ASSERT_EQ(S_OK, WsGetErrorString(e, 0, &out));
	EXPECT_TRUE(str_is(&out, "third"));
	ASSERT_EQ(S_OK, WsGetErrorString(e, 1, &out));
	EXPECT_TRUE(str_is(&out, "second"));
	ASSERT_EQ(S_OK, WsGetErrorString(e, 2, &out));
	EXPECT_TRUE(str_is(&out, "first"));
	WsFreeError(e);
}

TEST(get_string_bad_arguments)
{
	WS_STRING out = { 7, NULL };
	WS_ERROR *e;

	EXPECT_EQ(E_INVALIDARG, WsGetErrorString(NULL, 0, &out));
	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	EXPECT_EQ(E_INVALIDARG, WsGetErrorString(e, 0, &out));	/* no strings */
	ASSERT_EQ(S_OK, add(e, "x"));
	EXPECT_EQ(E_INVALIDARG, WsGetErrorString(e, 1, &out));	/* index == count */
	EXPECT_EQ(E_INVALIDARG, WsGetErrorString(e, 0xffffffffU, &out));
	EXPECT_EQ(E_INVALIDARG, WsGetErrorString(e, 0, NULL));
	EXPECT_EQ(7U, out.length);
	WsFreeError(e);
}

TEST(utf16_round_trip)
{
	WCHAR chars[] = { 0x00e9, 0x4e2d, 0xd83d, 0xde00, 0 };
	WS_STRING s = { 5, chars }, out;
	WS_ERROR *e;

	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	ASSERT_EQ(S_OK, WsAddErrorString(e, &s));
	ASSERT_EQ(S_OK, WsGetErrorString(e, 0, &out));
	ASSERT_EQ(5U, out.length);
	EXPECT_EQ(0, memcmp(chars, out.chars, sizeof(chars)));
	WsFreeError(e);
}

TEST(many_strings)
{
	WS_STRING out;
	WS_ERROR *e;
	char text[32];
	int i;

	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	for (i = 0; i < 1000; i++) {
		snprintf(text, sizeof(text), "string %d", i);
		ASSERT_EQ(S_OK, add(e, text));
	}
	EXPECT_EQ(1000U, count(e));
	ASSERT_EQ(S_OK, WsGetErrorString(e, 999, &out));
	EXPECT_TRUE(str_is(&out, "string 0"));
	ASSERT_EQ(S_OK, WsGetErrorString(e, 0, &out));
	EXPECT_TRUE(str_is(&out, "string 999"));
	WsFreeError(e);
}

/* ---- WsResetError and WsFreeError ---------------------------------------------------- */

TEST(reset_error_null)
{
	EXPECT_EQ(E_INVALIDARG, WsResetError(NULL));
}

TEST(reset_error_clears_strings_and_code_keeps_langid)
{
	LANGID dutch = MAKELANGID(0x13, SUBLANG_DEFAULT), lang = 0;
	WS_ERROR_PROPERTY p = { WS_ERROR_PROPERTY_LANGID, &dutch, sizeof(dutch) };
	ULONG code = 42;
	WS_STRING out;
	WS_ERROR *e;

	ASSERT_EQ(S_OK, WsCreateError(&p, 1, &e));
	ASSERT_EQ(S_OK, WsSetErrorProperty(e, WS_ERROR_PROPERTY_ORIGINAL_ERROR_CODE, &code, sizeof(code)));
	ASSERT_EQ(S_OK, add(e, "a"));
	ASSERT_EQ(S_OK, add(e, "b"));
	ASSERT_EQ(S_OK, WsResetError(e));
	EXPECT_EQ(0U, count(e));
	ASSERT_EQ(S_OK, WsGetErrorProperty(e, WS_ERROR_PROPERTY_ORIGINAL_ERROR_CODE, &code, sizeof(code)));
	EXPECT_EQ(0U, code);
	ASSERT_EQ(S_OK, WsGetErrorProperty(e, WS_ERROR_PROPERTY_LANGID, &lang, sizeof(lang)));
	EXPECT_EQ(dutch, lang);
	EXPECT_EQ(E_INVALIDARG, WsGetErrorString(e, 0, &out));
	/* usable again */
	ASSERT_EQ(S_OK, add(e, "c"));
	ASSERT_EQ(S_OK, WsGetErrorString(e, 0, &out));
	EXPECT_TRUE(str_is(&out, "c"));
	WsFreeError(e);
}

TEST(free_error_null_and_with_strings)
{
	WS_ERROR *e;

	WsFreeError(NULL);
	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	ASSERT_EQ(S_OK, add(e, "leak check"));
	WsFreeError(e);
}

TEST_HARNESS_MAIN
