// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: a process's history (src/sample/history.c) fed any series of
 * samples, and the floor rule on it. The input: 4 bytes of set-up (the two
 * windows in units of 1 s and 1 min, the kinds watched, the most stretches),
 * then 6 bytes a sample (the time since the last, in units of 100 ms; the
 * change of the total and of the anonymous footprint, in MiB, signed).
 * What the history promises:
 *  - it never takes more than HISTORY_BUCKETS_MAX stretches (under 1 KiB);
 *  - its points run forward in time and end with the newest sample;
 *  - the floor and the peak of what it holds are exact: the least and the
 *    most footprint of the samples since its oldest stretch began;
 *  - the detector takes it without reading past it.
 */
#include "fuzz.h"

#include "detect.h"

#define FUZZ_SAMPLES_MAX 4096

static void fuzz_history_one(const uint8_t *data, size_t size)
{
	static uint64_t t_of[FUZZ_SAMPLES_MAX], fp_of[2][FUZZ_SAMPLES_MAX];
	struct hpoint pt[HISTORY_POINTS_MAX];
	struct history h;
	struct policy p;
	uint64_t t = 1000000, fp[2] = { 512ULL << 20, 256ULL << 20 };
	uint64_t w_short, w_long;
	size_t n = 0;

	if (size < 4)
		return;
	memset(&h, 0, sizeof(h));
	w_short = (uint64_t)(data[0] + 2) * 1000;
	w_long = w_short + (uint64_t)data[1] * 60000;
	history_resize(&h, data[3] % (HISTORY_BUCKETS_MAX + 8));
	history_configure(&h, w_short, w_long, data[2] & 3);
	memset(&p, 0, sizeof(p));
	p.growth = 16ULL << 20;
	p.window_ms = data[2] & 4 ? w_long : w_short;
	p.rss = data[2] & 8 ? RSS_ANON : RSS_TOTAL;
	p.steadiness = 0.75;
	p.pressure_swapout = p.pressure_some = p.pressure_full = -1.0;
	for (size_t off = 4; off + 6 <= size && n < FUZZ_SAMPLES_MAX; off += 6, n++) {
		struct sample s = { 0 };
		struct evidence ev;
		uint32_t k;

		t += (uint64_t)(data[off] | data[off + 1] << 8) * 100 + 1;
		for (int j = 0; j < 2; j++) {
			int64_t d = (int8_t)data[off + 2 + 2 * j] * (int64_t)(1 << 20) + data[off + 3 + 2 * j] * 1024;

			fp[j] = (uint64_t)((int64_t)fp[j] + d < 0 ? 0 : (int64_t)fp[j] + d);
			fp[j] = fp[j] > (1ULL << 40) ? 1ULL << 40 : fp[j];
		}
		s.t_ms = t;
		s.rss = fp[0];
		s.anon = fp[1];
		t_of[n] = t;
		fp_of[0][n] = fp[0] >> 10 << 10;
		fp_of[1][n] = fp[1] >> 10 << 10;
		history_push(&h, &s, 64 * 1024);
		FUZZ_ASSERT(h.len <= h.cap && h.cap <= HISTORY_BUCKETS_MAX);
		FUZZ_ASSERT(history_bytes(&h) <= 1024);
		if (!h.max)
			continue;
		for (int j = 0; j < 2; j++) {
			uint64_t lo = UINT64_MAX, hi = 0, plo = UINT64_MAX, phi = 0;

			k = history_points(&h, j, pt);
			FUZZ_ASSERT(k >= 1 && k <= HISTORY_POINTS_MAX);
			FUZZ_ASSERT(pt[k - 1].t_ms == t && pt[k - 1].fp == fp_of[j][n]);
			for (uint32_t i = 0; i < k; i++) {
				FUZZ_ASSERT(i == 0 || pt[i].t_ms >= pt[i - 1].t_ms);
				plo = pt[i].fp < plo ? pt[i].fp : plo;
				phi = pt[i].fp > phi ? pt[i].fp : phi;
			}
			for (size_t i = n + 1; i-- > 0 && t_of[i] >= pt[0].t_ms;) {
				lo = fp_of[j][i] < lo ? fp_of[j][i] : lo;
				hi = fp_of[j][i] > hi ? fp_of[j][i] : hi;
			}
			FUZZ_ASSERT(plo == lo && phi == hi);
		}
		(void)detect(&p, &h, NULL, 500, &ev);
	}
	history_free(&h);
}

FUZZ_ENTRY(fuzz_history_one)
