/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A jail that judges itself: was the process really leaking?
 *
 * Leaked memory is cold. A leaker in its jail swaps out what it leaked and
 * rarely touches it again. A process jailed by mistake (a warm-up longer
 * than the policy's window: a JVM growing its heap, a buffer pool filling)
 * needs what it holds: in its jail it faults its working set back in, over
 * and over, and makes little progress. Every pass, for each live jail:
 *
 * - refaults: pages faulted back in per second, the largest of what each
 *   source counts over the pass (they overlap; they do not add up): the
 *   process's major faults (/proc/PID/stat), the jail's memory.stat
 *   pgmajfault, and its workingset_refault_anon (v2; v1 too since Linux
 *   5.9): a page found again in the swap cache is no major fault, yet it
 *   was evicted and wanted back (seen here: 40,535 refaults against 6,465
 *   major faults in one thrashing jail);
 * - footprint: the process's resident anonymous memory plus swap
 *   (/proc/PID/status RssAnon + VmSwap).
 *
 * Verdicts:
 * - thrash: refaults at or above JAILCHECK_REFAULTS per second at every pass
 *   for JAILCHECK_HOLD_MS, from JAILCHECK_SETTLE_MS after the jail was first
 *   seen (the page-out's burst: what was paged out and is touched comes
 *   back at once, then it is quiet), while its footprint grew less than the policy's
 *   leak pace (growth per window) over that time. A process that refaults
 *   and still grows that fast is a leaker that touches what it leaks: it
 *   keeps its jail.
 *   What refaults cannot tell: a leaker that re-touches everything it
 *   holds (stress-ng --bigheap touches every page of its heap that is not
 *   resident), in a jail that holds its growth back (v2 memory.high
 *   throttles it), thrashes exactly like a warm-up (seen in the v2 VM:
 *   1,820 refaults/s, no growth). grow gives it a step at a time, up to
 *   what it holds, at most JAILCHECK_MAX_GROWS times: still jailed, never
 *   released by grow. Leaked memory that is cold, as in the atop
 *   case, never refaults.
 * - give-back: its footprint fell from its highest in the jail by half the
 *   policy's growth. A leak does not give back.
 *
 * The policy's jail_thrash says what follows: grow (a step toward its
 * working set, at most JAILCHECK_MAX_GROWS times; a give-back is released:
 * there is nothing to grow toward), release, or keep (said once).
 *
 * The threshold, from measurements on this kind of host (6.18, v1, a swap
 * file, 1 s passes): a JVM (-Xms64m -Xmx1g, G1; tests/progs/WarmUp.java)
 * jailed in its warm-up took 1,279-4,098 major faults a second once its
 * jail was full, its memory.stat workingset_refault_anon rising faster
 * still; the atop leaker (memhog leak 20, tests/integration/contain.sh)
 * took none in 27 s in its jail; stress-ng's bigheap worker
 * (tests/integration/bigheap.sh) 7,759 in the one second after its
 * page-out (it re-touches its heap), then none until its jail OOM-killed
 * it. 500/s (2 MiB/s) lies well between. The hold is short because on v1
 * a jail whose every page is hot OOM-kills within seconds (seen here: 2-5
 * s into the thrash; the JVM's began 14-20 s after its jail, once the jail
 * was full); the settling time keeps the page-out's burst out.
 */
#ifndef LJ_JAILCHECK_H
#define LJ_JAILCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define JAILCHECK_REFAULTS 500.0 /* pages per second */
#define JAILCHECK_HOLD_MS 2000
#define JAILCHECK_SETTLE_MS 5000
#define JAILCHECK_MAX_GROWS 8
#define JAILCHECK_UNKNOWN UINT64_MAX

/* One pass's reading of a jailed process and its jail; counters are cumulative. */
struct jailcheck_sample {
	uint64_t t_ms;       /* monotonic */
	uint64_t majflt;     /* the process's major faults */
	uint64_t cg_majflt;  /* the jail's memory.stat pgmajfault; JAILCHECK_UNKNOWN: not read */
	uint64_t cg_refault; /* memory.stat workingset_refault_anon; JAILCHECK_UNKNOWN: none */
	uint64_t footprint;  /* bytes: RssAnon + VmSwap */
	uint64_t limit;      /* the jail's limit in force */
	/*
	 * v1: its tasks wait under an OOM that kills nothing (a jail's
	 * oom_kill_disable), while swap had room for swap_room bytes. A waiting
	 * process refaults nothing, yet it is the hottest case: reclaim found
	 * nothing cold enough to swap out. A leaker's leaked pages are cold:
	 * with swap room they go, and no OOM comes.
	 */
	bool under_oom;
	uint64_t swap_room;
};
/* swap room enough that an OOM in the jail means hot pages, not a full swap */
#define JAILCHECK_OOM_ROOM (64ULL << 20)

/* What of the policy the judgement uses. */
struct jailcheck_policy {
	uint64_t growth;    /* bytes per window that make a leak */
	uint64_t window_ms;
};

enum jailcheck_verdict { JAILCHECK_NONE, JAILCHECK_THRASH, JAILCHECK_GIVE_BACK };

/* What is known of one jail between passes. */
struct jailcheck_state {
	pid_t pid;
	uint64_t starttime;
	bool seen;              /* in this pass (the table's sweep) */
	bool have_last;
	struct jailcheck_sample last;
	uint64_t refaults;      /* pages refaulted since first seen (the largest source, pass by pass) */
	double rate;            /* refaults per second in the last pass */
	uint64_t peak;          /* the highest footprint seen in the jail */
	uint64_t first_ms;      /* first seen (or judged afresh) */
	uint64_t since_ms;      /* refaulting at or above the threshold since; 0: not */
	uint64_t since_refaults, since_footprint;
	unsigned int grows;     /* steps grown by jail_thrash = grow */
	uint64_t oom_kills;     /* the jail's, as last seen */
	bool settled;           /* said what it will not do (keep, or grown the most): no more records */
	/* a release asked of a backend that answers later (systemd): the verdict that asked it */
	enum jailcheck_verdict releasing;
	char releasing_evidence[600];
};

/*
 * Feed one sample. Returns the verdict, with what was seen in `evidence`
 * ("2400 refaults/s for 5 s ..."), or JAILCHECK_NONE.
 */
enum jailcheck_verdict jailcheck_judge(struct jailcheck_state *st, const struct jailcheck_sample *s,
				       const struct jailcheck_policy *p, char *evidence, size_t size);

/* After a correction (a grow): the next verdict needs another JAILCHECK_HOLD_MS. */
void jailcheck_acted(struct jailcheck_state *st);

/*
 * How much to grow a thrashing jail: from its limit to the footprint (the
 * most its working set can be), at most half of what the host has
 * available; 0 when the footprint is within the limit (the caller's
 * smallest step applies: a quarter).
 */
uint64_t jailcheck_grow_step(const struct jailcheck_sample *s, uint64_t available);

const char *jailcheck_verdict_name(enum jailcheck_verdict v);

/*
 * The process's part of a sample, from the text of /proc/PID/stat and
 * /proc/PID/status: false when it is another process (start time), or a
 * dying one (a zombie, PF_EXITING, no RssAnon/VmSwap lines): its memory
 * goes as it exits, which is no give-back.
 */
bool jailcheck_parse_proc(const char *stat, const char *status, uint64_t starttime, struct jailcheck_sample *s);

/*
 * The states of the daemon's jails, kept by (pid, start time). A fixed
 * table, not the heap: an allocation that lives from one pass to the next,
 * made after the process table has grown, keeps glibc from giving the freed
 * table back (src/cmd/metrics.h). Jails past the first JAILCHECK_MAX_JAILS are
 * not judged.
 */
#define JAILCHECK_MAX_JAILS 64
struct jailcheck_table {
	struct jailcheck_state v[JAILCHECK_MAX_JAILS];
	size_t n;
};

struct jails;
struct jail_state;
struct scanner;

/*
 * Every pass, for a live jail (jails.c): read, judge, and act as the
 * policy's jail_thrash says, with a record and a metric. Returns true when
 * the jail was released (its record is gone: the caller forgets it).
 */
bool jailcheck_pass(struct jails *js, struct jail_state *j, const struct scanner *sc);

/* After each pass: forget the jails not seen in it. */
void jailcheck_sweep(struct jailcheck_table *t);
void jailcheck_free(struct jailcheck_table *t);

#endif
