// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * shapes: labelled memory shapes, one per process, for judging a leak detector.
 *   shapes --list                                  every shape: NAME LABEL (must-report|must-not)
 *   shapes SHAPE --unit MIB --window S [--cgroup DIR] [--calm S] [--seconds N]
 *
 * Sizes are in units of U MiB (--unit: the policy's growth) and rates in
 * r = U/W MiB/s (W: the policy's window), the rate that grows by exactly
 * the growth in one window. So every leak below passes the growth well
 * within one window, and the shapes scale with the policy. A leak begins
 * after P = W + 1 s of its process's life (P0), so that a detector has a full
 * window of history before it and its report time is its own.
 *
 * must-report
 *   steady      U held for P, then +3r per second
 *   stepped     U held for P, then +U/2 at once every 3 s, flat in between
 *   slow        U held for P, then +1.5r per second
 *   swinging    a working set that swings by 1.5U, up over 2 s and down
 *               over 2 s, again and again; after P a leak of 2r below it
 *   gc-rising   a collector's sawtooth (U -> 2.5U over 3.5 s, then back);
 *               after P the floor it falls back to rises by 2r
 *   swapping    U held for P, then +3r per second in a cgroup whose limit
 *               is 1.5U: the kernel swaps it out as fast as it grows
 *               (resident memory pinned, swap growing)
 *   late-leak   U held still for --calm S (35), then +2r per second
 *   retained    U held for P, then +1.2r per second and a retained jump of
 *               5U/3 every 0.75W (a retained jump does not hide the steady
 *               leak beside it)
 *   stepped-sparse  U held for P, then +5U/3 at once every 0.75W: steps too
 *               far apart to rise in three quarters of one window (bound:
 *               2.75 windows: three steps over two windows)
 *   bursty      U held for P, then 4U/3 over 0.4W at the start of every W
 *               (bound: 3 windows)
 *   saw-floor   a collector's sawtooth of 2.5U every 0.6W; after P the
 *               floor it falls back to rises by 1.25r, just above the
 *               policy's rate (bound: 2.6 windows)
 *   slow-long   (only with EVAL_LONG=1: judged by policy-long.conf, growth
 *               128M in 5 min) 64 MiB held for 5 s, then +0.5 MiB/s,
 *               whatever U and W (bound: 300 s)
 * must-not
 *   warmup      U/4 for P, then 8U in one second, then flat for ever
 *   batch-short ramp to 4U in 1.5 s, hold 1 s, free, rest 1.5 s, again
 *               (a 4 s period, shorter than the window)
 *   batch-long  ramp to 4U in 4 s, hold 4 s, free, rest 12 s, again
 *               (a 20 s period, longer than the window, the work itself
 *               shorter); resting, both take and give back 1 MiB every 3 s
 *               (a heartbeat: a batch worker is seldom perfectly still)
 *   saw-flat    a sawtooth from U/2 to 3U over 4 s, back to U/2, again
 *   large       12U held, every page touched each second
 *   refault     8U, touched once; at 4 s its cgroup's limit drops to U
 *               (pushing the rest out to swap); at 16 s the limit is
 *               lifted and every page is touched each second (faulted
 *               back in: resident memory grows, swap shrinks)
 *   short-lived a parent that starts a child every second; each child
 *               grows to 3U in 2 s and exits at 2.5 s
 * A leak stops growing at 8U above where it began, so that a missed leak
 * does not take the machine.
 *
 * Output (stdout, line-buffered): "leak-start NS" when the leak of a
 * must-report shape begins, NS being CLOCK_REALTIME in nanoseconds (date
 * +%s%N); "limit BYTES|max" when the program changes its cgroup's limit.
 * Memory comes in 1 MiB anonymous mappings filled with memset, so it is
 * really resident, and freeing it (munmap) really returns it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROG "shapes"
#include "chunks.h"

struct shape {
	const char *name;
	const char *label;
	const char *bound; /* how soon it must be reported after its leak began, + 2 intervals: windows, or "Ns" */
};

static const struct shape shapes[] = {
	{ "steady", "must-report", "1" },      { "stepped", "must-report", "1" },
	{ "slow", "must-report", "1" },        { "swinging", "must-report", "1" },
	{ "gc-rising", "must-report", "1" },   { "swapping", "must-report", "1" },
	{ "late-leak", "must-report", "1" },   { "retained", "must-report", "1" },
	{ "stepped-sparse", "must-report", "2.75" }, { "bursty", "must-report", "3" },
	{ "saw-floor", "must-report", "2.6" }, { "slow-long", "must-report", "300s" },
	{ "warmup", "must-not", "-" },         { "batch-short", "must-not", "-" },
	{ "batch-long", "must-not", "-" },     { "saw-flat", "must-not", "-" },
	{ "large", "must-not", "-" },          { "refault", "must-not", "-" },
	{ "short-lived", "must-not", "-" },
};

static double U, W; /* MiB, s */
static const char *cgroup_dir;

static void say_leak_start(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	printf("leak-start %lld%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
}

/* Say once, when the leak begins at t0. */
static void leak_begins(double t, double t0)
{
	static int said;

	if (t >= t0 && !said) {
		said = 1;
		say_leak_start();
	}
}

static void set_to(double mib)
{
	size_t n = mib > 0 ? (size_t)mib : 0;

	if (n < n_chunks)
		shrink_to(n);
	else
		grow_to(n);
}

/*
 * The cgroup's memory limit, as the shape needs it: cgroup v1
 * memory.limit_in_bytes ("-1": none), else v2 memory.max ("max"). v1 with
 * swap reclaims down to a lowered limit at once; so does writing v2's
 * memory.max, which OOM-kills only when reclaim fails (no swap).
 */
static void set_limit(double mib)
{
	char path[4096], val[32];
	const char *file = "memory.limit_in_bytes";
	FILE *f;

	if (!cgroup_dir) {
		fprintf(stderr, "shapes: this shape needs --cgroup DIR\n");
		exit(2);
	}
	snprintf(path, sizeof(path), "%s/%s", cgroup_dir, file);
	if (access(path, F_OK) != 0) {
		file = "memory.max";
		snprintf(path, sizeof(path), "%s/%s", cgroup_dir, file);
	}
	if (mib > 0)
		snprintf(val, sizeof(val), "%llu", (unsigned long long)(mib * (double)CHUNK));
	else
		snprintf(val, sizeof(val), "%s", strcmp(file, "memory.max") == 0 ? "max" : "-1");
	f = fopen(path, "w");
	if (!f || fputs(val, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "shapes: cannot write %s to %s: %s\n", val, path, strerror(errno));
		exit(1);
	}
	printf("limit %s\n", val);
}

/* The leak's growth since it began at time t0, capped at 8U. */
static double leaked(double t, double t0, double rate)
{
	double m = (t - t0) * rate;

	return t < t0 ? 0 : m > 8 * U ? 8 * U : m;
}

static void short_lived_child(void)
{
	double start = now();

	for (unsigned long step = 1;; step++) {
		double t = now() - start;

		if (t >= 2.5)
			_exit(0);
		set_to(t >= 2 ? 3 * U : 3 * U * t / 2);
		sleep_until(start + (double)step * 0.1);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: shapes --list | shapes SHAPE --unit MIB --window S [--cgroup DIR] [--calm S] [--seconds N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double seconds = 0, calm = 35, pre, start, tick = 0.1, r, next_child = 0, limit_state = 0;
	const char *name = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--list") == 0) {
			for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++)
				printf("%s %s %s\n", shapes[k].name, shapes[k].label, shapes[k].bound);
			return 0;
		} else if (strcmp(argv[i], "--unit") == 0 && i + 1 < argc) {
			U = atof(argv[++i]);
		} else if (strcmp(argv[i], "--window") == 0 && i + 1 < argc) {
			W = atof(argv[++i]);
		} else if (strcmp(argv[i], "--cgroup") == 0 && i + 1 < argc) {
			cgroup_dir = argv[++i];
		} else if (strcmp(argv[i], "--calm") == 0 && i + 1 < argc) {
			calm = atof(argv[++i]);
		} else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			seconds = atof(argv[++i]);
		} else if (!name && argv[i][0] != '-') {
			name = argv[i];
		} else {
			usage();
		}
	}
	if (!name || U <= 0 || W <= 0)
		usage();
	r = U / W;
	pre = W + 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGCHLD, SIG_IGN); /* short-lived: children are reaped by the kernel */
	start = now();
	for (unsigned long step = 1;; step++) {
		double t = now() - start;

		if (seconds > 0 && t >= seconds)
			break;
		if (strcmp(name, "steady") == 0 || strcmp(name, "slow") == 0 || strcmp(name, "swapping") == 0 ||
		    strcmp(name, "late-leak") == 0) {
			double t0 = strcmp(name, "late-leak") == 0 ? calm : pre;
			double rate = strcmp(name, "slow") == 0 ? 1.5 * r : strcmp(name, "late-leak") == 0 ? 2 * r : 3 * r;

			if (strcmp(name, "swapping") == 0 && limit_state == 0) {
				set_limit(1.5 * U);
				limit_state = 1;
			}
			leak_begins(t, t0);
			set_to(U + leaked(t, t0, rate));
		} else if (strcmp(name, "stepped") == 0) {
			double steps = t < pre ? 0 : 1 + (double)(long)((t - pre) / 3);

			leak_begins(t, pre);
			set_to(U + (U / 2 * steps > 8 * U ? 8 * U : U / 2 * steps));
		} else if (strcmp(name, "swinging") == 0) {
			double phase = t - 4 * (double)(long)(t / 4);
			double swing = 1.5 * U * (phase < 2 ? phase / 2 : (4 - phase) / 2);

			leak_begins(t, pre);
			set_to(U + swing + leaked(t, pre, 2 * r));
		} else if (strcmp(name, "gc-rising") == 0) {
			double phase = t - 4 * (double)(long)(t / 4);
			double tooth = phase < 3.5 ? 1.5 * U * phase / 3.5 : 0;

			leak_begins(t, pre);
			set_to(U + leaked(t, pre, 2 * r) + tooth);
		} else if (strcmp(name, "retained") == 0) {
			double jumps = t < pre ? 0 : 1 + (double)(long)((t - pre) / (0.75 * W));
			double m = leaked(t, pre, 1.2 * r) + 5 * U / 3 * jumps;

			leak_begins(t, pre);
			set_to(U + (m > 8 * U ? 8 * U : m));
		} else if (strcmp(name, "stepped-sparse") == 0) {
			double steps = t < pre ? 0 : 1 + (double)(long)((t - pre) / (0.75 * W));

			leak_begins(t, pre);
			set_to(U + (5 * U / 3 * steps > 8 * U ? 8 * U : 5 * U / 3 * steps));
		} else if (strcmp(name, "bursty") == 0) {
			double since = t - pre, cycles = (double)(long)(since / W), in = since - cycles * W;
			double m = since < 0 ? 0 : 4 * U / 3 * cycles + 4 * U / 3 * (in < 0.4 * W ? in / (0.4 * W) : 1);

			leak_begins(t, pre);
			set_to(U + (m > 8 * U ? 8 * U : m));
		} else if (strcmp(name, "saw-floor") == 0) {
			double period = 0.6 * W, phase = t - period * (double)(long)(t / period);

			leak_begins(t, pre);
			set_to(U + leaked(t, pre, 1.25 * r) + 2.5 * U * phase / period);
		} else if (strcmp(name, "slow-long") == 0) {
			double m = t < 5 ? 0 : (t - 5) * 0.5;

			leak_begins(t, 5);
			set_to(64 + (m > 400 ? 400 : m));
		} else if (strcmp(name, "warmup") == 0) {
			set_to(t < pre ? U / 4 : t < pre + 1 ? U / 4 + 8 * U * (t - pre) : U / 4 + 8 * U);
		} else if (strcmp(name, "batch-short") == 0 || strcmp(name, "batch-long") == 0) {
			int is_short = strcmp(name, "batch-short") == 0;
			double ramp = is_short ? 1.5 : 4, hold = is_short ? 1 : 4, rest = is_short ? 1.5 : 12;
			double period = ramp + hold + rest, phase = t - period * (double)(long)(t / period);

			/* resting, it still ticks: 1 MiB taken and given back every 3 s */
			double tick_mib = (long)(t / 1.5) % 2 ? 1 : 0;

			set_to(phase < ramp ? 4 * U * phase / ramp : phase < ramp + hold ? 4 * U : tick_mib);
		} else if (strcmp(name, "saw-flat") == 0) {
			double phase = t - 4 * (double)(long)(t / 4);

			set_to(U / 2 + 2.5 * U * phase / 4);
		} else if (strcmp(name, "large") == 0) {
			set_to(12 * U);
			if (step % 10 == 0)
				touch_all();
		} else if (strcmp(name, "refault") == 0) {
			set_to(8 * U);
			if (t >= 4 && limit_state == 0) {
				set_limit(U);
				limit_state = 1;
			} else if (t >= 16 && limit_state == 1) {
				set_limit(0);
				limit_state = 2;
			}
			if (limit_state == 2 && step % 10 == 0)
				touch_all();
		} else if (strcmp(name, "short-lived") == 0) {
			if (t >= next_child) {
				pid_t pid = fork();

				if (pid < 0) {
					perror("shapes: fork");
					return 1;
				}
				if (pid == 0)
					short_lived_child();
				next_child = t + 1;
			}
		} else {
			fprintf(stderr, "shapes: unknown shape '%s' (shapes --list)\n", name);
			return 2;
		}
		sleep_until(start + (double)step * tick);
	}
	return 0;
}
