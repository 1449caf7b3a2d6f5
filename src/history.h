/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A process's recent samples: a fixed-size ring, oldest overwritten first.
 */
#ifndef LJ_HISTORY_H
#define LJ_HISTORY_H

#include <stddef.h>
#include <stdint.h>

struct sample {
	uint64_t t_ms;   /* monotonic */
	uint64_t rss;    /* bytes, resident */
	uint64_t anon;   /* bytes, resident anonymous (rss - file - shmem) */
	uint64_t vsz;    /* bytes */
	uint64_t swap;   /* bytes */
	uint64_t minflt, majflt;
};

struct history {
	struct sample *s;
	uint32_t cap, len, head; /* head: where the next sample goes */
};

/* The i-th sample, oldest first (0 <= i < len). */
static inline const struct sample *history_at(const struct history *h, uint32_t i)
{
	return &h->s[(h->head + h->cap - h->len + i) % h->cap];
}

static inline const struct sample *history_last(const struct history *h)
{
	return h->len ? history_at(h, h->len - 1) : NULL;
}

void history_push(struct history *h, const struct sample *s);

/* Change the capacity, keeping the newest samples. Returns 0 or -ENOMEM. */
int history_resize(struct history *h, uint32_t cap);

void history_clear(struct history *h);
void history_free(struct history *h);

#endif
