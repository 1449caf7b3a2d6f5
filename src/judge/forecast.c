// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The forecast's arithmetic: headroom over rate, for the host and for the
 * process's cgroup, and how to say the result.
 */
#include "forecast.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

static double until(uint64_t room, double rate)
{
	if (rate <= 0.0 || room == UINT64_MAX)
		return INFINITY;
	return (double)room / rate;
}

void forecast_compute(struct forecast *fc, double rate, uint64_t mem_available, uint64_t swap_free,
		      const struct cg_headroom *cg)
{
	bool fast = fc->fast;

	memset(fc, 0, sizeof(*fc));
	fc->fast = fast;
	fc->rate = rate > 0.0 ? rate : 0.0;
	fc->mem_available = mem_available;
	fc->swap_free = swap_free;
	fc->cg = cg ? *cg : (struct cg_headroom){ UINT64_MAX, UINT64_MAX, 0 };
	fc->available_s = until(mem_available, fc->rate);
	fc->swap_s = until(mem_available > UINT64_MAX - swap_free ? UINT64_MAX : mem_available + swap_free, fc->rate);
	fc->cgroup_s = until(fc->cg.headroom, fc->rate);
	fc->runs_out_s = MIN(fc->available_s, fc->cgroup_s);
	if (isfinite(fc->runs_out_s))
		fc->what = fc->cgroup_s < fc->available_s ? "cgroup" : "host";
}

const char *forecast_duration(char *buf, size_t size, double s)
{
	if (!isfinite(s))
		snprintf(buf, size, "never");
	else if (s < 90.0)
		snprintf(buf, size, "%.0f s", s);
	else if (s < 90.0 * 60.0)
		snprintf(buf, size, "%.0f min", s / 60.0);
	else if (s < 36.0 * 3600.0)
		snprintf(buf, size, "%.1f h", s / 3600.0);
	else
		snprintf(buf, size, "%.1f days", s / 86400.0);
	return buf;
}

long long forecast_seconds(double s)
{
	return isfinite(s) ? (long long)(s + 0.5) : -1;
}

void forecast_format(const struct forecast *fc, char *buf, size_t size)
{
	char t[32], avail[32], swap[32], cg[32], lim[FMT_SIZE_MAX];

	if (!fc->what) {
		snprintf(buf, size, "%s", "");
		return;
	}
	forecast_duration(t, sizeof(t), fc->runs_out_s);
	forecast_duration(avail, sizeof(avail), fc->available_s);
	forecast_duration(swap, sizeof(swap), fc->swap_s);
	if (fc->cg.limit == UINT64_MAX) {
		snprintf(buf, size, "out of memory in %s%s (host: available in %s, with swap in %s; no cgroup limit)", t,
			 fc->fast ? ", faster than the window" : "", avail, swap);
		return;
	}
	forecast_duration(cg, sizeof(cg), fc->cgroup_s);
	snprintf(buf, size, "out of memory in %s%s (cgroup limit %s in %s; host: available in %s, with swap in %s)", t,
		 fc->fast ? ", faster than the window" : "", fmt_size(lim, sizeof(lim), fc->cg.limit), cg, avail, swap);
}

double forecast_floor_rate(const struct history *h, bool anon, uint64_t span_ms)
{
	struct hpoint pt[HISTORY_POINTS_MAX];
	uint32_t n = history_points(h, anon, pt), i;
	uint64_t tn, now, low;

	if (n < 2)
		return 0.0;
	tn = pt[n - 1].t_ms;
	now = pt[n - 1].fp;
	low = now;
	/* back to the oldest point within the span (or the oldest there is) */
	for (i = n - 1; i-- > 0;) {
		low = MIN(low, pt[i].fp);
		if (pt[i].t_ms + span_ms <= tn)
			break;
	}
	i = i == UINT32_MAX ? 0 : i;
	if (tn <= pt[i].t_ms)
		return 0.0;
	return (double)(now - low) * 1000.0 / (double)(tn - pt[i].t_ms);
}

void forecast_note(struct forecast_note *notes, size_t *n, int pid, const char *comm, const char *policy,
		   const struct forecast *fc)
{
	size_t at;

	if (!fc->what)
		return;
	/* sorted soonest first: find the place, drop the last when full */
	for (at = 0; at < *n && notes[at].fc.runs_out_s <= fc->runs_out_s; at++)
		;
	if (at >= FORECAST_NOTES)
		return;
	if (*n < FORECAST_NOTES)
		(*n)++;
	memmove(&notes[at + 1], &notes[at], (*n - 1 - at) * sizeof(*notes));
	notes[at].pid = pid;
	snprintf(notes[at].comm, sizeof(notes[at].comm), "%s", comm);
	snprintf(notes[at].policy, sizeof(notes[at].policy), "%s", policy);
	notes[at].fc = *fc;
}
