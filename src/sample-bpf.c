// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The BPF source: one record per process, from one of two programs:
 * - walk (bpf/taskwalk.bpf.c, kernels 6.7+): a program run once a pass
 *   fills an array that is mapped here; nothing is copied.
 * - iter (bpf/taskiter.bpf.c, 5.11+): a task iterator; a pass is one
 *   iterator fd, read to its end in chunks of whole records.
 * Loading needs BTF (/sys/kernel/btf/vmlinux, for CO-RE) and the privilege
 * to load tracing programs (CAP_BPF + CAP_PERFMON, or root) in a sandbox
 * that lets bpf() through.
 */
#include "sample.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/types.h>

#include "bpf/taskiter.h"
#include "libbpf-dl.h" /* before the skeletons: their calls go through it */
#include "log.h"
#include "taskiter.skel.h"
#include "taskwalk.skel.h"
#include "util.h"

#define CHUNK_RECORDS 512 /* 40 KiB: a read() returns at most what the kernel buffered */

/*
 * The array is mapped whole (and counts in the daemon's memory, 88 bytes a
 * record): room for twice the tasks there are, and at least this many
 */
#define WALK_MIN_RECORDS 1024

bool sample_bpf_iter_only;
uint32_t sample_bpf_walk_cap;
int sample_bpf_grow_refused;
bool sample_bpf_iter_refused;

struct bpf_source {
	/* walk: the array of records, mapped */
	struct taskwalk *walk;
	const struct lj_task_rec *recs;
	size_t map_size;
	uint32_t cap, n, next;
	/* iter */
	struct taskiter *skel;
	struct bpf_link *link;
	int fd;                /* this pass's iterator, or -1 */
	bool eof;
	size_t len, pos;       /* bytes in buf, bytes consumed */
	uint64_t ns_per_tick;  /* /proc's start time is in clock ticks (USER_HZ) */
	long page_size;
	unsigned char buf[CHUNK_RECORDS * sizeof(struct lj_task_rec)];
};

/* libbpf explains a failure on stderr in several lines; the caller says it in one record */
static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/*
 * CO-RE against the kernel's BTF alone: without it libbpf also walks the
 * modules' BTF objects, which takes CAP_SYS_ADMIN (BPF_BTF_GET_NEXT_ID); the
 * programs need nothing from modules.
 */
static const struct bpf_object_open_opts open_opts = {
	.sz = sizeof(struct bpf_object_open_opts),
	.btf_custom_path = "/sys/kernel/btf/vmlinux",
};

static void walk_unload(struct bpf_source *bs)
{
	if (bs->recs)
		munmap((void *)bs->recs, bs->map_size);
	bs->recs = NULL;
	taskwalk__destroy(bs->walk);
	bs->walk = NULL;
}

/*
 * The walking program with room for `cap` processes. The one loaded
 * before is replaced only once the new one is ready: a refused resize
 * leaves it as it was.
 */
static int walk_load(struct bpf_source *bs, uint32_t cap)
{
	struct taskwalk *walk;
	size_t size = (size_t)cap * sizeof(struct lj_task_rec);
	void *p;
	int r;

	if (bs->walk && sample_bpf_grow_refused)
		return sample_bpf_grow_refused;
	walk = taskwalk__open_opts(&open_opts);
	if (!walk)
		return -errno;
	r = bpf_map__set_max_entries(walk->maps.lj_recs, cap);
	if (r == 0)
		r = taskwalk__load(walk);
	if (r < 0) {
		taskwalk__destroy(walk);
		return r;
	}
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, bpf_map__fd(walk->maps.lj_recs), 0);
	if (p == MAP_FAILED) {
		r = -errno;
		taskwalk__destroy(walk);
		return r;
	}
	walk_unload(bs);
	bs->walk = walk;
	bs->recs = p;
	bs->map_size = size;
	bs->cap = cap;
	return 0;
}

static int iter_load(struct bpf_source *bs);

/*
 * Run the walk; a full array is made twice as big as it needed. When the
 * kernel refuses the bigger array (its memory cgroup, vmalloc), the task
 * iterator takes over: it needs no array. Said once; if the iterator does
 * not load either, the pass fails and the scanner samples /proc instead.
 */
static int walk_run(struct bpf_source *bs)
{
	for (int tries = 0; tries < 3; tries++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts);
		int r = bpf_prog_test_run_opts(bpf_program__fd(bs->walk->progs.lj_taskwalk), &opts);
		uint32_t want;

		if (r < 0)
			return r;
		bs->n = bs->walk->bss->n_procs;
		bs->next = 0;
		if (bs->n <= bs->cap)
			return 0;
		want = bs->n > (1u << 30) ? bs->n : bs->n * 2;
		r = walk_load(bs, want);
		if (r < 0) {
			int ri;

			walk_unload(bs);
			ri = iter_load(bs);
			lj_log(LOG_WARNING,
			       "sampler: the bpf task walk's array could not grow from %u to %u records (%s): %s",
			       bs->cap, want, strerror(-r),
			       ri == 0 ? "sampling with the bpf task iterator from now on"
				       : "and the task iterator did not load");
			if (ri < 0)
				return r;
			return -EAGAIN; /* begin again, with the iterator */
		}
	}
	return -EAGAIN;
}

/* Room for twice the tasks there are now (/proc/loadavg: "0.20 0.18 0.12 1/80 11206"). */
static uint32_t walk_first_cap(void)
{
	unsigned long running, total = 0;
	FILE *f = fopen("/proc/loadavg", "re");

	if (f) {
		if (fscanf(f, "%*s %*s %*s %lu/%lu", &running, &total) != 2)
			total = 0;
		fclose(f);
	}
	return (uint32_t)MAX(WALK_MIN_RECORDS, MIN(total * 2, 1UL << 22));
}

static void bpf_close_source(void *state)
{
	struct bpf_source *bs = state;

	if (!bs)
		return;
	if (bs->fd >= 0)
		close(bs->fd);
	bpf_link__destroy(bs->link);
	taskiter__destroy(bs->skel);
	walk_unload(bs);
	free(bs);
}

static int bpf_open_source(void **state, int procfd)
{
	struct bpf_source *bs;
	long tck = sysconf(_SC_CLK_TCK);
	int r;

	(void)procfd;
	if (access("/sys/kernel/btf/vmlinux", R_OK) < 0)
		return -ENOENT;
	r = libbpf_dl_open(NULL, 0);
	if (r < 0)
		return r;
	bs = calloc(1, sizeof(*bs));
	if (!bs)
		return -ENOMEM;
	bs->fd = -1;
	bs->page_size = sysconf(_SC_PAGESIZE);
	bs->ns_per_tick = tck > 0 ? 1000000000ull / (uint64_t)tck : 10000000ull;
	libbpf_set_print(libbpf_quiet);
	/* walk where the kernel has the open-coded task iterator (6.7+), else iter */
	if (!sample_bpf_iter_only &&
	    walk_load(bs, sample_bpf_walk_cap ? sample_bpf_walk_cap : walk_first_cap()) == 0 &&
	    walk_run(bs) == 0) {
		*state = bs;
		return 0;
	}
	walk_unload(bs);
	r = iter_load(bs);
	if (r < 0) {
		bpf_close_source(bs);
		return r;
	}
	*state = bs;
	return 0;
}

static int iter_load(struct bpf_source *bs)
{
	int r;

	if (bs->link)
		return 0; /* loaded already (a walk that could not grow fell back to it) */
	if (sample_bpf_iter_refused)
		return -EPERM;
	bs->skel = taskiter__open_opts(&open_opts);
	if (!bs->skel)
		return errno ? -errno : -EINVAL;
	r = taskiter__load(bs->skel);
	if (r == -ENOENT)
		r = -ENOTSUP; /* a type or symbol the program needs is missing: not "no BTF" */
	if (r == 0) {
		bs->link = bpf_program__attach_iter(bs->skel->progs.lj_taskiter, NULL);
		if (!bs->link)
			r = errno ? -errno : -EINVAL;
	}
	if (r < 0) {
		taskiter__destroy(bs->skel);
		bs->skel = NULL;
	}
	return r;
}

static int bpf_begin(void *state)
{
	struct bpf_source *bs = state;

	if (bs->walk) {
		int r = walk_run(bs);

		if (r != -EAGAIN || bs->walk || !bs->link)
			return r;
		/* the walk gave way to the iterator: this pass with it */
	}
	if (!bs->link)
		return -ENODEV; /* neither program is loaded: the scanner samples /proc */
	if (bs->fd >= 0)
		close(bs->fd);
	bs->len = bs->pos = 0;
	bs->eof = false;
	bs->fd = bpf_iter_create(bpf_link__fd(bs->link));
	return bs->fd < 0 ? -errno : 0;
}

/* Make a whole record available at bs->pos; false at the end of the pass. */
static int fill(struct bpf_source *bs)
{
	while (bs->len - bs->pos < sizeof(struct lj_task_rec)) {
		ssize_t n;

		if (bs->eof)
			return 0;
		memmove(bs->buf, bs->buf + bs->pos, bs->len - bs->pos);
		bs->len -= bs->pos;
		bs->pos = 0;
		n = read(bs->fd, bs->buf + bs->len, sizeof(bs->buf) - bs->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			bs->eof = true;
		bs->len += (size_t)n;
	}
	return 1;
}

static int bpf_next(void *state, struct sample_task *t)
{
	struct bpf_source *bs = state;
	struct lj_task_rec rec;
	uint64_t page = (uint64_t)bs->page_size;
	int r;

	if (bs->walk) {
		if (bs->next >= bs->n)
			return 0;
		memcpy(&rec, &bs->recs[bs->next++], sizeof(rec));
	} else {
		if (bs->fd < 0)
			return 0;
		r = fill(bs);
		if (r <= 0) {
			close(bs->fd);
			bs->fd = -1;
			return r;
		}
		memcpy(&rec, bs->buf + bs->pos, sizeof(rec));
		bs->pos += sizeof(rec);
	}
	t->pid = (pid_t)rec.pid;
	snprintf(t->name, sizeof(t->name), "%u", rec.pid);
	t->full = true;
	t->starttime = rec.start_ns / bs->ns_per_tick;
	memcpy(t->comm, rec.comm, sizeof(rec.comm));
	t->comm[sizeof(rec.comm) - 1] = '\0';
	t->cgroup_id = rec.cgroup_id;
	/* +1: 0 stands for "unknown" in the scanner (track.h) */
	t->exec_id = rec.exec_id + 1;
	t->no_mm = rec.flags & LJ_TASK_NO_MM;
	t->threads_live = rec.flags & LJ_TASK_THREADS_LIVE;
	/* as statm: resident = file + anon + shmem; "shared" = file + shmem */
	t->smp = (struct sample){
		.rss = (rec.file_pages + rec.anon_pages + rec.shmem_pages) * page,
		.anon = rec.anon_pages * page,
		.vsz = rec.vm_pages * page,
		.swap = rec.swap_pages * page,
	};
	return 1;
}

static const char *bpf_describe(void *state)
{
	const struct bpf_source *bs = state;

	if (bs->walk)
		return "bpf (task walk)";
	return bs->link ? "bpf (task iterator)" : "bpf (no program loaded)";
}

const struct sample_source sample_source_bpf = {
	.name = "bpf",
	.figures = true,
	.open = bpf_open_source,
	.begin = bpf_begin,
	.next = bpf_next,
	.close = bpf_close_source,
	.describe = bpf_describe,
};

static void explain(int r, char *why, size_t size)
{
	const char *what;

	switch (-r) {
	case ELIBACC:
		libbpf_dl_open(why, size); /* the loader's own words */
		return;
	case ENOENT:
		what = "the kernel has no BTF (/sys/kernel/btf/vmlinux)";
		break;
	case EPERM:
	case EACCES:
		what = "bpf() was refused: it needs CAP_BPF and CAP_PERFMON (or root) and a sandbox that allows it";
		break;
	case ENOTSUP:
	case EINVAL:
	case ENOSYS:
		what = "the kernel cannot load the task iterator";
		break;
	default:
		what = "the task iterator did not load";
		break;
	}
	snprintf(why, size, "%s (%s)", what, strerror(-r));
}

int sample_source_choose(enum sampler_kind want, int procfd, const struct sample_source **src,
			 void **state, char *why, size_t why_size)
{
	int r;

	why[0] = '\0';
	if (want != SAMPLER_PROC) {
		r = sample_source_bpf.open(state, procfd);
		/* a first pass: what loads may still be refused when it runs */
		if (r == 0 && (r = sample_source_bpf.begin(*state)) < 0)
			sample_source_bpf.close(*state);
		if (r == 0) {
			*src = &sample_source_bpf;
			return 0;
		}
		explain(r, why, why_size);
		if (want == SAMPLER_BPF)
			return r;
	}
	*src = &sample_source_proc;
	return sample_source_proc.open(state, procfd);
}
