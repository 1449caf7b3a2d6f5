// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The detector on recorded series: RSS sampled every second (or two), as the
 * sampler would have seen it for typical programs.
 */
#include <string.h>

#include "detect.h"
#include "tap.h"
#include "util.h"

#define MAXS 400

static struct hsample ring[MAXS];

static void policy_init(struct policy *p, uint64_t growth, uint64_t window_ms)
{
	memset(p, 0, sizeof(*p));
	p->growth = growth;
	p->window_ms = window_ms;
	p->steadiness = 0.8;
	p->pressure_swapout = p->pressure_some = p->pressure_full = -1.0;
	p->action = ACTION_JAIL;
}

/* Run the series through a ring of `cap` samples; return the first index at which it is a leak, or -1. */
static int first_leak(const struct policy *p, const uint64_t *rss, int n, uint64_t step_ms,
		      const struct system_state *sys, uint32_t cap, enum verdict *last)
{
	struct history h = { ring, cap, 0, 0, cap };
	int found = -1;

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
	return found;
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

static void test_slow_leak_with_noise(void)
{
	uint64_t rss[100];
	struct policy p;

	policy_init(&p, 100 * MIB, 60000);
	for (int i = 0; i < 100; i++) {
		rss[i] = 300 * MIB + (uint64_t)i * 2 * 2 * MIB; /* 2 MiB/s, every 2 s */
		if (i % 7 == 3)
			rss[i] -= 200 * KIB; /* the page cache trims a little now and then */
	}
	CHECK(first_leak(&p, rss, 100, 2000, NULL, 40, NULL) == 30);
}

static void test_leak_in_steps(void)
{
	uint64_t rss[60];
	struct policy p;
	int at;

	policy_init(&p, 100 * MIB, 30000);
	for (int i = 0; i < 60; i++)
		rss[i] = 100 * MIB + (uint64_t)(i / 8) * 40 * MIB; /* +40 MiB every 8 s */
	at = first_leak(&p, rss, 60, 1000, NULL, 40, NULL);
	CHECK(at > 0 && at <= 40);
}

static void test_gc_sawtooth(void)
{
	uint64_t rss[200];
	struct policy p;

	/* a collector: +20 MiB/s for 9 s, then back to the floor; amplitude 180 MiB */
	policy_init(&p, 100 * MIB, 20000);
	for (int i = 0; i < 200; i++)
		rss[i] = 400 * MIB + (uint64_t)(i % 10) * 20 * MIB;
	CHECK(first_leak(&p, rss, 200, 1000, NULL, 30, NULL) == -1);

	/* the same with a period longer than the window's half */
	policy_init(&p, 100 * MIB, 30000);
	for (int i = 0; i < 200; i++)
		rss[i] = 400 * MIB + (uint64_t)(i % 25) * 8 * MIB;
	CHECK(first_leak(&p, rss, 200, 1000, NULL, 40, NULL) == -1);
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

	/* a big warm-up looks like a leak while it lasts, and stops matching on the plateau */
	for (int i = 0; i < 120; i++)
		rss[i] = 20 * MIB + (uint64_t)MIN(i, 30) * 20 * MIB;
	CHECK(first_leak(&p, rss, 120, 1000, NULL, 16, &last) == 10);
	CHECK(last == VERDICT_NONE);
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
	struct history h = { ring, 16, 0, 0, 16 };
	struct policy p;
	struct evidence ev;
	char buf[512];

	policy_init(&p, 100 * MIB, 10000);
	for (int i = 0; i <= 10; i++) {
		struct sample s = { .t_ms = (uint64_t)i * 1000, .rss = 100 * MIB + (uint64_t)i * 24 * MIB };

		history_push(&h, &s, 0);
	}
	CHECK(detect(&p, &h, NULL, 500, &ev) == VERDICT_LEAK);
	CHECK(ev.growth == 240 * (int64_t)MIB);
	CHECK(ev.span_ms == 10000);
	CHECK(ev.steps == 10);
	CHECK(ev.steadiness == 1.0);
	evidence_format(&ev, buf, sizeof(buf));
	CHECK(strstr(buf, "rss 340 MiB grew 240 MiB in 10 s (24.0 MiB/s, steady 100 %)") != NULL);
}

/* A leak slower than the noise per sample, in a ring that may grow: it adds up and is seen. */
static void test_slow_leak_below_noise(void)
{
	struct history h = { 0 };
	struct policy p;
	struct evidence ev;
	enum verdict v = VERDICT_NONE;
	int at = -1;

	policy_init(&p, 8 * MIB, 600000);
	history_resize(&h, 303);
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
	printf("#   seen at sample %d, history of %u samples\n", at, h.len);

	/* a flat process keeps a ring of HISTORY_MIN samples */
	history_free(&h);
	history_resize(&h, 303);
	for (int i = 0; i < 500; i++) {
		struct sample s = { .t_ms = (uint64_t)i * 2000, .rss = 200 * MIB, .anon = 200 * MIB };

		history_push(&h, &s, 64 * KIB);
	}
	CHECK(h.cap == HISTORY_MIN);
	CHECK(history_at(&h, 0).t_ms == 0 && history_at(&h, h.len - 1).t_ms == 499 * 2000);
	history_free(&h);
}

int main(void)
{
	RUN_TEST(test_fast_leak);
	RUN_TEST(test_slow_leak_with_noise);
	RUN_TEST(test_leak_in_steps);
	RUN_TEST(test_gc_sawtooth);
	RUN_TEST(test_warmup_plateau);
	RUN_TEST(test_large_steady);
	RUN_TEST(test_pressure_gate);
	RUN_TEST(test_min_rss_and_short);
	RUN_TEST(test_evidence);
	RUN_TEST(test_slow_leak_below_noise);
	TAP_DONE();
}
