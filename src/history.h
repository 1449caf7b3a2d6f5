/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A process's recent footprints, oldest overwritten first. The footprint is
 * what a process holds: resident memory plus swap. RSS alone goes down when
 * the kernel swaps a leaker out and up when an innocent faults its pages back
 * in; the footprint does neither. Two are kept, for the two kinds a policy
 * may watch (all resident + swap, anonymous resident + swap), in 16 bytes.
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

/* One reading of a process, as the sampler takes it. */
struct sample {
	uint64_t t_ms;   /* monotonic */
	uint64_t rss;    /* bytes, resident */
	uint64_t anon;   /* bytes, resident anonymous (rss - file - shmem) */
	uint64_t vsz;    /* bytes */
	uint64_t swap;   /* bytes in swap (VmSwap) */
	uint64_t minflt, majflt;
};

/* What a history keeps of a sample: time and the two footprints, in KiB (up to 4 TiB). */
struct hsample {
	uint64_t t_ms;
	uint32_t total_kib; /* rss + swap */
	uint32_t anon_kib;  /* anon + swap */
};

struct history {
	struct hsample *s;
	uint32_t cap, len, head; /* head: where the next sample goes */
	uint32_t max;            /* the most samples it may hold */
};

#define HISTORY_MIN 4

static inline uint64_t sample_footprint(const struct sample *s, bool anon)
{
	return (anon ? s->anon : s->rss) + s->swap;
}

/* The i-th sample, oldest first (0 <= i < len). */
static inline const struct hsample *history_at(const struct history *h, uint32_t i)
{
	return &h->s[(h->head + h->cap - h->len + i) % h->cap];
}

/* Its footprint in bytes: anonymous + swap, or all resident + swap. */
static inline uint64_t hsample_footprint(const struct hsample *x, bool anon)
{
	return (uint64_t)(anon ? x->anon_kib : x->total_kib) << 10;
}

/* Add a sample; `noise`: bytes of change that do not count. Returns 0 or -ENOMEM. */
int history_push(struct history *h, const struct sample *s, uint64_t noise);

/* Set the maximum, keeping the newest samples. Returns 0 or -ENOMEM. */
int history_resize(struct history *h, uint32_t max);

void history_clear(struct history *h);
void history_free(struct history *h);

#endif
