// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The forecast (forecast.c), the verdict with its forecast condition and
 * fast path (judge.c), and the swap traffic the pressure gates see
 * (sysstate.c) on /proc/vmstat texts recorded on 6.18.
 */
#include <math.h>
#include <string.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "headroom.h"
#include "judge.h"
#include "policy.h"
#include "proc.h"
#include "tap.h"
#include "util.h"

/*
 * /proc/vmstat on 6.18, the swap lines in the kernel's order (the other
 * counters between them cut), one second apart while a process that leaks
 * zero-filled pages was pushed to swap: pswpout barely moved, swpout_zero
 * took 25,600 pages (100 MiB).
 */
static const char vmstat_before[] = "nr_free_pages 91806\nnr_swapcached 0\npgpgin 3301233\npgpgout 5401250\n"
				    "pswpin 12\npswpout 770233\npgsteal_kswapd 100\npgscan_kswapd 120\n"
				    "pgmajfault 300\nswap_ra 5\nswap_ra_hit 2\nswpin_zero 40\n"
				    "swpout_zero 4500000\nksm_swpin_copy 0\nzswpin 0\nzswpout 0\nzswpwb 0\n";
static const char vmstat_after[] = "nr_free_pages 91000\nnr_swapcached 0\npgpgin 3301233\npgpgout 5401258\n"
				   "pswpin 12\npswpout 770235\npgsteal_kswapd 25700\npgscan_kswapd 26000\n"
				   "pgmajfault 300\nswap_ra 5\nswap_ra_hit 2\nswpin_zero 40\n"
				   "swpout_zero 4525600\nksm_swpin_copy 0\nzswpin 3\nzswpout 7\nzswpwb 0\n";
/* a kernel before 6.12, without zswap: only pswp* */
static const char vmstat_old[] = "pswpin 5\npswpout 1840\npgmajfault 9\n";

static void test_swap_traffic(void)
{
	struct system_state prev = { 0 }, now = { 0 };

	CHECK(proc_parse_vmstat(vmstat_before, &prev.vm));
	CHECK(proc_parse_vmstat(vmstat_after, &now.vm));
	CHECK_EQ_U(now.vm.swpout_zero, 4525600);
	CHECK_EQ_U(now.vm.zswpout, 7);
	CHECK_EQ_U(now.vm.zswpin, 3);
	CHECK_EQ_U(vmstat_swapout(&now.vm), 770235 + 4525600 + 7);
	prev.t_ms = 1000;
	now.t_ms = 2000;
	system_state_rates(&now, &prev);
	CHECK(now.have_rates);
	/* 2 written + 25,600 zero pages + 7 to zswap, in one second */
	CHECK(fabs(now.swapout_ps - 25609.0) < 0.5);
	CHECK(fabs(now.swapin_ps - 3.0) < 0.5);
	CHECK(now.swap_moved);

	/* only zero pages moved: swap moved all the same (VmSwap is read again) */
	CHECK(proc_parse_vmstat(vmstat_before, &now.vm));
	now.vm.swpout_zero += 10;
	system_state_rates(&now, &prev);
	CHECK(now.swap_moved);
	CHECK(now.swapout_ps > 9.5);
	/* nothing moved */
	CHECK(proc_parse_vmstat(vmstat_before, &now.vm));
	system_state_rates(&now, &prev);
	CHECK(!now.swap_moved);
	CHECK(now.swapout_ps == 0.0);

	/* an older kernel: the figures it has */
	CHECK(proc_parse_vmstat(vmstat_old, &now.vm));
	CHECK_EQ_U(vmstat_swapout(&now.vm), 1840);
	CHECK_EQ_U(vmstat_swapin(&now.vm), 5);
}

static void test_compute(void)
{
	struct cg_headroom cg = { 100 * MIB, 1200 * MIB, 1100 * MIB };
	struct forecast fc = { 0 };
	char buf[300], t[32];

	forecast_compute(&fc, 10.0 * MIB, 1024 * MIB, 1024 * MIB, &cg);
	CHECK(fabs(fc.cgroup_s - 10.0) < 1e-6);
	CHECK(fabs(fc.available_s - 102.4) < 1e-6);
	CHECK(fabs(fc.swap_s - 204.8) < 1e-6);
	CHECK(fabs(fc.runs_out_s - 10.0) < 1e-6);
	CHECK(fc.what && strcmp(fc.what, "cgroup") == 0);
	forecast_format(&fc, buf, sizeof(buf));
	CHECK(strstr(buf, "out of memory in 10 s") == buf);
	CHECK(strstr(buf, "cgroup limit 1.2 GiB") || strstr(buf, "cgroup limit 1200"));

	/* no cgroup limit: the host */
	forecast_compute(&fc, 1.0 * MIB, 240 * MIB, 0, NULL);
	CHECK(fc.what && strcmp(fc.what, "host") == 0);
	CHECK(fabs(fc.runs_out_s - 240.0) < 1e-6);
	CHECK(!isfinite(fc.cgroup_s));
	CHECK(strcmp(forecast_duration(t, sizeof(t), fc.runs_out_s), "4 min") == 0);
	forecast_format(&fc, buf, sizeof(buf));
	CHECK(strstr(buf, "out of memory in 4 min") == buf);
	CHECK_EQ_U(forecast_seconds(fc.runs_out_s), 240);

	/* not growing: never */
	forecast_compute(&fc, -5.0, 240 * MIB, 0, &cg);
	CHECK(!fc.what && !isfinite(fc.runs_out_s));
	CHECK(forecast_seconds(fc.runs_out_s) == -1);
	forecast_format(&fc, buf, sizeof(buf));
	CHECK(buf[0] == '\0');
	CHECK(strcmp(forecast_duration(t, sizeof(t), 3 * 86400.0), "3.0 days") == 0);
	CHECK(strcmp(forecast_duration(t, sizeof(t), 2.5 * 3600.0), "2.5 h") == 0);
}

/* a history as the daemon keeps one, for windows up to `win_ms` */
static struct history new_history(uint64_t win_ms)
{
	struct history h = { 0 };

	history_resize(&h, HISTORY_BUCKETS_MAX);
	history_configure(&h, win_ms, win_ms, HK_TOTAL | HK_ANON);
	return h;
}

struct fake_cg {
	uint64_t limit, others; /* the cgroup's limit, and what the rest of it holds */
	uint64_t foot;          /* the process's footprint now */
	unsigned int asked;
};

static bool fake_headroom(void *ctx, struct cg_headroom *out)
{
	struct fake_cg *c = ctx;
	uint64_t use = c->others + c->foot;

	c->asked++;
	*out = (struct cg_headroom){ c->limit > use ? c->limit - use : 0, c->limit, use };
	return true;
}

/* the judgement tests' policy, a little steadier */
static void forecast_policy(struct policy *p, uint64_t growth, uint64_t window_ms)
{
	policy_init(p, growth, window_ms);
	p->steadiness = 0.8;
}

/*
 * Feed footprints (MiB, one a step_ms) to judge(); return the first step at
 * which it is a leak, or -1; ev holds the evidence of that step (or the last).
 */
static int run(const struct policy *p, const double *mib, int n, uint64_t step_ms, struct system_state *sys,
	       struct fake_cg *cg, struct evidence *ev)
{
	struct history h = new_history(p->window_ms);
	struct judge_env env = { .sys = sys, .interval_ms = step_ms, .slack_ms = step_ms / 2,
				 .headroom = cg ? fake_headroom : NULL, .ctx = cg };
	int found = -1;

	for (int i = 0; i < n; i++) {
		uint64_t b = (uint64_t)(mib[i] * MIB);
		struct sample s = { .t_ms = 1000000 + (uint64_t)i * step_ms, .rss = b, .anon = b };

		history_push(&h, &s, 0);
		sys->t_ms = s.t_ms;
		if (cg)
			cg->foot = b;
		if (judge(p, &h, &env, ev) == VERDICT_LEAK) {
			found = i;
			break;
		}
	}
	history_free(&h);
	return found;
}

/*
 * The atop case at 150 MiB/s on the 1200 MiB host: four innocents hold
 * 800 MiB, the leaker 20 MiB before the leak; growth 60M, window 5 s,
 * sampled every second. The leak fills the 380 MiB left in 2.5 s: judged
 * on the part of the window that fits, at the second step of the leak.
 */
static void test_fast_path(void)
{
	struct system_state sys = { .have_rates = true };
	struct fake_cg cg = { 1200 * MIB, 800 * MIB, 0, 0 };
	struct policy p;
	struct evidence ev;
	double s[40];
	int i, at;

	sys.mem.mem_available = 20ULL << 30; /* the machine has room: the cgroup is what runs out */
	forecast_policy(&p, 60 * MIB, 5000);
	for (i = 0; i < 40; i++)
		s[i] = i < 10 ? 20.0 : 20.0 + 150.0 * (i - 9) - 75.0; /* the leak began half a step before sample 10 */
	at = run(&p, s, 40, 1000, &sys, &cg, &ev);
	CHECK_EQ_U(at, 11);
	CHECK(ev.fc.fast);
	CHECK(ev.pressure && strcmp(ev.pressure, "forecast") == 0);
	CHECK(ev.fc.what && strcmp(ev.fc.what, "cgroup") == 0);
	CHECK(ev.fc.runs_out_s < 2.0);
	CHECK_EQ_U(ev.floor, 20 * MIB);
	/* without the fast path (no room known, the machine's 20 GiB): later, on the floor rule */
	at = run(&p, s, 40, 1000, &sys, NULL, &ev);
	CHECK(at > 11);
	CHECK(!ev.fc.fast);

	/* a warm-up as fast, with room for it: not judged before its window (of 20 s) */
	forecast_policy(&p, 60 * MIB, 20000);
	cg.limit = 8ULL << 30;
	for (i = 0; i < 40; i++)
		s[i] = i < 10 ? 20.0 : i < 13 ? 20.0 + 150.0 * (i - 9) : 470.0;
	CHECK(run(&p, s, 40, 1000, &sys, &cg, &ev) == -1);
	/* the same warm-up where memory would run out within the window: judged at once (the host's sake) */
	cg.limit = 1200 * MIB;
	CHECK(run(&p, s, 40, 1000, &sys, &cg, &ev) == 11);
	/*
	 * a warm-up that ends within a second, where the room is short but not
	 * gone (the shapes' warmup in a 1 GiB guest: 48 MiB in 1 s with 300 MiB
	 * available, growth 6M, window 15 s): seen rising for two samples, it
	 * would run out in 12.5 s, but it has not lasted a third of that
	 */
	{
		struct system_state tight = { .have_rates = true };
		struct policy w;

		tight.mem.mem_available = 300 * MIB;
		forecast_policy(&w, 6 * MIB, 15000);
		for (i = 0; i < 40; i++)
			s[i] = i < 10 ? 6.0 : i == 10 ? 30.0 : 54.0;
		CHECK(run(&w, s, 40, 1000, &tight, NULL, &ev) == -1);
		/* the same rate for longer is a leak, judged before a window */
		for (i = 0; i < 40; i++)
			s[i] = i < 10 ? 6.0 : 6.0 + 24.0 * (i - 9);
		at = run(&w, s, 40, 1000, &tight, NULL, &ev);
		CHECK(at > 11 && at < 24);
		CHECK(ev.fc.fast);
	}
	/* a rise slower than the policy's growth per window, however little room: never the fast path */
	forecast_policy(&p, 60 * MIB, 5000);
	cg.asked = 0;
	for (i = 0; i < 40; i++)
		s[i] = 300.0 + 5.0 * i;
	CHECK(run(&p, s, 40, 1000, &sys, &cg, &ev) == -1);
	CHECK_EQ_U(cg.asked, 0);
	/*
	 * a sawtooth (150 MiB over 8 s, then freed) where memory is short: its
	 * first ramp is taken for a leak (the host's sake), but once it has given
	 * back it is judged by its troughs, never on a ramp
	 */
	forecast_policy(&p, 100 * MIB, 10000);
	cg.limit = 1200 * MIB;
	cg.others = 950 * MIB;
	for (i = 0; i < 40; i++)
		s[i] = 20.0 + 18.75 * (i % 8);
	CHECK(run(&p, s, 8, 1000, &sys, &cg, &ev) >= 0);
	{
		struct history h = new_history(p.window_ms);
		struct judge_env env = { .sys = &sys, .interval_ms = 1000, .slack_ms = 500,
					 .headroom = fake_headroom, .ctx = &cg };
		int leaks = 0;

		for (i = 0; i < 40; i++) {
			uint64_t b = (uint64_t)(s[i] * MIB);
			struct sample x = { .t_ms = 1000000 + (uint64_t)i * 1000, .rss = b, .anon = b };

			history_push(&h, &x, 0);
			cg.foot = b;
			if (judge(&p, &h, &env, &ev) == VERDICT_LEAK && i >= 8)
				leaks++;
		}
		history_free(&h);
		CHECK_EQ_U(leaks, 0);
	}
	cg.others = 800 * MIB;
	forecast_policy(&p, 60 * MIB, 5000);
	/* a swing (not every step rises): not the fast path */
	for (i = 0; i < 40; i++)
		s[i] = i < 10 ? 20.0 : (i % 2 ? 20.0 + 15.0 * i : 20.0);
	CHECK(run(&p, s, 40, 1000, &sys, &cg, &ev) == -1);
}

/* `forecast = 15m`: a steady 2 MiB/s leak is acted on only where memory would run out within 15 min. */
static void test_forecast_condition(void)
{
	struct system_state sys = { .have_rates = true };
	struct policy p;
	struct evidence ev;
	double s[200];
	int at;

	forecast_policy(&p, 60 * MIB, 60000);
	p.forecast_ms = 15 * 60 * 1000;
	for (int i = 0; i < 200; i++)
		s[i] = 100.0 + 2.0 * i;
	sys.mem.mem_available = 10ULL << 30; /* 85 min at 2 MiB/s */
	CHECK(run(&p, s, 200, 1000, &sys, NULL, &ev) == -1);
	CHECK(ev.fc.what && ev.fc.runs_out_s > 80 * 60);
	CHECK(fabs(ev.fc.rate - 2.0 * MIB) < 0.05 * MIB);
	sys.mem.mem_available = 1ULL << 30; /* 8.5 min: said as 9 */
	at = run(&p, s, 200, 1000, &sys, NULL, &ev);
	CHECK(at >= 59 && at <= 62);
	CHECK(ev.pressure && strcmp(ev.pressure, "forecast") == 0);
	CHECK(!ev.fc.fast);
	CHECK(fabs(ev.fc.runs_out_s - 512.0) < 30.0);
	/* with another condition set, either one acts: swapping now */
	p.pressure_swapout = 100.0;
	sys.swapout_ps = 500.0;
	sys.mem.mem_available = 10ULL << 30;
	at = run(&p, s, 200, 1000, &sys, NULL, &ev);
	CHECK(at >= 59 && at <= 62);
	CHECK(ev.pressure && strcmp(ev.pressure, "swap-out") == 0);
	/* neither */
	sys.swapout_ps = 0.0;
	CHECK(run(&p, s, 200, 1000, &sys, NULL, &ev) == -1);
	/* the record says it */
	{
		char buf[700];

		sys.mem.mem_available = 1ULL << 30;
		run(&p, s, 200, 1000, &sys, NULL, &ev);
		evidence_format(&ev, buf, sizeof(buf));
		CHECK(strstr(buf, "; out of memory in 9 min (host: available in 9 min"));
	}
}

static void test_floor_rate(void)
{
	struct history h = new_history(60000);

	CHECK(forecast_floor_rate(&h, false, 10000) == 0.0);
	/* a sawtooth of 50 MiB whose troughs rise 1 MiB/s */
	for (int i = 0; i < 100; i++) {
		uint64_t b = (uint64_t)(100 + i + (i % 10) * 5) * MIB;
		struct sample s = { .t_ms = 1000 * (uint64_t)i, .rss = b, .anon = b };

		history_push(&h, &s, 0);
	}
	/* over the last 60 s: now (199+45... ) over the least since */
	{
		double r = forecast_floor_rate(&h, false, 60000);

		CHECK(r > 0.9 * MIB && r < 2.0 * MIB);
	}
	history_free(&h);
}

static void put(const char *dir, const char *file, const char *value)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(value, f);
		fclose(f);
	}
}

/* The headroom over a cgroup and its ancestors, on a tree of files laid out as cgroupfs. */
static void test_headroom(void)
{
	char root[] = "/tmp/lj-headroom-XXXXXX", a[600], b[600];
	struct cgroup_backend cg = { .version = CG_V1 };
	struct headroom_ctx ctx = { &cg, "/a/b" };
	struct cg_headroom room;

	CHECK(mkdtemp(root) != NULL);
	snprintf(a, sizeof(a), "%s/a", root);
	snprintf(b, sizeof(b), "%s/a/b", root);
	CHECK(mkdir(a, 0700) == 0 && mkdir(b, 0700) == 0);
	snprintf(cg.mount, sizeof(cg.mount), "%s", root);
	/* v1: the root shows "no limit" as the largest page-aligned long; a holds 600 of its 1000 MiB */
	put(root, "memory.limit_in_bytes", "9223372036854771712\n");
	put(root, "memory.usage_in_bytes", "5000000000\n");
	put(a, "memory.limit_in_bytes", "1048576000\n");
	put(a, "memory.usage_in_bytes", "629145600\n");
	put(b, "memory.limit_in_bytes", "9223372036854771712\n");
	put(b, "memory.usage_in_bytes", "104857600\n");
	CHECK(headroom_read(&ctx, &room));
	CHECK_EQ_U(room.headroom, 400 * MIB);
	CHECK_EQ_U(room.limit, 1000 * MIB);
	/* b's own limit, tighter */
	put(b, "memory.limit_in_bytes", "209715200\n");
	CHECK(headroom_read(&ctx, &room));
	CHECK_EQ_U(room.headroom, 100 * MIB);
	CHECK_EQ_U(room.limit, 200 * MIB);
	/* v2: memory.high below memory.max is the limit; the root has neither */
	cg.version = CG_V2;
	put(a, "memory.max", "max\n");
	put(a, "memory.high", "max\n");
	put(a, "memory.current", "629145600\n");
	put(b, "memory.max", "524288000\n");
	put(b, "memory.high", "314572800\n");
	put(b, "memory.current", "104857600\n");
	CHECK(headroom_read(&ctx, &room));
	CHECK_EQ_U(room.headroom, 200 * MIB);
	CHECK_EQ_U(room.limit, 300 * MIB);
	/* no limit anywhere: unknown */
	put(b, "memory.max", "max\n");
	put(b, "memory.high", "max\n");
	CHECK(!headroom_read(&ctx, &room));
	ctx.cgroup = NULL;
	CHECK(!headroom_read(&ctx, &room));
	{
		char cmd[700];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		CHECK(system(cmd) == 0);
	}
}

int main(void)
{
	RUN_TEST(test_swap_traffic);
	RUN_TEST(test_compute);
	RUN_TEST(test_fast_path);
	RUN_TEST(test_forecast_condition);
	RUN_TEST(test_floor_rate);
	RUN_TEST(test_headroom);
	TAP_DONE();
}
