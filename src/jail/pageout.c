// SPDX-License-Identifier: GPL-2.0-or-later
#include "pageout.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "jail.h"
#include "log.h"
#include "proc.h"
#include "reclaim.h"
#include "util.h"

/* One mapping of /proc/PID/smaps, as far as a page-out cares. */
struct vma {
	uint64_t start, end;
	char perms[8];
	uint64_t inode;
	bool special; /* [vvar], [vdso], [vsyscall]: not memory of the process's own */
	uint64_t rss, anon; /* bytes */
	bool locked, pfn;
};

static int add_pieces(struct iovec **iov, size_t *n, size_t *cap, const struct vma *v, uint64_t piece)
{
	for (uint64_t at = v->start; at < v->end; at += piece) {
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 64;
			struct iovec *nb = realloc(*iov, ncap * sizeof(**iov));

			if (!nb)
				return -ENOMEM;
			*iov = nb;
			*cap = ncap;
		}
		(*iov)[(*n)++] = (struct iovec){ (void *)(uintptr_t)at, (size_t)MIN(piece, v->end - at) };
	}
	return 0;
}

/* Where a mapping's resident memory goes: a range to page out, or a count of what stays. */
static int account(const struct vma *v, uint64_t piece, struct iovec **iov, size_t *n, size_t *cap,
		   struct pageout_stats *st)
{
	if (v->special || v->pfn || v->rss == 0)
		return 0;
	if (v->locked) {
		st->locked += v->rss;
		return 0;
	}
	if (v->perms[3] == 's') {
		st->shared += v->rss;
		return 0;
	}
	if (v->inode != 0) {
		/* a private file mapping: its page cache (and the few copied-on-write pages) stay */
		st->file += v->rss;
		return 0;
	}
	if (v->anon == 0)
		return 0;
	st->anon += v->anon;
	st->ranges++;
	return add_pieces(iov, n, cap, v, piece);
}

/*
 * /proc/PID/smaps, one block per mapping:
 *   55d4c8a00000-55d4cea00000 rw-p 00000000 00:00 0                          [heap]
 *   Size:             98304 kB
 *   Rss:              98304 kB
 *   ...
 *   Anonymous:        98304 kB
 *   ...
 *   Locked:               0 kB
 *   VmFlags: rd wr mr mw me ac sd
 * A mapping's header starts with its (lower-case hex) address; the other
 * lines with a capitalised key. VmFlags "lo" is mlocked (mlock, mlockall,
 * MAP_LOCKED), "pf" a PFNMAP, "io" memory-mapped I/O: the kernel refuses a
 * page-out of those.
 */
int pageout_plan(const char *smaps, uint64_t piece, struct iovec **iov, struct pageout_stats *st)
{
	struct iovec *out = NULL;
	size_t n = 0, cap = 0;
	struct vma v;
	bool have = false;

	*iov = NULL;
	piece = MAX(piece, 4096) / 4096 * 4096;
	for (const char *line = smaps; line && *line;) {
		const char *eol = strchr(line, '\n');
		unsigned long long start, end, inode, kb;
		char perms[8];
		int name = 0;

		if (sscanf(line, "%llx-%llx %7s %*s %*s %llu %n", &start, &end, perms, &inode, &name) >= 4 &&
		    end > start) {
			if (have && account(&v, piece, &out, &n, &cap, st) < 0)
				goto oom;
			memset(&v, 0, sizeof(v));
			v.start = start;
			v.end = end;
			snprintf(v.perms, sizeof(v.perms), "%s", perms);
			v.inode = inode;
			v.special = name > 0 && line[name] == '[' && line[name + 1] == 'v';
			have = strlen(v.perms) == 4;
		} else if (have && sscanf(line, "Rss: %llu kB", &kb) == 1) {
			v.rss = kb * 1024;
		} else if (have && sscanf(line, "Anonymous: %llu kB", &kb) == 1) {
			v.anon = kb * 1024;
		} else if (have && startswith(line, "VmFlags:")) {
			size_t len = eol ? (size_t)(eol - line) : strlen(line);

			for (size_t i = 8; i + 2 <= len; i++) {
				if (line[i - 1] != ' ' || (i + 2 < len && line[i + 2] != ' '))
					continue;
				if (line[i] == 'l' && line[i + 1] == 'o')
					v.locked = true;
				else if ((line[i] == 'p' && line[i + 1] == 'f') || (line[i] == 'i' && line[i + 1] == 'o'))
					v.pfn = true;
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	if (have && account(&v, piece, &out, &n, &cap, st) < 0)
		goto oom;
	*iov = out;
	return (int)MIN(n, (size_t)INT_MAX);
oom:
	free(out);
	return -ENOMEM;
}

int pageout_begin(struct pageout *po, pid_t pid, uint64_t starttime)
{
	cleanup_free char *smaps = NULL;
	char path[48];
	uint64_t now_start;
	int r;

	memset(po, 0, sizeof(*po));
	po->pidfd = -1;
	po->pid = pid;
	po->t0_ns = now_ns();
	po->pidfd = pidfd_open(pid, 0);
	if (po->pidfd < 0)
		return -ESRCH;
	/* the pidfd holds this process; the start time says it is still the one jailed */
	if (proc_starttime(pid, &now_start) < 0 || now_start != starttime) {
		pageout_end(po);
		return -ESRCH;
	}
	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	if (read_file_alloc(AT_FDCWD, path, &smaps) < 0) {
		r = errno == ENOENT ? -ESRCH : -errno;
		pageout_end(po);
		return r;
	}
	po->swap_before = proc_vm_swap(pid);
	r = pageout_plan(smaps, PAGEOUT_PIECE, &po->iov, &po->st);
	if (r < 0) {
		pageout_end(po);
		return r;
	}
	po->n = (size_t)r;
	return 0;
}

/* The anonymous bytes of one piece are not known: what is refused is counted by length, resident or not. */
static void refused(struct pageout *po, const struct iovec *v, int e)
{
	if (e == ENOMEM)
		return; /* unmapped meanwhile (a munmap raced the read of smaps): nothing stays */
	po->st.failed += v->iov_len;
	po->st.failed_ranges++;
	if (!po->st.first_error)
		po->st.first_error = e;
}

/*
 * One process_madvise() over the next pieces, up to po->step bytes.
 * 0, or -errno when the process cannot be paged out at all.
 */
static int step(struct pageout *po)
{
	size_t first = po->next, cnt = 0;
	uint64_t want = 0;
	ssize_t r;

	if (!po->step)
		po->step = PAGEOUT_STEP;
	while (first + cnt < po->n && cnt < IOV_MAX && (cnt == 0 || want + po->iov[first + cnt].iov_len <= po->step))
		want += po->iov[first + cnt++].iov_len;
	r = process_madvise(po->pidfd, &po->iov[first], cnt, MADV_PAGEOUT, 0);
	if (r < 0) {
		int e = errno;

		/* EPERM, ENOSYS, ESRCH: none of the rest would go either */
		if (e == EPERM || e == ENOSYS || e == ESRCH)
			return -e;
		/* the first piece failed: skip it, go on after it */
		refused(po, &po->iov[first], e);
		po->next = first + 1;
		return 0;
	}
	/* r bytes: the pieces before the one that failed (all of them when r == want) */
	for (; cnt > 0 && (uint64_t)r >= po->iov[po->next].iov_len; cnt--) {
		r -= (ssize_t)po->iov[po->next].iov_len;
		po->st.done += po->iov[po->next].iov_len;
		po->next++;
	}
	if (cnt > 0) {
		/* this one failed: ask again on its own, for its errno (or it went through after all) */
		const struct iovec *v = &po->iov[po->next];

		if (process_madvise(po->pidfd, v, 1, MADV_PAGEOUT, 0) >= 0)
			po->st.done += v->iov_len;
		else if (errno == ESRCH)
			return -ESRCH;
		else
			refused(po, v, errno);
		po->next++;
	}
	return 0;
}

static void finish(struct pageout *po)
{
	uint64_t after = proc_vm_swap(po->pid);

	po->st.paged_out = after > po->swap_before ? after - po->swap_before : 0;
	po->st.seconds = (double)(now_ns() - po->t0_ns) / 1e9;
	/* "done" counted whole pieces, resident or not: what was asked is the bound */
	po->st.done = MIN(po->st.done, po->st.anon);
}

int pageout_run(struct pageout *po, uint64_t budget_ns)
{
	uint64_t t0 = now_ns(), spent;
	int r = 0;

	do {
		uint64_t t = now_ns(), took;

		if (po->next >= po->n)
			break;
		r = step(po);
		took = now_ns() - t;
		if (took > budget_ns / 4 && po->step > PAGEOUT_PIECE)
			po->step /= 2;
		else if (took < budget_ns / 16 && po->step < PAGEOUT_STEP_MAX)
			po->step *= 2;
	} while (r == 0 && now_ns() - t0 < budget_ns);
	spent = now_ns() - t0;
	po->st.slices++;
	po->st.longest_slice = MAX(po->st.longest_slice, (double)spent / 1e9);
	if (r < 0 || po->next >= po->n) {
		finish(po);
		return r;
	}
	return 1;
}

void pageout_end(struct pageout *po)
{
	if (po->pidfd >= 0)
		close(po->pidfd);
	po->pidfd = -1;
	free(po->iov);
	po->iov = NULL;
	po->n = po->next = 0;
}

static void mib(char *buf, size_t size, uint64_t bytes)
{
	if (bytes >= 10 * MIB || bytes % MIB == 0)
		snprintf(buf, size, "%llu MiB", (unsigned long long)((bytes + MIB / 2) / MIB));
	else
		snprintf(buf, size, "%.1f MiB", (double)bytes / (double)MIB);
}

void pageout_format(const struct pageout_stats *st, char *buf, size_t size)
{
	const struct {
		uint64_t v;
		const char *what;
	} stays[] = {
		{ st->locked, "mlocked" },
		{ st->shared, "shared" },
		{ st->file, "file" },
		{ st->failed, "refused" },
	};
	char a[24], b[24];
	size_t len;
	bool first = true;

	mib(a, sizeof(a), st->paged_out);
	mib(b, sizeof(b), st->anon);
	len = (size_t)snprintf(buf, size, "paged out %s of %s anonymous in %.2f s", a, b, st->seconds);
	if (st->slices > 1 && len < size)
		len += (size_t)snprintf(buf + len, size - len, " (%u slices, longest %.3f s)", st->slices,
					st->longest_slice);
	for (size_t i = 0; i < ARRAY_SIZE(stays) && len < size; i++) {
		if (!stays[i].v)
			continue;
		mib(a, sizeof(a), stays[i].v);
		len += (size_t)snprintf(buf + len, size - len, "%s%s %s", first ? "; stayed in RAM: " : ", ", a,
					stays[i].what);
		first = false;
	}
	if (st->failed_ranges && len < size)
		snprintf(buf + len, size - len, " (%u range%s: %s)", st->failed_ranges,
			 st->failed_ranges == 1 ? "" : "s", strerror(st->first_error));
}

struct pageout_job {
	struct pageout_job *next;
	struct pageout po;
	char comm[64], policy[72];
};

void pageouts_init(struct pageouts *q, sd_event *event)
{
	memset(q, 0, sizeof(*q));
	q->event = event;
	q->slice_usec = reclaim_slice_usec(PAGEOUT_SLICE_USEC);
}

static void job_free(struct pageout_job *j)
{
	pageout_end(&j->po);
	free(j);
}

static void job_done(struct pageout_job *j, int r)
{
	char text[400], f[4][160];
	const char *fields[4] = { f[0], f[1], f[2], f[3] };

	pageout_format(&j->po.st, text, sizeof(text));
	snprintf(f[0], sizeof(f[0]), "LEAKJAIL_PID=%d", j->po.pid);
	snprintf(f[1], sizeof(f[1]), "LEAKJAIL_COMM=%s", j->comm);
	snprintf(f[2], sizeof(f[2]), "LEAKJAIL_POLICY=%s", j->policy);
	snprintf(f[3], sizeof(f[3]), "LEAKJAIL_PAGED_OUT=%" PRIu64, j->po.st.paged_out);
	if (r < 0)
		lj_log_record(LOG_WARNING, LJ_MSGID_JAILED, fields, 4,
			      "page-out of pid %d (%s) stopped: %s; %s", j->po.pid, j->comm,
			      r == -ESRCH ? "it exited" : strerror(-r), text);
	else
		lj_log_record(LOG_INFO, LJ_MSGID_JAILED, fields, 4, "page-out of pid %d (%s) done: %s",
			      j->po.pid, j->comm, text);
}

static int on_slice(sd_event_source *s, uint64_t usec, void *userdata);

static void arm(struct pageouts *q)
{
	if (q->jobs && q->event)
		reclaim_slice_later(q->event, &q->source, on_slice, q);
}

/* One slice of the oldest job; the next one after the loop has had a turn. */
static int on_slice(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct pageouts *q = userdata;
	struct pageout_job *j = q->jobs;
	int r;

	(void)s;
	(void)usec;
	if (!j)
		return 0;
	r = pageout_run(&j->po, q->slice_usec * 1000);
	if (r <= 0) {
		job_done(j, r);
		q->jobs = j->next;
		job_free(j);
	} else {
		/* round robin: one big page-out does not hold back the next jail's */
		struct pageout_job **tail = &q->jobs;

		q->jobs = j->next;
		j->next = NULL;
		while (*tail)
			tail = &(*tail)->next;
		*tail = j;
	}
	sd_notify(0, "WATCHDOG=1");
	arm(q);
	return 0;
}

void pageouts_start(struct pageouts *q, pid_t pid, uint64_t starttime, const char *comm,
		    const char *policy, char *outcome, size_t size, uint64_t *paged_out)
{
	struct pageout_job *j = calloc(1, sizeof(*j));
	char text[400], a[24], b[24];
	int r;

	*paged_out = 0;
	if (!j) {
		snprintf(outcome, size, "no page-out: out of memory");
		return;
	}
	snprintf(j->comm, sizeof(j->comm), "%s", comm);
	snprintf(j->policy, sizeof(j->policy), "%s", policy);
	r = pageout_begin(&j->po, pid, starttime);
	if (r == 0)
		r = pageout_run(&j->po, q->slice_usec * 1000);
	if (r == 0) {
		pageout_format(&j->po.st, outcome, size);
		*paged_out = j->po.st.paged_out;
	} else if (r < 0) {
		pageout_format(&j->po.st, text, sizeof(text));
		snprintf(outcome, size, "page-out failed: %s (the jail holds); %s",
			 r == -ESRCH ? "the process exited" : strerror(-r), text);
		*paged_out = j->po.st.paged_out;
	} else if (!q->event) {
		/* no loop to go on from (a caller without one): finish here */
		while ((r = pageout_run(&j->po, q->slice_usec * 1000)) > 0)
			;
		pageout_format(&j->po.st, outcome, size);
		*paged_out = j->po.st.paged_out;
	} else {
		mib(a, sizeof(a), j->po.st.done);
		mib(b, sizeof(b), j->po.st.anon);
		snprintf(outcome, size, "paging out: %s of %s anonymous asked so far, the rest in the background",
			 a, b);
		j->next = q->jobs;
		q->jobs = j;
		arm(q);
		return;
	}
	job_free(j);
}

size_t pageouts_pending(const struct pageouts *q)
{
	size_t n = 0;

	for (const struct pageout_job *j = q->jobs; j; j = j->next)
		n++;
	return n;
}

void pageouts_free(struct pageouts *q)
{
	while (q->jobs) {
		struct pageout_job *j = q->jobs;

		q->jobs = j->next;
		job_free(j);
	}
	q->source = sd_event_source_unref(q->source);
}
