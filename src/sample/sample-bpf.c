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
 *
 * libbpf is needed only to load: once a program is loaded, the source keeps
 * its file descriptors and mappings, closes the skeleton and unloads libbpf
 * (with the libelf and zlib it links, and the heap its BTF parsing used).
 * A pass is then two system calls, made here.
 */
#include "sample.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <malloc.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>
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
	/* walk: the program, the array of records and the count, mapped */
	int walk_fd;           /* the program, or -1 */
	const struct lj_task_rec *recs;
	size_t map_size;
	const volatile __u32 *n_procs; /* its .bss, one page mapped */
	uint32_t cap, n, next;
	/* iter */
	int link_fd;           /* the iterator's link, or -1 */
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

static int sys_bpf(enum bpf_cmd cmd, union bpf_attr *attr)
{
	long r = syscall(__NR_bpf, cmd, attr, sizeof(*attr));

	return r < 0 ? -errno : (int)r;
}

/* A descriptor of libbpf's own, kept past the skeleton's end. */
static int keep_fd(int fd)
{
	int r = fcntl(fd, F_DUPFD_CLOEXEC, 3);

	return r < 0 ? -errno : r;
}

/*
 * libbpf for one load: it is unloaded afterwards, with the skeleton's
 * parse of the kernel's BTF, and loaded again only if the walk's array
 * must grow.
 */
static int libbpf_begin(void)
{
	int r = libbpf_dl_open(NULL, 0);

	if (r == 0)
		libbpf_set_print(libbpf_quiet);
	return r;
}

static void libbpf_end(void)
{
	libbpf_dl_close();
	malloc_trim(0);
}

static void walk_unload(struct bpf_source *bs)
{
	if (bs->recs)
		munmap((void *)bs->recs, bs->map_size);
	if (bs->n_procs)
		munmap((void *)bs->n_procs, (size_t)bs->page_size);
	bs->recs = NULL;
	bs->n_procs = NULL;
	if (bs->walk_fd >= 0)
		close(bs->walk_fd);
	bs->walk_fd = -1;
}

/* What a pass needs of a loaded walk: the program's fd and the two maps, mapped. */
static int walk_keep(struct bpf_source *bs, struct taskwalk *walk, uint32_t cap)
{
	size_t size = (size_t)cap * sizeof(struct lj_task_rec);
	size_t page = (size_t)bs->page_size;
	void *recs, *bss;
	int fd;

	recs = mmap(NULL, size, PROT_READ, MAP_SHARED, bpf_map__fd(walk->maps.lj_recs), 0);
	if (recs == MAP_FAILED)
		return -errno;
	bss = mmap(NULL, page, PROT_READ, MAP_SHARED, bpf_map__fd(walk->maps.bss), 0);
	if (bss == MAP_FAILED) {
		int r = -errno;

		munmap(recs, size);
		return r;
	}
	fd = keep_fd(bpf_program__fd(walk->progs.lj_taskwalk));
	if (fd < 0) {
		munmap(recs, size);
		munmap(bss, page);
		return fd;
	}
	walk_unload(bs);
	bs->walk_fd = fd;
	bs->recs = recs;
	bs->map_size = size;
	bs->n_procs = &((const struct taskwalk__bss *)bss)->n_procs;
	bs->cap = cap;
	return 0;
}

/*
 * The walking program with room for `cap` processes. The one loaded
 * before is replaced only once the new one is ready: a refused resize
 * leaves it as it was.
 */
static int walk_load(struct bpf_source *bs, uint32_t cap)
{
	struct taskwalk *walk;
	int r;

	if (bs->walk_fd >= 0 && sample_bpf_grow_refused)
		return sample_bpf_grow_refused;
	r = libbpf_begin();
	if (r < 0)
		return r;
	walk = taskwalk__open_opts(&open_opts);
	if (!walk) {
		r = errno ? -errno : -EINVAL;
	} else {
		r = bpf_map__set_max_entries(walk->maps.lj_recs, cap);
		if (r == 0)
			r = taskwalk__load(walk);
		if (r == 0)
			r = walk_keep(bs, walk, cap);
		taskwalk__destroy(walk);
	}
	libbpf_end();
	return r;
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
		union bpf_attr attr = { .test.prog_fd = (__u32)bs->walk_fd };
		int r = sys_bpf(BPF_PROG_TEST_RUN, &attr);
		uint32_t want;

		if (r < 0)
			return r;
		bs->n = *bs->n_procs;
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
	if (bs->link_fd >= 0)
		close(bs->link_fd);
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
	r = libbpf_dl_open(NULL, 0); /* a missing library is said as such, before anything else */
	if (r < 0)
		return r;
	bs = calloc(1, sizeof(*bs));
	if (!bs)
		return -ENOMEM;
	bs->fd = bs->link_fd = bs->walk_fd = -1;
	bs->page_size = sysconf(_SC_PAGESIZE);
	bs->ns_per_tick = tck > 0 ? 1000000000ull / (uint64_t)tck : 10000000ull;
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
	struct taskiter *skel;
	struct bpf_link *link = NULL;
	int r;

	if (bs->link_fd >= 0)
		return 0; /* loaded already (a walk that could not grow fell back to it) */
	if (sample_bpf_iter_refused)
		return -EPERM;
	r = libbpf_begin();
	if (r < 0)
		return r;
	skel = taskiter__open_opts(&open_opts);
	if (!skel) {
		r = errno ? -errno : -EINVAL;
	} else {
		r = taskiter__load(skel);
		if (r == -ENOENT)
			r = -ENOTSUP; /* a type or symbol the program needs is missing: not "no BTF" */
		if (r == 0) {
			link = bpf_program__attach_iter(skel->progs.lj_taskiter, NULL);
			if (!link)
				r = errno ? -errno : -EINVAL;
		}
		if (r == 0) {
			r = keep_fd(bpf_link__fd(link));
			if (r >= 0) {
				bs->link_fd = r;
				r = 0;
			}
		}
		bpf_link__destroy(link); /* closes libbpf's fd; the link lives on in ours */
		taskiter__destroy(skel);
	}
	libbpf_end();
	return r;
}

static int bpf_begin(void *state)
{
	struct bpf_source *bs = state;
	union bpf_attr attr = { 0 };

	if (bs->walk_fd >= 0) {
		int r = walk_run(bs);

		if (r != -EAGAIN || bs->walk_fd >= 0 || bs->link_fd < 0)
			return r;
		/* the walk gave way to the iterator: this pass with it */
	}
	if (bs->link_fd < 0)
		return -ENODEV; /* neither program is loaded: the scanner samples /proc */
	if (bs->fd >= 0)
		close(bs->fd);
	bs->len = bs->pos = 0;
	bs->eof = false;
	attr.iter_create.link_fd = (__u32)bs->link_fd;
	bs->fd = sys_bpf(BPF_ITER_CREATE, &attr);
	return bs->fd < 0 ? bs->fd : 0;
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

	if (bs->walk_fd >= 0) {
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

	if (bs->walk_fd >= 0)
		return "bpf (task walk)";
	return bs->link_fd >= 0 ? "bpf (task iterator)" : "bpf (no program loaded)";
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
