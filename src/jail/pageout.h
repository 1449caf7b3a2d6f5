/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Page-out of a jailed process: process_madvise(MADV_PAGEOUT) over its
 * private anonymous memory, so that what it held before the move (charged to
 * its old cgroup) goes to swap now.
 *
 * What the kernel does (6.18, mm/madvise.c vector_madvise()): the ranges of
 * one call are worked through in order; the first that fails ends the call,
 * which then returns the bytes of the ranges done before it (or -1 and the
 * errno when it was the first). An mlocked, PFNMAP or hugetlb mapping fails
 * with EINVAL; a range unmapped meanwhile with ENOMEM. So a failed range is
 * skipped, counted, and the call resumed after it.
 *
 * A multi-GiB page-out takes seconds: it is done in steps of a few MiB,
 * run in slices of a bounded time (pageouts_start runs
 * the first slice at once, the rest from the event loop), so the daemon's
 * loop (its sampling, its watchdog) never waits for more than one slice.
 */
#ifndef LJ_PAGEOUT_H
#define LJ_PAGEOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <systemd/sd-event.h>

/*
 * The ranges are cut in pieces of PAGEOUT_PIECE; one process_madvise() call
 * covers a step of pieces, PAGEOUT_STEP at first (at ~1 GiB/s to swap:
 * ~16 ms), halved while a call takes more than a quarter of the slice (an
 * emulated CPU, a slow disk: 16 MiB took 0.77 s under TCG), doubled while
 * it takes less than a sixteenth, between one piece and PAGEOUT_STEP_MAX.
 */
#define PAGEOUT_PIECE (2ULL << 20)
#define PAGEOUT_STEP (16ULL << 20)
#define PAGEOUT_STEP_MAX (64ULL << 20)
/* The longest slice on the loop, unless a tenth of the watchdog is shorter. */
#define PAGEOUT_SLICE_USEC 100000ULL

/* What a page-out did and what it left where it was, in bytes. */
struct pageout_stats {
	uint64_t anon;      /* private anonymous memory resident when it began: what is asked to go */
	uint64_t done;      /* of that, in ranges the kernel accepted */
	uint64_t paged_out; /* VmSwap after - before: what really left */
	uint64_t locked;    /* resident in mlocked mappings: stays */
	uint64_t shared;    /* resident in shared mappings (shmem, MAP_SHARED): not this process's alone */
	uint64_t file;      /* resident in private file mappings (program, libraries): page cache, not swap */
	uint64_t failed;    /* anonymous memory in ranges the kernel refused */
	unsigned int ranges, failed_ranges;
	int first_error;    /* errno of the first refused range, 0 if none */
	unsigned int slices;
	double seconds;     /* from the start to the end */
	double longest_slice; /* seconds: the longest the loop waited for it */
};

struct pageout {
	pid_t pid;
	int pidfd;
	struct iovec *iov; /* the ranges to page out, in pieces of at most PAGEOUT_PIECE */
	size_t n, next;
	uint64_t step;     /* bytes per call, adapted to how long a call takes */
	uint64_t swap_before; /* VmSwap, bytes */
	uint64_t t0_ns;
	struct pageout_stats st;
};

/*
 * The plan from the text of /proc/PID/smaps: the ranges to page out (private,
 * anonymous, not mlocked, not special, with anonymous memory resident),
 * split in pieces of at most `piece` bytes, into a malloc()ed *iov; and the
 * figures of what stays (st->locked, shared, file) and what is asked (st->anon).
 * Returns the count of pieces, or -ENOMEM.
 */
int pageout_plan(const char *smaps, uint64_t piece, struct iovec **iov, struct pageout_stats *st);

/*
 * Begin: a pidfd, the start time checked against the one given (a reused pid
 * is not paged out), the plan read from /proc/PID/smaps. -ESRCH when the
 * process has gone or is another one; -errno otherwise.
 */
int pageout_begin(struct pageout *po, pid_t pid, uint64_t starttime);

/*
 * Page out for about `budget_ns` (at least one step). 1: more to do; 0: done
 * (po->st final); -errno: stopped (-ESRCH: the process exited; -EPERM: no
 * CAP_SYS_NICE or ptrace rights; -ENOSYS: kernel < 5.10), po->st as far as it got.
 */
int pageout_run(struct pageout *po, uint64_t budget_ns);

void pageout_end(struct pageout *po);

/* "paged out 218 MiB in 0.14 s; stayed in RAM: 32 MiB mlocked, 2.1 MiB file" */
void pageout_format(const struct pageout_stats *st, char *buf, size_t size);

/* Page-outs under way in the daemon, continued from its event loop. */
struct pageouts {
	sd_event *event;
	sd_event_source *source; /* a timer, on while a job is queued */
	struct pageout_job *jobs;
	uint64_t slice_usec;
};

void pageouts_init(struct pageouts *q, sd_event *event);

/*
 * Page out a jailed process: the first slice now; the rest, if any, from the
 * loop, with a record of the outcome when it is done. `outcome` gets what
 * the jail's record says ("paged out ...", or "paging out: ... so far, the
 * rest in the background", or why not). *paged_out: the bytes so far.
 */
void pageouts_start(struct pageouts *q, pid_t pid, uint64_t starttime, const char *comm,
		    const char *policy, char *outcome, size_t size, uint64_t *paged_out);

/* Jobs still under way (for tests and the status line). */
size_t pageouts_pending(const struct pageouts *q);

void pageouts_free(struct pageouts *q);

#endif
