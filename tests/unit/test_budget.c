// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Over the memory budget the sampler keeps judging: every history is merged
 * down to HISTORY_BUCKETS_LOW stretches, coarser, and a process first
 * watched then still gets a history that spans its window. (Before, every
 * history froze at its size: one first watched over the budget kept 4
 * samples and never spanned a window again.) A process of the test's own
 * grows 1 MiB every 50 ms while the sampler passes every 200 ms (window 4 s), with a
 * budget of one byte.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "detect.h"
#include "scan.h"
#include "tap.h"
#include "util.h"

static pid_t grower(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (int i = 0; i < 400; i++) {
			char *p = malloc(MIB);

			if (p)
				memset(p, i | 1, MIB);
			usleep(50000);
		}
		pause();
		_exit(0);
	}
	return pid;
}

static void test_over_budget_still_judged(void)
{
	struct config cfg;
	struct diag_list d = { 0 };
	struct scanner sc;
	struct proc_entry *e;
	struct evidence ev;
	enum verdict v;
	pid_t pid;

	memset(&cfg, 0, sizeof(cfg));
	CHECK(config_parse_policies_string("all.conf", "[policy all]\ngrowth = 1G\nwindow = 4s\n", &cfg, &d) == 0);
	diag_free(&d);
	cfg.daemon.sampler = SAMPLER_PROC;
	cfg.daemon.interval_ms = 200;
	cfg.daemon.memory_budget = 1;
	pid = grower();
	CHECK(pid > 0);
	CHECK(scanner_init(&sc, &cfg) == 0);
	for (int i = 0; i < 26; i++) {
		struct timespec ts = { 0, 200 * 1000000L };

		CHECK(scanner_pass(&sc) == 0);
		nanosleep(&ts, NULL);
	}
	CHECK(sc.over_budget);
	e = track_find(&sc.procs, pid);
	CHECK(e != NULL);
	if (e) {
		v = detect(&cfg.policies[0], &e->hist, NULL, 100, &ev);
		printf("#   over the budget: %u stretches of at most %u, verdict %s, span %llu ms\n", e->hist.len,
		       e->hist.max, verdict_name(v), (unsigned long long)ev.span_ms);
		CHECK(e->hist.max == HISTORY_BUCKETS_LOW && e->hist.len <= HISTORY_BUCKETS_LOW);
		CHECK(history_bytes(&e->hist) <= HISTORY_BUCKETS_LOW * sizeof(struct hbucket));
		/* it spans the window, and it grew: judged (not enough for 1G: none) */
		CHECK(v == VERDICT_NONE && ev.span_ms >= 3900);
	}
	scanner_free(&sc);
	config_free(&cfg);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

int main(void)
{
	RUN_TEST(test_over_budget_still_judged);
	TAP_DONE();
}
