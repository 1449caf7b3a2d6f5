// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The detector on recorded series: RSS sampled every second (or two), as the
 * sampler would have seen it for typical programs.
 */
#include <string.h>

#include "detect.h"
#include "policy.h"
#include "tap.h"
#include "util.h"

/* A history as the scanner keeps one for a process that policy p looks at. */
static void hist_init(struct history *h, const struct policy *p, uint32_t max)
{
	memset(h, 0, sizeof(*h));
	history_resize(h, max);
	history_configure(h, p->window_ms, p->window_ms, p->rss == RSS_ANON ? HK_ANON : HK_TOTAL);
}

/* Run the series through a ring of `cap` samples; return the first index at which it is a leak, or -1. */
static int first_leak(const struct policy *p, const uint64_t *rss, int n, uint64_t step_ms,
		      const struct system_state *sys, uint32_t cap, enum verdict *last)
{
	struct history h;
	int found = -1;

	hist_init(&h, p, cap);
	for (int i = 0; i < n; i++) {
		struct sample s = { .t_ms = 1000000 + (uint64_t)i * step_ms, .rss = rss[i], .anon = rss[i] };
		struct evidence ev;
		enum verdict v;

		history_push(&h, &s, 0);
		v = detect(p, &h, sys, step_ms / 2, &ev);
		if (v == VERDICT_LEAK && found < 0)
			found = i;
		if (last)
			*last = v;
	}
	history_free(&h);
	return found;
}

/*
 * The labelled shapes, sampled every second, judged by one policy: growth
 * 60 MiB within a 20 s window. `start`: when the leak begins (a must-report
 * shape is reported within window + 2 intervals of it), or -1: never a leak.
 */
#define W 20
#define N 400

struct shape {
	const char *name;
	int start;
	uint64_t (*fp)(int t, uint64_t *swap); /* footprint at second t; swap: the part in swap */
	int within;  /* reported at most this long after its start; 0: window + 2 intervals */
};

static uint64_t steady_leak(int t, uint64_t *swap)
{
	(void)swap;
	return 100 * MIB + (uint64_t)t * 5 * MIB;
}

static uint64_t leak_after_calm(int t, uint64_t *swap)
{
	(void)swap;
	return 300 * MIB + (t > 120 ? (uint64_t)(t - 120) * 4 * MIB : 0);
}

static uint64_t stepped_leak(int t, uint64_t *swap)
{
	(void)swap;
	return 200 * MIB + (t > 30 ? (uint64_t)((t - 30) / 6 + 1) * 24 * MIB : 0);
}

static uint64_t slow_leak(int t, uint64_t *swap)
{
	(void)swap;
	/* 3.5 MiB/s: 70 MiB in the window, with the page cache trimming a little now and then */
	return 500 * MIB + (uint64_t)t * 7 * MIB / 2 - (t % 7 == 3 ? 300 * KIB : 0);
}

static uint64_t leak_under_swings(int t, uint64_t *swap)
{
	(void)swap;
	/* a working set of 150 MiB taken for 2 s and given back for 2 s, over a 4 MiB/s leak */
	return 200 * MIB + (uint64_t)t * 4 * MIB + (t % 4 < 2 ? 150 * MIB : 0);
}

static uint64_t gc_rising_floor(int t, uint64_t *swap)
{
	(void)swap;
	/* a collector every 5 s: +30 MiB/s, back to a floor that rises 20 MiB each cycle */
	return 300 * MIB + (uint64_t)(t / 5) * 20 * MIB + (uint64_t)(t % 5) * 30 * MIB;
}

static uint64_t leak_swapped_as_it_grows(int t, uint64_t *swap)
{
	uint64_t fp = 80 * MIB + (uint64_t)t * 5 * MIB;

	/* its cgroup pins the RSS at 128 MiB: the rest goes to swap as fast as it comes */
	*swap = fp > 128 * MIB ? fp - 128 * MIB : 0;
	return fp;
}

static uint64_t fast_warmup(int t, uint64_t *swap)
{
	(void)swap;
	return 50 * MIB + (uint64_t)MIN(MAX(t - 60, 0), 2) * 200 * MIB;
}

static uint64_t warmup_quarter(int t, uint64_t *swap)
{
	(void)swap;
	/* 300 MiB in 6 s, a quarter of the window and more */
	return 50 * MIB + (uint64_t)MIN(MAX(t - 60, 0), 6) * 50 * MIB;
}

static uint64_t batch_short(int t, uint64_t *swap)
{
	int c = t % 12;

	(void)swap;
	/* ramp 200 MiB in 4 s, hold 4 s, free, rest 4 s */
	return 100 * MIB + (uint64_t)(c < 4 ? c * 50 : c < 8 ? 200 : 0) * MIB;
}

static uint64_t batch_long(int t, uint64_t *swap)
{
	int c = t % 45;

	(void)swap;
	/* ramp 300 MiB in 6 s, hold 25 s, free, rest 14 s: a period twice the window */
	return 100 * MIB + (uint64_t)(c < 6 ? c * 50 : c < 31 ? 300 : 0) * MIB;
}

static uint64_t sawtooth_flat(int t, uint64_t *swap)
{
	(void)swap;
	return 400 * MIB + (uint64_t)(t % 10) * 20 * MIB;
}

static uint64_t sawtooth_flat_slow(int t, uint64_t *swap)
{
	(void)swap;
	return 400 * MIB + (uint64_t)(t % 15) * 8 * MIB;
}

static uint64_t refault(int t, uint64_t *swap)
{
	/* 400 MiB pushed out to swap at 20 MiB/s from t=40, faulted back in from t=80 */
	int out = t < 40 ? 0 : t < 60 ? (t - 40) * 20 : t < 80 ? 400 : t < 100 ? 400 - (t - 80) * 20 : 0;

	*swap = (uint64_t)out * MIB;
	return 450 * MIB;
}

static uint64_t large_steady(int t, uint64_t *swap)
{
	(void)swap;
	return 8 * GIB + (uint64_t)((t * 37) % 11) * MIB;
}

/* The shapes that a floor judged against the measured growth never reported (at 1 s, 60M in 20 s). */
static uint64_t retained_jumps(int t, uint64_t *swap)
{
	(void)swap;
	/* a steady 3.5 MiB/s, and a retained jump of 100 MiB every 15 s */
	return 100 * MIB + (uint64_t)t * 7 * MIB / 2 + (uint64_t)(t / 15) * 100 * MIB;
}

static uint64_t stepped_sparse(int t, uint64_t *swap)
{
	(void)swap;
	/* +100 MiB every 15 s: three quarters apart */
	return 200 * MIB + (uint64_t)(t / 15) * 100 * MIB;
}

static uint64_t stepped_jitter(int t, uint64_t *swap)
{
	int k = t / 15;

	(void)swap;
	/* the same, each odd step seen 2 s late (a busy host): 17 s, then 13 s apart */
	return 200 * MIB + (uint64_t)(t % 15 < 2 && k % 2 ? k - 1 : k) * 100 * MIB;
}

static uint64_t bursty(int t, uint64_t *swap)
{
	(void)swap;
	/* 80 MiB over 8 s, every 20 s */
	return 200 * MIB + (uint64_t)(t / 20) * 80 * MIB + (uint64_t)MIN(t % 20, 8) * 10 * MIB;
}

static uint64_t sawtooth_floor_rate(int t, uint64_t *swap)
{
	(void)swap;
	/* a collector every 12 s, 150 MiB up and back, over a leak of 3.2 MiB/s: just above growth / window */
	return 300 * MIB + (uint64_t)t * 16 * MIB / 5 + (uint64_t)(t % 12) * 25 * MIB / 2;
}

static uint64_t warmup_two_jumps(int t, uint64_t *swap)
{
	(void)swap;
	/* two retained jumps of 150 MiB 12 s apart, then flat */
	return 100 * MIB + (t >= 60 ? 150 * MIB : 0) + (t >= 72 ? 150 * MIB : 0);
}

static const struct shape shapes[] = {
	{ "steady leak", 0, steady_leak, 0 },
	{ "leak after a long calm", 120, leak_after_calm, 0 },
	{ "stepped leak", 30, stepped_leak, 0 },
	{ "slow leak", 0, slow_leak, 0 },
	{ "leak under a swinging working set", 0, leak_under_swings, 0 },
	{ "GC sawtooth, rising floor", 0, gc_rising_floor, 0 },
	{ "leak swapped out as it grows", 0, leak_swapped_as_it_grows, 0 },
	{ "fast warm-up", -1, fast_warmup, 0 },
	{ "warm-up over a quarter of the window", -1, warmup_quarter, 0 },
	{ "batch job, period below the window", -1, batch_short, 0 },
	{ "batch job, period above the window", -1, batch_long, 0 },
	{ "sawtooth, flat floor", -1, sawtooth_flat, 0 },
	{ "sawtooth, flat floor, period above half the window", -1, sawtooth_flat_slow, 0 },
	{ "swapped out, then faulted back in", -1, refault, 0 },
	{ "large steady", -1, large_steady, 0 },
	{ "3.5 MiB/s and a retained 100 MiB jump every 15 s", 0, retained_jumps, 0 },
	/* over two windows: three steps, or two cycles of the burst or the collector */
	{ "stepped leak, +100 MiB every 15 s", 0, stepped_sparse, 2 * W + 15 + 2 },
	{ "stepped leak, +100 MiB every 15 s, seen 2 s late", 0, stepped_jitter, 2 * W + 17 + 2 },
	{ "bursty leak, 80 MiB over 8 s every 20 s", 0, bursty, 2 * W + 20 + 2 },
	{ "GC sawtooth of 150 MiB every 12 s, floor at growth / window", 0, sawtooth_floor_rate, 2 * W + 12 + 2 },
	{ "warm-up in two retained jumps", -1, warmup_two_jumps, 0 },
};

static void test_shapes(void)
{
	struct policy p;

	policy_init(&p, 60 * MIB, W * 1000);
	for (size_t k = 0; k < ARRAY_SIZE(shapes); k++) {
		struct history h;
		int found = -1;

		hist_init(&h, &p, HISTORY_BUCKETS_MAX);
		for (int t = 0; t < N && found < 0; t++) {
			uint64_t swap = 0, fp = shapes[k].fp(t, &swap);
			struct sample s = { .t_ms = 1000000 + (uint64_t)t * 1000, .rss = fp - swap,
					    .anon = fp - swap, .swap = swap };
			struct evidence ev;

			history_push(&h, &s, 64 * KIB);
			if (detect(&p, &h, NULL, 500, &ev) == VERDICT_LEAK)
				found = t;
		}
		history_free(&h);
		printf("#   %-52s %s", shapes[k].name, found < 0 ? "not reported" : "reported");
		if (found >= 0 && shapes[k].start >= 0)
			printf(" %d s after its start", found - shapes[k].start);
		printf("\n");
		if (shapes[k].start < 0)
			CHECK(found < 0);
		else
			CHECK(found >= shapes[k].start &&
			      found <= shapes[k].start + (shapes[k].within ? shapes[k].within : W + 2));
	}
}

static void test_fast_leak(void)
{
	uint64_t rss[30];
	struct policy p;
	int at;

	policy_init(&p, 100 * MIB, 10000);
	for (int i = 0; i < 30; i++)
		rss[i] = 50 * MIB + (uint64_t)i * 20 * MIB; /* 20 MiB/s */
	at = first_leak(&p, rss, 30, 1000, NULL, 16, NULL);
	/* the window needs 10 s of history: the 11th sample (index 10) spans it */
	CHECK(at == 10);
}

static void test_warmup_plateau(void)
{
	uint64_t rss[120];
	struct policy p;
	enum verdict last;

	/* a cache warming 60 MiB and staying there: never a leak */
	policy_init(&p, 100 * MIB, 10000);
	for (int i = 0; i < 120; i++)
		rss[i] = 20 * MIB + (uint64_t)MIN(i, 6) * 10 * MIB;
	CHECK(first_leak(&p, rss, 120, 1000, NULL, 16, &last) == -1);

	/* growing for longer than the window is a leak while it lasts; on the plateau it no longer is */
	for (int i = 0; i < 120; i++)
		rss[i] = 20 * MIB + (uint64_t)MIN(i, 30) * 20 * MIB;
	CHECK(first_leak(&p, rss, 120, 1000, NULL, 16, &last) == 10);
	CHECK(last == VERDICT_NONE);

	/* steadiness 100 %: the floor must rise in every quarter */
	p.steadiness = 1.0;
	for (int i = 0; i < 120; i++)
		rss[i] = 20 * MIB + (uint64_t)(i / 4) * 60 * MIB; /* a step every 4 s: 2 or 3 quarters */
	CHECK(first_leak(&p, rss, 120, 1000, NULL, 16, NULL) == -1);
	p.steadiness = 0.5;
	CHECK(first_leak(&p, rss, 120, 1000, NULL, 16, NULL) == 10);
}

/*
 * A warm-up of 8 x growth that ramps for up to a third of the window, at
 * any phase against the sampling: never a leak, in the quarters or in the
 * floor's steps over two windows (an emulated CPU stretches a warm-up of
 * one second to several).
 */
static void test_warmup_ramps(void)
{
	struct policy p;

	policy_init(&p, 6 * MIB, 15000);
	for (int ramp = 1; ramp <= 5; ramp++) {
		for (int phase = 0; phase < 4; phase++) {
			uint64_t rss[120];

			for (int i = 0; i < 120; i++) {
				double t = i + phase * 0.25;
				double m = t < 16 ? 0 : t < 16 + ramp ? 48 * (t - 16) / ramp : 48;

				rss[i] = 2 * MIB + (uint64_t)(m * (double)MIB);
			}
			if (first_leak(&p, rss, 120, 1000, NULL, HISTORY_BUCKETS_MAX, NULL) != -1) {
				printf("#   a warm-up over %d s (phase %d/4) reported\n", ramp, phase);
				CHECK(false);
			}
		}
	}
}

static void test_large_steady(void)
{
	uint64_t rss[100];
	struct policy p;

	policy_init(&p, 100 * MIB, 10000);
	for (int i = 0; i < 100; i++)
		rss[i] = 8 * GIB + (uint64_t)((i * 37) % 11) * MIB; /* 8 GiB, wobbling by a few MiB */
	CHECK(first_leak(&p, rss, 100, 1000, NULL, 16, NULL) == -1);
}

static void test_pressure_gate(void)
{
	uint64_t rss[30];
	struct system_state calm = { .have_rates = true, .swapout_ps = 0.0 };
	struct system_state swapping = { .have_rates = true, .swapout_ps = 1840.0 };
	struct policy p;
	enum verdict last;

	policy_init(&p, 100 * MIB, 10000);
	p.pressure_swapout = 256.0;
	for (int i = 0; i < 30; i++)
		rss[i] = 50 * MIB + (uint64_t)i * 20 * MIB;
	CHECK(first_leak(&p, rss, 30, 1000, &calm, 16, &last) == -1);
	CHECK(last == VERDICT_CALM);
	CHECK(first_leak(&p, rss, 30, 1000, &swapping, 16, NULL) == 10);

	/* PSI is in percent in the file, a fraction in the policy */
	p.pressure_swapout = -1.0;
	p.pressure_some = 0.10;
	swapping.have_psi = true;
	swapping.psi.some_avg10 = 9.0;
	CHECK(first_leak(&p, rss, 30, 1000, &swapping, 16, NULL) == -1);
	swapping.psi.some_avg10 = 12.5;
	CHECK(first_leak(&p, rss, 30, 1000, &swapping, 16, NULL) == 10);
}

static void test_min_rss_and_short(void)
{
	uint64_t rss[30];
	struct policy p;
	enum verdict last;

	policy_init(&p, 100 * MIB, 10000);
	p.min_rss = 10 * GIB;
	for (int i = 0; i < 30; i++)
		rss[i] = (uint64_t)i * 20 * MIB;
	CHECK(first_leak(&p, rss, 30, 1000, NULL, 16, &last) == -1);
	CHECK(last == VERDICT_SMALL);

	p.min_rss = 0;
	CHECK(first_leak(&p, rss, 5, 1000, NULL, 16, &last) == -1);
	CHECK(last == VERDICT_SHORT);
}

static void test_evidence(void)
{
	struct history h;
	struct policy p;
	struct evidence ev;
	char buf[512];

	policy_init(&p, 100 * MIB, 10000);
	hist_init(&h, &p, 16);
	for (int i = 0; i <= 10; i++) {
		struct sample s = { .t_ms = (uint64_t)i * 1000, .rss = 100 * MIB + (uint64_t)i * 24 * MIB };

		history_push(&h, &s, 0);
	}
	CHECK(detect(&p, &h, NULL, 500, &ev) == VERDICT_LEAK);
	CHECK(ev.growth == 240 * (int64_t)MIB);
	CHECK(ev.span_ms == 10000);
	CHECK(ev.steps == 10);
	CHECK(ev.steadiness == 1.0);
	CHECK(ev.floor == 100 * MIB);
	ev.rss = 300 * MIB;
	ev.swap = 40 * MIB;
	evidence_format(&ev, buf, sizeof(buf));
	CHECK(strstr(buf, "footprint 340 MiB (rss 300 MiB + swap 40.0 MiB) grew 240 MiB in 10 s (24.0 MiB/s, floor rose in 4/4 quarters); held 100 MiB before") != NULL);
	history_free(&h);
}

/* A leak slower than the noise per sample, in a ring that may grow: it adds up and is seen. */
static void test_slow_leak_below_noise(void)
{
	struct history h;
	struct hpoint pt[HISTORY_POINTS_MAX];
	struct policy p;
	struct evidence ev;
	enum verdict v = VERDICT_NONE;
	int at = -1;
	uint32_t n;

	policy_init(&p, 8 * MIB, 600000);
	hist_init(&h, &p, HISTORY_BUCKETS_MAX);
	for (int i = 0; i < 1000 && at < 0; i++) {
		/* +30 KiB every 2 s, under the 64 KiB of noise the sampler ignores per sample */
		struct sample s = { .t_ms = (uint64_t)i * 2000, .rss = 200 * MIB + (uint64_t)i * 30 * KIB };

		s.anon = s.rss;
		history_push(&h, &s, 64 * KIB);
		v = detect(&p, &h, NULL, 1000, &ev);
		if (v == VERDICT_LEAK)
			at = i;
	}
	/* 15 KiB/s is 8.8 MiB in the 600 s window: seen as soon as the window is full */
	CHECK(at == 300);
	printf("#   seen at sample %d, history of %u stretches\n", at, h.len);

	/* a flat process keeps one stretch, from its first sample to its last */
	history_free(&h);
	hist_init(&h, &p, HISTORY_BUCKETS_MAX);
	for (int i = 0; i < 500; i++) {
		struct sample s = { .t_ms = (uint64_t)i * 2000, .rss = 200 * MIB, .anon = 200 * MIB };

		history_push(&h, &s, 64 * KIB);
	}
	CHECK(h.cap == HISTORY_MIN && h.len == 1);
	n = history_points(&h, false, pt);
	CHECK(n == 2 && pt[0].t_ms == 0 && pt[n - 1].t_ms == 499 * 2000);
	history_free(&h);
}

int main(void)
{
	RUN_TEST(test_shapes);
	RUN_TEST(test_fast_leak);
	RUN_TEST(test_warmup_plateau);
	RUN_TEST(test_warmup_ramps);
	RUN_TEST(test_large_steady);
	RUN_TEST(test_pressure_gate);
	RUN_TEST(test_min_rss_and_short);
	RUN_TEST(test_evidence);
	RUN_TEST(test_slow_leak_below_noise);
	TAP_DONE();
}
