// SPDX-License-Identifier: GPL-2.0-or-later
#include "history.h"

#include <errno.h>
#include <stdlib.h>

void history_push(struct history *h, const struct sample *s)
{
	if (!h->cap)
		return;
	h->s[h->head] = *s;
	h->head = (h->head + 1) % h->cap;
	if (h->len < h->cap)
		h->len++;
}

int history_resize(struct history *h, uint32_t cap)
{
	struct sample *n;
	uint32_t keep;

	if (cap == h->cap)
		return 0;
	if (cap == 0) {
		history_free(h);
		return 0;
	}
	n = malloc(cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	keep = h->len < cap ? h->len : cap;
	for (uint32_t i = 0; i < keep; i++)
		n[i] = *history_at(h, h->len - keep + i);
	free(h->s);
	h->s = n;
	h->cap = cap;
	h->len = keep;
	h->head = keep % cap;
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
	h->cap = h->len = h->head = 0;
}
