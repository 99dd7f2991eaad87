// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer's harness: options, the operation table, worker threads,
 * the fuzzing processes, and the summary in TAP.
 */
#include "fuzz.h"

struct fuzz_opt opt;
ull ps;
bool have_sample;
struct gstats *G;
int socks[MAX_PROCS][2];

const struct fuzz_op ops[OP_NR] = {
	[OP_ALLOC_WRITE] = { "alloc+write", 200 },
	[OP_ALLOC_EDGE] = { "alloc-edge", 50 },
	[OP_VERIFY] = { "verify", 60 },
	[OP_INFO] = { "info", 90 },
	[OP_RESET] = { "reset", 30 },
	[OP_CREATE] = { "create", 12 },
	[OP_DESTROY] = { "destroy", 8 },
	[OP_VERSION] = { "version", 40 },
	[OP_BADIOCTL] = { "bad-ioctl", 80 },
	[OP_BADHANDLE] = { "bad-handle", 25 },
	[OP_ARG_IN_HEAP] = { "arg-in-heap", 15 },
	[OP_MMAP] = { "mmap", 12 },
	[OP_MUNMAP] = { "munmap", 10 },
	[OP_MPROTECT] = { "mprotect", 8 },
	[OP_MADVISE] = { "madvise", 8 },
	[OP_MREMAP] = { "mremap", 5 },
	[OP_PROCMEM] = { "proc-mem", 10 },
	[OP_EXPORT] = { "export", 8 },
	[OP_IMPORT] = { "import", 6 },
	[OP_CLOSE_EXPORT] = { "close-export", 10 },
	[OP_EXPORT_MMAP] = { "export-mmap", 4 },
	[OP_DMABUF] = { "dmabuf", 6 },
	[OP_DMABUF_CHECK] = { "dmabuf-check", 10 },
	[OP_DMABUF_CLOSE] = { "dmabuf-close", 5 },
	[OP_SAMPLE] = { "sample-driver", 5 },
	[OP_DUP] = { "dup", 10 },
	[OP_CTX2_CLOSE] = { "close-context", 3 },
	[OP_FORK] = { "fork", 2 },
	[OP_FORK_KILL] = { "fork+sigkill", 2 },
	[OP_SCM_SEND] = { "scm-send", 5 },
	[OP_SCM_RECV] = { "scm-recv", 8 },
	[OP_POOL_WRITE] = { "shared-write", 120 },
	[OP_POOL_VERIFY] = { "shared-verify", 30 },
	[OP_POOL_RESET] = { "shared-reset", 15 },
	[OP_POOL_INFO] = { "shared-info", 50 },
	[OP_POOL_MISC] = { "shared-misc", 4 },
	[OP_POOL_DESTROY] = { "shared-destroy", 3 },
	/* the attacks of issue 10: about a fifth of the time on the debug kernel */
	[OP_RO_UPGRADE] = { "ro-upgrade", 3 },
	[OP_NOEXEC] = { "no-exec", 3 },
	[OP_RDCTX] = { "rdonly-context", 2 },
	[OP_IMPORT_RACE] = { "import-race", 1 },
	[OP_EFAULT_RACE] = { "efault-race", 1 },
	[OP_DMABUF_WRITE] = { "dmabuf-write", 4 },
	[OP_DMABUF_GEN] = { "dmabuf-reset", 1 },
	[OP_SAMPLE_STALE] = { "sample-stale", 1 },
};

/* ----------------------------------------------------------- workers --- */

static void run_op(struct thr *t, int op)
{
	t->op = op;
	switch (op) {
	case OP_ALLOC_WRITE: do_alloc(t, false); break;
	case OP_ALLOC_EDGE: do_alloc(t, true); break;
	case OP_VERIFY: op_verify(t); break;
	case OP_INFO: op_info(t); break;
	case OP_RESET: op_reset(t); break;
	case OP_CREATE: op_create(t); break;
	case OP_DESTROY: op_destroy(t); break;
	case OP_VERSION: op_version(t); break;
	case OP_BADIOCTL: op_badioctl(t); break;
	case OP_BADHANDLE: op_badhandle(t); break;
	case OP_ARG_IN_HEAP: op_arg_in_heap(t); break;
	case OP_MMAP: op_mmap(t); break;
	case OP_MUNMAP: op_munmap(t); break;
	case OP_MPROTECT: op_mprotect(t); break;
	case OP_MADVISE: op_madvise(t); break;
	case OP_MREMAP: op_mremap(t); break;
	case OP_PROCMEM: op_procmem(t); break;
	case OP_EXPORT: op_export(t); break;
	case OP_IMPORT: op_import(t); break;
	case OP_CLOSE_EXPORT: op_close_export(t); break;
	case OP_EXPORT_MMAP: op_export_mmap(t); break;
	case OP_DMABUF: op_dmabuf(t); break;
	case OP_DMABUF_CHECK: op_dmabuf_check(t); break;
	case OP_DMABUF_CLOSE: op_dmabuf_close(t); break;
	case OP_SAMPLE: op_sample(t); break;
	case OP_DUP: op_dup(t); break;
	case OP_CTX2_CLOSE: op_ctx2_close(t); break;
	case OP_FORK: op_fork(t); break;
	case OP_FORK_KILL: op_fork_kill(t); break;
	case OP_SCM_SEND: op_scm_send(t); break;
	case OP_SCM_RECV: op_scm_recv(t); break;
	case OP_POOL_WRITE: op_pool_write(t); break;
	case OP_POOL_VERIFY: op_pool_verify(t); break;
	case OP_POOL_RESET: op_pool_reset(t); break;
	case OP_POOL_INFO: op_pool_info(t); break;
	case OP_POOL_MISC: op_pool_misc(t); break;
	case OP_POOL_DESTROY: op_pool_destroy(t); break;
	case OP_RO_UPGRADE: op_ro_upgrade(t); break;
	case OP_NOEXEC: op_noexec(t); break;
	case OP_RDCTX: op_rdctx(t); break;
	case OP_IMPORT_RACE: op_import_race(t); break;
	case OP_EFAULT_RACE: op_efault_race(t); break;
	case OP_DMABUF_WRITE: op_dmabuf_write(t); break;
	case OP_DMABUF_GEN: op_dmabuf_gen(t); break;
	case OP_SAMPLE_STALE: op_sample_stale(t); break;
	}
}

/* ops[].weight, or what --weight said */
static unsigned int weight[OP_NR];
static unsigned int total_weight;
static double deadline;

static void *worker(void *arg)
{
	struct thr *t = arg;
	ull n = 0;

	/* fault the stacks in before allocations may start failing */
	wsh_prefault_stack();
	wsh_altstack();
	if (opt.faults &&
	    wsh_write_file("/proc/thread-self/make-it-fail", "1"))
		fprintf(stderr, "# cannot set make-it-fail: %s\n", strerror(errno));
	while (!G->stop) {
		unsigned int w = (unsigned int)wsh_below(&t->r, total_weight);
		int op = 0;

		while (w >= weight[op]) {
			w -= weight[op];
			op++;
		}
		double t1 = wsh_now();

		run_op(t, op);
		__atomic_add_fetch(&G->opcount[op], 1, __ATOMIC_RELAXED);
		t1 = wsh_now() - t1;
		__atomic_add_fetch(&G->opns[op], (ull)(t1 * 1e9),
				   __ATOMIC_RELAXED);
		if (opt.verbose && t1 > 0.3)
			fprintf(stderr, "# slow: %s %.0f ms (%s)\n", ops[op].name,
				t1 * 1e3, t->detail);
		t->detail[0] = 0;
		t->ops++;
		if (++n % 16 == 0) {
			ull all = __atomic_add_fetch(&G->ops, 16, __ATOMIC_RELAXED);

			if (all >= opt.ops || wsh_now() > deadline)
				G->stop = 1;
		}
	}
	if (opt.faults)
		wsh_write_file("/proc/thread-self/make-it-fail", "0");
	return NULL;
}

static int proc_main(int idx)
{
	struct thr *ts;
	struct proc P;
	ull total = 0;
	int i;

	cur_proc = idx;
	memset(&P, 0, sizeof(P));
	P.idx = idx;
	P.ctx = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (P.ctx < 0) {
		VIOL(NULL, "open %s: %s", WSHEAP_DEVICE, strerror(errno));
		return 1;
	}
	for (i = 0; i < NPOOL; i++)
		pthread_rwlock_init(&P.pool[i].lk, NULL);
	pthread_rwlock_init(&P.forklock, NULL);
	pthread_rwlock_init(&P.maplock, NULL);
	ts = calloc((size_t)opt.threads, sizeof(*ts));
	if (!ts)
		return 1;
	for (i = 0; i < opt.threads; i++) {
		struct thr *t = &ts[i];
		int k;

		t->P = &P;
		t->tid = i;
		t->ctx2 = -1;
		t->memfd = -1;
		t->rdctx = -1;
		t->r.s = wsh_mix64(opt.seed * 1000003ULL + (ull)idx * 1009 + (ull)i);
		for (k = 0; k < NPRIV; k++)
			t->heaps[k].used = false;
	}
	/* one shared heap to begin with, sent to the next process */
	send_heap(&ts[0], (idx + 1) % opt.procs);
	for (i = 0; i < opt.threads; i++)
		if (pthread_create(&ts[i].pt, NULL, worker, &ts[i])) {
			VIOL(NULL, "pthread_create failed");
			G->stop = 1;
			opt.threads = i;
			break;
		}
	for (i = 0; i < opt.threads; i++) {
		pthread_join(ts[i].pt, NULL);
		total += ts[i].ops;
	}
	G->proc_ops[idx] = total;
	return 0;
}

/* ------------------------------------------------------------- main --- */

/* --weight NAME=N: run operation NAME N times as often (per mille). */
static int set_weight(const char *arg)
{
	const char *eq = strchr(arg, '=');
	int i;

	for (i = 0; eq && i < OP_NR; i++)
		if (strlen(ops[i].name) == (size_t)(eq - arg) &&
		    !strncmp(ops[i].name, arg, (size_t)(eq - arg))) {
			weight[i] = (unsigned int)strtoul(eq + 1, NULL, 0);
			return 0;
		}
	return -1;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--seed N] [--ops N] [--seconds N] [--procs N] [--threads N] [--faults] [--verbose]\n"
		"          [--weight OPERATION=N]...\n"
		"       %s [--seconds N] --repro status-lag|dmabuf-range|reset-efault|vmsplice-reset\n",
		argv0, argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	bool long_budget = wsh_budget_long(), seconds_set = false;
	int i, fail = 0, status;
	pid_t pids[MAX_PROCS];
	double t0;
	char why[256] = "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	wsh_no_core_dumps();
	ps = wsh_ps();
	opt.seed = (ull)time(NULL) ^ ((ull)getpid() << 16);
	opt.ops = long_budget ? 1000000 : 200000;
	opt.seconds = long_budget ? 5400 : 12;
	opt.procs = long_budget ? 3 : 2;
	opt.threads = long_budget ? 3 : 2;
	for (i = 0; i < OP_NR; i++)
		weight[i] = ops[i].weight;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--faults"))
			opt.faults = true;
		else if (!strcmp(a, "--verbose"))
			opt.verbose = true;
		else if (i + 1 >= argc)
			usage(argv[0]);
		else if (!strcmp(a, "--seed"))
			opt.seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(a, "--ops"))
			opt.ops = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(a, "--seconds"))
			opt.seconds = strtoull(argv[++i], NULL, 0), seconds_set = true;
		else if (!strcmp(a, "--procs"))
			opt.procs = atoi(argv[++i]);
		else if (!strcmp(a, "--threads"))
			opt.threads = atoi(argv[++i]);
		else if (!strcmp(a, "--weight")) {
			if (set_weight(argv[++i]))
				usage(argv[0]);
		}
		else if (!strcmp(a, "--repro")) {
			const char *what = argv[++i];

			printf("TAP version 13\n1..1\n");
			if (!strcmp(what, "status-lag"))
				return status_lag_mode(1, seconds_set ? opt.seconds : 5);
			if (!strcmp(what, "dmabuf-range"))
				return dmabuf_range_mode(1);
			if (!strcmp(what, "reset-efault"))
				return reset_efault_mode(1);
			if (!strcmp(what, "vmsplice-reset"))
				return vmsplice_reset_mode(1);
			usage(argv[0]);
		}
		else
			usage(argv[0]);
	}
	if (opt.procs < 1 || opt.procs > MAX_PROCS || opt.threads < 1 ||
	    opt.threads > MAX_THREADS)
		usage(argv[0]);

	printf("TAP version 13\n");
	printf("# wsheap_fuzz: seed=%llu ops=%llu seconds=%llu procs=%d threads=%d%s\n",
	       opt.seed, opt.ops, opt.seconds, opt.procs, opt.threads,
	       opt.faults ? " faults" : "");
	printf("1..%d\n", opt.procs + 5);
	if (wsh_skip_without_device(opt.procs + 5, "fuzz"))
		return 0;
	have_sample = !access("/dev/wsheap_sample", R_OK | W_OK);

	G = mmap(NULL, sizeof(*G), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (G == MAP_FAILED)
		return 1;
	wsh_rwlock_init_shared(&G->resetlock);
	for (i = 0; i < OP_NR; i++)
		total_weight += weight[i];
	if (!total_weight)
		usage(argv[0]);
	wsh_guard_install();
	t0 = wsh_now();
	deadline = t0 + (double)opt.seconds;
	if (wsh_start_procs(opt.procs, socks, pids, proc_main))
		return 1;
	{
		int st[MAX_PROCS], left = opt.procs, k;
		pid_t w;

		/* a process that dies early stops the others */
		while (left > 0 && (w = wait(&status)) > 0)
			for (k = 0; k < opt.procs; k++)
				if (pids[k] == w) {
					st[k] = status;
					left--;
					if (status)
						G->stop = 1;
				}
		if (G->violations)
			printf("# first violation: %s\n", G->first);
		for (i = 0; i < opt.procs; i++) {
			status = left ? -1 : st[i];
			if (status)
				printf("# process %d: wait status %#x\n", i, status);
			if (status || G->proc_viol[i])
				fail = 1;
			printf("%s %d fuzz proc=%d seed=%llu ops=%llu violations=%d\n",
			       status || G->proc_viol[i] ? "not ok" : "ok", i + 1, i,
			       opt.seed, G->proc_ops[i], G->proc_viol[i]);
		}
	}

	{
		ull all = 0;

		for (i = 0; i < opt.procs; i++)
			all += G->proc_ops[i];
		printf("# %llu operations in %.1f s (%.0f/s), seed %llu\n", all,
		       wsh_now() - t0, (double)all / (wsh_now() - t0), opt.seed);
	}
	for (i = 0; i < OP_NR; i++)
		printf("#   %-16s %8llu  %8.0f us each\n", ops[i].name,
		       G->opcount[i], G->opcount[i] ?
		       (double)G->opns[i] / 1e3 / (double)G->opcount[i] : 0.0);
	printf("# records verified %llu, shared blocks verified %llu, sample records %llu\n",
	       G->verified, G->pool_verified, G->sample_records);
	printf("# expected SIGBUS %llu, ENOMEM (injected) %llu, forks %llu, SIGKILLed children %llu/%llu\n",
	       G->sigbus_ok, G->enomem, G->forks, G->kills_seen, G->kills);
	printf("# SCM_RIGHTS sent %llu received %llu, heaps left without users %llu\n",
	       G->scm_sent, G->scm_recv, G->orphans);
	printf("# attacks: upgrade paths %llu, PROT_EXEC refused %llu, import races %llu imports / %llu attempts, copy-out races %llu calls / %llu EFAULT (%llu flips), dma-buf generations %llu, stale driver offsets %llu\n",
	       G->upgrades, G->noexec, G->race_imports, G->race_attempts,
	       G->efault_calls, G->efaults, G->efault_flips, G->dmabuf_gens,
	       G->stale_checks);

	status = wsh_commitment_is_zero(why, sizeof(why));
	if (status < 0)
		printf("ok %d commitment back to zero # SKIP %s\n", opt.procs + 1,
		       why[0] ? why : strerror(-status));
	else
		printf("%s %d everything released after every process exited%s%s\n",
		       status ? "not ok" : "ok", opt.procs + 1, status ? ": " : "",
		       status ? why : "");
	if (status > 0)
		fail = 1;
	fail |= regressions(opt.procs + 2, long_budget ? 20 : 3);
	printf("# seed=%llu\n", opt.seed);
	return fail;
}
