/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A process's recent samples, oldest overwritten first. What the detector
 * needs of a sample (time, RSS, anonymous RSS) is kept in 16 bytes.
 * A ring starts with HISTORY_MIN samples and grows (up to its maximum) only
 * while the process changes, that is while the new sample differs from the
 * oldest one kept by more than the noise. While it does not, the newest
 * sample is replaced instead of the oldest: a flat stretch is kept as its
 * first and last sample, so a leak slower than the noise per sample still
 * shows, against that first sample, once it adds up.
 */
#ifndef LJ_HISTORY_H
#define LJ_HISTORY_H

#include <stdbool.h>
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

struct hsample {
	uint64_t t_ms;
	uint32_t rss_kib, anon_kib; /* up to 4 TiB */
};

struct history {
	struct hsample *s;
	uint32_t cap, len, head; /* head: where the next sample goes */
	uint32_t max;            /* the most samples it may hold */
};

#define HISTORY_MIN 4

/* The i-th sample, oldest first (0 <= i < len): time, rss and anon only. */
static inline struct sample history_at(const struct history *h, uint32_t i)
{
	const struct hsample *x = &h->s[(h->head + h->cap - h->len + i) % h->cap];

	return (struct sample){ .t_ms = x->t_ms, .rss = (uint64_t)x->rss_kib << 10,
				.anon = (uint64_t)x->anon_kib << 10 };
}

/* Add a sample; `noise`: bytes of change that do not count. Returns 0 or -ENOMEM. */
int history_push(struct history *h, const struct sample *s, uint64_t noise);

/* Set the maximum, keeping the newest samples. Returns 0 or -ENOMEM. */
int history_resize(struct history *h, uint32_t max);

void history_clear(struct history *h);
void history_free(struct history *h);

#endif
