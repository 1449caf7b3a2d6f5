/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Limiting a cgroup that already holds the memory (a jail in place: the
 * cgroup of `leakjail run`) without harm.
 *
 * A limit written below what a cgroup holds makes the kernel reclaim inside
 * that write, in the writer's context and for as long as it takes; where it
 * cannot reclaim (no swap, swap full, the jail's swap allowance used up) a
 * v2 memory.max write OOM-kills, at jail time. So here:
 * - the room is measured first: page cache can go, anonymous memory only as
 *   far as swap can take it (free swap, and what is left of jail_swap);
 *   what cannot go is the floor, and no limit is ever written below it;
 * - the throttle goes first, at what the cgroup holds now (v2 memory.high,
 *   v1 memory.limit_in_bytes with memory.memsw left open): growth stops, and
 *   the write itself reclaims nothing;
 * - then the usage is brought down in slices of bounded time from the event
 *   loop (v2 memory.reclaim; v1 the limit lowered one step at a time, which
 *   reclaims that step or fails with EBUSY), the throttle following it down
 *   to the jail's size, or to the floor, or to where reclaim stops making
 *   progress;
 * - then the hard line, v2 memory.max, only above what is left (the
 *   policy's jail_max, or what is left plus JAIL_MARGIN_MIN).
 */
#ifndef LJ_RECLAIM_H
#define LJ_RECLAIM_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "cgroup.h"

/*
 * Bytes asked of the kernel per step at first; halved or doubled to keep a
 * step within a quarter of a slice. Swap-out is fast until the disk's
 * queue fills: seen on v1 with a swap file under load, steps that took
 * milliseconds, then one of 256 MiB that held the loop for 2.8 s; with a
 * ceiling of 64 MiB, 1.9 s (197 MiB went at 27 MiB/s). Hence a low one.
 */
#define RECLAIM_STEP (4ULL << 20)
#define RECLAIM_STEP_MIN (1ULL << 20)
#define RECLAIM_STEP_MAX (16ULL << 20)
#define RECLAIM_SLICE_USEC 100000ULL
/* Steps in a row that gave back less than this end it: what is left cannot go. */
#define RECLAIM_MISSES 3

/* How much of a cgroup can go, and what cannot. */
struct reclaim_room {
	uint64_t usage, anon, file;
	uint64_t swap_free;  /* the system's */
	uint64_t swap_left;  /* of the jail's allowance (CG_UNLIMITED: none of its own) */
	uint64_t floor;      /* usage - page cache - the anonymous memory swap can take */
};

/*
 * The room from the figures (pure, for tests): anonymous memory goes only
 * as far as MIN(swap_free, swap_left).
 */
void reclaim_room_compute(struct reclaim_room *r);

enum reclaim_end { RECLAIM_REACHED, RECLAIM_FLOOR, RECLAIM_STUCK, RECLAIM_FAILED };

struct reclaim;
/* How limits are written (NULL: cg_set_limits() on the cgroup). */
typedef int (*reclaim_set_fn)(void *data, const struct cg_limits *l, struct lj_error *err);
typedef void (*reclaim_done_fn)(struct reclaim *rc, void *userdata);

struct reclaim {
	sd_event *event;
	sd_event_source *timer;
	const struct cgroup_backend *cg;
	char rel[512];
	struct cg_limits want;  /* as the policy asks */
	struct cg_limits set;   /* as written now */
	struct reclaim_room room; /* as measured at the start */
	uint64_t target;        /* MAX(want.high, room.floor) */
	uint64_t usage;         /* the last read */
	uint64_t step;
	uint64_t slice_usec;
	uint64_t t0_ns;
	unsigned int slices, misses;
	double longest, seconds;
	enum reclaim_end end;
	bool running;
	reclaim_set_fn set_fn;
	void *set_data;
	bool set_each_slice;    /* lower the throttle after each slice (false: at the end only) */
	reclaim_done_fn done;
	void *userdata;
};

/*
 * Begin: measure the room, write the throttle at the usage (and swap cap),
 * and go on from the loop (without one, here to the end). done is called
 * once it has settled, with rc->set the limits in force. 0, or -errno when
 * not even the throttle could be written (nothing else was).
 */
int reclaim_start(struct reclaim *rc, sd_event *event, const struct cgroup_backend *cg, const char *rel,
		  const struct cg_limits *want, reclaim_set_fn set_fn, void *set_data, reclaim_done_fn done,
		  void *userdata, struct lj_error *err);

/* "reclaimed 180 MiB of 200 in 0.41 s (5 slices, longest 0.095 s); ..." */
void reclaim_format(const struct reclaim *rc, char *buf, size_t size);

/* Stop (the cgroup is going): no more slices, done is not called. */
void reclaim_cancel(struct reclaim *rc);

/*
 * How long a slice of a long job on the loop may take: usec, or a tenth of
 * the service's watchdog when that is shorter (at least 1 ms), since the
 * loop pings the watchdog between slices.
 */
uint64_t reclaim_slice_usec(uint64_t usec);

/*
 * The next slice of a long job on the loop (this reclaim, a page-out, a
 * unit's reclaim): src fires once, 10 ms from now, so that the sampling
 * timer and signals get their turn between slices; it is made the first
 * time (*src NULL). Returns 0 or -errno (*src stays NULL if it was).
 */
int reclaim_slice_later(sd_event *event, sd_event_source **src, sd_event_time_handler_t handler,
			void *userdata);

#endif
