/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's figures for Prometheus, as a file for node_exporter's
 * textfile collector (`[daemon] metrics_file`, usually in
 * /var/lib/prometheus/node-exporter/leakjail.prom). The text exposition
 * format, names by Prometheus' conventions (leakjail_ prefix, base units,
 * _bytes, _seconds, _total for counters):
 *
 *   # HELP leakjail_jail_limit_bytes The limit of a jail (v2 memory.high, v1 memory.limit_in_bytes).
 *   # TYPE leakjail_jail_limit_bytes gauge
 *   leakjail_jail_limit_bytes{pid="4242",comm="lekker",policy="default",cgroup="/sys/fs/cgroup/memory/leakjail/lekker-4242",backend="cgroupfs-v1"} 440401920
 *
 * The file is written whole to a temporary file in the same directory and
 * renamed over the old one, so that the collector never reads half a file;
 * the temporary name does not end in .prom, so the collector ignores it.
 * docs/metrics.md lists every series.
 *
 * Counters live in struct metrics and count since the daemon started; the
 * daemon tells it of events (metrics_leak() ...) and calls metrics_publish()
 * after each pass.
 */
#ifndef LJ_METRICS_H
#define LJ_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "cgroup.h"
#include "config.h"
#include "forecast.h"
#include "jail.h"
#include "kmem.h"

/* Counters of one policy (a policy dropped by a reload keeps its counts). */
struct metrics_policy {
	char name[72];
	uint64_t leaks, jailed, jail_failed, releases, oom_kills;
	uint64_t corrected_grow, corrected_release, corrected_keep; /* misjudged jails (jailcheck.h) */
};

/* What the counters remember of a jail between passes. */
struct metrics_jail {
	pid_t pid;
	uint64_t starttime;
	uint64_t oom_kill;   /* OOM kills already counted */
	char policy[72];
};

struct metrics {
	struct metrics_policy *pol;
	size_t n_pol;
	/*
	 * Two buffers, swapped each pass and grown only when there are more
	 * jails: an allocation that lives from one pass to the next, made
	 * after the process table has grown, would keep glibc from giving
	 * the freed table back (the daemon's RSS would stay at its peak).
	 */
	struct metrics_jail *jails, *scratch;
	size_t n_jails, cap_jails;
	/* the soonest forecasts of the last pass (the daemon copies them from its watch) */
	struct forecast_note forecasts[FORECAST_NOTES];
	size_t n_forecasts;
	uint64_t passes, reloads_ok, reloads_refused;
	double pass_seconds;       /* the last pass */
	int64_t last_ok;           /* wall clock (s) of the last pass that read /proc; 0: none yet */
	unsigned int seen, watched;
	bool dry_run;

	/* the file */
	char path[256];            /* where the last write went: a new path is warned about afresh */
	bool failing;              /* the last write failed, and said so */
	uint64_t last_write_ms;
};

/* What the file shows of now, besides the counters. */
struct metrics_view {
	const char *backend;              /* "cgroupfs-v1"; NULL: no cgroups */
	const char *mount;                /* of the memory controller */
	const struct jail_state *jails;
	const struct cg_usage *usage;     /* one per jail */
	size_t n_jails;
	const struct config *cfg;         /* every policy gets its counters, zero or not */
	const struct mem_split *split;    /* NULL: the kernel watch is off */
	const unsigned int *findings;     /* SW_KINDS of them; NULL: off */
	const char *const *finding_kinds; /* their names */
	size_t n_findings;
	uint64_t rss;                     /* the daemon's own */
};

/* Events, each counted against its policy. */
void metrics_leak(struct metrics *m, const char *policy);
void metrics_jail_made(struct metrics *m, const char *policy);
void metrics_jail_failed(struct metrics *m, const char *policy);
/* A jail found misjudged (thrash, give-back), and what its policy's jail_thrash did. */
void metrics_jail_corrected(struct metrics *m, const char *policy, enum lj_thrash what);

/*
 * Around the daemon's jails_maintain(), which retires the jail of a process
 * that has gone: before it, count the OOM kills in each jail (an OOM kill
 * ends the process, and then its jail); after it, a jail that is gone while
 * its process lives was released.
 */
void metrics_jails_before(struct metrics *m, const struct cgroup_backend *cg,
			  const struct jail_state *list, size_t n);
void metrics_jails_after(struct metrics *m, const struct jail_state *list, size_t n);

/* "a\"b\\c\nd" as an exposition-format label value: a\"b\\c\nd, escaped. */
void metrics_label(FILE *f, const char *s);

/* The whole file's text. Returns 0, or -EIO when the stream failed. */
int metrics_render(FILE *f, const struct metrics *m, const struct metrics_view *v);

/*
 * Write the file atomically (temporary + rename). 0 or -errno; the first
 * failure for a path is logged, then nothing until it works again.
 */
int metrics_write(struct metrics *m, const char *path, const struct metrics_view *v);

/*
 * The daemon's call after each pass: gathers the view (jail usage, the
 * meminfo split, its own RSS) and writes the file, at most once per
 * min_gap_ms. A NULL or empty path writes nothing.
 */
struct syswatch;
void metrics_publish(struct metrics *m, const char *path, uint64_t min_gap_ms,
		     const struct cgroup_backend *cg, const struct jail_state *jails, size_t n_jails,
		     const struct config *cfg, const struct meminfo *mi, const struct syswatch *sw);

void metrics_free(struct metrics *m);

#endif
