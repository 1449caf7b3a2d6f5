// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Did a jailed process leak at all (src/jail/jailcheck.h)? Series fed to the
 * judgement, one sample a second:
 * - a JVM (-Xms64m -Xmx1g, G1; tests/progs/WarmUp.java) jailed in its
 *   warm-up by growth = 40M, window = 10s, recorded here (6.18, cgroup v1,
 *   a swap file): thrash;
 * - the atop leaker (memhog leak 20) in its jail, as it behaves: no
 *   refaults, 20 MiB/s more: keeps it;
 * - a leaker that touches what it leaks and grows on in its jail (stress-ng
 *   --bigheap where its growth lands in the jail and swaps): it refaults
 *   and grows faster than its policy's pace: keeps it; where the jail
 *   throttles its growth (v2) it thrashes like a warm-up: what refaults
 *   cannot tell;
 * - a process that gives back half its growth: give-back;
 * - the burst of refaults right after a page-out: no verdict.
 */
#include <string.h>

#include "jailcheck.h"
#include "tap.h"
#include "util.h"

/* one recorded pass: seconds, cumulative major faults, footprint (RssAnon + VmSwap) in KiB */
struct rec {
	unsigned int t;
	uint64_t majflt;
	uint64_t foot_kib;
};

/* Feed a series; the index of the first verdict (its kind in *v), or -1. */
static int first_verdict(struct jailcheck_state *st, const struct rec *r, size_t n, uint64_t limit,
			 const struct jailcheck_policy *p, enum jailcheck_verdict *v, char *ev, size_t size)
{
	for (size_t i = 0; i < n; i++) {
		struct jailcheck_sample s = {
			.t_ms = 1000 + (uint64_t)r[i].t * 1000,
			.majflt = r[i].majflt,
			.cg_majflt = JAILCHECK_UNKNOWN,
			.cg_refault = JAILCHECK_UNKNOWN,
			.footprint = r[i].foot_kib << 10,
			.limit = limit,
		};

		*v = jailcheck_judge(st, &s, p, ev, size);
		if (*v != JAILCHECK_NONE)
			return (int)i;
	}
	return -1;
}

/*
 * The JVM from its jail on (limit 57908K): the page-out's burst (2,186 in
 * one second, then quiet), its live set growing into the jail, then the
 * thrash: 1,279, 2,410, 2,132, 3,196, 2,556 major faults a second while its
 * footprint stays at ~160 MiB.
 */
static const struct rec jvm[] = {
	{ 0, 27, 79640 },     { 1, 2213, 89244 },   { 3, 2215, 91972 },   { 4, 2400, 102836 },
	{ 5, 2400, 106440 },  { 6, 2402, 115272 },  { 7, 2454, 132000 },  { 8, 2454, 135864 },
	{ 9, 2724, 143552 },  { 11, 2724, 144068 }, { 12, 2724, 149516 }, { 14, 4003, 158804 },
	{ 15, 6413, 161416 }, { 16, 8545, 172788 }, { 17, 11741, 172896 }, { 18, 14297, 172964 },
};
static const struct jailcheck_policy warm = { .growth = 40 * MIB, .window_ms = 10000 };

static void test_jvm_thrashes(void)
{
	struct jailcheck_state st = { 0 };
	enum jailcheck_verdict v = JAILCHECK_NONE;
	char ev[600];
	int i = first_verdict(&st, jvm, ARRAY_SIZE(jvm), 57908ULL << 10, &warm, &v, ev, sizeof(ev));

	/* the burst after the page-out is no verdict; the thrash is, once held JAILCHECK_HOLD_MS */
	CHECK(i >= 0);
	CHECK_EQ_U(v, JAILCHECK_THRASH);
	/* from 12 s (the pass that ended at 14 s refaulted 640/s) for JAILCHECK_HOLD_MS */
	CHECK_EQ_U(i, 11);
	printf("# at %u s: %s\n", i >= 0 ? jvm[i].t : 0, ev);
	CHECK(strstr(ev, "refaults/s for") != NULL);
	CHECK(strstr(ev, "limit 56.6 MiB") != NULL);
	/* after a grow, another whole hold before the next step */
	jailcheck_acted(&st);
	{
		struct jailcheck_sample s = { .t_ms = 1000 + 15000, .majflt = 6413, .cg_majflt = JAILCHECK_UNKNOWN,
					      .cg_refault = JAILCHECK_UNKNOWN, .footprint = 172964ULL << 10,
					      .limit = 57908ULL << 10 };

		CHECK_EQ_U(jailcheck_judge(&st, &s, &warm, ev, sizeof(ev)), JAILCHECK_NONE);
	}
}

/* The atop leaker in its jail: 20 MiB/s more, paged out, never touched again. */
static void test_atop_leaker_keeps_its_jail(void)
{
	struct jailcheck_state st = { 0 };
	struct rec r[40];
	enum jailcheck_verdict v;
	char ev[600];
	const struct jailcheck_policy atop = { .growth = 100 * MIB, .window_ms = 10000 };

	for (unsigned int i = 0; i < ARRAY_SIZE(r); i++)
		r[i] = (struct rec){ i, 3 + (i > 0), 230000 + 20480 * (uint64_t)i };
	CHECK_EQ_U(first_verdict(&st, r, ARRAY_SIZE(r), 300ULL << 20, &atop, &v, ev, sizeof(ev)), -1);
	CHECK(st.rate < JAILCHECK_REFAULTS);
}

/*
 * stress-ng --bigheap 1 --bigheap-growth 4K in its jail (growth = 60M,
 * window = 3s: 20 MiB/s): it touches every page of its heap that is not
 * resident, so it refaults, and where its jail lets it grow it goes on at
 * ~40 MiB/s.
 */
static void test_refaulting_leaker_keeps_its_jail(void)
{
	struct jailcheck_state st = { 0 };
	struct rec r[30];
	enum jailcheck_verdict v;
	char ev[600];
	const struct jailcheck_policy quick = { .growth = 60 * MIB, .window_ms = 3000 };

	for (unsigned int i = 0; i < ARRAY_SIZE(r); i++)
		r[i] = (struct rec){ i, 3000 * (uint64_t)i, 2000000 + 40960 * (uint64_t)i };
	CHECK_EQ_U(first_verdict(&st, r, ARRAY_SIZE(r), 2ULL << 30, &quick, &v, ev, sizeof(ev)), -1);
	CHECK(st.rate >= JAILCHECK_REFAULTS);
}

/*
 * The same worker where memory.high throttles it (v2 VM): 1,820 refaults/s
 * and no growth. That is a warm-up's signature too: judged thrash (and
 * grown a step by jail_thrash = grow), the limit of what refaults tell.
 */
static void test_throttled_leaker_looks_like_a_warm_up(void)
{
	struct jailcheck_state st = { 0 };
	struct rec r[10];
	enum jailcheck_verdict v;
	char ev[600];
	const struct jailcheck_policy quick = { .growth = 60 * MIB, .window_ms = 3000 };

	for (unsigned int i = 0; i < ARRAY_SIZE(r); i++)
		r[i] = (struct rec){ i, 1820 * (uint64_t)i, 234496 };
	/* once the jail has settled (JAILCHECK_SETTLE_MS), for JAILCHECK_HOLD_MS */
	CHECK_EQ_U(first_verdict(&st, r, ARRAY_SIZE(r), 29680ULL << 10, &quick, &v, ev, sizeof(ev)), 6);
	CHECK_EQ_U(v, JAILCHECK_THRASH);
}

/* A batch that frees what it built: down by more than half the policy's growth from its peak in the jail. */
/*
 * v1: a jail waits instead of OOM-killing. A JVM whose whole heap is hot
 * waits under the OOM with swap to spare and refaults nothing while it
 * waits: judged thrash. Without swap room it is a leaker at the end of its
 * rope: the stall watch's, not a mistake.
 */
static void test_waiting_under_oom(void)
{
	struct jailcheck_state st = { 0 }, dry = { 0 };
	char ev[600];
	enum jailcheck_verdict v = JAILCHECK_NONE, w = JAILCHECK_NONE;

	for (unsigned int i = 0; i < 12 && v == JAILCHECK_NONE; i++) {
		struct jailcheck_sample s = { .t_ms = 1000000 + 1000 * (uint64_t)i, .majflt = 50, .cg_majflt = JAILCHECK_UNKNOWN,
					      .cg_refault = JAILCHECK_UNKNOWN, .footprint = 150 * MIB, .limit = 55 * MIB,
					      .under_oom = i >= 2, .swap_room = 900 * MIB };
		struct jailcheck_sample t = s;

		t.swap_room = 4 * MIB;
		v = jailcheck_judge(&st, &s, &warm, ev, sizeof(ev));
		w = w == JAILCHECK_NONE ? jailcheck_judge(&dry, &t, &warm, ev + 300, sizeof(ev) - 300) : w;
	}
	CHECK(v == JAILCHECK_THRASH);
	CHECK(strstr(ev, "waits under an OOM that kills nothing") != NULL);
	CHECK(w == JAILCHECK_NONE);
}

static void test_give_back(void)
{
	struct jailcheck_state st = { 0 };
	const struct rec r[] = { { 0, 0, 200000 }, { 1, 0, 210000 }, { 2, 0, 204800 }, { 3, 0, 190000 },
				 { 4, 0, 170000 }, { 5, 0, 150000 } };
	enum jailcheck_verdict v;
	char ev[600];
	int i = first_verdict(&st, r, ARRAY_SIZE(r), 64ULL << 20, &warm, &v, ev, sizeof(ev));

	/* 210000 KiB at its highest; 20 MiB (half of 40M) is 20480 KiB: 190000 is not yet, 170000 is */
	CHECK_EQ_U(i, 4);
	CHECK_EQ_U(v, JAILCHECK_GIVE_BACK);
	printf("# %s\n", ev);
	CHECK(strstr(ev, "down 39.1 MiB from its highest in the jail (205 MiB)") != NULL);
}

/* A sawtooth that dips less than half the growth is no give-back; nor is a short burst of refaults. */
static void test_small_dips_and_bursts(void)
{
	struct jailcheck_state st = { 0 };
	struct rec r[30];
	enum jailcheck_verdict v;
	char ev[600];

	/* two seconds of the page-out's burst while the jail settles; one second of it later */
	for (unsigned int i = 0; i < ARRAY_SIZE(r); i++)
		r[i] = (struct rec){ i, i < 3 ? 5000 * (uint64_t)i : i < 8 ? 10000 : 15000, 200000 + (i % 4) * 5000 };
	CHECK_EQ_U(first_verdict(&st, r, ARRAY_SIZE(r), 64ULL << 20, &warm, &v, ev, sizeof(ev)), -1);
}

static void test_grow_step(void)
{
	struct jailcheck_sample s = { .footprint = 300 * MIB, .limit = 100 * MIB };

	/* the whole way to the footprint */
	CHECK_EQ_U(jailcheck_grow_step(&s, 8 * GIB), 200 * MIB);
	/* never more than half of what the host has */
	CHECK_EQ_U(jailcheck_grow_step(&s, 64 * MIB), 32 * MIB);
	/* within the limit already: the caller's smallest step */
	s.footprint = 90 * MIB;
	CHECK_EQ_U(jailcheck_grow_step(&s, 8 * GIB), 0);
	s.limit = UINT64_MAX;
	CHECK_EQ_U(jailcheck_grow_step(&s, 8 * GIB), 0);
}

/* The sources overlap: the largest rise counts, not their sum; a counter that went back counts nothing. */
static void test_sources(void)
{
	struct jailcheck_state st = { 0 };
	struct jailcheck_sample a = { .t_ms = 1000, .majflt = 100, .cg_majflt = 100, .cg_refault = 1000,
				      .footprint = 100 * MIB, .limit = 50 * MIB };
	struct jailcheck_sample b = a;
	char ev[600];

	jailcheck_judge(&st, &a, &warm, ev, sizeof(ev));
	b.t_ms = 2000;
	b.majflt = 400;
	b.cg_majflt = 450;
	b.cg_refault = 3000;
	jailcheck_judge(&st, &b, &warm, ev, sizeof(ev));
	CHECK_EQ_U(st.refaults, 2000);
	a = b;
	a.t_ms = 3000;
	a.cg_refault = 10; /* the jail was made afresh */
	jailcheck_judge(&st, &a, &warm, ev, sizeof(ev));
	CHECK_EQ_U(st.refaults, 2000);
}

/* What a process that is being killed shows: no verdict is drawn from it. */
static void test_dying_is_no_sample(void)
{
	/* fields from the state on; majflt (12th) 77, starttime (22nd) 5000 */
	const char *alive = "4242 (memhog) S 1 4242 4242 0 -1 4194560 100 0 77 0 1 2 0 0 20 0 1 0 5000 0 0";
	const char *exiting = "4242 (memhog) R 1 4242 4242 0 -1 4194564 100 0 77 0 1 2 0 0 20 0 1 0 5000 0 0";
	const char *zombie = "4242 (memhog) Z 1 4242 4242 0 -1 4194560 100 0 77 0 1 2 0 0 20 0 1 0 5000 0 0";
	const char *status = "Name:\tmemhog\nVmRSS:\t  62000 kB\nRssAnon:\t   61440 kB\nVmSwap:\t    1024 kB\n";
	const char *gone = "Name:\tmemhog\nState:\tZ (zombie)\n";
	struct jailcheck_sample s = { 0 };

	CHECK(jailcheck_parse_proc(alive, status, 5000, &s));
	CHECK_EQ_U(s.majflt, 77);
	CHECK_EQ_U(s.footprint, 62464ULL << 10);
	CHECK(!jailcheck_parse_proc(alive, status, 5001, &s)); /* another process */
	CHECK(!jailcheck_parse_proc(exiting, status, 5000, &s));
	CHECK(!jailcheck_parse_proc(zombie, status, 5000, &s));
	CHECK(!jailcheck_parse_proc(alive, gone, 5000, &s));
}

int main(void)
{
	RUN_TEST(test_jvm_thrashes);
	RUN_TEST(test_atop_leaker_keeps_its_jail);
	RUN_TEST(test_refaulting_leaker_keeps_its_jail);
	RUN_TEST(test_throttled_leaker_looks_like_a_warm_up);
	RUN_TEST(test_waiting_under_oom);
	RUN_TEST(test_give_back);
	RUN_TEST(test_small_dips_and_bursts);
	RUN_TEST(test_grow_step);
	RUN_TEST(test_sources);
	RUN_TEST(test_dying_is_no_sample);
	TAP_DONE();
}
