// SPDX-License-Identifier: GPL-2.0-or-later
#include "history.h"

#include <errno.h>
#include <stdlib.h>

#include "util.h"

/* Re-lay the ring into a buffer of `cap` entries, oldest first, keeping the newest. */
static int relayout(struct history *h, uint32_t cap)
{
	struct hsample *n = malloc(cap * sizeof(*n));
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

static bool differs(uint64_t a, uint64_t b, uint64_t noise)
{
	return a > b + noise || b > a + noise;
}

int history_push(struct history *h, const struct sample *s, uint64_t noise)
{
	bool grow = true;
	int r = 0;
	uint64_t total = sample_footprint(s, false), anon = sample_footprint(s, true);

	if (!h->max)
		return 0;
	if (h->len >= HISTORY_MIN) {
		const struct hsample *oldest = history_at(h, 0);

		grow = differs(total, hsample_footprint(oldest, false), noise) ||
		       differs(anon, hsample_footprint(oldest, true), noise);
		if (!grow && h->len == h->cap) {
			/* flat since the oldest: the newest stands for the stretch's end */
			h->head = (h->head + h->cap - 1) % h->cap;
			h->len--;
		}
	}
	if (h->len == h->cap && h->cap < h->max && grow) {
		uint32_t cap = h->cap ? MIN(h->cap * 2, h->max) : MIN(HISTORY_MIN, h->max);

		r = h->cap ? relayout(h, cap) : 0;
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
	h->s[h->head] = (struct hsample){
		.t_ms = s->t_ms,
		.total_kib = (uint32_t)MIN(total >> 10, UINT32_MAX),
		.anon_kib = (uint32_t)MIN(anon >> 10, UINT32_MAX),
	};
	h->head = (h->head + 1) % h->cap;
	if (h->len < h->cap)
		h->len++;
	return r;
}

int history_resize(struct history *h, uint32_t max)
{
	h->max = max;
	if (max == 0) {
		history_free(h);
		return 0;
	}
	if (h->cap > max)
		return relayout(h, max);
	return 0;
}

void history_clear(struct history *h)
{
	h->len = 0;
	h->head = 0;
}

void history_free(struct history *h)
{
	free(h->s);
	h->s = NULL;
	h->cap = h->len = h->head = h->max = 0;
}
