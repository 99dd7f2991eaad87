/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Internals of the WWSAPI layer.  Not installed.
 */
#ifndef WSHEAP_WS_PRIV_H
#define WSHEAP_WS_PRIV_H

#pragma GCC visibility push(default)
#include "webservices.h"
#pragma GCC visibility pop

#include <stdbool.h>

#define WSHEAP_HIDDEN	__attribute__((visibility("hidden")))

/* ws_string.c: UTF-8 @s into UTF-16 @out (room for @max units); units. */
WSHEAP_HIDDEN ULONG wsheap__utf8_to_utf16(const char *s, WCHAR *out,
					  ULONG max);

/*
 * Add a formatted (ASCII or UTF-8) message to @error as a UTF-16 string.
 * Does nothing when @error is NULL.  Returns @hr, for "return ws_fail(...)".
 */
WSHEAP_HIDDEN HRESULT wsheap__ws_fail(WS_ERROR *error, HRESULT hr,
				      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* WSHEAP_WS_PRIV_H */
