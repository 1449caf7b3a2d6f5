// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * threads: a leak spread over many threads, so that a jail must move every
 * one of them (v1's `tasks` file would move a single thread).
 *   threads N RATE_MIB_PER_S [MAX_MIB]
 * N threads in all (the main thread among them); each grows by RATE/N MiB
 * every second in 1 MiB anonymous mappings filled with non-zero bytes, never
 * frees, stops at MAX/N. Runs until killed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1UL << 20)

static double rate, max_mib;
static int n_threads;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *leak(void *arg)
{
	double start = now(), share = rate / n_threads, cap = max_mib / n_threads;
	size_t held = 0;

	(void)arg;
	for (;;) {
		double want = share * (now() - start);

		if (cap > 0 && want > cap)
			want = cap;
		while ((double)held + 1 <= want) {
			char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED) {
				perror("threads: mmap");
				exit(1);
			}
			memset(p, 0x5a, CHUNK);
			held++;
		}
		usleep(50000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc < 3) {
		fprintf(stderr, "usage: threads N RATE_MIB_PER_S [MAX_MIB]\n");
		return 2;
	}
	n_threads = atoi(argv[1]);
	rate = atof(argv[2]);
	max_mib = argc > 3 ? atof(argv[3]) : 0;
	if (n_threads < 1 || rate <= 0) {
		fprintf(stderr, "threads: N >= 1 and RATE > 0\n");
		return 2;
	}
	for (int i = 1; i < n_threads; i++) {
		if (pthread_create(&t, NULL, leak, NULL) != 0) {
			fprintf(stderr, "threads: cannot start thread %d\n", i);
			return 1;
		}
	}
	leak(NULL);
	return 0;
}
