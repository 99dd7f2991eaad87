// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * WWSAPI error objects: WsCreateError, WsGetErrorProperty,
 * WsSetErrorProperty, WsAddErrorString, WsGetErrorString, WsResetError,
 * WsFreeError.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws_priv.h"

#define WS_ERROR_MAGIC		0x52524557u	/* "WERR" */
#define WS_DEFAULT_LANGID	((LANGID)0x0409)	/* en-US */

struct _WS_ERROR {
	uint32_t magic;
	LANGID langid;
	ULONG code;		/* WS_ERROR_PROPERTY_ORIGINAL_ERROR_CODE */
	WS_STRING *strings;	/* oldest first */
	ULONG count;
	ULONG cap;
};

HRESULT WINAPI WsCreateError(const WS_ERROR_PROPERTY *properties,
			     ULONG propertyCount, WS_ERROR **error)
{
	LANGID langid = WS_DEFAULT_LANGID;
	struct _WS_ERROR *e;
	ULONG i;

	if (!error)
		return E_INVALIDARG;
	if (propertyCount && !properties)
		return E_INVALIDARG;

	/* Only LANGID may be given at creation. */
	for (i = 0; i < propertyCount; i++) {
		const WS_ERROR_PROPERTY *p = &properties[i];

		if (p->id != WS_ERROR_PROPERTY_LANGID ||
		    p->valueSize != sizeof(LANGID) || !p->value)
			return E_INVALIDARG;
		memcpy(&langid, p->value, sizeof(langid));
	}

	e = calloc(1, sizeof(*e));
	if (!e)
		return E_OUTOFMEMORY;
	e->magic = WS_ERROR_MAGIC;
	e->langid = langid;
	*error = e;
	return S_OK;
}

HRESULT WINAPI WsGetErrorProperty(WS_ERROR *error, WS_ERROR_PROPERTY_ID id,
				  void *buffer, ULONG bufferSize)
{
	if (!error || !buffer)
		return E_INVALIDARG;

	switch (id) {
	case WS_ERROR_PROPERTY_STRING_COUNT:
		if (bufferSize != sizeof(ULONG))
			return E_INVALIDARG;
		memcpy(buffer, &error->count, sizeof(ULONG));
		return S_OK;
	case WS_ERROR_PROPERTY_ORIGINAL_ERROR_CODE:
		if (bufferSize != sizeof(ULONG))
			return E_INVALIDARG;
		memcpy(buffer, &error->code, sizeof(ULONG));
		return S_OK;
	case WS_ERROR_PROPERTY_LANGID:
		if (bufferSize != sizeof(LANGID))
			return E_INVALIDARG;
		memcpy(buffer, &error->langid, sizeof(LANGID));
		return S_OK;
	default:
		return E_INVALIDARG;
	}
}

HRESULT WINAPI WsSetErrorProperty(WS_ERROR *error, WS_ERROR_PROPERTY_ID id,
				  const void *value, ULONG valueSize)
{
	if (!error)
		return E_INVALIDARG;

	switch (id) {
	case WS_ERROR_PROPERTY_LANGID:
		/* Fixed at creation, even before any string is added. */
		return WS_E_INVALID_OPERATION;
	case WS_ERROR_PROPERTY_ORIGINAL_ERROR_CODE:
		if (!value || valueSize != sizeof(ULONG))
			return E_INVALIDARG;
		memcpy(&error->code, value, sizeof(ULONG));
		return S_OK;
	case WS_ERROR_PROPERTY_STRING_COUNT:	/* read-only */
	default:
		return E_INVALIDARG;
	}
}

/* Append a copy of @len UTF-16 units at @chars. */
static HRESULT error_push(WS_ERROR *error, const WCHAR *chars, ULONG len)
{
	WCHAR *copy;

	if (error->count == error->cap) {
		ULONG cap = error->cap ? error->cap * 2 : 4;
		WS_STRING *s;

		if (cap < error->cap)
			return E_OUTOFMEMORY;
		s = realloc(error->strings, (size_t)cap * sizeof(*s));
		if (!s)
			return E_OUTOFMEMORY;
		error->strings = s;
		error->cap = cap;
	}

	/* An empty string still gets a non-NULL buffer. */
	copy = malloc(len ? (size_t)len * sizeof(WCHAR) : sizeof(WCHAR));
	if (!copy)
		return E_OUTOFMEMORY;
	if (len)
		memcpy(copy, chars, (size_t)len * sizeof(WCHAR));
	error->strings[error->count].length = len;
	error->strings[error->count].chars = copy;
	error->count++;
	return S_OK;
}

HRESULT WINAPI WsAddErrorString(WS_ERROR *error, const WS_STRING *string)
{
	if (!error || !string)
		return E_INVALIDARG;
	if (string->length && !string->chars)
		return E_INVALIDARG;
	return error_push(error, string->chars, string->length);
}

HRESULT WINAPI WsGetErrorString(WS_ERROR *error, ULONG index,
				WS_STRING *string)
{
	if (!error || !string || index >= error->count)
		return E_INVALIDARG;
	/* Index 0 is the string added last. */
	*string = error->strings[error->count - 1 - index];
	return S_OK;
}

static void error_clear(WS_ERROR *error)
{
	ULONG i;

	for (i = 0; i < error->count; i++)
		free(error->strings[i].chars);
	free(error->strings);
	error->strings = NULL;
	error->count = 0;
	error->cap = 0;
	error->code = 0;
}

HRESULT WINAPI WsResetError(WS_ERROR *error)
{
	if (!error)
		return E_INVALIDARG;
	error_clear(error);	/* the LANGID stays */
	return S_OK;
}

void WINAPI WsFreeError(WS_ERROR *error)
{
	if (!error)
		return;
	error_clear(error);
	error->magic = 0;
	free(error);
}

HRESULT wsheap__ws_fail(WS_ERROR *error, HRESULT hr, const char *fmt, ...)
{
	char msg[512];
	WCHAR wmsg[512];
	va_list ap;
	ULONG n;

	if (!error)
		return hr;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	n = wsheap__utf8_to_utf16(msg, wmsg, (ULONG)(sizeof(wmsg) / sizeof(wmsg[0])));
	error_push(error, wmsg, n);	/* best effort */
	return hr;
}
