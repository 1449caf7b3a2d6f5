// SPDX-License-Identifier: GPL-2.0-or-later
#include "history.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define EPOCH_SPAN (1u << 31) /* ms a stretch's t may count from the epoch before the epoch moves */

static uint32_t kib(uint64_t bytes)
{
	return (uint32_t)MIN(bytes >> 10, (uint64_t)(HB_LATE - 1));
}

static uint32_t hb_hi(const struct hbucket *x, int k)
{
	return x->hi[k] & ~HB_LATE;
}

static uint32_t hb_lo(const struct hbucket *x, int k)
{
	return x->lo[k] & ~HB_MANY;
}

static bool watched(const struct history *h, int k)
{
	return !h->kinds || (h->kinds & (k ? HK_ANON : HK_TOTAL));
}

/* The end of stretch i: the next one's first sample, or the newest sample. */
static uint64_t bucket_end(const struct history *h, uint32_t i)
{
	return i + 1 < h->len ? h->epoch + h->b[i + 1].t : h->t_last;
}

/* Would stretches a and b (a older) together stay within the noise on the watched kinds? */
static bool flat_together(const struct history *h, const struct hbucket *a, const struct hbucket *b,
			  uint32_t noise_kib)
{
	for (int k = 0; k < 2; k++) {
		if (!watched(h, k))
			continue;
		if ((uint64_t)MAX(hb_hi(a, k), hb_hi(b, k)) > (uint64_t)MIN(hb_lo(a, k), hb_lo(b, k)) + noise_kib)
			return false;
	}
	return true;
}

/* a, b adjacent, a older: a becomes both, its extremes in the order they came. */
static void merge_into(struct hbucket *a, const struct hbucket *b)
{
	for (int k = 0; k < 2; k++) {
		bool lo_b = hb_lo(b, k) < hb_lo(a, k), hi_b = hb_hi(b, k) > hb_hi(a, k);
		bool late;

		if (lo_b && hi_b)
			late = (b->hi[k] & HB_LATE) != 0;
		else if (lo_b)
			late = false; /* peak in a, floor in b */
		else if (hi_b)
			late = true;  /* floor in a, peak in b */
		else
			late = (a->hi[k] & HB_LATE) != 0;
		a->lo[k] = MIN(hb_lo(a, k), hb_lo(b, k));
		a->hi[k] = MAX(hb_hi(a, k), hb_hi(b, k)) | (late ? HB_LATE : 0);
	}
	a->lo[0] |= HB_MANY;
}

/* The window that looks at what is `age_ms` old: the shortest one whose two windows reach it. */
static uint64_t window_at(const struct history *h, uint64_t age_ms)
{
	uint64_t w = 0;

	for (int i = 0; i < HISTORY_WINDOWS && h->win_ms[i]; i++) {
		w = h->win_ms[i];
		if (age_ms <= 2ULL * w)
			break;
	}
	return w ? w : 1;
}

static uint64_t window_longest(const struct history *h)
{
	uint64_t w = 0;

	for (int i = 0; i < HISTORY_WINDOWS; i++)
		w = MAX(w, (uint64_t)h->win_ms[i]);
	return w;
}

/*
 * The pair (i, i + 1) whose merge costs least: 0 for flat neighbours, else
 * the merged stretch's width against the window that looks at its age.
 * Ties go to the oldest pair. Returns i; *cost its cost.
 */
static uint32_t cheapest_pair(const struct history *h, uint32_t noise_kib, uint64_t *cost)
{
	uint32_t best = 0;

	*cost = UINT64_MAX;
	for (uint32_t i = 0; i + 1 < h->len; i++) {
		uint64_t c, end = bucket_end(h, i + 1), width = end - (h->epoch + h->b[i].t);

		if (flat_together(h, &h->b[i], &h->b[i + 1], noise_kib))
			c = 0;
		else if (i + 1 + HISTORY_FRESH >= h->len && h->len > 2 * HISTORY_FRESH)
			continue; /* the newest samples stay as they came: a fast leak is judged on them */
		else
			c = 1 + width * 4096 / window_at(h, h->t_last - end);
		if (c < *cost) {
			*cost = c;
			best = i;
			if (!c)
				break;
		}
	}
	return best;
}

static void merge_pair(struct history *h, uint32_t i)
{
	merge_into(&h->b[i], &h->b[i + 1]);
	memmove(&h->b[i + 1], &h->b[i + 2], (size_t)(h->len - i - 2) * sizeof(*h->b));
	h->len--;
}

static int set_cap(struct history *h, uint32_t cap)
{
	struct hbucket *n = realloc(h->b, cap * sizeof(*n));

	if (!n)
		return -ENOMEM;
	h->b = n;
	h->cap = (uint16_t)cap;
	return 0;
}

/* Stretches that end before two of the longest windows: no window looks at them. */
static void drop_unreached(struct history *h)
{
	uint64_t reach = 2ULL * window_longest(h);
	uint32_t n = 0;

	if (!reach || h->t_last < reach)
		return;
	while (n + 1 < h->len && h->epoch + h->b[n + 1].t <= h->t_last - reach)
		n++;
	if (n) {
		memmove(h->b, h->b + n, (size_t)(h->len - n) * sizeof(*h->b));
		h->len = (uint16_t)(h->len - n);
	}
}

static void rebase(struct history *h, uint64_t t_ms)
{
	uint32_t shift;

	if (t_ms - h->epoch < EPOCH_SPAN)
		return;
	if (!h->len) {
		h->epoch = t_ms;
		return;
	}
	shift = h->b[0].t;
	for (uint32_t i = 0; i < h->len; i++)
		h->b[i].t -= shift;
	h->epoch += shift;
	if (t_ms - h->epoch >= EPOCH_SPAN) {
		/* older than any window may be: start again */
		h->len = 0;
		h->epoch = t_ms;
	}
}

int history_push(struct history *h, const struct sample *s, uint64_t noise)
{
	struct hbucket nb;
	uint32_t noise_kib = (uint32_t)MIN(noise >> 10, UINT32_MAX);
	int r = 0;

	if (!h->max)
		return 0;
	h->noise_kib = noise_kib;
	if (!h->len)
		h->epoch = s->t_ms;
	rebase(h, s->t_ms);
	nb.t = (uint32_t)(s->t_ms - h->epoch);
	nb.lo[0] = nb.hi[0] = kib(sample_footprint(s, false));
	nb.lo[1] = nb.hi[1] = kib(sample_footprint(s, true));
	h->t_last = s->t_ms;
	h->now[0] = nb.lo[0];
	h->now[1] = nb.lo[1];
	drop_unreached(h);
	if (h->len && flat_together(h, &h->b[h->len - 1], &nb, noise_kib)) {
		/* the newest stretch goes on */
		merge_into(&h->b[h->len - 1], &nb);
		return 0;
	}
	if (h->len == h->cap) {
		uint64_t cost = 0;
		uint32_t i = h->len >= 2 ? cheapest_pair(h, noise_kib, &cost) : 0;

		if ((cost || h->len < 2) && h->cap < h->max)
			r = set_cap(h, h->cap ? MIN(h->cap * 2u, h->max) : MIN(HISTORY_MIN, h->max));
		if (h->len == h->cap) {
			if (h->len < 2) {
				if (!h->len)
					return r;
				/* no room at all: the one stretch takes the sample in */
				merge_into(&h->b[0], &nb);
				return r;
			}
			merge_pair(h, i);
		}
	}
	h->b[h->len++] = nb;
	return r;
}

int history_resize(struct history *h, uint32_t max)
{
	max = MIN(max, HISTORY_BUCKETS_MAX);
	if (max == 0) {
		history_free(h);
		return 0;
	}
	max = MAX(max, 2u);
	h->max = (uint16_t)max;
	while (h->len > max) {
		uint64_t cost;

		merge_pair(h, cheapest_pair(h, 0, &cost));
	}
	if (h->cap > max)
		return set_cap(h, max);
	return 0;
}

void history_configure_windows(struct history *h, const uint64_t *win_ms, size_t n, unsigned int kinds)
{
	uint32_t w[HISTORY_WINDOWS] = { 0 };
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t x = (uint32_t)MIN(win_ms[i], UINT32_MAX);
		size_t j;

		if (!x)
			continue;
		for (j = 0; j < m && w[j] < x; j++)
			;
		if (j < m && w[j] == x)
			continue;
		if (m == HISTORY_WINDOWS) {
			/* full: the longest must stay (it says how far back to keep); drop the next longest */
			if (j == m)
				w[m - 1] = x;
			else if (j < m - 1) {
				memmove(&w[j + 1], &w[j], (m - 2 - j) * sizeof(*w));
				w[j] = x;
			}
			continue;
		}
		memmove(&w[j + 1], &w[j], (m - j) * sizeof(*w));
		w[j] = x;
		m++;
	}
	memcpy(h->win_ms, w, sizeof(w));
	h->kinds = (uint8_t)kinds;
}

void history_configure(struct history *h, uint64_t win_min_ms, uint64_t win_max_ms, unsigned int kinds)
{
	uint64_t w[2] = { win_min_ms, win_max_ms };

	history_configure_windows(h, w, 2, kinds);
}

uint32_t history_points(const struct history *h, bool anon, struct hpoint *pt)
{
	int k = anon ? 1 : 0;
	uint32_t n = 0;

	for (uint32_t i = 0; i < h->len; i++) {
		const struct hbucket *x = &h->b[i];
		uint64_t t = h->epoch + x->t, end = bucket_end(h, i);
		uint64_t lo = (uint64_t)hb_lo(x, k) << 10, hi = (uint64_t)hb_hi(x, k) << 10;
		bool late = (x->hi[k] & HB_LATE) != 0;

		if (!(x->lo[0] & HB_MANY) || end == t || (i + 1 == h->len && lo == hi)) {
			pt[n++] = (struct hpoint){ t, lo };
			continue;
		}
		if (hi - lo <= ((uint64_t)h->noise_kib << 10)) {
			/* flat: what it held lasted until the next stretch */
			pt[n++] = (struct hpoint){ t, late ? lo : hi };
			pt[n++] = (struct hpoint){ end - 1, late ? hi : lo };
			continue;
		}
		/* the first of the two at the stretch's start, the other halfway to its end */
		pt[n++] = (struct hpoint){ t, late ? lo : hi };
		pt[n++] = (struct hpoint){ t + (end - t) / 2, late ? hi : lo };
	}
	if (n && pt[n - 1].t_ms < h->t_last)
		pt[n++] = (struct hpoint){ h->t_last, (uint64_t)h->now[k] << 10 };
	return n;
}

void history_clear(struct history *h)
{
	h->len = 0;
}

void history_free(struct history *h)
{
	free(h->b);
	h->b = NULL;
	h->cap = h->len = h->max = 0;
}
