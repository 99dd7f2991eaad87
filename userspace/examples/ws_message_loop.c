// SPDX-License-Identifier: MIT
/*
 * ws_message_loop - a request/response loop written the way Windows Web
 * Services (WWSAPI) code uses a WS_HEAP: everything a request needs is
 * allocated from one heap, and WsResetHeap() releases it all at once before
 * the next request.  Only <webservices.h> and the C library are used, so the
 * same source builds against Windows' webservices.h.
 *
 *   ws_message_loop [requests]
 *
 * Build: cc ws_message_loop.c $(pkg-config --cflags --libs wsheap)
 */
#include <webservices.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HEAP_SIZE	(64 * 1024)	/* quota per request */
#define TRIM_HEAP_SIZE	(8 * 1024)	/* kept across resets */

typedef struct _REQUEST {
	ULONG id;
	WS_STRING user;
	WS_STRING action;
	ULONG payloadSize;
	BYTE *payload;
} REQUEST;

typedef struct _RESPONSE {
	ULONG id;
	ULONG checksum;
	WS_STRING text;
} RESPONSE;

/* Copy an ASCII string into a WS_STRING allocated on the heap. */
static HRESULT CopyString(_In_ WS_HEAP *heap, _In_ const char *ascii,
			  _Out_ WS_STRING *out, _In_opt_ WS_ERROR *error)
{
	ULONG length = (ULONG)strlen(ascii);
	WCHAR *chars;
	HRESULT hr;
	ULONG i;

	hr = WsAlloc(heap, length * sizeof(WCHAR), (void **)&chars, error);
	if (FAILED(hr))
		return hr;
	for (i = 0; i < length; i++)
		chars[i] = (WCHAR)(unsigned char)ascii[i];
	out->length = length;
	out->chars = chars;
	return S_OK;
}

/*
 * Print a WS_STRING: it is UTF-16 and wchar_t has 32 bits on Linux, so
 * wprintf() cannot; libwsheap converts it to UTF-8 (webservices.h(3)).
 * Elsewhere, print its ASCII.
 */
static void PrintString(_In_ const WS_STRING *s)
{
#ifdef WSHEAP_WS_EXTENSIONS
	char text[512];

	WsheapStringToUtf8(s, text, sizeof(text), NULL);	/* cut if longer */
	fputs(text, stdout);
#else
	ULONG i;

	for (i = 0; i < s->length; i++)
		putchar(s->chars[i] < 128 ? (int)s->chars[i] : '?');
#endif
}

/* "Receive" request @n: a stand-in for reading a message from a channel. */
static HRESULT ReadRequest(_In_ ULONG n, _In_ WS_HEAP *heap,
			   _Outptr_ REQUEST **request, _In_opt_ WS_ERROR *error)
{
	static const char *const users[] = { "alice", "bob", "carol" };
	static const char *const actions[] = { "GetQuote", "PutOrder", "Ping" };
	REQUEST *r;
	HRESULT hr;
	ULONG i;

	hr = WsAlloc(heap, sizeof(*r), (void **)&r, error);
	if (FAILED(hr))
		return hr;
	r->id = n;
	hr = CopyString(heap, users[n % 3], &r->user, error);
	if (FAILED(hr))
		return hr;
	hr = CopyString(heap, actions[n % 3], &r->action, error);
	if (FAILED(hr))
		return hr;
	/* Every fifth request carries a payload too large for the quota. */
	r->payloadSize = n % 5 == 4 ? 2 * MAX_HEAP_SIZE : 100 + 700 * (n % 4);
	hr = WsAlloc(heap, r->payloadSize, (void **)&r->payload, error);
	if (FAILED(hr))
		return hr;
	for (i = 0; i < r->payloadSize; i++)
		r->payload[i] = (BYTE)(i * 31 + n);
	*request = r;
	return S_OK;
}

static HRESULT BuildResponse(_In_ const REQUEST *request, _In_ WS_HEAP *heap,
			     _Outptr_ RESPONSE **response, _In_opt_ WS_ERROR *error)
{
	char text[128];
	RESPONSE *r;
	HRESULT hr;
	ULONG i;

	hr = WsAlloc(heap, sizeof(*r), (void **)&r, error);
	if (FAILED(hr))
		return hr;
	r->id = request->id;
	r->checksum = 0;
	for (i = 0; i < request->payloadSize; i++)
		r->checksum = r->checksum * 33 + request->payload[i];
	snprintf(text, sizeof(text), "%u bytes accepted, checksum %08x",
		 (unsigned int)request->payloadSize, (unsigned int)r->checksum);
	hr = CopyString(heap, text, &r->text, error);
	if (FAILED(hr))
		return hr;
	*response = r;
	return S_OK;
}

static void PrintError(_In_ HRESULT hr, _In_opt_ WS_ERROR *error)
{
	ULONG count = 0, i;
	WS_STRING s;

	/* HRESULT is int32_t here: %lx would be wrong */
	printf("  failure: hr = 0x%08" PRIx32 "\n", (uint32_t)hr);
	if (!error ||
	    FAILED(WsGetErrorProperty(error, WS_ERROR_PROPERTY_STRING_COUNT,
				      &count, sizeof(count))))
		return;
	for (i = 0; i < count; i++) {
		if (FAILED(WsGetErrorString(error, i, &s)))
			break;
		printf("  error string %u: ", (unsigned int)i);
		PrintString(&s);
		putchar('\n');
	}
}

static HRESULT PrintHeapProperties(_In_ WS_HEAP *heap, _In_opt_ WS_ERROR *error)
{
	static const struct {
		WS_HEAP_PROPERTY_ID id;
		const char *name;
	} props[] = {
		{ WS_HEAP_PROPERTY_MAX_SIZE, "WS_HEAP_PROPERTY_MAX_SIZE" },
		{ WS_HEAP_PROPERTY_TRIM_SIZE, "WS_HEAP_PROPERTY_TRIM_SIZE" },
		{ WS_HEAP_PROPERTY_REQUESTED_SIZE, "WS_HEAP_PROPERTY_REQUESTED_SIZE" },
		{ WS_HEAP_PROPERTY_ACTUAL_SIZE, "WS_HEAP_PROPERTY_ACTUAL_SIZE" },
	};
	SIZE_T value;
	HRESULT hr;
	size_t i;

	for (i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		hr = WsGetHeapProperty(heap, props[i].id, &value, sizeof(value), error);
		if (FAILED(hr))
			return hr;
		printf("%-32s %zu\n", props[i].name, (size_t)value);
	}
	return S_OK;
}

int main(int argc, char **argv)
{
	ULONG requests = argc > 1 ? (ULONG)strtoul(argv[1], NULL, 0) : 10;
	ULONG served = 0, rejected = 0, n;
	WS_ERROR *error = NULL;
	WS_HEAP *heap = NULL;
	RESPONSE *response;
	REQUEST *request;
	HRESULT hr;

	hr = WsCreateError(NULL, 0, &error);
	if (FAILED(hr))
		goto Exit;
	hr = WsCreateHeap(MAX_HEAP_SIZE, TRIM_HEAP_SIZE, NULL, 0, &heap, error);
	if (FAILED(hr))
		goto Exit;

	for (n = 0; n < requests; n++) {
		hr = ReadRequest(n, heap, &request, error);
		if (hr == WS_E_QUOTA_EXCEEDED) {
			/* A request too large for its quota is refused, not fatal. */
			printf("request %u: rejected\n", (unsigned int)n);
			PrintError(hr, error);
			WsResetError(error);
			rejected++;
		} else if (FAILED(hr)) {
			goto Exit;
		} else {
			hr = BuildResponse(request, heap, &response, error);
			if (FAILED(hr))
				goto Exit;
			printf("request %u: ", (unsigned int)request->id);
			PrintString(&request->user);
			printf(" ");
			PrintString(&request->action);
			printf(" -> ");
			PrintString(&response->text);
			putchar('\n');
			served++;
		}

		/* Release everything the request used, keep trimSize bytes. */
		hr = WsResetHeap(heap, error);
		if (FAILED(hr))
			goto Exit;
	}

	printf("%u served, %u rejected\n", (unsigned int)served, (unsigned int)rejected);
	/* One last request left on the heap, to show its sizes. */
	hr = ReadRequest(1, heap, &request, error);
	if (FAILED(hr))
		goto Exit;
	hr = PrintHeapProperties(heap, error);

Exit:
	if (FAILED(hr))
		PrintError(hr, error);
	if (heap)
		WsFreeHeap(heap);
	if (error)
		WsFreeError(error);
	return FAILED(hr) ? 1 : 0;
}
