// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzer operations that call the ABI wrongly: VERSION, unknown or
 * malformed commands, bad pointers, bad handles, arguments in heap memory.
 */
#include "fuzz.h"

/* ------------------------------------------------------------ version --- */

void op_version(struct thr *t)
{
	struct wsheap_version v;
	int rc;

	memset(&v, 0xa5, sizeof(v));
	rc = wsh_ioctl(t->P->ctx, WSHEAP_IOC_VERSION, &v);
	if (!EXPECT(t, rc, 0, false, "VERSION"))
		return;
	if (v.abi != WSHEAP_ABI_VERSION || v.page_size != ps ||
	    v.create_flags != WSHEAP_CREATE_FLAGS || v.pad || v.span != WSHEAP_SPAN ||
	    v.reserved[0] || v.reserved[1])
		VIOL(t, "VERSION: abi %u page %u flags %#x pad %u span %#llx",
		     v.abi, v.page_size, v.create_flags, v.pad, (ull)v.span);
}

/* --------------------------------------------------------- bad ioctls --- */

static const unsigned int cmds[] = {
	WSHEAP_IOC_CREATE, WSHEAP_IOC_ALLOC, WSHEAP_IOC_RESET,
	WSHEAP_IOC_DESTROY, WSHEAP_IOC_INFO, WSHEAP_IOC_VERSION,
	WSHEAP_IOC_EXPORT, WSHEAP_IOC_IMPORT, WSHEAP_IOC_EXPORT_DMABUF,
};

void op_badioctl(struct thr *t)
{
	unsigned char *arg = t->buf2;
	unsigned int cmd, i = (unsigned int)wsh_below(&t->r, 9);
	unsigned int sz = _IOC_SIZE(cmds[i]), dir = _IOC_DIR(cmds[i]);
	struct ph *p = pick_heap(t);
	int rc, want;

	memset(arg, 0, 8192);
	switch (wsh_below(&t->r, 7)) {
	case 0:	/* unknown number */
		cmd = _IOC(dir, WSHEAP_IOC_MAGIC, 10 + wsh_below(&t->r, 246),
			   wsh_below(&t->r, 512));
		want = -ENOTTY;
		break;
	case 1: {	/* another magic, away from the VFS's generic ioctls */
		unsigned int magic;

		do
			magic = 0xa0 + (unsigned int)wsh_below(&t->r, 0x60);
		while (magic == WSHEAP_IOC_MAGIC || magic == 0x94);
		cmd = _IOC(dir, magic, _IOC_NR(cmds[i]), sz);
		want = -ENOTTY;
		break;
	}
	case 2:	/* wrong direction; RESET's ABI 1 encoding (_IOWR) is valid */
		do
			cmd = _IOC((dir + 1 + wsh_below(&t->r, 3)) & 3,
				   WSHEAP_IOC_MAGIC, _IOC_NR(cmds[i]), sz);
		while (cmd == WSHEAP_IOC_RESET_V0);
		want = -ENOTTY;
		break;
	case 3:	/* too small */
		cmd = _IOC(dir, WSHEAP_IOC_MAGIC, _IOC_NR(cmds[i]),
			   wsh_below(&t->r, sz));
		want = -EINVAL;
		break;
	case 4:	/* larger, non-zero tail */
		cmd = _IOC(dir, WSHEAP_IOC_MAGIC, _IOC_NR(cmds[i]),
			   sz + 1 + wsh_below(&t->r, 4000));
		if (dir & _IOC_WRITE) {
			arg[sz + wsh_below(&t->r, _IOC_SIZE(cmd) - sz)] = 1;
			want = -E2BIG;
		} else {
			/* VERSION copies nothing in: the tail is ignored */
			want = 0;
		}
		break;
	case 5: {	/* bad pointers */
		static const unsigned long bad[] = {
			0, 1, 4096, 0xffff888000000000UL, 0xffffffffff600000UL,
			~0UL - 7,
		};

		cmd = cmds[i];
		rc = wsh_ioctl(t->P->ctx, cmd,
			       (void *)bad[wsh_below(&t->r, 6)]);
		EXPECT(t, rc, -EFAULT, false, "ioctl with a bad pointer");
		return;
	}
	default: {	/* larger, zero tail: accepted (INFO, VERSION only) */
		struct wsheap_info *in = (void *)arg;
		struct hnd *h;

		if (!p || !(h = pick_hnd(t, p, false)))
			return;
		cmd = _IOWR(WSHEAP_IOC_MAGIC, _IOC_NR(WSHEAP_IOC_INFO), 0);
		cmd |= (unsigned int)(sizeof(*in) + 8 + wsh_below(&t->r, 2000))
		       << _IOC_SIZESHIFT;
		in->handle = h->h;
		rc = wsh_ioctl(ctxfd(t, h->ctxk), cmd, arg);
		if (EXPECT(t, rc, 0, false, "INFO with a larger zero-tailed struct")) {
			if (in->generation != p->gen || in->cursor != p->cursor ||
			    in->committed != p->committed)
				VIOL(t, "INFO (larger struct) disagrees with the model");
			if (wsh_nonzero_tail(arg + sizeof(*in), _IOC_SIZE(cmd) - sizeof(*in)))
				VIOL(t, "INFO wrote beyond its struct");
		}
		return;
	}
	}
	rc = wsh_ioctl(t->P->ctx, cmd, arg);
	if (rc != want) {
		/* a malformed struct that happens to be valid: tolerate CREATE */
		if (rc == 0 && _IOC_NR(cmd) == _IOC_NR(WSHEAP_IOC_CREATE) &&
		    _IOC_TYPE(cmd) == WSHEAP_IOC_MAGIC)
			wsh_destroy(t->P->ctx, ((struct wsheap_create *)arg)->handle);
		VIOL(t, "ioctl %#x (nr %u size %u dir %u): got %s, want %s", cmd,
		     _IOC_NR(cmd), _IOC_SIZE(cmd), _IOC_DIR(cmd), E(rc), E(want));
	}
}

void op_badhandle(struct thr *t)
{
	struct ph *p = pick_heap(t);
	unsigned int h;
	int rc, fds[2];
	void *m;

	switch (wsh_below(&t->r, 4)) {
	case 0: h = 0; break;
	case 1: h = WSH_MAX_HANDLE + 1 + (unsigned int)wsh_below(&t->r, 1u << 30); break;
	case 2: h = ~0u; break;
	default:
		/* a destroyed handle is not reused soon, not even on ENOMEM */
		h = t->ndead ?
			t->dead_handles[wsh_below(&t->r, t->ndead < 8 ? t->ndead : 8)] :
			(1u << 22) + (unsigned int)wsh_below(&t->r, 1u << 22);
		break;
	}
	switch (wsh_below(&t->r, 9)) {
	case 0:
		rc = wsh_alloc(t->P->ctx, h, 8, 0, NULL, NULL);
		break;
	case 1:
		rc = wsh_reset(t->P->ctx, h, NULL);
		break;
	case 2:
		rc = wsh_destroy(t->P->ctx, h);
		break;
	case 3:
		rc = wsh_info(t->P->ctx, h, NULL);
		break;
	case 4:
		rc = wsh_export(t->P->ctx, h, 0);
		if (rc >= 0)
			close(rc);
		break;
	case 5:
		rc = wsh_dmabuf(t->P->ctx, h, 0, ps, 0);
		if (rc >= 0)
			close(rc);
		break;
	case 6:
		m = mmap(NULL, ps, PROT_READ, MAP_SHARED, t->P->ctx,
			 (off_t)((ull)(h & WSH_MAX_HANDLE ? h : 0) << WSHEAP_SPAN_SHIFT));
		if (m != MAP_FAILED) {
			munmap(m, ps);
			/* handles of other threads may be valid: only 0 is sure */
			if (!(h & WSH_MAX_HANDLE))
				VIOL(t, "mmap of handle 0 worked");
		} else if (errno != ENXIO && !(opt.faults && errno == ENOMEM)) {
			VIOL(t, "mmap of a bad handle: %s", strerror(errno));
		}
		return;
	case 7:	/* IMPORT of descriptors that are no export */
		if (pipe2(fds, O_CLOEXEC))
			return;
		rc = wsh_import(t->P->ctx, fds[0], NULL);
		EXPECT(t, rc, -EINVAL, false, "IMPORT of a pipe");
		rc = wsh_import(t->P->ctx, t->P->ctx, NULL);
		EXPECT(t, rc, -EINVAL, false, "IMPORT of a context");
		close(fds[0]);
		close(fds[1]);
		/* other threads reuse closed numbers: use one beyond the limit */
		rc = wsh_import(t->P->ctx, 1 << 30, NULL);
		EXPECT(t, rc, -EBADF, false, "IMPORT of a descriptor never opened");
		rc = wsh_import(t->P->ctx, -1 - (int)wsh_below(&t->r, 1000), NULL);
		EXPECT(t, rc, -EBADF, false, "IMPORT of a negative descriptor");
		return;
	default: {	/* handle of a valid heap but in another context */
		struct hnd *hh;
		int other;

		if (!p || !(hh = pick_hnd(t, p, false)))
			return;
		other = hh->ctxk ? t->P->ctx : open_ctx2(t);
		if (other < 0)
			return;
		/* only sure when the other context has no such handle */
		rc = wsh_info(other, hh->h, NULL);
		if (rc == 0)
			return;
		EXPECT(t, rc, -ENOENT, false, "INFO in another context");
		return;
	}
	}
	EXPECT(t, rc, -ENOENT, false, "a call on a bad handle");
}

/*
 * The argument struct lives in a mapping of a heap: the kernel's copies
 * fault into wsheap (committed page: works; uncommitted: EFAULT and
 * nothing changes).
 */
void op_arg_in_heap(struct thr *t)
{
	struct ph *p = pick_heap(t), *q = pick_heap(t);
	struct wsheap_info *in;
	struct hnd *h;
	ull where;
	int rc;

	if (!p || !q || !q->win || !(h = pick_hnd(t, p, false)))
		return;
	/* a page of q that holds no record: past its cursor and ghosts */
	where = q->cursor;
	for (rc = 0; rc < q->nghost; rc++)
		if (q->ghosts[rc].off + q->ghosts[rc].len > where)
			where = q->ghosts[rc].off + q->ghosts[rc].len;
	where = (wsh_pages_up(where, ps) + wsh_below(&t->r, 3)) * ps;
	if (where + ps > WIN)
		return;
	in = (void *)(q->win + where + ps - sizeof(*in));
	if (where >= q->committed) {
		rc = wsh_ioctl(ctxfd(t, h->ctxk), WSHEAP_IOC_INFO, in);
		EXPECT(t, rc, -EFAULT, false,
		       "INFO with its struct in an uncommitted heap page");
		return;
	}
	if (q->dirty_end < where + ps)
		q->dirty_end = where + ps;
	rc = wsh_guarded(WSH_ZERO_CHECK, (void *)in, NULL, sizeof(*in), NULL);
	if (rc > 1) {
		if (!(opt.faults && rc == SIGBUS))
			VIOL(t, "committed page at %llu of heap %d: signal %d",
			     where, q->id, rc);
		return;
	}
	memset(in, 0, sizeof(*in));
	in->handle = h->h;
	rc = wsh_ioctl(ctxfd(t, h->ctxk), WSHEAP_IOC_INFO, in);
	if (rc == -EFAULT && opt.faults)
		return;
	if (EXPECT(t, rc, 0, false, "INFO with its struct in a heap page") &&
	    (in->generation != p->gen || in->cursor != p->cursor))
		VIOL(t, "INFO into heap memory disagrees with the model");
}
