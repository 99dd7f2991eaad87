// SPDX-License-Identifier: MIT
/*
 * wsheap: libwsheap's native API (impl_wsheap.h).
 */
#include "impl_wsheap.h"

#define IMPL_SYM	impl_wsheap
#define IMPL_NAME	"wsheap"
#define IMPL_CAPS	CAP_TOUCH
#include "workloads.h"
