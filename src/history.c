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

int history_push(struct history *h, const struct sample *s, bool grow)
{
	int r = 0;

	if (!h->max)
		return 0;
	if (h->len == h->cap && h->cap < h->max && (grow || h->cap < HISTORY_MIN)) {
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
		.rss_kib = (uint32_t)MIN(s->rss >> 10, UINT32_MAX),
		.anon_kib = (uint32_t)MIN(s->anon >> 10, UINT32_MAX),
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
