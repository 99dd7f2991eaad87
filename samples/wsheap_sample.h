/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The ioctls of the wsheap sample driver (/dev/wsheap_sample): user space
 * hands it a heap descriptor; it writes records into the arena, or checks
 * records user space wrote there.
 */
#ifndef _UAPI_WSHEAP_SAMPLE_H
#define _UAPI_WSHEAP_SAMPLE_H

#include <linux/types.h>
#include <linux/ioctl.h>

/**
 * struct wsheap_sample_record - what the driver writes and checks
 * @seq: sequence number
 * @value: payload
 * @check: wsheap_sample_check(seq, value)
 * @pad: zero
 */
struct wsheap_sample_record {
	__u64 seq;
	__u64 value;
	__u32 check;
	__u32 pad;
};

static inline __u32 wsheap_sample_check(__u64 seq, __u64 value)
{
	__u64 h = seq * 0x9E3779B97F4A7C15ULL ^ value;

	return (__u32)(h ^ (h >> 32));
}

/**
 * struct wsheap_sample_io - PRODUCE and CONSUME
 * @heap_fd: in: a descriptor from WSHEAP_IOC_EXPORT
 * @count: in: records, 1..WSHEAP_SAMPLE_MAX
 * @offset: PRODUCE: out, where the records start; CONSUME: in
 * @seed: PRODUCE: in, first value; CONSUME: out, records that checked out
 */
struct wsheap_sample_io {
	__s32 heap_fd;
	__u32 count;
	__u64 offset;
	__u64 seed;
};

#define WSHEAP_SAMPLE_MAX	65536
#define WSHEAP_SAMPLE_PRODUCE	_IOWR(0xB9, 0x40, struct wsheap_sample_io)
#define WSHEAP_SAMPLE_CONSUME	_IOWR(0xB9, 0x41, struct wsheap_sample_io)
/*
 * HOLD: pin @count records at @offset (as a driver doing DMA would) until
 * RELEASE or close; meanwhile a reset of the heap fails with EBUSY.
 */
#define WSHEAP_SAMPLE_HOLD	_IOW(0xB9, 0x42, struct wsheap_sample_io)
#define WSHEAP_SAMPLE_RELEASE	_IO(0xB9, 0x43)

#endif /* _UAPI_WSHEAP_SAMPLE_H */
