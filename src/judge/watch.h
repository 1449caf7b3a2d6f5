/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * After each sampling pass: every policy on every process it looks at, and
 * one record for each new verdict (a leak to log, or a process to jail).
 */
#ifndef LJ_WATCH_H
#define LJ_WATCH_H

#include <stdbool.h>

#include "detect.h"
#include "scan.h"

struct watch;

/* The containment step; returns 0 when the process was jailed, -errno otherwise. */
typedef int (*watch_jail_fn)(struct watch *w, const struct policy *p, struct proc_entry *e,
			     const struct evidence *ev);

struct watch {
	struct scanner *sc;
	bool dry_run;
	watch_jail_fn jail;       /* NULL: report what would be jailed, touch nothing */
	void *userdata;           /* for jail() */
	const struct cgroup_backend *cg; /* the memory controller, for the forecast's cgroup limits; NULL: none */
	unsigned int leaks;       /* verdicts reported since start */
	/* for jail(): which attempt this is, and when the next follows if it fails (0: none) */
	unsigned int attempt;
	uint64_t retry_in_ms;
	void (*reported)(struct watch *w, const struct policy *p); /* each verdict; may be NULL */
	/* the soonest forecasts of the last pass, of processes judged leaks (acted on or waiting for pressure) */
	struct forecast_note soon[FORECAST_NOTES];
	size_t n_soon;
};

/*
 * A failed jail is tried again while the leak lasts: after one interval, then
 * twice as long each time, up to WATCH_RETRY_MAX_MS; a process that has
 * exited is not.
 */
#define WATCH_RETRY_MAX_MS (5 * 60 * 1000)

void watch_evaluate(struct watch *w);

#define WATCH_FIELDS_MAX 32
#define WATCH_FIELD_SIZE 192

/* The journal fields of a record about process e: LEAKJAIL_PID=..., the evidence. Returns the count. */
size_t watch_fields(const struct proc_entry *e, const struct policy *p, const struct evidence *ev,
		    const char *action, char f[][WATCH_FIELD_SIZE], size_t max);

/* Read /proc/PID/oom_score_adj: -1000 means "never kill", so never jail either. */
bool proc_oom_protected(int procfd, pid_t pid);

#endif
