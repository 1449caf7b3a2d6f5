/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's watch on memory that no process owns, so it cannot be jailed,
 * only found and reported:
 * - untracked kernel memory (kmem_untracked(): adaptivemm's "unaccounted",
 *   without its double counting, and with the free pages of the per-CPU
 *   lists counted as free), against its floor; not while SwapCached holds
 *   more than half of min_growth (mapped swap cache pages are counted twice
 *   by the kernel, and no counter says how many);
 * - SUnreclaim against its floor, naming the slab caches that grew since,
 *   unless the threads alive beyond those at the floor could hold it all;
 * - socket queues that keep growing, with the process that holds them.
 * Each finding is one record (its own MESSAGE_ID, LEAKJAIL_* fields, the
 * figures that led to it), logged once, and again only when it grows by
 * another step, turns sudden, or names another cache.
 *
 * Cost: the meminfo checks use the daemon's own /proc/meminfo sample and
 * cost nothing measurable; they run once per `scan_ms` (10 s). /proc/zoneinfo
 * (the per-CPU free pages) costs 7 to 9 times a meminfo read and is formatted
 * under each zone's lock: it is read, with a fresh meminfo beside it, only
 * when the figure could count (see syswatch.c), and at least every
 * `pcp_every` scans. Every `slow_every` passes the watch reads
 * /proc/slabinfo and dumps every socket over NETLINK_SOCK_DIAG; the
 * processes holding a socket are looked up (a pass over /proc/PID/fd) only
 * when a socket becomes a finding. docs/diagnose.md has the figures.
 *
 * In the daemon: syswatch_init() once, then after each scanner_pass()
 *   syswatch_pass(&w, &sc.sys.mem, sc.sys.t_ms);
 * and syswatch_free() at exit. It logs through lj_log_record() itself.
 */
#ifndef LJ_SYSWATCH_H
#define LJ_SYSWATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "kmem.h"
#include "proc.h"
#include "sockdiag.h"

/* MESSAGE_ID= of the watch's records, for `journalctl MESSAGE_ID=...` */
#define LJ_MSGID_KMEM_UNTRACKED "2b42702b3c164d31b573c0a92395a267"
#define LJ_MSGID_KMEM_SLAB "3c50a24baedb482d9b3a4cb61d8a0c37"
#define LJ_MSGID_KMEM_SOCKET "5af5c5830a544e099fc114b29082fb96"

/*
 * The floor rule, after adaptivemm, made to ignore what does not last:
 * - what the figure "holds" is the least of its last hold_scans values: a
 *   burst shorter than that is not growth;
 * - the floor is the lowest level the figure stayed at or under for
 *   hold_scans scans in a row: a dip shorter than that is not a floor;
 * - more than slow_pct over the floor for slow_scans consecutive scans is a
 *   slow leak, when what it holds is min_growth over the floor;
 * - a sudden leak: what it holds is at least twice the least value of the
 *   sudden_scans scans before, min_growth more, and over the slow line.
 * A finding's episode ends when the figure stays under the line hold_scans
 * scans in a row.
 */
struct floor_rule {
	unsigned int slow_pct;      /* 10 */
	unsigned int slow_scans;    /* 10 */
	unsigned int sudden_scans;  /* 3 (at most FLOOR_RECENT / 2) */
	unsigned int hold_scans;    /* 3 (1 to FLOOR_RECENT / 2; 1 is adaptivemm's rule) */
	uint64_t min_growth;        /* 8 MiB */
};

#define FLOOR_RECENT 16

struct floor_track {
	uint64_t floor;
	uint64_t recent[FLOOR_RECENT];  /* the last values; the newest at (n - 1) % FLOOR_RECENT */
	uint64_t n;                     /* values fed */
	unsigned int above;             /* consecutive scans more than slow_pct over the floor */
	unsigned int below;             /* consecutive scans not over it */
};

enum floor_verdict { FLOOR_NONE, FLOOR_SLOW, FLOOR_SUDDEN };

struct floor_evidence {
	uint64_t value, floor;
	uint64_t held;              /* the least of the last hold_scans values */
	uint64_t from;              /* sudden: the earlier value it doubled; 0: none yet */
	unsigned int above;         /* slow: scans over the line so far */
};

/* Pure: feed one value, get a verdict and the figures behind it. */
enum floor_verdict floor_feed(struct floor_track *t, const struct floor_rule *r, uint64_t value,
			      struct floor_evidence *ev);

const char *floor_verdict_name(enum floor_verdict v);

enum syswatch_kind { SW_UNTRACKED, SW_SLAB, SW_SOCKET, SW_KINDS };

/* What is already logged about one figure. */
struct sw_report {
	enum floor_verdict verdict;  /* FLOOR_NONE: nothing logged in this episode */
	uint64_t value;
	char caches[3][SLAB_NAME_MAX];
};

struct sw_sock {
	struct sock_info s;
	uint64_t start;              /* held when this run of growth began */
	uint64_t start_ms;
	uint64_t last;
	uint64_t logged;             /* held when last logged; 0: not logged */
	unsigned int grow_scans;     /* consecutive socket scans that saw it grow */
	uint64_t gen;
};

struct syswatch {
	/* settings: syswatch_init() sets the defaults */
	struct floor_rule rule;
	unsigned int slow_every;     /* passes between slabinfo + socket scans; 0: never */
	uint64_t sock_follow;        /* sockets holding less are not followed: 256 KiB */
	uint64_t sock_min;           /* a socket finding needs this much held: 1 MiB */
	unsigned int sock_scans;     /* socket scans in a row that saw it grow: 3 */
	uint64_t scan_ms;            /* the floor rules see one scan per scan_ms: 10 s; 0: every pass */
	uint64_t task_kib;           /* slab growth up to this per thread more than at the floor is the tasks': 64; 0: none */
	unsigned int pcp_every;      /* /proc/zoneinfo at least every N scans; 0: never (tests feed it) */
	bool balloon_in_total;

	/* state */
	int procfd;
	uint64_t page_size;
	uint64_t passes, slow_passes;
	uint64_t scans, last_scan_ms; /* of the floor rules */
	uint64_t now_ms;             /* of the current pass */
	uint64_t floor_ms[SW_KINDS - 1]; /* when each floor was last seen */
	struct floor_track untracked, sunreclaim;
	struct sw_report rep[SW_KINDS - 1];
	struct slab_list slab_base;  /* taken when SUnreclaim was at its floor */
	struct slab_list slab_now;
	bool slab_fresh;             /* slab_now was read in this pass */
	bool slab_unreadable;
	struct sw_sock *socks;
	size_t n_socks, cap_socks;
	uint64_t sock_gen;
	unsigned int socks_dropped;  /* not followed: the table was full */
	uint64_t untracked_skipped;  /* scans not trusted: too much in the swap cache */
	struct pcp_lists pcp;        /* the last /proc/zoneinfo read */
	uint64_t pcp_scan;           /* the scan that read it */
	bool pcp_known;              /* pcp holds a reading */
	bool pcp_fed;                /* handed in for the next pass (syswatch_zoneinfo) */
	bool pcp_unreadable;
	uint64_t threads;            /* threads of the system at this scan (/proc/loadavg) */
	uint64_t threads_floor;      /* ... when SUnreclaim was last at its floor */
	bool threads_fed;

	/* figures for the reader and for tests */
	unsigned int found[SW_KINDS];
	uint64_t last_pass_us, slow_us_total, slow_us_max, fast_us_total;
	uint64_t holders_us_max;
	uint64_t pcp_reads, pcp_us_total, pcp_us_max;  /* zoneinfo + meminfo, read together */
};

/* Defaults, /proc opened, balloon looked up. 0 or -errno. */
int syswatch_init(struct syswatch *w);
void syswatch_free(struct syswatch *w);

/*
 * One pass, after the daemon has read /proc/meminfo. Every slow_every-th
 * pass also reads /proc/slabinfo and the sockets; the floor rules run on
 * the first pass and then once scan_ms has gone by.
 */
void syswatch_pass(struct syswatch *w, const struct meminfo *m, uint64_t now_ms);

/*
 * Hand the watch a /proc/slabinfo text for the next pass (tests feed
 * recorded files this way; a slow pass reads its own). 0, -EINVAL, -ENOMEM.
 */
int syswatch_slabinfo(struct syswatch *w, const char *text);

/*
 * Hand the watch a /proc/zoneinfo text that goes with the /proc/meminfo of
 * the next pass (recorded series). 0, or -EINVAL for text that is not one.
 */
int syswatch_zoneinfo(struct syswatch *w, const char *text);

/* Hand the watch the number of threads for the next pass (recorded series; a pass reads /proc/loadavg). */
void syswatch_threads(struct syswatch *w, uint64_t threads);

/* The socket scan in two halves, for recorded series: each socket, then the verdicts. */
void syswatch_sock_seen(struct syswatch *w, const struct sock_info *s);
void syswatch_sock_done(struct syswatch *w);

/* The free pages in the per-CPU lists at the last reading of /proc/zoneinfo, in bytes (0: none yet). */
uint64_t syswatch_pcp_free(const struct syswatch *w);

#endif
