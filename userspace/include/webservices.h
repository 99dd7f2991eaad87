/* SPDX-License-Identifier: MIT */
/*
 * webservices.h - the Windows Web Services (WWSAPI) heap and error API of
 * libwsheap.
 *
 * The types, constants, prototypes and behaviour of WsCreateHeap, WsAlloc,
 * WsResetHeap, WsFreeHeap, WsGetHeapProperty and of the WS_ERROR functions
 * match Windows', so Windows code that uses them compiles unchanged; it is
 * installed as <WebServices.h> too, the spelling of Windows code.  Types are
 * mapped for Linux LP64: HRESULT is int32_t (failure codes are negative;
 * print it with "0x%08" PRIx32 and a (uint32_t) cast, not %lx), ULONG
 * uint32_t, SIZE_T size_t, WCHAR a UTF-16 code unit (uint16_t, while Linux's
 * wchar_t has 32 bits: write u"..." literals, and print a WS_STRING with
 * WsheapStringToUtf8()).  See webservices.h(3).
 *
 * Heaps are libwsheap heaps (see <wsheap.h> and libwsheap(3)) in the
 * process's default /dev/wsheap context.  This header stands alone: it
 * neither needs nor clashes with <wsheap.h>.
 *
 * Define WSHEAP_NO_WINTYPES before including it if another header already
 * defines the Windows base types (ULONG, WCHAR, ...) with the same meaning.
 *
 * At the end, a separate section declares libwsheap's own extensions (heap
 * sharing between processes): functions named Wsheap... and constants named
 * WSHEAP_WS_..., which Windows does not have.  Define WSHEAP_NO_EXTENSIONS
 * before including the header to hide them and keep to the Windows API.
 */
#ifndef WSHEAP_WEBSERVICES_H
#define WSHEAP_WEBSERVICES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Windows base types (LP64 mapping) ---------------------------------- */
#ifndef WSHEAP_NO_WINTYPES
# ifndef WSHEAP_WINTYPES_DEFINED
# define WSHEAP_WINTYPES_DEFINED 1
typedef uint8_t		BYTE;
typedef uint16_t	WORD;
typedef uint16_t	USHORT;
typedef uint32_t	DWORD;
typedef uint32_t	ULONG;
typedef int32_t		LONG;
typedef int32_t		BOOL;
typedef uint64_t	ULONGLONG;
typedef int64_t		LONGLONG;
typedef size_t		SIZE_T;
typedef uint16_t	WCHAR;
typedef uint16_t	LANGID;
# endif
# ifndef _HRESULT_DEFINED
# define _HRESULT_DEFINED
typedef int32_t		HRESULT;
# endif
#endif /* WSHEAP_NO_WINTYPES */

#ifndef VOID
# define VOID void
#endif
#ifndef TRUE
# define TRUE 1
#endif
#ifndef FALSE
# define FALSE 0
#endif
#ifndef NULL
# define NULL ((void *)0)
#endif
#ifndef WINAPI
# define WINAPI
#endif
#ifndef CALLBACK
# define CALLBACK
#endif

/* ---- SAL annotations: accepted and ignored -------------------------------- */
#ifndef _In_
# define _In_
#endif
#ifndef _In_opt_
# define _In_opt_
#endif
#ifndef _Out_
# define _Out_
#endif
#ifndef _Out_opt_
# define _Out_opt_
#endif
#ifndef _Inout_
# define _Inout_
#endif
#ifndef _Inout_opt_
# define _Inout_opt_
#endif
#ifndef _Outptr_
# define _Outptr_
#endif
#ifndef _Outptr_opt_
# define _Outptr_opt_
#endif
#ifndef _Outptr_result_maybenull_
# define _Outptr_result_maybenull_
#endif
#ifndef _Outptr_result_bytebuffer_
# define _Outptr_result_bytebuffer_(size)
#endif
#ifndef _Outptr_result_buffer_
# define _Outptr_result_buffer_(size)
#endif
#ifndef _In_reads_
# define _In_reads_(count)
#endif
#ifndef _In_reads_opt_
# define _In_reads_opt_(count)
#endif
#ifndef _In_reads_bytes_
# define _In_reads_bytes_(size)
#endif
#ifndef _In_reads_bytes_opt_
# define _In_reads_bytes_opt_(size)
#endif
#ifndef _Out_writes_
# define _Out_writes_(count)
#endif
#ifndef _Out_writes_opt_
# define _Out_writes_opt_(count)
#endif
#ifndef _Out_writes_bytes_
# define _Out_writes_bytes_(size)
#endif
#ifndef _Out_writes_bytes_opt_
# define _Out_writes_bytes_opt_(size)
#endif
#ifndef _Out_writes_bytes_to_
# define _Out_writes_bytes_to_(size, count)
#endif
#ifndef _Inout_updates_
# define _Inout_updates_(count)
#endif
#ifndef _Inout_updates_bytes_
# define _Inout_updates_bytes_(size)
#endif
#ifndef _Field_size_
# define _Field_size_(count)
#endif
#ifndef _Field_size_opt_
# define _Field_size_opt_(count)
#endif
#ifndef _Field_size_bytes_
# define _Field_size_bytes_(size)
#endif
#ifndef _Field_size_bytes_opt_
# define _Field_size_bytes_opt_(size)
#endif
#ifndef _Ret_maybenull_
# define _Ret_maybenull_
#endif
#ifndef _Ret_notnull_
# define _Ret_notnull_
#endif
#ifndef _Check_return_
# define _Check_return_
#endif
#ifndef _Must_inspect_result_
# define _Must_inspect_result_
#endif
#ifndef _Success_
# define _Success_(expr)
#endif
#ifndef _When_
# define _When_(expr, annotation)
#endif
#ifndef _Pre_
# define _Pre_
#endif
#ifndef _Post_
# define _Post_
#endif
#ifndef _Null_terminated_
# define _Null_terminated_
#endif
#ifndef _Frees_ptr_opt_
# define _Frees_ptr_opt_
#endif

/* ---- HRESULTs ------------------------------------------------------------ */
#ifndef SUCCEEDED
# define SUCCEEDED(hr)	(((HRESULT)(hr)) >= 0)
#endif
#ifndef FAILED
# define FAILED(hr)	(((HRESULT)(hr)) < 0)
#endif
#ifndef _HRESULT_TYPEDEF_
# define _HRESULT_TYPEDEF_(sc)	((HRESULT)(sc))
#endif

#ifndef S_OK
# define S_OK			_HRESULT_TYPEDEF_(0x00000000L)
#endif
#ifndef S_FALSE
# define S_FALSE		_HRESULT_TYPEDEF_(0x00000001L)
#endif
#ifndef E_NOTIMPL
# define E_NOTIMPL		_HRESULT_TYPEDEF_(0x80004001L)
#endif
#ifndef E_POINTER
# define E_POINTER		_HRESULT_TYPEDEF_(0x80004003L)
#endif
#ifndef E_ABORT
# define E_ABORT		_HRESULT_TYPEDEF_(0x80004004L)
#endif
#ifndef E_FAIL
# define E_FAIL			_HRESULT_TYPEDEF_(0x80004005L)
#endif
#ifndef E_UNEXPECTED
# define E_UNEXPECTED		_HRESULT_TYPEDEF_(0x8000FFFFL)
#endif
#ifndef E_OUTOFMEMORY
# define E_OUTOFMEMORY		_HRESULT_TYPEDEF_(0x8007000EL)
#endif
#ifndef E_INVALIDARG
# define E_INVALIDARG		_HRESULT_TYPEDEF_(0x80070057L)
#endif

#ifndef WS_S_ASYNC
# define WS_S_ASYNC				_HRESULT_TYPEDEF_(0x003D0000L)
# define WS_S_END				_HRESULT_TYPEDEF_(0x003D0001L)
# define WS_E_INVALID_FORMAT			_HRESULT_TYPEDEF_(0x803D0000L)
# define WS_E_OBJECT_FAULTED			_HRESULT_TYPEDEF_(0x803D0001L)
# define WS_E_NUMERIC_OVERFLOW			_HRESULT_TYPEDEF_(0x803D0002L)
# define WS_E_INVALID_OPERATION			_HRESULT_TYPEDEF_(0x803D0003L)
# define WS_E_OPERATION_ABORTED			_HRESULT_TYPEDEF_(0x803D0004L)
# define WS_E_ENDPOINT_ACCESS_DENIED		_HRESULT_TYPEDEF_(0x803D0005L)
# define WS_E_OPERATION_TIMED_OUT		_HRESULT_TYPEDEF_(0x803D0006L)
# define WS_E_OPERATION_ABANDONED		_HRESULT_TYPEDEF_(0x803D0007L)
# define WS_E_QUOTA_EXCEEDED			_HRESULT_TYPEDEF_(0x803D0008L)
# define WS_E_NO_TRANSLATION_AVAILABLE		_HRESULT_TYPEDEF_(0x803D0009L)
# define WS_E_SECURITY_VERIFICATION_FAILURE	_HRESULT_TYPEDEF_(0x803D000AL)
# define WS_E_ADDRESS_IN_USE			_HRESULT_TYPEDEF_(0x803D000BL)
# define WS_E_ADDRESS_NOT_AVAILABLE		_HRESULT_TYPEDEF_(0x803D000CL)
# define WS_E_ENDPOINT_NOT_FOUND		_HRESULT_TYPEDEF_(0x803D000DL)
# define WS_E_ENDPOINT_NOT_AVAILABLE		_HRESULT_TYPEDEF_(0x803D000EL)
# define WS_E_ENDPOINT_FAILURE			_HRESULT_TYPEDEF_(0x803D000FL)
# define WS_E_ENDPOINT_UNREACHABLE		_HRESULT_TYPEDEF_(0x803D0010L)
# define WS_E_ENDPOINT_ACTION_NOT_SUPPORTED	_HRESULT_TYPEDEF_(0x803D0011L)
# define WS_E_ENDPOINT_TOO_BUSY			_HRESULT_TYPEDEF_(0x803D0012L)
# define WS_E_ENDPOINT_FAULT_RECEIVED		_HRESULT_TYPEDEF_(0x803D0013L)
# define WS_E_ENDPOINT_DISCONNECTED		_HRESULT_TYPEDEF_(0x803D0014L)
# define WS_E_PROXY_FAILURE			_HRESULT_TYPEDEF_(0x803D0015L)
# define WS_E_PROXY_ACCESS_DENIED		_HRESULT_TYPEDEF_(0x803D0016L)
# define WS_E_NOT_SUPPORTED			_HRESULT_TYPEDEF_(0x803D0017L)
# define WS_E_PROXY_REQUIRES_BASIC_AUTH		_HRESULT_TYPEDEF_(0x803D0018L)
# define WS_E_PROXY_REQUIRES_DIGEST_AUTH	_HRESULT_TYPEDEF_(0x803D0019L)
# define WS_E_PROXY_REQUIRES_NTLM_AUTH		_HRESULT_TYPEDEF_(0x803D001AL)
# define WS_E_PROXY_REQUIRES_NEGOTIATE_AUTH	_HRESULT_TYPEDEF_(0x803D001BL)
# define WS_E_SERVER_REQUIRES_BASIC_AUTH	_HRESULT_TYPEDEF_(0x803D001CL)
# define WS_E_SERVER_REQUIRES_DIGEST_AUTH	_HRESULT_TYPEDEF_(0x803D001DL)
# define WS_E_SERVER_REQUIRES_NTLM_AUTH		_HRESULT_TYPEDEF_(0x803D001EL)
# define WS_E_SERVER_REQUIRES_NEGOTIATE_AUTH	_HRESULT_TYPEDEF_(0x803D001FL)
# define WS_E_INVALID_ENDPOINT_URL		_HRESULT_TYPEDEF_(0x803D0020L)
# define WS_E_OTHER				_HRESULT_TYPEDEF_(0x803D0021L)
# define WS_E_SECURITY_TOKEN_EXPIRED		_HRESULT_TYPEDEF_(0x803D0022L)
# define WS_E_SECURITY_SYSTEM_FAILURE		_HRESULT_TYPEDEF_(0x803D0023L)
#endif

/* ---- LANGIDs ------------------------------------------------------------- */
#ifndef MAKELANGID
# define MAKELANGID(p, s)	((LANGID)((((WORD)(s)) << 10) | (WORD)(p)))
#endif
#ifndef PRIMARYLANGID
# define PRIMARYLANGID(lgid)	((WORD)(lgid) & 0x3ff)
#endif
#ifndef SUBLANGID
# define SUBLANGID(lgid)	((WORD)(lgid) >> 10)
#endif
#ifndef LANG_NEUTRAL
# define LANG_NEUTRAL		0x00
#endif
#ifndef LANG_ENGLISH
# define LANG_ENGLISH		0x09
#endif
#ifndef SUBLANG_NEUTRAL
# define SUBLANG_NEUTRAL	0x00
#endif
#ifndef SUBLANG_DEFAULT
# define SUBLANG_DEFAULT	0x01
#endif
#ifndef SUBLANG_ENGLISH_US
# define SUBLANG_ENGLISH_US	0x01
#endif

/* ---- Strings ------------------------------------------------------------- */
/**
 * struct _WS_STRING - a UTF-16 string, not zero-terminated
 * @length: in WCHARs
 * @chars: the characters
 */
typedef struct _WS_STRING {
	ULONG length;
	_Field_size_(length) WCHAR *chars;
} WS_STRING;

#ifndef WsCountOf
# define WsCountOf(arrayValue)	(sizeof(arrayValue) / sizeof((arrayValue)[0]))
#endif
/* WS_STRING_VALUE(u"text") initializes a WS_STRING from a UTF-16 literal. */
#ifndef WS_STRING_VALUE
# define WS_STRING_VALUE(S)	{ (ULONG)(WsCountOf(S) - 1), (WCHAR *)(S) }
#endif
#ifndef WS_STRING_NULL
# define WS_STRING_NULL		{ 0, NULL }
#endif

/* ---- Heap ---------------------------------------------------------------- */
/** WS_HEAP - a heap (opaque) */
typedef struct _WS_HEAP WS_HEAP;

/** WS_HEAP_PROPERTY_ID - what WsGetHeapProperty() reads; each is a SIZE_T */
typedef enum {
	WS_HEAP_PROPERTY_MAX_SIZE = 0,
	WS_HEAP_PROPERTY_TRIM_SIZE = 1,
	WS_HEAP_PROPERTY_REQUESTED_SIZE = 2,
	WS_HEAP_PROPERTY_ACTUAL_SIZE = 3,
} WS_HEAP_PROPERTY_ID;

/** struct _WS_HEAP_PROPERTY - a heap property (reserved: none is accepted) */
typedef struct _WS_HEAP_PROPERTY {
	WS_HEAP_PROPERTY_ID id;
	_Field_size_bytes_(valueSize) void *value;
	ULONG valueSize;
} WS_HEAP_PROPERTY;

/** struct _WS_HEAP_PROPERTIES - a set of heap properties */
typedef struct _WS_HEAP_PROPERTIES {
	_Field_size_(propertyCount) WS_HEAP_PROPERTY *properties;
	ULONG propertyCount;
} WS_HEAP_PROPERTIES;

/* ---- Error objects --------------------------------------------------------- */
/** WS_ERROR - an error object: a list of strings and properties (opaque) */
typedef struct _WS_ERROR WS_ERROR;

/**
 * WS_ERROR_PROPERTY_ID - error properties
 * @WS_ERROR_PROPERTY_STRING_COUNT: ULONG, read-only: strings held
 * @WS_ERROR_PROPERTY_ORIGINAL_ERROR_CODE: ULONG
 * @WS_ERROR_PROPERTY_LANGID: LANGID, set only at creation (default 0x0409)
 */
typedef enum {
	WS_ERROR_PROPERTY_STRING_COUNT = 0,
	WS_ERROR_PROPERTY_ORIGINAL_ERROR_CODE = 1,
	WS_ERROR_PROPERTY_LANGID = 2,
} WS_ERROR_PROPERTY_ID;

/** struct _WS_ERROR_PROPERTY - an error property */
typedef struct _WS_ERROR_PROPERTY {
	WS_ERROR_PROPERTY_ID id;
	_Field_size_bytes_(valueSize) void *value;
	ULONG valueSize;
} WS_ERROR_PROPERTY;

/* ---- Functions ----------------------------------------------------------- */
/*
 * Each heap function that fails with a non-NULL @error adds a string to it
 * saying what went wrong.  See the man pages (WsCreateHeap(3), ...).
 */

/**
 * WsCreateHeap() - create a heap
 * @maxSize: the most the sizes passed to WsAlloc() may add up to between
 *	resets; any value
 * @trimSize: bytes a reset keeps
 * @properties: ignored when @propertyCount is 0
 * @propertyCount: must be 0 (heap properties are reserved)
 * @heap: out: the heap
 * @error: optional: gets a string on failure
 *
 * Return: S_OK, E_INVALIDARG (@heap NULL, @propertyCount not 0),
 * E_OUTOFMEMORY, or E_FAIL (no /dev/wsheap).
 */
HRESULT WINAPI WsCreateHeap(_In_ SIZE_T maxSize, _In_ SIZE_T trimSize,
			    _In_reads_opt_(propertyCount) const WS_HEAP_PROPERTY *properties,
			    _In_ ULONG propertyCount, _Outptr_ WS_HEAP **heap,
			    _In_opt_ WS_ERROR *error);

/**
 * WsAlloc() - allocate memory from a heap
 * @heap: the heap
 * @size: bytes; 0 gives a non-NULL pointer and uses no quota
 * @ptr: out: 8-byte aligned memory, valid until reset or free; written only
 *	on success
 * @error: optional: gets a string on failure
 *
 * Return: S_OK, E_INVALIDARG (@heap or @ptr NULL), WS_E_QUOTA_EXCEEDED
 * (nothing is consumed), E_OUTOFMEMORY.
 */
HRESULT WINAPI WsAlloc(_In_ WS_HEAP *heap, _In_ SIZE_T size,
		       _Outptr_result_bytebuffer_(size) void **ptr,
		       _In_opt_ WS_ERROR *error);

/**
 * WsResetHeap() - release every allocation of a heap
 * @heap: the heap
 * @error: optional: gets a string on failure
 *
 * Return: S_OK, E_INVALIDARG (@heap NULL), or a kernel failure mapped to an
 * HRESULT.
 */
HRESULT WINAPI WsResetHeap(_In_ WS_HEAP *heap, _In_opt_ WS_ERROR *error);

/**
 * WsFreeHeap() - free a heap and everything allocated from it
 * @heap: the heap, or NULL (nothing happens)
 */
void WINAPI WsFreeHeap(_In_opt_ _Frees_ptr_opt_ WS_HEAP *heap);

/**
 * WsGetHeapProperty() - read a heap property
 * @heap: the heap
 * @id: WS_HEAP_PROPERTY_*
 * @value: out: a SIZE_T
 * @valueSize: must be sizeof(SIZE_T)
 * @error: optional: gets a string on failure
 *
 * Return: S_OK, or E_INVALIDARG (NULL @heap or @value, wrong size, unknown
 * id; @value is untouched).
 */
HRESULT WINAPI WsGetHeapProperty(_In_ WS_HEAP *heap, _In_ WS_HEAP_PROPERTY_ID id,
				 _Out_writes_bytes_(valueSize) void *value,
				 _In_ ULONG valueSize, _In_opt_ WS_ERROR *error);

/**
 * WsCreateError() - create an error object
 * @properties: only WS_ERROR_PROPERTY_LANGID (2 bytes) is accepted
 * @propertyCount: number of @properties
 * @error: out: the error object
 *
 * Return: S_OK, E_INVALIDARG (NULL @error, a property other than LANGID, a
 * wrong size), E_OUTOFMEMORY.
 */
HRESULT WINAPI WsCreateError(_In_reads_opt_(propertyCount) const WS_ERROR_PROPERTY *properties,
			     _In_ ULONG propertyCount, _Outptr_ WS_ERROR **error);

/**
 * WsGetErrorProperty() - read an error property
 * @error: the error object
 * @id: WS_ERROR_PROPERTY_*
 * @buffer: out
 * @bufferSize: exactly 4, 4 or 2 for STRING_COUNT, ORIGINAL_ERROR_CODE, LANGID
 *
 * Return: S_OK or E_INVALIDARG.
 */
HRESULT WINAPI WsGetErrorProperty(_In_ WS_ERROR *error, _In_ WS_ERROR_PROPERTY_ID id,
				  _Out_writes_bytes_(bufferSize) void *buffer,
				  _In_ ULONG bufferSize);

/**
 * WsSetErrorProperty() - set an error property
 * @error: the error object
 * @id: only WS_ERROR_PROPERTY_ORIGINAL_ERROR_CODE may be set
 * @value: the value
 * @valueSize: its size
 *
 * Return: S_OK, WS_E_INVALID_OPERATION (LANGID), E_INVALIDARG.
 */
HRESULT WINAPI WsSetErrorProperty(_In_ WS_ERROR *error, _In_ WS_ERROR_PROPERTY_ID id,
				  _In_reads_bytes_(valueSize) const void *value,
				  _In_ ULONG valueSize);

/**
 * WsGetErrorString() - read one of the strings of an error object
 * @error: the error object
 * @index: 0 is the most recently added string
 * @string: out: points into @error, valid until it is reset or freed
 *
 * Return: S_OK, or E_INVALIDARG (NULL argument, @index out of range).
 */
HRESULT WINAPI WsGetErrorString(_In_ WS_ERROR *error, _In_ ULONG index,
				_Out_ WS_STRING *string);

/**
 * WsAddErrorString() - add a copy of a string to an error object
 * @error: the error object
 * @string: the string; an empty one counts
 *
 * Return: S_OK, E_INVALIDARG, E_OUTOFMEMORY.
 */
HRESULT WINAPI WsAddErrorString(_In_ WS_ERROR *error, _In_ const WS_STRING *string);

/**
 * WsResetError() - drop the strings and the original error code
 * @error: the error object (its LANGID is kept)
 *
 * Return: S_OK or E_INVALIDARG.
 */
HRESULT WINAPI WsResetError(_In_ WS_ERROR *error);

/**
 * WsFreeError() - free an error object
 * @error: the error object, or NULL (nothing happens)
 */
void WINAPI WsFreeError(_In_opt_ _Frees_ptr_opt_ WS_ERROR *error);

/* ======================================================================== */
/*
 * libwsheap extensions: NOT part of Windows' WWSAPI (LIBWSHEAP_1.1).
 *
 * Share a WS_HEAP between processes: WsheapExportHeap() makes a file
 * descriptor, another process (it gets the descriptor over SCM_RIGHTS, fork
 * or exec) makes a WS_HEAP of it with WsheapImportHeap().  Both allocate
 * from the same kernel heap without ever getting the same bytes, and see
 * each other's data through offsets (WsheapGetHeapOffset(),
 * WsheapGetHeapPointer()), since addresses differ per process.
 * WsResetHeap() by any of them releases everybody's allocations;
 * WsheapGetHeapGeneration() tells, without a system call, how often the
 * heap has been reset.  See libwsheap(3), SHARING.
 *
 * Like the Windows functions, they return HRESULTs and add a string to a
 * non-NULL WS_ERROR when they fail.
 */
#ifndef WSHEAP_NO_EXTENSIONS
/* Defined when the extensions are declared. */
#define WSHEAP_WS_EXTENSIONS	1

/* Windows' winerror.h value: a buffer too small for the result */
#ifndef E_NOT_SUFFICIENT_BUFFER
# define E_NOT_SUFFICIENT_BUFFER	_HRESULT_TYPEDEF_(0x8007007AL)
#endif

/* Flags of WsheapExportHeap() */
/* The importers of the descriptor may read, but not allocate or reset. */
#define WSHEAP_WS_EXPORT_READ_ONLY	0x00000001
/* The descriptor stays open across execve() (no O_CLOEXEC). */
#define WSHEAP_WS_EXPORT_NO_CLOEXEC	0x00000002

/**
 * WsheapExportHeap() - a file descriptor that shares a heap (not Windows)
 * @heap: the heap (created or imported)
 * @flags: WSHEAP_WS_EXPORT_*
 * @fd: out: the new descriptor (close-on-exec unless NO_CLOEXEC); the
 *	caller closes it when done
 * @error: optional: gets a string on failure
 *
 * Return: S_OK, E_INVALIDARG (@heap or @fd NULL, unknown @flags),
 * WS_E_INVALID_OPERATION (a read-only heap exported without READ_ONLY),
 * E_OUTOFMEMORY (no memory, no free descriptor), or E_FAIL.
 */
HRESULT WINAPI WsheapExportHeap(_In_ WS_HEAP *heap, _In_ ULONG flags,
				_Out_ int *fd, _In_opt_ WS_ERROR *error);

/**
 * WsheapExportDmabuf() - a dma-buf of a range of a heap (not Windows, 1.2)
 * @heap: the heap (not a read-only import)
 * @ptr: the range's first byte, page aligned (from WsAlloc() of a size
 *	that is a multiple of the page size, or WsheapGetHeapPointer())
 * @size: bytes, not 0; the dma-buf holds whole pages from @ptr on
 * @flags: WSHEAP_WS_EXPORT_READ_ONLY (importers may only read),
 *	WSHEAP_WS_EXPORT_NO_CLOEXEC
 * @fd: out: the dma-buf's descriptor; the caller closes it when done
 * @error: optional: gets a string on failure
 *
 * The dma-buf holds its pages: they keep their data while it lives.  Pass
 * it to a driver that imports dma-bufs, or to another process, which can
 * mmap() it.  See wsheap_export_dmabuf(3).
 *
 * Return: S_OK, E_INVALIDARG (NULL argument, unknown @flags, @size 0, @ptr
 * not page aligned or not in @heap, a range the heap does not hold),
 * WS_E_INVALID_OPERATION (a read-only heap, or another process reset the
 * heap since @ptr was allocated), E_OUTOFMEMORY, or E_FAIL.
 */
HRESULT WINAPI WsheapExportDmabuf(_In_ WS_HEAP *heap, _In_ const void *ptr,
				  _In_ SIZE_T size, _In_ ULONG flags,
				  _Out_ int *fd, _In_opt_ WS_ERROR *error);

/**
 * WsheapImportHeap() - a heap for a descriptor of WsheapExportHeap()
 *	(not Windows)
 * @fd: the descriptor; it may be closed once this returns
 * @heap: out: the heap, in the process's default context; free it with
 *	WsFreeHeap(), which drops only this process's use of the shared heap
 * @error: optional: gets a string on failure
 *
 * The heap's WS_HEAP_PROPERTY_MAX_SIZE is SIZE_MAX (each process has its
 * own quota), TRIM_SIZE is the exporter's.  A read-only export gives a heap
 * that WsAlloc() and WsResetHeap() refuse with WS_E_INVALID_OPERATION.
 *
 * Return: S_OK, E_INVALIDARG (@heap NULL, @fd not open or not an exported
 * heap), E_OUTOFMEMORY, or E_FAIL (no /dev/wsheap, another failure).
 */
HRESULT WINAPI WsheapImportHeap(_In_ int fd, _Outptr_ WS_HEAP **heap,
				_In_opt_ WS_ERROR *error);

/**
 * WSHEAP_HEAP_MARK - a savepoint of a heap, from WsheapMarkHeap() (not
 *	Windows; opaque)
 */
typedef struct _WSHEAP_HEAP_MARK {
	ULONGLONG opaque[8];
} WSHEAP_HEAP_MARK;

/**
 * WsheapMarkHeap() - remember where a heap is now (not Windows)
 * @heap: a heap from WsCreateHeap() (not an import, not shared)
 * @mark: out: the savepoint
 * @error: optional: gets a string on failure
 *
 * wsheap_mark() of the native heap, with the heap's requested size.
 *
 * Return: S_OK, E_INVALIDARG (a NULL argument), WS_E_NOT_SUPPORTED (an
 * exported or imported heap, or one inherited across fork()),
 * WS_E_INVALID_OPERATION (a read-only import).
 */
HRESULT WINAPI WsheapMarkHeap(_In_ WS_HEAP *heap, _Out_ WSHEAP_HEAP_MARK *mark,
			      _In_opt_ WS_ERROR *error);

/**
 * WsheapRewindHeap() - release everything allocated since a mark (not
 *	Windows)
 * @heap: the heap the mark was taken of
 * @mark: from WsheapMarkHeap(), since the heap's last reset
 * @error: optional: gets a string on failure
 *
 * The allocations made after @mark are released and
 * WS_HEAP_PROPERTY_REQUESTED_SIZE is what it was at the mark, so the
 * quota is too (see wsheap_rewind(): the memory is reused, and a reset
 * gives blocks back); WS_HEAP_PROPERTY_ACTUAL_SIZE keeps its blocks.
 *
 * Return: S_OK, E_INVALIDARG (a NULL argument), WS_E_NOT_SUPPORTED (as
 * WsheapMarkHeap()), WS_E_INVALID_OPERATION (@mark is from before a
 * reset, or the heap was rewound to before it).
 */
HRESULT WINAPI WsheapRewindHeap(_In_ WS_HEAP *heap,
				_In_ const WSHEAP_HEAP_MARK *mark,
				_In_opt_ WS_ERROR *error);

/**
 * WsheapGetHeapGeneration() - how often a heap has been reset, by anyone
 *	(not Windows)
 * @heap: the heap
 * @generation: out: the resets so far, read from the kernel's status page
 *	without a system call (the first call on a heap that was neither
 *	exported nor imported maps the page)
 * @error: optional: gets a string on failure
 *
 * Allocations made while the generation stays the same are valid; once it
 * changed, another process (or this one) reset the heap and released them.
 *
 * Return: S_OK, E_INVALIDARG (@heap or @generation NULL), E_FAIL.
 */
HRESULT WINAPI WsheapGetHeapGeneration(_In_ WS_HEAP *heap,
				       _Out_ ULONGLONG *generation,
				       _In_opt_ WS_ERROR *error);

/**
 * WsheapGetHeapPointer() - this process's address of a heap offset
 *	(not Windows)
 * @heap: the heap
 * @offset: an offset from WsheapGetHeapOffset() in any process
 * @size: bytes that will be accessed from there (0 is allowed)
 * @ptr: out: the address, valid until the heap is reset or freed
 * @error: optional: gets a string on failure
 *
 * Return: S_OK, E_INVALIDARG (NULL argument, or a range the heap does not
 * hold now), E_OUTOFMEMORY (no address space), E_FAIL.
 */
HRESULT WINAPI WsheapGetHeapPointer(_In_ WS_HEAP *heap, _In_ ULONGLONG offset,
				    _In_ SIZE_T size, _Outptr_ void **ptr,
				    _In_opt_ WS_ERROR *error);

/**
 * WsheapGetHeapOffset() - the offset of an address in a heap, the same in
 *	every process that shares it (not Windows)
 * @heap: the heap
 * @ptr: an address inside memory of @heap (from WsAlloc() or
 *	WsheapGetHeapPointer())
 * @offset: out: the offset
 * @error: optional: gets a string on failure
 *
 * Return: S_OK, or E_INVALIDARG (NULL argument, @ptr not inside @heap).
 */
HRESULT WINAPI WsheapGetHeapOffset(_In_ WS_HEAP *heap, _In_ const void *ptr,
				   _Out_ ULONGLONG *offset,
				   _In_opt_ WS_ERROR *error);

/**
 * WsheapStringToUtf8() - a WS_STRING as UTF-8 text, for printing on Linux
 *	(not Windows, 1.2)
 * @string: the string (UTF-16, @string->length units, no terminator)
 * @buffer: out: the UTF-8 text, NUL-terminated (when @bufferSize > 0)
 * @bufferSize: bytes at @buffer, the NUL included; 0 with a NULL @buffer
 *	asks for the size only
 * @length: optional out: bytes the whole text needs, without the NUL
 *
 * WCHAR is a UTF-16 code unit while Linux's wchar_t has 32 bits, so
 * wprintf(L"%.*s", s.length, s.chars) cannot print a WS_STRING; convert it
 * and print the result with "%s".  Surrogate pairs become one character, a
 * lone surrogate U+FFFD.  What does not fit is cut at a character boundary.
 *
 * Return: S_OK (all of it and the NUL written), E_NOT_SUFFICIENT_BUFFER
 * (@buffer holds what fitted; *@length says how much is needed), or
 * E_INVALIDARG (@string NULL, @string->chars NULL with a length, @buffer
 * NULL with a size).
 */
HRESULT WINAPI WsheapStringToUtf8(_In_ const WS_STRING *string,
				  _Out_writes_bytes_opt_(bufferSize) char *buffer,
				  _In_ SIZE_T bufferSize,
				  _Out_opt_ SIZE_T *length);

#endif /* WSHEAP_NO_EXTENSIONS */

#ifdef __cplusplus
}
#endif

#endif /* WSHEAP_WEBSERVICES_H */
