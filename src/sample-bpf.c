// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The BPF source: a task iterator (bpf/taskiter.bpf.c) walks the kernel's
 * task list and writes one record per process; a pass is one iterator fd,
 * read to its end in chunks of whole records. Loading needs BTF
 * (/sys/kernel/btf/vmlinux, for CO-RE), iterator support (5.8+) and the
 * privilege to load tracing programs (CAP_BPF + CAP_PERFMON, or root) in a
 * sandbox that lets bpf() through.
 */
#include "sample.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/types.h>

#include "bpf/taskiter.h"
#include "taskiter.skel.h"

#define CHUNK_RECORDS 512 /* 40 KiB: a read() returns at most what the kernel buffered */

struct bpf_source {
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

static void bpf_close_source(void *state)
{
	struct bpf_source *bs = state;

	if (!bs)
		return;
	if (bs->fd >= 0)
		close(bs->fd);
	bpf_link__destroy(bs->link);
	taskiter__destroy(bs->skel);
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
	bs = calloc(1, sizeof(*bs));
	if (!bs)
		return -ENOMEM;
	bs->fd = -1;
	bs->page_size = sysconf(_SC_PAGESIZE);
	bs->ns_per_tick = tck > 0 ? 1000000000ull / (uint64_t)tck : 10000000ull;
	libbpf_set_print(libbpf_quiet);
	bs->skel = taskiter__open();
	if (!bs->skel) {
		r = -errno;
		goto fail;
	}
	r = taskiter__load(bs->skel);
	if (r == -ENOENT)
		r = -ENOTSUP; /* a type or symbol the program needs is missing: not "no BTF" */
	if (r < 0)
		goto fail;
	bs->link = bpf_program__attach_iter(bs->skel->progs.lj_taskiter, NULL);
	if (!bs->link) {
		r = -errno;
		goto fail;
	}
	*state = bs;
	return 0;
fail:
	bpf_close_source(bs);
	return r < 0 ? r : -EINVAL;
}

static int bpf_begin(void *state)
{
	struct bpf_source *bs = state;

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
	t->pid = (pid_t)rec.pid;
	snprintf(t->name, sizeof(t->name), "%u", rec.pid);
	t->full = true;
	t->starttime = rec.start_ns / bs->ns_per_tick;
	memcpy(t->comm, rec.comm, sizeof(rec.comm));
	t->comm[sizeof(rec.comm) - 1] = '\0';
	t->cgroup_id = rec.cgroup_id;
	/* as statm: resident = file + anon + shmem; "shared" = file + shmem */
	t->smp = (struct sample){
		.rss = (rec.file_pages + rec.anon_pages + rec.shmem_pages) * page,
		.anon = rec.anon_pages * page,
		.vsz = rec.vm_pages * page,
		.swap = rec.swap_pages * page,
	};
	return 1;
}

const struct sample_source sample_source_bpf = {
	.name = "bpf",
	.figures = true,
	.open = bpf_open_source,
	.begin = bpf_begin,
	.next = bpf_next,
	.close = bpf_close_source,
};

static void explain(int r, char *why, size_t size)
{
	const char *what;

	switch (-r) {
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
