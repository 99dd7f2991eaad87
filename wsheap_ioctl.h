/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * wsheap: arena heaps in kernel memory, mapped into user space.
 *
 * The one ABI contract between wsheap.ko and user space.  Every struct is a
 * fixed layout of __u64/__u32 with explicit padding.  The kernel takes a
 * struct's size from the command (_IOC_SIZE): a larger struct is accepted
 * only if the bytes it adds are zero (E2BIG otherwise), so new fields can be
 * appended.  Unknown flags and non-zero reserved fields fail with EINVAL;
 * unknown commands with ENOTTY.
 *
 * Mapping: CREATE returns mmap_offset.  A heap's bytes [off, off + len) are
 * mapped with mmap(NULL, len, prot, MAP_SHARED, fd, mmap_offset + off) where
 * off is page aligned; the window may cover at most WSHEAP_SPAN bytes.
 * Touching a page beyond what the heap has committed raises SIGBUS.
 *
 * The last 64 KiB of the span hold the heap's status (struct wsheap_status
 * at WSHEAP_STATUS_OFFSET), which any party may map read-only to learn of
 * resets without a system call; allocations end before it.
 *
 * Rights travel with descriptors: a read-only handle, a read-only export,
 * and everything a context opened without write access hands out (mappings,
 * exports) can never become writable, and no mapping is ever executable.
 *
 * Sharing: EXPORT makes a file descriptor for a heap, IMPORT turns one into
 * a handle in another context; EXPORT_DMABUF makes a dma-buf of a range.
 *
 * 32-bit processes cannot address the span's mmap offsets: opening the
 * device from one fails with EOPNOTSUPP.
 */
#ifndef _UAPI_WSHEAP_IOCTL_H
#define _UAPI_WSHEAP_IOCTL_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define WSHEAP_DEVICE		"/dev/wsheap"
#define WSHEAP_ABI_VERSION	1

/* Each heap's offsets live in [0, WSHEAP_SPAN): 1 TiB. */
#define WSHEAP_SPAN_SHIFT	40
#define WSHEAP_SPAN		(1ULL << WSHEAP_SPAN_SHIFT)

/* The status area; data offsets stay below it. */
#define WSHEAP_STATUS_OFFSET	(WSHEAP_SPAN - 65536)

/* Alignment of ALLOC when align is 0, and the largest accepted. */
#define WSHEAP_DEFAULT_ALIGN	8ULL
#define WSHEAP_MAX_ALIGN	(1ULL << 30)

/* CREATE flags */
/* Allocate (and zero) pages at ALLOC, so faults never fail for memory. */
#define WSHEAP_CREATE_POPULATE		(1U << 0)
/* Zero the pages a RESET keeps, so no byte survives a reset. */
#define WSHEAP_CREATE_ZERO_ON_RESET	(1U << 1)
/*
 * Back each ALLOC's new pages with one physically contiguous run (at most
 * WSHEAP_CONTIG_MAX bytes; ENOMEM when none is free), allocated at ALLOC as
 * with POPULATE, so devices without an IOMMU (vb2-dma-contig, simple DRM
 * drivers) accept dma-bufs of a block.
 */
#define WSHEAP_CREATE_CONTIG		(1U << 2)
#define WSHEAP_CREATE_FLAGS	(WSHEAP_CREATE_POPULATE | \
				 WSHEAP_CREATE_ZERO_ON_RESET | \
				 WSHEAP_CREATE_CONTIG)

/* The largest contiguous run a CONTIG heap commits at once: 4 MiB. */
#define WSHEAP_CONTIG_MAX		(4ULL << 20)

/* EXPORT flags */
/* Importers get read-only access: INFO and read-only mappings. */
#define WSHEAP_EXPORT_RDONLY		(1U << 0)
/* Leave the new descriptor open across execve() (no O_CLOEXEC). */
#define WSHEAP_EXPORT_NO_CLOEXEC	(1U << 1)
#define WSHEAP_EXPORT_FLAGS	(WSHEAP_EXPORT_RDONLY | \
				 WSHEAP_EXPORT_NO_CLOEXEC)

/* IMPORT access bits (output) */
#define WSHEAP_ACCESS_RDONLY		(1U << 0)

/* EXPORT_DMABUF flags */
#define WSHEAP_DMABUF_RDONLY		(1U << 0)
#define WSHEAP_DMABUF_NO_CLOEXEC	(1U << 1)
#define WSHEAP_DMABUF_FLAGS	(WSHEAP_DMABUF_RDONLY | \
				 WSHEAP_DMABUF_NO_CLOEXEC)

/* struct wsheap_status flags */
#define WSHEAP_STATUS_DEAD		(1U << 0)
/*
 * Set while a RESET runs (ABI 1; kept for old readers): use @sequence,
 * which says the same as one counter.
 */
#define WSHEAP_STATUS_RESETTING		(1U << 1)

/**
 * struct wsheap_status - what the status page of a heap says
 * @generation: resets so far; compare with ALLOC's generation to learn
 *	whether a block is still valid (read with acquire semantics)
 * @committed: bytes the heap backs now
 * @flags: WSHEAP_STATUS_* (read with acquire semantics)
 * @pad: zero
 * @sequence: a sequence counter, as perf's mmap page and the vDSO keep one:
 *	odd while a RESET or the heap's destruction runs, even otherwise, and
 *	bumped twice by each.  A reader loads it (acquire), waits while it is
 *	odd, reads @generation and the arena, issues an acquire fence (or
 *	smp_rmb()) and loads it again: equal values mean nothing it read was
 *	wiped or given back meanwhile.
 */
struct wsheap_status {
	__u64 generation;
	__u64 committed;
	__u32 flags;
	__u32 pad;
	__u64 sequence;
};

/**
 * struct wsheap_create - WSHEAP_IOC_CREATE: make a heap in this context
 * @max_size: in: quota, the most the sizes passed to ALLOC may add up to
 *	between resets; any value, 0 and ~0 included
 * @trim_size: in: bytes of committed memory a RESET keeps (page rounded)
 * @flags: in: WSHEAP_CREATE_*
 * @handle: out: the heap's handle in this context (never 0)
 * @mmap_offset: out: the mmap() offset of the heap's byte 0
 * @mmap_span: out: bytes that can be mapped from @mmap_offset
 * @reserved: must be zero
 */
struct wsheap_create {
	__u64 max_size;
	__u64 trim_size;
	__u32 flags;
	__u32 handle;
	__u64 mmap_offset;
	__u64 mmap_span;
	__u64 reserved[3];
};

#define WSHEAP_CREATE_SIZE_VER0		64	/* the first published size */

/**
 * struct wsheap_alloc - WSHEAP_IOC_ALLOC: carve a block from a heap
 * @handle: in: the heap
 * @flags: in: must be zero
 * @size: in: bytes; 0 is allowed and uses no quota
 * @align: in: a power of two up to WSHEAP_MAX_ALIGN, or 0 for
 *	WSHEAP_DEFAULT_ALIGN
 * @offset: out: the block's offset in the heap (add mmap_offset to map it)
 * @generation: out: the heap's generation, which the block belongs to
 * @reserved: must be zero
 */
struct wsheap_alloc {
	__u32 handle;
	__u32 flags;
	__u64 size;
	__u64 align;
	__u64 offset;
	__u64 generation;
	__u64 reserved[2];
};

#define WSHEAP_ALLOC_SIZE_VER0		56

/**
 * struct wsheap_reset - WSHEAP_IOC_RESET: release every allocation at once
 * @handle: in: the heap
 * @flags: in: must be zero
 * @generation: ignored by WSHEAP_IOC_RESET, which writes nothing back (the
 *	new generation is on the status page and in the next ALLOC's reply,
 *	and INFO reports it); out for WSHEAP_IOC_RESET_V0 only
 * @reserved: must be zero
 */
struct wsheap_reset {
	__u32 handle;
	__u32 flags;
	__u64 generation;
	__u64 reserved[2];
};

#define WSHEAP_RESET_SIZE_VER0		32

/**
 * struct wsheap_destroy - WSHEAP_IOC_DESTROY: free a heap and its handle
 * @handle: in: the heap
 * @flags: in: must be zero
 * @reserved: must be zero
 */
struct wsheap_destroy {
	__u32 handle;
	__u32 flags;
	__u64 reserved[2];
};

#define WSHEAP_DESTROY_SIZE_VER0	24

/**
 * struct wsheap_info - WSHEAP_IOC_INFO: a heap's sizes and counters
 * @handle: in: the heap
 * @flags: out: the creation flags
 * @max_size: out: as created
 * @trim_size: out: as created
 * @requested: out: sum of ALLOC sizes since creation or the last reset
 * @committed: out: bytes the heap backs, page rounded (its actual size)
 * @resident: out: bytes of pages present now, @held included
 * @cursor: out: the offset where the next block starts before alignment
 * @generation: out: number of resets so far
 * @held: out: bytes of pages the heap gave up (at a reset or destroy) that
 *	a dma-buf or a long-term pin still holds; part of @resident, and
 *	charged to the creator until they are freed
 * @reclaimed: out: bytes of kept pages that memory pressure took back
 *	since the heap was created (they fault in again, zeroed, when an
 *	allocation reaches them)
 * @address: out: what SET_ADDRESS last recorded (0 if nothing)
 * @reserved: must be zero
 */
struct wsheap_info {
	__u32 handle;
	__u32 flags;
	__u64 max_size;
	__u64 trim_size;
	__u64 requested;
	__u64 committed;
	__u64 resident;
	__u64 cursor;
	__u64 generation;
	__u64 held;
	__u64 reclaimed;
	__u64 address;
	__u64 reserved;
};

#define WSHEAP_INFO_SIZE_VER0		96

/**
 * struct wsheap_version - WSHEAP_IOC_VERSION: what this module speaks
 * @abi: out: WSHEAP_ABI_VERSION
 * @page_size: out: the granule of mmap, commit and trim
 * @create_flags: out: the CREATE flags this module accepts
 * @pad: zero
 * @span: out: WSHEAP_SPAN
 * @reserved: must be zero
 */
struct wsheap_version {
	__u32 abi;
	__u32 page_size;
	__u32 create_flags;
	__u32 pad;
	__u64 span;
	__u64 reserved[2];
};

#define WSHEAP_VERSION_SIZE_VER0	40

/**
 * struct wsheap_export - WSHEAP_IOC_EXPORT: a file descriptor for a heap
 * @handle: in: the heap; a read-only handle exports read-only only
 * @flags: in: WSHEAP_EXPORT_*
 * @fd: out: the new descriptor (O_CLOEXEC unless NO_CLOEXEC)
 * @pad: must be zero
 * @reserved: must be zero
 *
 * The descriptor holds the heap.  It can be passed over SCM_RIGHTS, kept
 * across fork (and exec with NO_CLOEXEC), mmap()ed directly (offsets are
 * heap offsets), imported with IMPORT, or handed to a kernel driver.
 */
struct wsheap_export {
	__u32 handle;
	__u32 flags;
	__s32 fd;
	__u32 pad;
	__u64 reserved[2];
};

#define WSHEAP_EXPORT_SIZE_VER0		32

/**
 * struct wsheap_import - WSHEAP_IOC_IMPORT: a handle for an exported heap
 * @fd: in: a descriptor made by EXPORT
 * @flags: in: must be zero
 * @handle: out: the heap's handle in this context
 * @access: out: WSHEAP_ACCESS_* (RDONLY for a read-only export)
 * @mmap_offset: out: as for CREATE
 * @reserved: must be zero
 */
struct wsheap_import {
	__s32 fd;
	__u32 flags;
	__u32 handle;
	__u32 access;
	__u64 mmap_offset;
	__u64 reserved[2];
};

#define WSHEAP_IMPORT_SIZE_VER0		40

/**
 * struct wsheap_export_dmabuf - WSHEAP_IOC_EXPORT_DMABUF: a dma-buf of a range
 * @handle: in: the heap (not a read-only handle)
 * @flags: in: WSHEAP_DMABUF_*
 * @offset: in: page-aligned start in the heap
 * @size: in: bytes, non-zero; the range must lie within the committed pages
 * @fd: out: the dma-buf's descriptor
 * @pad: must be zero
 * @reserved: must be zero
 *
 * The dma-buf holds the range's pages: they stay valid (and keep their
 * data) while it lives, even across a reset or the heap's end.
 */
struct wsheap_export_dmabuf {
	__u32 handle;
	__u32 flags;
	__u64 offset;
	__u64 size;
	__s32 fd;
	__u32 pad;
	__u64 reserved[2];
};

#define WSHEAP_EXPORT_DMABUF_SIZE_VER0	48

/**
 * struct wsheap_set_address - WSHEAP_IOC_SET_ADDRESS: say where a heap lives
 * @handle: in: the heap (a writable handle)
 * @flags: in: must be zero
 * @address: in: a page-aligned address: where the heap's byte 0 is mapped
 *	in the caller's address space, for other parties to map it at the
 *	same place (INFO reports it); 0 clears it
 * @reserved: must be zero
 *
 * The kernel only keeps the number: it does not check that anything is
 * mapped there, and mapping at it is the other party's choice.
 */
struct wsheap_set_address {
	__u32 handle;
	__u32 flags;
	__u64 address;
	__u64 reserved[2];
};

#define WSHEAP_SET_ADDRESS_SIZE_VER0	32

#define WSHEAP_IOC_MAGIC	0xB9

#define WSHEAP_IOC_CREATE	_IOWR(WSHEAP_IOC_MAGIC, 0x00, struct wsheap_create)
#define WSHEAP_IOC_ALLOC	_IOWR(WSHEAP_IOC_MAGIC, 0x01, struct wsheap_alloc)
#define WSHEAP_IOC_RESET	_IOW(WSHEAP_IOC_MAGIC, 0x02, struct wsheap_reset)
/* ABI 1's RESET, still accepted: writes the new generation back. */
#define WSHEAP_IOC_RESET_V0	_IOWR(WSHEAP_IOC_MAGIC, 0x02, struct wsheap_reset)
#define WSHEAP_IOC_DESTROY	_IOW(WSHEAP_IOC_MAGIC, 0x03, struct wsheap_destroy)
#define WSHEAP_IOC_INFO		_IOWR(WSHEAP_IOC_MAGIC, 0x04, struct wsheap_info)
#define WSHEAP_IOC_VERSION	_IOR(WSHEAP_IOC_MAGIC, 0x05, struct wsheap_version)
#define WSHEAP_IOC_EXPORT	_IOWR(WSHEAP_IOC_MAGIC, 0x06, struct wsheap_export)
#define WSHEAP_IOC_IMPORT	_IOWR(WSHEAP_IOC_MAGIC, 0x07, struct wsheap_import)
#define WSHEAP_IOC_EXPORT_DMABUF \
	_IOWR(WSHEAP_IOC_MAGIC, 0x08, struct wsheap_export_dmabuf)
#define WSHEAP_IOC_SET_ADDRESS \
	_IOW(WSHEAP_IOC_MAGIC, 0x09, struct wsheap_set_address)

#endif /* _UAPI_WSHEAP_IOCTL_H */
