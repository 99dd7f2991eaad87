/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The ioctls of the template driver (/dev/wsheap_template).  Every result
 * comes back in the struct: ioctl()'s return value is 0 or -1 with errno,
 * never data (a heap offset does not fit in an int).
 */
#ifndef _UAPI_WSHEAP_TEMPLATE_H
#define _UAPI_WSHEAP_TEMPLATE_H

#include <linux/types.h>
#include <linux/ioctl.h>

/**
 * struct wsheap_template_io - the argument of every command
 * @heap_fd: FILL, KEEP: in: a heap descriptor from WSHEAP_IOC_EXPORT
 * @size: FILL, KEEP: in: bytes, 1..WSHEAP_TEMPLATE_MAX
 * @value: FILL: in: the pattern's seed; STAMP: in: the value to write
 * @offset: out: where the block starts in the heap
 * @generation: out: the heap generation the block belongs to
 */
struct wsheap_template_io {
	__s32 heap_fd;
	__u32 size;
	__u64 value;
	__u64 offset;
	__u64 generation;
};

#define WSHEAP_TEMPLATE_MAX	(1U << 20)

/* Allocate @size bytes in the heap and fill them with the pattern. */
#define WSHEAP_TEMPLATE_FILL	_IOWR(0xB9, 0x50, struct wsheap_template_io)
/*
 * Allocate @size bytes and keep the block (and the heap) in this open
 * file for STAMP; EBUSY if the file keeps one already.
 */
#define WSHEAP_TEMPLATE_KEEP	_IOWR(0xB9, 0x51, struct wsheap_template_io)
/*
 * Write @value into the first 8 bytes of the kept block.  ESTALE once the
 * heap was reset since KEEP (the block is gone; the file lets go of it),
 * ENODATA if the file keeps no block.
 */
#define WSHEAP_TEMPLATE_STAMP	_IOWR(0xB9, 0x52, struct wsheap_template_io)

/* Byte @i of FILL's pattern for @seed. */
static inline __u8 wsheap_template_byte(__u64 seed, __u64 i)
{
	return (__u8)(((seed + i) * 0x9E3779B97F4A7C15ULL) >> 56);
}

#endif /* _UAPI_WSHEAP_TEMPLATE_H */
