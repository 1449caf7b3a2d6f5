/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The forecast: at the rate a process's floor rises, how soon does memory
 * run out? Two places can run out:
 * - the host: MemAvailable first (then the kernel takes the innocents'
 *   pages), then free swap as well (then the OOM killer);
 * - the process's memory cgroup: its limit (v1 memory.limit_in_bytes, v2
 *   memory.max or memory.high, the tightest of it and its ancestors).
 * "Memory runs out" is the sooner of MemAvailable gone and the cgroup at its
 * limit: that is when innocents start to pay.
 *
 * The forecast gates a policy (`forecast = 15m`: act only when memory would
 * run out within 15 minutes) and drives the fast path: a leak that would
 * exhaust memory before the policy's window closes is judged on the part of
 * the window that fits, and acted on at once.
 *
 * Pure: no I/O (headroom.c reads the cgroup's figures; judge.c applies the
 * forecast to a verdict).
 */
#ifndef LJ_FORECAST_H
#define LJ_FORECAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "history.h"

/* What memory a process may still take before its cgroup (or an ancestor) is at its limit. */
struct cg_headroom {
	uint64_t headroom;  /* bytes; CG_UNLIMITED-like UINT64_MAX: no limit */
	uint64_t limit;     /* the limit of the tightest cgroup; UINT64_MAX: none */
	uint64_t usage;     /* its usage */
};

struct forecast {
	double rate;        /* bytes/s, the floor's; <= 0: not growing, the times below are infinite */
	double available_s; /* until MemAvailable is gone */
	double swap_s;      /* until MemAvailable and free swap are gone */
	double cgroup_s;    /* until the cgroup is at its limit (infinite: no limit, or none known) */
	double runs_out_s;  /* the sooner of available_s and cgroup_s */
	const char *what;   /* which runs out first: "host" or "cgroup"; NULL: nothing */
	uint64_t mem_available, swap_free;
	struct cg_headroom cg;
	bool fast;          /* judged by the fast path (a leak faster than the window) */
};

/* A process's forecast, for the metrics: the soonest few of a pass. */
struct forecast_note {
	int pid;
	char comm[16];
	char policy[72];
	struct forecast fc;
};

#define FORECAST_NOTES 8

/*
 * Keep the FORECAST_NOTES soonest (by runs_out_s) in notes[], *n of them;
 * fc without a `what` (nothing runs out) is not kept.
 */
void forecast_note(struct forecast_note *notes, size_t *n, int pid, const char *comm, const char *policy,
		   const struct forecast *fc);

/* The times at `rate` (bytes/s) against the host's figures and the cgroup's headroom (cg may be NULL). */
void forecast_compute(struct forecast *fc, double rate, uint64_t mem_available, uint64_t swap_free,
		      const struct cg_headroom *cg);

/* Seconds as a person says them: "45 s", "4 min", "2.5 h", "3 days"; "never" for infinity. */
const char *forecast_duration(char *buf, size_t size, double s);

/* "out of memory in 4 min (cgroup at its limit; host: available in 2 h, with swap in 5 h)", or "" when not growing. */
void forecast_format(const struct forecast *fc, char *buf, size_t size);

/* For JSON and journal fields: whole seconds, or -1 for never. */
long long forecast_seconds(double s);

/*
 * The floor's rate over the newest `span_ms` of a history: how far the
 * footprint now is above the least footprint held since, per second. 0 for
 * a history shorter than two samples.
 */
double forecast_floor_rate(const struct history *h, bool anon, uint64_t span_ms);

#endif
