// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * histbench: what a process's history takes, and what a pass of pushes and
 * verdicts costs, for windows of 10 minutes, 6 hours and 24 hours at the
 * default 2 s interval: the stretches of src/sample/history.c against the ring
 * they replaced (history-old.h), in one run.
 *   histbench [PROCESSES] [PASSES]      (10000 and 20 by default)
 * Every process changes every sample (a working set that wanders by a few
 * MiB: the ring's worst case and a common one); a flat process takes one
 * stretch, or the ring's 4 samples, either way. The histories are filled by
 * running 100 processes through two windows of samples and copied to
 * PROCESSES; then PASSES passes push one sample into each and judge it
 * (policy: growth 256M, the window). Prints one Markdown table row per window.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "history-old.h"

#define STEP_MS 2000ULL
#define FILL 100

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* a footprint that wanders between 500 and 520 MiB, up to 2 MiB a sample */
static uint64_t wander(uint64_t prev)
{
	int64_t d = (int64_t)(next_rand() % (4 * MIB)) - (int64_t)(2 * MIB);
	int64_t f = (int64_t)prev + d;

	return (uint64_t)MIN(MAX(f, (int64_t)(500 * MIB)), (int64_t)(520 * MIB));
}

static double cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void policy_init(struct policy *p, uint64_t window_ms)
{
	memset(p, 0, sizeof(*p));
	p->growth = 256 * MIB;
	p->window_ms = window_ms;
	p->steadiness = 0.75;
	p->pressure_swapout = p->pressure_some = p->pressure_full = -1.0;
}

static void one_window(const char *label, uint64_t window_ms, size_t n, unsigned int passes)
{
	static struct history *nh;
	static struct old_history *oh;
	static uint64_t *fp;
	struct policy p;
	uint64_t samples = 2 * window_ms / STEP_MS + 3, t = 0, new_bytes = 0, old_bytes = 0;
	/* the ring as the scanner sized it: two windows, at most 4096 */
	uint32_t old_cap = (uint32_t)MIN(samples, OLD_HISTORY_MAX);
	double t0, new_us, old_us;
	unsigned int leaks = 0;

	policy_init(&p, window_ms);
	nh = calloc(n, sizeof(*nh));
	oh = calloc(n, sizeof(*oh));
	fp = calloc(n, sizeof(*fp));
	if (!nh || !oh || !fp) {
		perror("histbench");
		exit(1);
	}
	for (size_t i = 0; i < FILL; i++) {
		history_resize(&nh[i], HISTORY_BUCKETS_MAX);
		history_configure(&nh[i], window_ms, window_ms, HK_TOTAL);
		old_history_resize(&oh[i], old_cap);
		fp[i] = 510 * MIB;
	}
	for (uint64_t k = 0; k < samples; k++, t += STEP_MS) {
		for (size_t i = 0; i < FILL; i++) {
			struct sample s = { .t_ms = t };

			fp[i] = wander(fp[i]);
			s.rss = s.anon = fp[i];
			history_push(&nh[i], &s, 64 * KIB);
			old_history_push(&oh[i], &s, 64 * KIB);
		}
	}
	/* the rest are copies */
	for (size_t i = FILL; i < n; i++) {
		const struct history *a = &nh[i % FILL];
		const struct old_history *b = &oh[i % FILL];

		nh[i] = *a;
		nh[i].b = malloc(a->cap * sizeof(*a->b));
		memcpy(nh[i].b, a->b, a->cap * sizeof(*a->b));
		oh[i] = *b;
		oh[i].s = malloc(b->cap * sizeof(*b->s));
		memcpy(oh[i].s, b->s, b->cap * sizeof(*b->s));
		fp[i] = fp[i % FILL];
	}
	for (size_t i = 0; i < n; i++) {
		new_bytes += history_bytes(&nh[i]);
		old_bytes += (uint64_t)oh[i].cap * sizeof(*oh[i].s);
	}
	/* passes, interleaved: new, old, new, old ... */
	new_us = old_us = 0;
	for (unsigned int k = 0; k < passes; k++, t += STEP_MS) {
		t0 = cpu_us();
		for (size_t i = 0; i < n; i++) {
			struct sample s = { .t_ms = t, .rss = fp[i], .anon = fp[i] };
			struct evidence ev;

			history_push(&nh[i], &s, 64 * KIB);
			leaks += detect(&p, &nh[i], NULL, STEP_MS / 2, &ev) == VERDICT_LEAK;
		}
		new_us += cpu_us() - t0;
		t0 = cpu_us();
		for (size_t i = 0; i < n; i++) {
			struct sample s = { .t_ms = t, .rss = fp[i], .anon = fp[i] };
			struct evidence ev;

			old_history_push(&oh[i], &s, 64 * KIB);
			leaks += old_detect(&p, &oh[i], STEP_MS / 2, &ev) == VERDICT_LEAK;
		}
		old_us += cpu_us() - t0;
		for (size_t i = 0; i < n; i++)
			fp[i] = wander(fp[i]);
	}
	printf("| %s | %llu | %llu | %.1f MiB | %llu%s | %.1f MiB | %.0f | %.0f |\n", label,
	       (unsigned long long)samples, (unsigned long long)(new_bytes / n), (double)new_bytes / (double)MIB,
	       (unsigned long long)(old_bytes / n),
	       samples > OLD_HISTORY_MAX ? " (refused: more than 4,093 intervals)" : "",
	       (double)old_bytes / (double)MIB, new_us / passes, old_us / passes);
	if (leaks)
		fprintf(stderr, "histbench: %u leaks found in a series without one\n", leaks);
	for (size_t i = 0; i < n; i++) {
		history_free(&nh[i]);
		old_history_free(&oh[i]);
	}
	free(nh);
	free(oh);
	free(fp);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? (size_t)atol(argv[1]) : 10000;
	unsigned int passes = argc > 2 ? (unsigned int)atoi(argv[2]) : 20;

	if (n < FILL)
		n = FILL;
	printf("| window | samples in two windows | bytes/process | at %zu processes | before: bytes/process | before: at %zu | µs/pass | before: µs/pass |\n",
	       n, n);
	printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
	one_window("10 min", 10 * 60000ULL, n, passes);
	one_window("6 h", 6 * 3600000ULL, n, passes);
	one_window("24 h", 24 * 3600000ULL, n, passes);
	return 0;
}
