// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The history over hours and days, and its bound: generated series judged
 * with long windows at the default 2 s interval, several windows on one
 * process at once, what a history takes (never more than 1 KiB), what the
 * memory budget does to it, and one episode per leak.
 */
#include <string.h>

#include "detect.h"
#include "policy.h"
#include "tap.h"
#include "util.h"

#define STEP_MS 2000ULL
#define T0 1000000ULL
#define HOUR (3600ULL * 1000)

/* A wobble of a few MiB that real processes have: allocator churn, page cache trimmed. */
static uint64_t wobble(uint64_t i)
{
	return (i * 37 % 11) * MIB / 2;
}

struct run {
	uint64_t first_leak[3]; /* ms after T0 at which each policy first found a leak, or UINT64_MAX */
	uint64_t max_bytes;     /* the most the history took */
};

/*
 * Push `n` samples of fp(i) every 2 s through one history that n_p policies
 * look at (as the scanner configures it), judging each policy every pass.
 */
static void judge(const struct policy *p, size_t n_p, uint64_t (*fp)(uint64_t i), uint64_t n, uint32_t max,
		  struct run *r)
{
	struct history h;
	uint64_t windows[3];

	memset(&h, 0, sizeof(h));
	memset(r, 0, sizeof(*r));
	for (size_t k = 0; k < n_p; k++) {
		windows[k] = p[k].window_ms;
		r->first_leak[k] = UINT64_MAX;
	}
	history_resize(&h, max);
	history_configure_windows(&h, windows, n_p, HK_TOTAL);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t f = fp(i);
		struct sample s = { .t_ms = T0 + i * STEP_MS, .rss = f, .anon = f / 3 };

		history_push(&h, &s, 64 * KIB);
		r->max_bytes = MAX(r->max_bytes, history_bytes(&h));
		for (size_t k = 0; k < n_p; k++) {
			struct evidence ev;

			if (r->first_leak[k] == UINT64_MAX && detect(&p[k], &h, NULL, STEP_MS / 2, &ev) == VERDICT_LEAK)
				r->first_leak[k] = i * STEP_MS;
		}
	}
	history_free(&h);
}

/*
 * On every sample, from the first that spans a window: when did the
 * footprint first stand `growth` above the window's floor? For a steady
 * leak (whose floor rises in every quarter) that is the full-sample verdict.
 */
static uint64_t full_growth_at(uint64_t (*fp)(uint64_t i), uint64_t n, uint64_t window_ms, uint64_t growth)
{
	uint64_t w = window_ms / STEP_MS;

	for (uint64_t i = w; i < n; i++) {
		uint64_t low = UINT64_MAX;

		for (uint64_t j = i - w; j <= i; j++)
			low = MIN(low, fp(j));
		if (fp(i) >= low + growth)
			return i * STEP_MS;
	}
	return UINT64_MAX;
}

static bool near(uint64_t a, uint64_t b, uint64_t within)
{
	return a != UINT64_MAX && b != UINT64_MAX && (a > b ? a - b : b - a) <= within;
}

/* 1 h calm, then 1 MiB a minute for 6 h; at 7 h a fast leak of 5 MiB/s. */
#define SLOW_START (1 * HOUR)
#define FAST_START (7 * HOUR)
static uint64_t slow_then_fast(uint64_t i)
{
	uint64_t t = i * STEP_MS, f = 300 * MIB + wobble(i);

	if (t > SLOW_START)
		f += (MIN(t, FAST_START) - SLOW_START) * MIB / 60000;
	if (t > FAST_START)
		f += (t - FAST_START) * 5 * MIB / 1000;
	return f;
}

static void test_slow_leak_long_window(void)
{
	struct policy p[2];
	struct run r;
	uint64_t full;

	/* the slow one alone: 100M in 2 h, a leak of 1 MiB/min is 120 MiB in the window */
	policy_init(&p[0], 100 * MIB, 2 * HOUR);
	full = full_growth_at(slow_then_fast, FAST_START / STEP_MS, p[0].window_ms, p[0].growth);
	judge(p, 1, slow_then_fast, FAST_START / STEP_MS, HISTORY_BUCKETS_MAX, &r);
	printf("#   1 MiB/min, window 2 h: reported %.1f min after the leak began (on every sample: %.1f); history at most %llu bytes\n",
	       r.first_leak[0] == UINT64_MAX ? -1.0 : (double)(r.first_leak[0] - SLOW_START) / 60000.0,
	       (double)(full - SLOW_START) / 60000.0, (unsigned long long)r.max_bytes);
	/* as on every sample (within 2 intervals), and within a window and 2 intervals of its start */
	CHECK(near(r.first_leak[0], full, 2 * STEP_MS));
	CHECK(r.first_leak[0] <= SLOW_START + 2 * HOUR + 2 * STEP_MS);
	CHECK(r.max_bytes <= 1024);

	/* a 20 s policy beside it: sees the fast leak in time, never the slow one */
	policy_init(&p[1], 60 * MIB, 20000);
	judge(p, 2, slow_then_fast, (FAST_START + HOUR) / STEP_MS, HISTORY_BUCKETS_MAX, &r);
	printf("#   with a 20 s window beside it: slow leak at %.1f min, fast leak %.0f s after it began\n",
	       (double)(r.first_leak[0] - SLOW_START) / 60000.0,
	       r.first_leak[1] == UINT64_MAX ? -1.0 : ((double)r.first_leak[1] - (double)FAST_START) / 1000.0);
	CHECK(near(r.first_leak[0], full, 2 * STEP_MS));
	CHECK(r.first_leak[1] >= FAST_START && r.first_leak[1] <= FAST_START + 20000 + 2 * STEP_MS);
	CHECK(r.max_bytes <= 1024);

	/* over the memory budget: 16 stretches, coarser, still judged */
	judge(p, 1, slow_then_fast, FAST_START / STEP_MS, HISTORY_BUCKETS_LOW, &r);
	printf("#   over the budget (%d stretches): reported %.1f min after the leak began, %llu bytes\n",
	       HISTORY_BUCKETS_LOW,
	       r.first_leak[0] == UINT64_MAX ? -1.0 : (double)(r.first_leak[0] - SLOW_START) / 60000.0,
	       (unsigned long long)r.max_bytes);
	CHECK(near(r.first_leak[0], full, 10 * 60000));
	CHECK(r.max_bytes <= HISTORY_BUCKETS_LOW * sizeof(struct hbucket));
}

/* 2 h calm, then 0.5 MiB/s: judged by three policies at once (20 s, 5 min, 6 h). */
static uint64_t medium_leak(uint64_t i)
{
	uint64_t t = i * STEP_MS;

	return 300 * MIB + wobble(i) + (t > 2 * HOUR ? (t - 2 * HOUR) * MIB / 2000 : 0);
}

static void test_three_windows(void)
{
	struct policy p[3];
	struct run r;
	uint64_t full;

	policy_init(&p[0], 60 * MIB, 20000);
	policy_init(&p[1], 128 * MIB, 300000);
	policy_init(&p[2], 256 * MIB, 6 * HOUR);
	full = full_growth_at(medium_leak, 3 * HOUR / STEP_MS, p[1].window_ms, p[1].growth);
	judge(p, 3, medium_leak, 3 * HOUR / STEP_MS, HISTORY_BUCKETS_MAX, &r);
	printf("#   0.5 MiB/s under 20 s, 5 min and 6 h windows: 5 min reports %.0f s after the leak began (on every sample: %.0f), 6 h %s\n",
	       r.first_leak[1] == UINT64_MAX ? -1.0 : (double)(r.first_leak[1] - 2 * HOUR) / 1000.0,
	       (double)(full - 2 * HOUR) / 1000.0, r.first_leak[2] == UINT64_MAX ? "not (no 6 h of history)" : "too");
	CHECK(r.first_leak[0] == UINT64_MAX);
	CHECK(near(r.first_leak[1], full, 2 * STEP_MS));
	CHECK(r.first_leak[1] <= 2 * HOUR + 300000 + 2 * STEP_MS);
	CHECK(r.max_bytes <= 1024);
}

/* A full history keeps its newest samples as they came (a fast leak is judged on them). */
static void test_newest_kept(void)
{
	struct history h;
	struct hpoint pt[HISTORY_POINTS_MAX];
	uint32_t n;
	bool exact = true;

	memset(&h, 0, sizeof(h));
	history_resize(&h, HISTORY_BUCKETS_MAX);
	history_configure(&h, 120000, 120000, HK_TOTAL);
	for (uint64_t i = 0; i < 500; i++) {
		struct sample s = { .t_ms = i * STEP_MS, .rss = 300 * MIB + i * MIB + wobble(i) };

		history_push(&h, &s, 64 * KIB);
	}
	n = history_points(&h, false, pt);
	CHECK(h.len == HISTORY_BUCKETS_MAX && n >= HISTORY_FRESH);
	for (uint32_t k = 0; k < HISTORY_FRESH && k < n; k++) {
		uint64_t i = 499 - k;

		exact = exact && pt[n - 1 - k].t_ms == i * STEP_MS && pt[n - 1 - k].fp == 300 * MIB + i * MIB + wobble(i);
	}
	CHECK(exact);
	history_free(&h);
}

/* More distinct windows than a history keeps fine for: the shortest ones and the longest stay. */
static void test_windows_kept(void)
{
	struct history h;
	uint64_t w[] = { 7200000, 20000, 600000, 20000, 86400000, 60000, 3600000 };

	memset(&h, 0, sizeof(h));
	history_configure_windows(&h, w, ARRAY_SIZE(w), HK_TOTAL);
	CHECK(h.win_ms[0] == 20000 && h.win_ms[1] == 60000 && h.win_ms[2] == 600000 && h.win_ms[3] == 86400000);
}

/* Innocent over hours: a batch job every hour (ramp 150 MiB over 40 min, free), then a warm-up of 150 MiB in 20 min. */
static uint64_t hourly_batch(uint64_t i)
{
	uint64_t t = i * STEP_MS, c = t % HOUR;

	return 300 * MIB + wobble(i) + (c < 40 * 60000 ? c * 150 * MIB / (40 * 60000) : 0);
}

static uint64_t warmup_20min(uint64_t i)
{
	uint64_t t = i * STEP_MS;

	return 300 * MIB + wobble(i) + (t > HOUR ? MIN(t - HOUR, 20 * 60000) * 150 * MIB / (20 * 60000) : 0);
}

static void test_long_window_innocents(void)
{
	struct policy p;
	struct run r;

	policy_init(&p, 100 * MIB, 2 * HOUR);
	judge(&p, 1, hourly_batch, 8 * HOUR / STEP_MS, HISTORY_BUCKETS_MAX, &r);
	CHECK(r.first_leak[0] == UINT64_MAX);
	judge(&p, 1, warmup_20min, 8 * HOUR / STEP_MS, HISTORY_BUCKETS_MAX, &r);
	CHECK(r.first_leak[0] == UINT64_MAX);
	CHECK(r.max_bytes <= 1024);
}

/* 24 h windows at 2 s, and a day's leak: 256M in 24 h, leaking 16 MiB an hour from hour 2. */
static uint64_t day_leak(uint64_t i)
{
	uint64_t t = i * STEP_MS;

	return 300 * MIB + wobble(i) + (t > 2 * HOUR ? (t - 2 * HOUR) * 16 * MIB / HOUR : 0);
}

static void test_day_window(void)
{
	struct policy p;
	struct run r;

	policy_init(&p, 256 * MIB, 24 * HOUR);
	judge(&p, 1, day_leak, 30 * HOUR / STEP_MS, HISTORY_BUCKETS_MAX, &r);
	printf("#   16 MiB/h, window 24 h: reported %.1f h after the leak began; %llu bytes\n",
	       r.first_leak[0] == UINT64_MAX ? -1.0 : (double)(r.first_leak[0] - 2 * HOUR) / (double)HOUR,
	       (unsigned long long)r.max_bytes);
	CHECK(r.first_leak[0] >= 2 * HOUR + 16 * HOUR && r.first_leak[0] <= 2 * HOUR + 24 * HOUR + 2 * STEP_MS);
	CHECK(r.max_bytes <= 1024);
}

/* The shipped default-slow policy (256M in 6 h) on 1 MiB a minute, from hour 6 of a process's life. */
static uint64_t mib_a_minute(uint64_t i)
{
	uint64_t t = i * STEP_MS;

	return 400 * MIB + wobble(i) + (t > 6 * HOUR ? (t - 6 * HOUR) * MIB / 60000 : 0);
}

static void test_default_slow(void)
{
	struct policy p[2];
	struct run r;

	policy_init(&p[0], 256 * MIB, 6 * HOUR);
	policy_init(&p[1], 256 * MIB, 120000); /* the default policy beside it */
	judge(p, 2, mib_a_minute, 14 * HOUR / STEP_MS, HISTORY_BUCKETS_MAX, &r);
	printf("#   default-slow on 1 MiB/min: reported %.1f h after the leak began; %llu bytes\n",
	       r.first_leak[0] == UINT64_MAX ? -1.0 : (double)(r.first_leak[0] - 6 * HOUR) / (double)HOUR,
	       (unsigned long long)r.max_bytes);
	/* 256 MiB at 1 MiB a minute: 4.3 h (the wobble may bring it a few minutes early) */
	CHECK(r.first_leak[0] >= 6 * HOUR + 240 * 60000 && r.first_leak[0] <= 6 * HOUR + 270 * 60000);
	CHECK(r.first_leak[1] == UINT64_MAX);
	CHECK(r.max_bytes <= 1024);
}

/*
 * With rss = total, a stat read gives no anonymous figure (it reads as the
 * RSS) and statm does: the anonymous footprint jumps every other pass while
 * the total stands still. Only what a policy watches decides flatness.
 */
static void test_flat_total_with_anon_flapping(void)
{
	struct history h;

	memset(&h, 0, sizeof(h));
	history_resize(&h, HISTORY_BUCKETS_MAX);
	history_configure(&h, 120000, 120000, HK_TOTAL);
	for (uint64_t i = 0; i < 1000; i++) {
		struct sample s = { .t_ms = i * STEP_MS, .rss = 300 * MIB, .anon = i % 2 ? 300 * MIB : 120 * MIB };

		history_push(&h, &s, 64 * KIB);
	}
	printf("#   flat total, flapping anonymous figure: %u stretch(es), %llu bytes\n", h.len,
	       (unsigned long long)history_bytes(&h));
	CHECK(h.len == 1 && h.cap == HISTORY_MIN);
	history_free(&h);
}

/*
 * A 3 MiB/s leak under a collector every 4 s (150 MiB up and back): its
 * verdict may come and go as troughs fall either side of a quarter's edge,
 * but it is one leak, reported once (as watch.c counts episodes).
 */
static uint64_t gc4(uint64_t i)
{
	uint64_t t = i; /* 1 s samples */

	return 300 * MIB + t * 3 * MIB + (t % 4) * 50 * MIB;
}

static void test_one_episode(void)
{
	struct policy p;
	struct history h;
	uint64_t last_leak = 0;
	bool reported = false;
	unsigned int episodes = 0, flips = 0;
	enum verdict prev = VERDICT_SHORT;

	policy_init(&p, 60 * MIB, 20000);
	memset(&h, 0, sizeof(h));
	history_resize(&h, HISTORY_BUCKETS_MAX);
	history_configure(&h, p.window_ms, p.window_ms, HK_TOTAL);
	for (uint64_t i = 0; i < 400; i++) {
		struct sample s = { .t_ms = T0 + i * 1000, .rss = gc4(i), .anon = gc4(i) };
		struct evidence ev;
		enum verdict v;

		history_push(&h, &s, 64 * KIB);
		v = detect(&p, &h, NULL, 500, &ev);
		if (v != prev && (v == VERDICT_LEAK || prev == VERDICT_LEAK))
			flips++;
		prev = v;
		if (v == VERDICT_LEAK) {
			last_leak = s.t_ms;
			if (!reported)
				episodes++;
			reported = true;
		} else if (v == VERDICT_NONE && detect_episode_over(&p, last_leak, s.t_ms)) {
			reported = false;
		}
	}
	printf("#   3 MiB/s under a 4 s collector: %u verdict changes, %u episode(s)\n", flips, episodes);
	CHECK(episodes == 1);
	history_free(&h);
}

int main(void)
{
	RUN_TEST(test_slow_leak_long_window);
	RUN_TEST(test_three_windows);
	RUN_TEST(test_windows_kept);
	RUN_TEST(test_newest_kept);
	RUN_TEST(test_long_window_innocents);
	RUN_TEST(test_day_window);
	RUN_TEST(test_default_slow);
	RUN_TEST(test_flat_total_with_anon_flapping);
	RUN_TEST(test_one_episode);
	TAP_DONE();
}
