// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The history and floor rule as they were before stretches (commit 1fa1fd5),
 * kept for `make bench` to measure against in the same run: a ring of
 * 16-byte samples that grows (to 4096) while the process changes and reaches
 * back two windows, judged sample by sample. Not used by leakjail.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "detect.h"
#include "util.h"

#define OLD_HISTORY_MAX 4096
#define OLD_HISTORY_MIN 4

struct old_hsample {
	uint64_t t_ms;
	uint32_t total_kib;
	uint32_t anon_kib;
};

struct old_history {
	struct old_hsample *s;
	uint32_t cap, len, head;
	uint32_t max;
};

static inline const struct old_hsample *old_history_at(const struct old_history *h, uint32_t i)
{
	return &h->s[(h->head + h->cap - h->len + i) % h->cap];
}

static inline uint64_t old_hsample_footprint(const struct old_hsample *x, bool anon)
{
	return (uint64_t)(anon ? x->anon_kib : x->total_kib) << 10;
}

static void old_history_free(struct old_history *h);

/* Re-lay the ring into a buffer of `cap` entries, oldest first, keeping the newest. */
static int old_relayout(struct old_history *h, uint32_t cap)
{
	struct old_hsample *n = malloc(cap * sizeof(*n));
	uint32_t keep = MIN(h->len, cap);

	if (!n)
		return -ENOMEM;
	for (uint32_t i = 0; i < keep; i++)
		n[i] = h->s[(h->head + h->cap - keep + i) % h->cap];
	free(h->s);
	h->s = n;
	h->cap = cap;
	h->len = keep;
	h->head = keep % cap;
	return 0;
}

static bool old_differs(uint64_t a, uint64_t b, uint64_t noise)
{
	return a > b + noise || b > a + noise;
}

static int old_history_push(struct old_history *h, const struct sample *s, uint64_t noise)
{
	bool grow = true;
	int r = 0;
	uint64_t total = sample_footprint(s, false), anon = sample_footprint(s, true);

	if (!h->max)
		return 0;
	if (h->len >= OLD_HISTORY_MIN) {
		const struct old_hsample *oldest = old_history_at(h, 0);

		grow = old_differs(total, old_hsample_footprint(oldest, false), noise) ||
		       old_differs(anon, old_hsample_footprint(oldest, true), noise);
		if (!grow && h->len == h->cap) {
			/* flat since the oldest: the newest stands for the stretch's end */
			h->head = (h->head + h->cap - 1) % h->cap;
			h->len--;
		}
	}
	if (h->len == h->cap && h->cap < h->max && grow) {
		uint32_t cap = h->cap ? MIN(h->cap * 2, h->max) : MIN(OLD_HISTORY_MIN, h->max);

		r = h->cap ? old_relayout(h, cap) : 0;
		if (!h->cap) {
			h->s = malloc(cap * sizeof(*h->s));
			if (h->s)
				h->cap = cap;
			else
				r = -ENOMEM;
		}
		if (!h->cap)
			return r;
	}
	h->s[h->head] = (struct old_hsample){
		.t_ms = s->t_ms,
		.total_kib = (uint32_t)MIN(total >> 10, UINT32_MAX),
		.anon_kib = (uint32_t)MIN(anon >> 10, UINT32_MAX),
	};
	h->head = (h->head + 1) % h->cap;
	if (h->len < h->cap)
		h->len++;
	return r;
}

static int old_history_resize(struct old_history *h, uint32_t max)
{
	h->max = max;
	if (max == 0) {
		old_history_free(h);
		return 0;
	}
	if (h->cap > max)
		return old_relayout(h, max);
	return 0;
}

static void old_history_free(struct old_history *h)
{
	free(h->s);
	h->s = NULL;
	h->cap = h->len = h->head = h->max = 0;
}

#define QUARTERS DETECT_QUARTERS
#define SHARE 6
#define RISE_NOISE (64 * 1024)

static enum verdict old_detect(const struct policy *p, const struct old_history *h, uint64_t slack_ms,
			       struct evidence *ev)
{
	bool anon = p->rss == RSS_ANON;
	uint64_t env[QUARTERS + 1]; /* the floor L at q0..q3, and now */
	uint64_t t0, tq, te, tn, low, end, peak, bottom;
	bool gives_back;
	uint32_t base = UINT32_MAX, rising = 0, q, cut;

	*ev = (struct evidence){ 0 };
	if (!h->len)
		return VERDICT_SHORT;
	tn = old_history_at(h, h->len - 1)->t_ms;
	ev->footprint = old_hsample_footprint(old_history_at(h, h->len - 1), anon);

	/* the newest sample at least a window (less the slack) older than now */
	for (uint32_t i = h->len; i-- > 0;) {
		if (old_history_at(h, i)->t_ms + p->window_ms <= tn + slack_ms) {
			base = i;
			break;
		}
	}
	if (base == UINT32_MAX || base == h->len - 1)
		return VERDICT_SHORT;
	t0 = old_history_at(h, base)->t_ms;
	/*
	 * The quarters cut the window itself. The base can be older than the
	 * window's start (a flat stretch is kept as its two ends): the
	 * footprint it shows held until the next sample.
	 */
	tq = MAX(t0, tn > p->window_ms ? tn - p->window_ms : 0);

	/*
	 * A process that gives back (its footprint fell by half the growth or
	 * more: a sawtooth, a batch job, a working set that swings) is judged by
	 * its troughs: from its last trough on, the rise is a ramp that may well
	 * be given back again, so it does not count. The history reaches back
	 * two windows, so a batch job's last cycle is seen while it ramps again;
	 * a rise that began before the window did not stop for a whole window,
	 * and counts.
	 */
	gives_back = false;
	peak = bottom = old_hsample_footprint(old_history_at(h, 0), anon);
	cut = 0;
	for (uint32_t i = 1; i < h->len; i++) {
		uint64_t f = old_hsample_footprint(old_history_at(h, i), anon);

		if (gives_back && i == cut + 1 && f <= bottom + p->growth / 8) {
			/* still going down, or resting near the bottom */
			cut = i;
			bottom = MIN(bottom, f);
			peak = f;
		} else if (f > peak) {
			peak = f;
		} else if ((peak - f) * 2 >= p->growth) {
			gives_back = true;
			cut = i;
			peak = bottom = f;
		}
	}
	if (!gives_back || cut <= base)
		cut = h->len - 1;
	/* for a process that gives back, the quarters cut the window up to its last trough */
	te = old_history_at(h, cut)->t_ms;

	/*
	 * One pass from now back: `low` is the least footprint from the sample
	 * at hand to now. A quarter that starts after a sample has its floor set
	 * before that sample joins. Before the window the minimum goes on: the
	 * floor of the whole history, what the process held before the leak.
	 */
	low = ev->footprint;
	end = ev->footprint;
	q = QUARTERS - 1;
	for (uint32_t i = h->len; i-- > 0;) {
		const struct old_hsample *x = old_history_at(h, i);

		while (i >= base && q > 0 && tq + (te - tq) * q / QUARTERS > x->t_ms)
			env[q--] = low;
		low = MIN(low, old_hsample_footprint(x, anon));
		if (i == cut)
			end = low;
		if (i == base)
			env[0] = low;
	}
	/* after the last trough the floor is taken as the trough's */
	env[QUARTERS] = end;
	for (uint32_t j = 1; j < QUARTERS; j++)
		env[j] = MIN(env[j], end);
	ev->floor = low;
	ev->steps = h->len - 1 - base;
	ev->span_ms = tn - t0;
	ev->growth = (int64_t)end - (int64_t)env[0];
	ev->rate = ev->span_ms ? (double)ev->growth * 1000.0 / (double)ev->span_ms : 0.0;
	if (ev->growth > 0) {
		for (uint32_t i = 0; i < QUARTERS; i++) {
			uint64_t rise = env[i + 1] - env[i];

			if (rise > RISE_NOISE && rise * SHARE >= (uint64_t)ev->growth)
				rising++;
		}
	}
	ev->steadiness = (double)rising / QUARTERS;

	if (ev->growth < 0 || (uint64_t)ev->growth < p->growth || rising < detect_quarters_needed(p))
		return VERDICT_NONE;
	if (ev->footprint < p->min_rss)
		return VERDICT_SMALL;
	return VERDICT_LEAK;
}
