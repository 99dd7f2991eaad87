// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap dma-bufs as V4L2 capture buffers: vivid, the virtual video test
 * driver that Debian's kernels ship, imports them (V4L2_MEMORY_DMABUF) and
 * its test pattern generator draws 100% colour bars into them; the test
 * reads every frame through the heap's own mapping.
 *
 * testing/guest/lib.sh loads vivid with two capture-only instances, one per
 * videobuf2 allocator (module parameter "allocators"): vb2-vmalloc, which
 * vmaps the dma-buf, and vb2-dma-contig, which maps it for DMA and needs it
 * contiguous: a heap created with WSHEAP_CREATE_CONTIG, where the module's
 * VERSION lists that flag.
 *
 * Skips only where there is no vivid instance with the allocator (a kernel
 * without vivid.ko) or, for dma-contig, no WSHEAP_CREATE_CONTIG.
 */
#include <poll.h>
#include <linux/videodev2.h>

#include "importers.h"

#define WIDTH	640U
#define HEIGHT	480U
#define NBUF	4U
#define FRAMES	6
#define PARAMS	"/sys/module/vivid/parameters/"

/* The 100% colour bars, left to right, as RGB24. */
static const unsigned char bars[8][3] = {
	{ 255, 255, 255 }, { 255, 255, 0 }, { 0, 255, 255 }, { 0, 255, 0 },
	{ 255, 0, 255 }, { 255, 0, 0 }, { 0, 0, 255 }, { 0, 0, 0 },
};

/* Read a vivid parameter array into @vals; the number read, or -1. */
static int vivid_param(const char *name, unsigned int *vals, int max)
{
	char path[128], buf[512], *p, *end;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	for (p = buf; n < max; p = end + 1) {
		vals[n] = strtoul(p, &end, 0);
		if (end == p)
			break;
		n++;
		if (*end != ',')
			break;
	}
	return n;
}

/* Is @fd a streaming capture node on the bus @bus_info? */
static bool capture_device_at(int fd, const void *bus_info)
{
	struct v4l2_capability cap;

	memset(&cap, 0, sizeof(cap));
	return !ioctl(fd, VIDIOC_QUERYCAP, &cap) &&
	       !strcmp((char *)cap.bus_info, bus_info) &&
	       (cap.device_caps & V4L2_CAP_VIDEO_CAPTURE) &&
	       (cap.device_caps & V4L2_CAP_STREAMING);
}

/*
 * The video node of the vivid instance that uses @allocator (0 vmalloc,
 * 1 dma-contig), opened; -1 if there is none.
 */
static int open_vivid(unsigned int allocator)
{
	unsigned int n_devs, alloc[64];
	char want[32];
	int inst, n;

	if (vivid_param("n_devs", &n_devs, 1) != 1)
		return -1;
	n = vivid_param("allocators", alloc, 64);
	for (inst = 0; inst < (int)n_devs && inst < n; inst++)
		if (alloc[inst] == allocator)
			break;
	if (inst == (int)n_devs || inst == n)
		return -1;
	snprintf(want, sizeof(want), "platform:vivid-%03d", inst);
	return wsh_open_matching("/dev/video%d", 64, capture_device_at, want);
}

/* The id of the control called @name, or 0 (vivid's own are not in UAPI). */
static __u32 ctrl_id(int fd, const char *name)
{
	struct v4l2_query_ext_ctrl qc = { .id = V4L2_CTRL_FLAG_NEXT_CTRL };

	while (!ioctl(fd, VIDIOC_QUERY_EXT_CTRL, &qc)) {
		if (!strcmp(qc.name, name))
			return qc.id;
		qc.id |= V4L2_CTRL_FLAG_NEXT_CTRL;
	}
	return 0;
}

/* Select entry @entry of the menu control called @name; 0 or -errno. */
static int set_menu(int fd, const char *name, const char *entry)
{
	struct v4l2_queryctrl qc = { .id = ctrl_id(fd, name) };
	struct v4l2_querymenu qm;
	struct v4l2_control c;
	int i;

	if (!qc.id)
		return -ENOENT;
	if (ioctl(fd, VIDIOC_QUERYCTRL, &qc))
		return -errno;
	for (i = qc.minimum; i <= qc.maximum; i++) {
		memset(&qm, 0, sizeof(qm));
		qm.id = qc.id;
		qm.index = i;
		if (ioctl(fd, VIDIOC_QUERYMENU, &qm) ||
		    strcmp((char *)qm.name, entry))
			continue;
		c.id = qc.id;
		c.value = i;
		return wsh_ioctl(fd, VIDIOC_S_CTRL, &c);
	}
	return -ENOENT;
}

/*
 * The pixels of @frame that differ from the bar they lie in, sampled; the
 * first one's byte offset in *@first.
 */
static long bar_mismatches(const unsigned char *frame, __u32 bpl, long *first)
{
	const unsigned char *px;
	long bad = 0;
	unsigned int x, y, b;

	*first = -1;
	for (y = 0; y < HEIGHT; y += 7)
		for (x = 0; x < WIDTH; x += 3) {
			b = x * 8 / WIDTH;
			/* a few pixels around each edge are blended */
			if (x % (WIDTH / 8) < 4 || x % (WIDTH / 8) > WIDTH / 8 - 4)
				continue;
			px = frame + (size_t)y * bpl + (size_t)x * 3;
			if (memcmp(px, bars[b], 3)) {
				if (*first < 0)
					*first = (long)(y * bpl + x * 3);
				bad++;
			}
		}
	return bad;
}

FIXTURE(vivid) {
	int vfd;
	struct v4l2_format fmt;
	struct wsh_dmabuf_heap buf[NBUF];
};

FIXTURE_VARIANT(vivid) {
	unsigned int allocator;
	__u32 create_flags;
};

FIXTURE_VARIANT_ADD(vivid, vmalloc) {
	.allocator = 0,
	.create_flags = 0,
};

/* vb2-dma-contig takes only a contiguous buffer. */
FIXTURE_VARIANT_ADD(vivid, dma_contig) {
	.allocator = 1,
	.create_flags = WSHEAP_CREATE_CONTIG,
};

FIXTURE_SETUP(vivid)
{
	struct v4l2_format *f = &self->fmt;
	unsigned int i;
	int input = 0;

	for (i = 0; i < NBUF; i++)
		self->buf[i].fd = self->buf[i].dfd = -1;
	self->vfd = open_vivid(variant->allocator);
	if (self->vfd < 0)
		SKIP(return, "no vivid instance with allocator %u: this kernel lacks vivid.ko",
		     variant->allocator);
	if (variant->create_flags && !wsh_has_create_flag(variant->create_flags))
		SKIP(return, "the module has no WSHEAP_CREATE_CONTIG, which vb2-dma-contig needs");

	ASSERT_EQ(0, wsh_ioctl(self->vfd, VIDIOC_S_INPUT, &input));
	f->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	f->fmt.pix.width = WIDTH;
	f->fmt.pix.height = HEIGHT;
	f->fmt.pix.pixelformat = V4L2_PIX_FMT_RGB24;
	f->fmt.pix.field = V4L2_FIELD_NONE;
	ASSERT_EQ(0, wsh_ioctl(self->vfd, VIDIOC_S_FMT, f));
	ASSERT_EQ(V4L2_PIX_FMT_RGB24, f->fmt.pix.pixelformat);
	ASSERT_EQ(WIDTH, f->fmt.pix.width);
	ASSERT_EQ(HEIGHT, f->fmt.pix.height);
	ASSERT_LE(WIDTH * 3, f->fmt.pix.bytesperline);
	/* the bars alone: no text drawn over them */
	ASSERT_EQ(0, set_menu(self->vfd, "Test Pattern", "100% Colorbar"));
	ASSERT_EQ(0, set_menu(self->vfd, "OSD Text Mode", "None"));

	for (i = 0; i < NBUF; i++)
		ASSERT_EQ(0, wsh_dmabuf_heap(&self->buf[i], f->fmt.pix.sizeimage,
					     variant->create_flags));
}

FIXTURE_TEARDOWN(vivid)
{
	unsigned int i;

	if (self->vfd >= 0)
		close(self->vfd);
	for (i = 0; i < NBUF; i++)
		wsh_dmabuf_heap_close(&self->buf[i]);
}

/* Frames land in the heap, where its own mapping reads them. */
TEST_F(vivid, capture_into_heap)
{
	struct v4l2_requestbuffers rb = {
		.count = NBUF, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_DMABUF,
	};
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	struct pollfd pfd = { .fd = self->vfd, .events = POLLIN };
	struct v4l2_buffer b;
	long bad, first;
	unsigned int i;
	int frames;

	/* nothing but the pattern will do: start from zeroed buffers */
	for (i = 0; i < NBUF; i++)
		ASSERT_EQ(-1L, wsh_nonzero(self->buf[i].map, self->buf[i].size));
	ASSERT_EQ(0, wsh_ioctl(self->vfd, VIDIOC_REQBUFS, &rb));
	ASSERT_EQ(NBUF, rb.count);
	for (i = 0; i < NBUF; i++) {
		memset(&b, 0, sizeof(b));
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_DMABUF;
		b.index = i;
		b.m.fd = self->buf[i].dfd;
		b.length = self->buf[i].size;
		ASSERT_EQ(0, wsh_ioctl(self->vfd, VIDIOC_QBUF, &b))
			TH_LOG("QBUF of a wsheap dma-buf: %s", strerror(errno));
	}
	ASSERT_EQ(0, wsh_ioctl(self->vfd, VIDIOC_STREAMON, &type));

	for (frames = 0; frames < FRAMES; frames++) {
		ASSERT_EQ(1, poll(&pfd, 1, 20000)) TH_LOG("no frame in 20 s");
		memset(&b, 0, sizeof(b));
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_DMABUF;
		ASSERT_EQ(0, wsh_ioctl(self->vfd, VIDIOC_DQBUF, &b));
		ASSERT_LT(b.index, NBUF);
		EXPECT_EQ(0U, b.flags & V4L2_BUF_FLAG_ERROR);
		EXPECT_EQ(self->fmt.fmt.pix.sizeimage, b.bytesused);
		bad = bar_mismatches(self->buf[b.index].map,
				     self->fmt.fmt.pix.bytesperline, &first);
		EXPECT_EQ(0, bad) TH_LOG("frame %d (buffer %u): %ld pixels off the bars, first at byte %ld",
					 frames, b.index, bad, first);
		ASSERT_EQ(0, wsh_ioctl(self->vfd, VIDIOC_QBUF, &b));
	}
	EXPECT_EQ(0, wsh_ioctl(self->vfd, VIDIOC_STREAMOFF, &type));
	rb.count = 0;
	EXPECT_EQ(0, wsh_ioctl(self->vfd, VIDIOC_REQBUFS, &rb));
}

TEST_HARNESS_MAIN
