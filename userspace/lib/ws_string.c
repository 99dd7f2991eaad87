// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * UTF-8 and UTF-16, the two ways round: error messages are made in UTF-8
 * and stored as WS_STRINGs (UTF-16, as on Windows), and WsheapStringToUtf8()
 * turns a WS_STRING into text Linux can print (WCHAR is 16 bits, wchar_t
 * 32, so wprintf() cannot).
 */
#include <string.h>

#include "ws_priv.h"

/* Decode UTF-8 @s into UTF-16 @out (room for @max units); returns units. */
ULONG wsheap__utf8_to_utf16(const char *s, WCHAR *out, ULONG max)
{
	const unsigned char *p = (const unsigned char *)s;
	ULONG n = 0;

	while (*p && n < max) {
		uint32_t cp;
		int extra;

		if (*p < 0x80) {
			cp = *p++;
			extra = 0;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p++ & 0x1f;
			extra = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p++ & 0x0f;
			extra = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p++ & 0x07;
			extra = 3;
		} else {
			p++;
			cp = 0xfffd;
			extra = 0;
		}
		while (extra--) {
			if ((*p & 0xc0) != 0x80) {
				cp = 0xfffd;
				break;
			}
			cp = (cp << 6) | (*p++ & 0x3f);
		}
		if (cp >= 0x10000 && cp <= 0x10ffff) {
			if (n + 2 > max)
				break;
			cp -= 0x10000;
			out[n++] = (WCHAR)(0xd800 | (cp >> 10));
			out[n++] = (WCHAR)(0xdc00 | (cp & 0x3ff));
		} else {
			out[n++] = (WCHAR)(cp > 0xffff ? 0xfffd : cp);
		}
	}
	return n;
}

/* The UTF-8 of code point @cp (at most U+10FFFF) into @out; its length. */
static size_t utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The code point at @s[*i] (advancing *i); lone surrogates are U+FFFD. */
static uint32_t utf16_next(const WCHAR *s, ULONG len, ULONG *i)
{
	uint32_t u = s[(*i)++];

	if (u >= 0xd800 && u <= 0xdbff && *i < len &&
	    s[*i] >= 0xdc00 && s[*i] <= 0xdfff)
		return 0x10000 + ((u - 0xd800) << 10) + (s[(*i)++] - 0xdc00);
	if (u >= 0xd800 && u <= 0xdfff)
		return 0xfffd;
	return u;
}

HRESULT WINAPI WsheapStringToUtf8(const WS_STRING *string, char *buffer,
				  SIZE_T bufferSize, SIZE_T *length)
{
	SIZE_T need = 0, used = 0;
	bool fits = true;
	ULONG i = 0;
	char c[4];
	size_t n;

	if (!string || (string->length && !string->chars) ||
	    (bufferSize && !buffer))
		return E_INVALIDARG;
	while (i < string->length) {
		n = utf8_encode(utf16_next(string->chars, string->length, &i), c);
		need += n;
		/* Whole characters only, and room for the terminating NUL. */
		if (fits && used + n < bufferSize) {
			memcpy(buffer + used, c, n);
			used += n;
		} else {
			fits = false;
		}
	}
	if (bufferSize)
		buffer[used] = 0;
	if (length)
		*length = need;
	return fits && bufferSize ? S_OK : E_NOT_SUFFICIENT_BUFFER;
}
