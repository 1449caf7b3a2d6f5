// SPDX-License-Identifier: GPL-2.0-or-later
#include "reclaim.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "jail.h"
#include "proc.h"
#include "util.h"

void reclaim_room_compute(struct reclaim_room *r)
{
	uint64_t swappable = MIN(r->anon, MIN(r->swap_free, r->swap_left));
	uint64_t can_go = MIN(r->usage, r->file + swappable);

	r->floor = cg_page_up(r->usage - can_go);
}

static void measure(const struct cgroup_backend *cg, const char *rel, const struct cg_limits *want,
		    struct reclaim_room *r)
{
	char buf[8192];
	struct meminfo mi = { 0 };
	struct cg_usage u;

	memset(r, 0, sizeof(*r));
	if (cg_usage(cg, rel, &u) == 0) {
		r->usage = u.memory;
		/* cg_usage: swap alone, on v1 too (memsw - memory) */
		r->swap_left = want->swap == CG_UNLIMITED ? CG_UNLIMITED : want->swap > u.swap ? want->swap - u.swap : 0;
	}
	/* without memory.stat nothing is known to be able to go: the floor is the usage */
	if (cg_anon_file(cg, rel, &r->anon, &r->file) < 0)
		r->anon = r->file = 0;
	if (read_file_at(AT_FDCWD, "/proc/meminfo", buf, sizeof(buf)) >= 0 && proc_parse_meminfo(buf, &mi))
		r->swap_free = mi.swap_free;
	reclaim_room_compute(r);
}

static int set_limits(struct reclaim *rc, const struct cg_limits *l, struct lj_error *err)
{
	int r = rc->set_fn ? rc->set_fn(rc->set_data, l, err) : cg_set_limits(rc->cg, rc->rel, l, err);

	if (r == 0)
		rc->set = *l;
	return r;
}

/*
 * The hard line (v2 memory.max): the policy's, once the throttle is at the
 * jail's size and the usage below it; while either is above, that plus
 * JAIL_MARGIN_MIN, so that the line is never where the cgroup already is.
 */
static uint64_t max_above(const struct reclaim *rc, uint64_t high, uint64_t usage)
{
	if (rc->want.max == CG_UNLIMITED)
		return CG_UNLIMITED;
	if (MAX(high, usage) <= rc->want.high)
		return rc->want.max;
	return MAX(rc->want.max, cg_page_up(MAX(high, usage) + JAIL_MARGIN_MIN));
}

/*
 * v1 memsw is memory + swap, and the kernel refuses (EBUSY) to set it below
 * what the cgroup holds in both: the allowance is never less than that.
 */
static uint64_t swap_at_least_held(const struct reclaim *rc, uint64_t high)
{
	struct cg_usage u;

	if (rc->want.swap == CG_UNLIMITED || rc->cg->version != CG_V1 || cg_usage(rc->cg, rc->rel, &u) < 0)
		return rc->want.swap;
	return MAX(rc->want.swap, cg_page_up(u.memory + u.swap) > high ? cg_page_up(u.memory + u.swap) - high : 0);
}

static void finish(struct reclaim *rc, enum reclaim_end end)
{
	struct cg_limits l = rc->want;
	struct cg_usage u = { 0 };

	rc->timer = sd_event_source_disable_unref(rc->timer);
	rc->running = false;
	if (cg_usage(rc->cg, rc->rel, &u) == 0)
		rc->usage = u.memory;
	/*
	 * At the jail's size once the slices got there (what the leaker added
	 * since is a few pages the throttle takes back); else at what could not
	 * go (never below the usage: that write would reclaim it all at once).
	 */
	if (end == RECLAIM_REACHED && rc->usage < rc->want.max) {
		l.high = rc->want.high;
		l.max = rc->want.max;
	} else {
		l.high = MAX(rc->want.high, cg_page_up(rc->usage));
		l.max = max_above(rc, l.high, rc->usage);
	}
	l.swap = swap_at_least_held(rc, l.high);
	if (end != RECLAIM_FAILED && set_limits(rc, &l, NULL) < 0) {
		/*
		 * It grew between the read and the write (v1: up to the limit in
		 * force, and the write below it found no room: EBUSY), or swapped
		 * meanwhile (memsw below what it holds): the limit in force stays,
		 * the swap allowance read again.
		 */
		l.high = MAX(l.high, rc->set.high);
		l.max = max_above(rc, l.high, rc->usage);
		l.swap = swap_at_least_held(rc, l.high);
		if (set_limits(rc, &l, NULL) < 0)
			end = RECLAIM_FAILED; /* the throttle written at the start holds */
	}
	rc->end = end;
	rc->seconds = (double)(now_ns() - rc->t0_ns) / 1e9;
	if (rc->done)
		rc->done(rc, rc->userdata);
}

/*
 * One step: v2 asks memory.reclaim for it; v1 lowers the limit by it (the
 * kernel reclaims inside that write, or says EBUSY). Returns what went.
 */
static uint64_t step(struct reclaim *rc)
{
	uint64_t before = rc->usage, ask = MIN(rc->step, rc->usage - rc->target);
	struct cg_usage u;

	if (rc->cg->version == CG_V2) {
		/* EAGAIN: less than asked went; the usage says how much */
		cg_reclaim(rc->cg, rc->rel, ask, NULL);
	} else {
		struct cg_limits l = rc->set;

		l.high = MAX(rc->target, cg_page_up(rc->usage - ask));
		/* EBUSY: it could not go; the limit stays where it was */
		set_limits(rc, &l, NULL);
	}
	if (cg_usage(rc->cg, rc->rel, &u) == 0)
		rc->usage = u.memory;
	return before > rc->usage ? before - rc->usage : 0;
}

/* Run for about one slice; true while there is more to do. */
static bool slice(struct reclaim *rc)
{
	uint64_t t0 = now_ns(), budget = rc->slice_usec * 1000;

	uint64_t took = 0;

	do {
		uint64_t t = now_ns(), went;

		if (rc->usage <= rc->target)
			break;
		went = step(rc);
		took = now_ns() - t;
		/* less than a sixteenth of the step: nothing more is coming out */
		rc->misses = went < rc->step / 16 ? rc->misses + 1 : 0;
		if (took > budget / 4 && rc->step > RECLAIM_STEP_MIN)
			rc->step /= 2;
		else if (took < budget / 16 && rc->step < RECLAIM_STEP_MAX)
			rc->step *= 2;
		/* one more step like the last would overrun the slice: the loop gets its turn first */
	} while (rc->misses < RECLAIM_MISSES && now_ns() - t0 + took < budget);
	rc->slices++;
	rc->longest = MAX(rc->longest, (double)(now_ns() - t0) / 1e9);
	if (rc->cg->version == CG_V2 && rc->set_each_slice && cg_page_up(rc->usage) < rc->set.high) {
		/* the throttle follows the usage down: what went does not come back */
		struct cg_limits l = rc->set;

		l.high = MAX(rc->target, cg_page_up(rc->usage));
		set_limits(rc, &l, NULL);
	}
	return rc->usage > rc->target && rc->misses < RECLAIM_MISSES;
}

static enum reclaim_end why_ended(const struct reclaim *rc)
{
	if (rc->usage <= rc->want.high)
		return RECLAIM_REACHED;
	if (rc->usage <= rc->target)
		return RECLAIM_FLOOR;
	return RECLAIM_STUCK;
}

int reclaim_slice_later(sd_event *event, sd_event_source **src, sd_event_time_handler_t handler,
			void *userdata)
{
	uint64_t now;
	int r;

	sd_event_now(event, CLOCK_MONOTONIC, &now);
	if (!*src) {
		r = sd_event_add_time(event, src, CLOCK_MONOTONIC, now + 10000, 1000, handler, userdata);
		if (r < 0)
			*src = NULL;
		return r;
	}
	sd_event_source_set_time(*src, now + 10000);
	return sd_event_source_set_enabled(*src, SD_EVENT_ONESHOT);
}

static int on_slice(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct reclaim *rc = userdata;

	(void)s;
	(void)usec;
	if (!slice(rc)) {
		finish(rc, why_ended(rc));
		return 0;
	}
	/* the watchdog is kept between slices; the loop's other timers get their turn */
	sd_notify(0, "WATCHDOG=1");
	return reclaim_slice_later(rc->event, &rc->timer, on_slice, rc);
}

uint64_t reclaim_slice_usec(uint64_t usec)
{
	uint64_t wd = 0;

	/* a tenth of the watchdog at most: the loop pings it between slices */
	if (sd_watchdog_enabled(0, &wd) > 0 && wd / 10 < usec)
		return MAX(wd / 10, 1000);
	return usec;
}

int reclaim_start(struct reclaim *rc, sd_event *event, const struct cgroup_backend *cg, const char *rel,
		  const struct cg_limits *want, reclaim_set_fn set_fn, void *set_data, reclaim_done_fn done,
		  void *userdata, struct lj_error *err)
{
	struct cg_limits l;
	int r = -EBUSY;

	memset(rc, 0, sizeof(*rc));
	rc->event = event;
	rc->cg = cg;
	snprintf(rc->rel, sizeof(rc->rel), "%s", rel);
	rc->want = *want;
	rc->set_fn = set_fn;
	rc->set_data = set_data;
	rc->set_each_slice = !set_fn;
	rc->done = done;
	rc->userdata = userdata;
	rc->step = RECLAIM_STEP;
	rc->slice_usec = reclaim_slice_usec(RECLAIM_SLICE_USEC);
	rc->t0_ns = now_ns();
	/*
	 * The throttle at what it holds now: growth stops, and the write does
	 * not reclaim. A usage that grew between the read and the write makes a
	 * v1 write fail with EBUSY (or reclaim a little): read again, a few times.
	 */
	for (int tries = 0; tries < 4 && r == -EBUSY; tries++) {
		measure(cg, rel, want, &rc->room);
		rc->usage = rc->room.usage;
		rc->target = MAX(want->high, rc->room.floor);
		l = *want;
		l.high = MAX(want->high, cg_page_up(rc->usage + (tries ? 1 * MIB : 0)));
		l.max = max_above(rc, l.high, rc->usage);
		/* v1 memsw stays open while the usage comes down: the step down must not meet it */
		l.swap = cg->version == CG_V1 ? CG_UNLIMITED : want->swap;
		r = set_limits(rc, &l, err);
	}
	if (r < 0)
		return r;
	/* v1: at its limit it waits, never OOM-killed (what follows is the caller's) */
	if (cg->version == CG_V1 && !set_fn)
		cg_oom_wait(cg, rel, NULL);
	rc->running = true;
	if (rc->usage <= rc->target) {
		finish(rc, why_ended(rc));
		return 0;
	}
	if (!event) {
		while (slice(rc))
			;
		finish(rc, why_ended(rc));
		return 0;
	}
	r = sd_event_add_time_relative(event, &rc->timer, CLOCK_MONOTONIC, 0, 1000, on_slice, rc);
	if (r < 0) {
		/* no loop to go on from: the throttle holds, the hard line goes above what is there */
		finish(rc, RECLAIM_STUCK);
		return 0;
	}
	return 0;
}

void reclaim_format(const struct reclaim *rc, char *buf, size_t size)
{
	char high[24], max[24], a[FMT_SIZE_MAX], b[FMT_SIZE_MAX], f[FMT_SIZE_MAX];
	uint64_t went = rc->room.usage > rc->usage ? rc->room.usage - rc->usage : 0;
	size_t len;

	jail_fmt_limit(high, sizeof(high), rc->set.high);
	jail_fmt_limit(max, sizeof(max), rc->set.max);
	len = (size_t)snprintf(buf, size, "reclaimed %s of %s in %.2f s (%u slice%s, longest %.3f s); usage now %s",
			       fmt_size(a, sizeof(a), went),
			       fmt_size(b, sizeof(b), rc->room.usage > rc->want.high ? rc->room.usage - rc->want.high : 0),
			       rc->seconds, rc->slices, rc->slices == 1 ? "" : "s", rc->longest,
			       fmt_size(f, sizeof(f), rc->usage));
	if (len >= size)
		return;
	if (rc->cg->version == CG_V2)
		len += (size_t)snprintf(buf + len, size - len, "; high=%s max=%s", high, max);
	else
		len += (size_t)snprintf(buf + len, size - len, "; limit=%s", high);
	if (len >= size)
		return;
	switch (rc->end) {
	case RECLAIM_REACHED:
		break;
	case RECLAIM_FLOOR:
		snprintf(buf + len, size - len, "; held above the jail's size: %s cannot go (%s free swap%s)",
			 fmt_size(a, sizeof(a), rc->room.floor), fmt_size(b, sizeof(b), rc->room.swap_free),
			 rc->room.swap_left != CG_UNLIMITED ? ", jail_swap left counted" : "");
		break;
	case RECLAIM_STUCK:
		snprintf(buf + len, size - len, "; held above the jail's size: reclaim gave back no more");
		break;
	case RECLAIM_FAILED:
		snprintf(buf + len, size - len, "; the final limits could not be written: the throttle holds");
		break;
	}
}

void reclaim_cancel(struct reclaim *rc)
{
	rc->timer = sd_event_source_disable_unref(rc->timer);
	rc->running = false;
}
