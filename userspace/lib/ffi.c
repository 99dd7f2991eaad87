// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * Export the inline fast path of <wsheap.h> as real symbols (for FFI users
 * and for callers that take the functions' addresses), as liburing-ffi does:
 * with WSHEAP_INLINE empty, the header's inline functions are compiled here
 * as ordinary external definitions.
 */
#define WSHEAP_INLINE
#include "wsheap_priv.h"
