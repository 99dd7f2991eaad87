/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints: heap creation, block allocation, reset and destroy
 * (tracefs: events/wsheap/).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM wsheap

#if !defined(_WSHEAP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _WSHEAP_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(wsheap_create,
	TP_PROTO(u64 id, u64 max_size, u64 trim_size, u32 flags),
	TP_ARGS(id, max_size, trim_size, flags),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(u64, max_size)
		__field(u64, trim_size)
		__field(u32, flags)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->max_size = max_size;
		__entry->trim_size = trim_size;
		__entry->flags = flags;
	),
	TP_printk("heap=%llu max=%llu trim=%llu flags=%#x", __entry->id,
		  __entry->max_size, __entry->trim_size, __entry->flags)
);

TRACE_EVENT(wsheap_alloc,
	TP_PROTO(u64 id, u64 size, u64 align, u64 offset, u64 committed),
	TP_ARGS(id, size, align, offset, committed),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(u64, size)
		__field(u64, align)
		__field(u64, offset)
		__field(u64, committed)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->size = size;
		__entry->align = align;
		__entry->offset = offset;
		__entry->committed = committed;
	),
	TP_printk("heap=%llu size=%llu align=%llu offset=%llu committed=%llu",
		  __entry->id, __entry->size, __entry->align, __entry->offset,
		  __entry->committed)
);

TRACE_EVENT(wsheap_reset,
	TP_PROTO(u64 id, u64 generation, u64 kept, u64 released),
	TP_ARGS(id, generation, kept, released),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(u64, generation)
		__field(u64, kept)
		__field(u64, released)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->generation = generation;
		__entry->kept = kept;
		__entry->released = released;
	),
	TP_printk("heap=%llu generation=%llu kept=%llu released=%llu",
		  __entry->id, __entry->generation, __entry->kept,
		  __entry->released)
);

TRACE_EVENT(wsheap_destroy,
	TP_PROTO(u64 id, u64 released),
	TP_ARGS(id, released),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(u64, released)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->released = released;
	),
	TP_printk("heap=%llu released=%llu", __entry->id, __entry->released)
);

#endif /* _WSHEAP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE wsheap_trace
#include <trace/define_trace.h>
