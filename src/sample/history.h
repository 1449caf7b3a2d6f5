/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A process's footprints over time, in bounded memory whatever the window.
 * The footprint is what a process holds: resident memory plus swap. RSS alone
 * goes down when the kernel swaps a leaker out and up when an innocent faults
 * its pages back in; the footprint does neither. Two are kept, for the two
 * kinds a policy may watch (all resident + swap, anonymous resident + swap).
 *
 * The history is a row of stretches, oldest first. A stretch keeps the time
 * of its first sample, and the least (floor) and the most (peak) footprint
 * of its samples, exactly, with which of the two came first: that is all the
 * floor rule needs (detect.c). A new sample joins the newest stretch while
 * the stretch stays flat (within the noise, on the kinds a policy watches):
 * a flat process takes one stretch, and a leak slower than the noise per
 * sample still shows once it adds up. When the row is full, the two
 * neighbours whose merge costs least are merged: flat neighbours first (no
 * loss), then the pair that is narrowest for the windows that look at its
 * age, so that the stretches a window's quarters cut stay a small part of a
 * quarter, and older stretches grow coarser; the newest HISTORY_FRESH stay
 * as they came. Nothing older than two of the
 * longest windows is kept. At most HISTORY_BUCKETS_MAX stretches: under 1 KiB
 * per process, a 20 s window or a 24 h one alike.
 */
#ifndef LJ_HISTORY_H
#define LJ_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One reading of a process, as the sampler takes it. */
struct sample {
	uint64_t t_ms;   /* monotonic */
	uint64_t rss;    /* bytes, resident */
	uint64_t anon;   /* bytes, resident anonymous (rss - file - shmem) */
	uint64_t vsz;    /* bytes */
	uint64_t swap;   /* bytes in swap (VmSwap) */
	uint64_t minflt, majflt;
};

/* One stretch: 20 bytes. Footprints in KiB (up to 2 TiB); [0]: all resident + swap, [1]: anonymous + swap. */
struct hbucket {
	uint32_t t;     /* its first sample, ms after the history's epoch */
	uint32_t lo[2]; /* the floor; HB_MANY in lo[0]: more than one sample */
	uint32_t hi[2]; /* the peak; HB_LATE: it came after the floor */
};
#define HB_LATE (1u << 31)
#define HB_MANY (1u << 31)

/* Which footprints a policy watches: compaction judges flatness on these alone. */
#define HK_TOTAL 1u
#define HK_ANON 2u

#define HISTORY_MIN 4           /* stretches first allocated */
#define HISTORY_FRESH 4         /* the newest stretches, never merged unless flat: the newest samples as they came */
#define HISTORY_WINDOWS 4       /* distinct windows a history is kept fine for; more share the nearest */
#define HISTORY_BUCKETS_MAX 48  /* 960 bytes */
#define HISTORY_BUCKETS_LOW 16  /* over the memory budget: coarser, still judged */

struct history {
	struct hbucket *b;       /* oldest first */
	uint64_t epoch;          /* monotonic ms that a stretch's t counts from */
	uint64_t t_last;         /* the newest sample */
	uint32_t now[2];         /* its footprints, KiB */
	uint16_t cap, len, max;  /* stretches allocated, held, allowed */
	uint8_t kinds;           /* HK_*; 0: both */
	uint32_t noise_kib;      /* change that does not count, as last pushed */
	uint32_t win_ms[HISTORY_WINDOWS]; /* the windows that look at it, shortest first (0: none; none at all: keep all) */
};


/* A point of a history as the detector walks it: a stretch is its floor and peak, in their order. */
struct hpoint {
	uint64_t t_ms;
	uint64_t fp; /* bytes */
};
#define HISTORY_POINTS_MAX (2 * HISTORY_BUCKETS_MAX + 1)

static inline uint64_t sample_footprint(const struct sample *s, bool anon)
{
	return (anon ? s->anon : s->rss) + s->swap;
}

static inline uint64_t history_bytes(const struct history *h)
{
	return (uint64_t)h->cap * sizeof(struct hbucket);
}

/*
 * The history as points, oldest first, ending with the newest sample:
 * `pt` holds HISTORY_POINTS_MAX. Returns how many.
 */
uint32_t history_points(const struct history *h, bool anon, struct hpoint *pt);

/* Add a sample; `noise`: bytes of change that do not count. Returns 0 or -ENOMEM (the sample is then merged in). */
int history_push(struct history *h, const struct sample *s, uint64_t noise);

/* Set the most stretches it may hold, merging down if it holds more. Returns 0 or -ENOMEM. */
int history_resize(struct history *h, uint32_t max);

/*
 * The windows that judge it and the kinds they watch: what compaction keeps
 * fine. `n` windows in any order; past HISTORY_WINDOWS distinct ones, the
 * longest is kept and the others nearest to it share its resolution.
 */
void history_configure_windows(struct history *h, const uint64_t *win_ms, size_t n, unsigned int kinds);
/* The same for the shortest and the longest window (one window: both the same). */
void history_configure(struct history *h, uint64_t win_min_ms, uint64_t win_max_ms, unsigned int kinds);

void history_clear(struct history *h);
void history_free(struct history *h);

#endif
