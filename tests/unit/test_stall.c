// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * When a jail counts as stalled (src/jail/stall.h): sustained memory pressure
 * (v2), or limit hits with no swap to go to, for STALL_HOLD_MS; an OOM that
 * kills nothing (v1 under_oom) at once; and neither an idle jail at its
 * limit nor a jail that swaps with room to spare. The free-swap warning is
 * said once per crossing.
 */
#include <string.h>

#include "config.h"
#include "stall.h"
#include "tap.h"
#include "util.h"

#define PASS_MS 500

/* A jail of 16 MiB with 32 MiB of swap allowed, on a host with 1 GiB of swap, half free. */
static struct stall_sample base(uint64_t t_ms, uint64_t hits)
{
	return (struct stall_sample){
		.t_ms = t_ms, .usage = 16 * MIB, .limit = 16 * MIB, .swap_used = 10 * MIB,
		.swap_allowance = 32 * MIB, .limit_hits = hits, .swap_total = GIB, .swap_free = GIB / 2,
	};
}

/* the limit hits only grow, from one call of first_stall() to the next */
static uint64_t hits_so_far;

/* Feed samples every PASS_MS from t=1000 for `ms`; the first pass that says stalled, or -1. */
static int first_stall(struct stall_state *st, struct stall_sample (*make)(uint64_t, uint64_t), int ms,
		       enum stall_reason *why, char *ev, size_t size)
{
	for (int t = 0; t <= ms; t += PASS_MS) {
		struct stall_sample s = make(1000 + (uint64_t)t, hits_so_far += 50);
		enum stall_reason r = stall_check(st, &s, ev, size);

		if (r != STALL_NONE) {
			*why = r;
			return t;
		}
	}
	return -1;
}

static struct stall_sample no_room(uint64_t t, uint64_t hits)
{
	struct stall_sample s = base(t, hits);

	s.swap_used = 29 * MIB; /* 3 MiB left of 32: less than a quarter */
	return s;
}

static struct stall_sample room(uint64_t t, uint64_t hits)
{
	return base(t, hits); /* 22 MiB left: it swaps, it is not stalled */
}

static struct stall_sample idle(uint64_t t, uint64_t hits)
{
	struct stall_sample s = no_room(t, hits);

	(void)hits;
	s.limit_hits = 100; /* never grows: at its limit but not allocating */
	return s;
}

static struct stall_sample swap_full(uint64_t t, uint64_t hits)
{
	struct stall_sample s = base(t, hits);

	s.swap_allowance = UINT64_MAX;
	s.swap_free = 10 * MIB; /* under 2 % of 1 GiB */
	return s;
}

static struct stall_sample pressure(uint64_t t, uint64_t hits)
{
	struct stall_sample s = base(t, hits);

	s.limit_hits = 0;
	s.have_psi = true;
	s.full_avg10 = 85.5;
	s.some_avg10 = 90.1;
	return s;
}

static void test_no_swap_to_go_to(void)
{
	struct stall_state st = { 0 };
	enum stall_reason why = STALL_NONE;
	char ev[400];
	int t = first_stall(&st, no_room, 20000, &why, ev, sizeof(ev));

	/* the first pass has no earlier count to compare: the hold starts at the second */
	CHECK_EQ_U(t, STALL_HOLD_MS + PASS_MS);
	CHECK_EQ_U(why, STALL_NO_SWAP);
	printf("# %s\n", ev);
	CHECK(strstr(ev, "its swap allowance used up: 3.0 MiB left of 32.0 MiB") != NULL);
	/* after the action, another whole hold before the next */
	stall_acted(&st);
	CHECK_EQ_U(first_stall(&st, no_room, 20000, &why, ev, sizeof(ev)), STALL_HOLD_MS);
}

static void test_swapping_with_room_is_no_stall(void)
{
	struct stall_state st = { 0 };
	enum stall_reason why = STALL_NONE;
	char ev[400];

	CHECK(first_stall(&st, room, 60000, &why, ev, sizeof(ev)) < 0);
	CHECK(first_stall(&st, idle, 60000, &why, ev, sizeof(ev)) < 0);
}

static void test_swap_full(void)
{
	struct stall_state st = { 0 };
	enum stall_reason why = STALL_NONE;
	char ev[400];

	CHECK(first_stall(&st, swap_full, 20000, &why, ev, sizeof(ev)) > 0);
	CHECK_EQ_U(why, STALL_NO_SWAP);
	CHECK(strstr(ev, "swap full: 10.0 MiB free of 1.0 GiB") != NULL);
	printf("# %s\n", ev);
}

static void test_pressure(void)
{
	struct stall_state st = { 0 };
	enum stall_reason why = STALL_NONE;
	char ev[400];

	CHECK_EQ_U(first_stall(&st, pressure, 20000, &why, ev, sizeof(ev)), STALL_HOLD_MS);
	CHECK_EQ_U(why, STALL_PRESSURE_HIGH);
	CHECK(strstr(ev, "memory.pressure full 86 % some 90 % for 10 s") != NULL);
	printf("# %s\n", ev);
}

/* One pass that does not hold starts the hold again. */
static void test_interrupted_hold(void)
{
	struct stall_state st = { 0 };
	char ev[400];
	uint64_t t = 1000, hits = 0;
	int stalls = 0;

	for (int i = 0; i < 60; i++, t += PASS_MS, hits += 50) {
		struct stall_sample s = i % 15 == 14 ? room(t, hits) : no_room(t, hits);

		stalls += stall_check(&st, &s, ev, sizeof(ev)) != STALL_NONE;
	}
	CHECK_EQ_U(stalls, 0);
}

static void test_under_oom(void)
{
	struct stall_state st = { 0 };
	struct stall_sample s = base(1000, 5);
	char ev[400];

	s.under_oom = true;
	CHECK_EQ_U(stall_check(&st, &s, ev, sizeof(ev)), STALL_UNDER_OOM);
	CHECK(strstr(ev, "under_oom 1") != NULL);
}

static void test_swap_warning(void)
{
	bool warned = false;

	CHECK(!swap_running_out(0, 0, &warned)); /* no swap: said at start-up, not here */
	CHECK(!swap_running_out(1000, 500, &warned));
	CHECK(swap_running_out(1000, 90, &warned));
	CHECK(!swap_running_out(1000, 50, &warned)); /* once */
	CHECK(!swap_running_out(1000, 120, &warned)); /* not yet back above 15 % */
	CHECK(!swap_running_out(1000, 90, &warned));
	CHECK(!swap_running_out(1000, 200, &warned)); /* back: re-armed */
	CHECK(swap_running_out(1000, 50, &warned));
}

/* jail_stalled in a policy: log (the default), grow or kill; anything else named with its line. */
static void test_policy_key(void)
{
	static const struct {
		const char *text;
		enum lj_stalled want;
	} ok[] = {
		{ "[policy a]\naction = jail\n", STALLED_LOG },
		{ "[policy a]\naction = jail\njail_stalled = log\n", STALLED_LOG },
		{ "[policy a]\naction = jail\njail_stalled = grow\n", STALLED_GROW },
		{ "[policy a]\naction = jail\njail_stalled = kill\n", STALLED_KILL },
	};
	struct config cfg;
	struct diag_list d = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		memset(&cfg, 0, sizeof(cfg));
		CHECK(config_parse_policies_string("p.conf", ok[i].text, &cfg, &d) == 0);
		CHECK_EQ_U(d.n, 0);
		CHECK(cfg.n_policies == 1 && cfg.policies[0].jail_stalled == ok[i].want);
		config_free(&cfg);
		diag_free(&d);
	}
	memset(&cfg, 0, sizeof(cfg));
	config_parse_policies_string("p.conf", "[policy a]\naction = jail\njail_stalled = freeze\n", &cfg, &d);
	CHECK(d.n == 1 && strstr(d.msgs[0], "p.conf:3") && strstr(d.msgs[0], "freeze") &&
	      strstr(d.msgs[0], "log, grow or kill"));
	if (d.n)
		printf("# %s\n", d.msgs[0]);
	config_free(&cfg);
	diag_free(&d);
}

int main(void)
{
	RUN_TEST(test_policy_key);
	RUN_TEST(test_no_swap_to_go_to);
	RUN_TEST(test_swapping_with_room_is_no_stall);
	RUN_TEST(test_swap_full);
	RUN_TEST(test_pressure);
	RUN_TEST(test_interrupted_hold);
	RUN_TEST(test_under_oom);
	RUN_TEST(test_swap_warning);
	TAP_DONE();
}
