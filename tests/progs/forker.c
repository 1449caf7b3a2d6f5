// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * forker: a leaking parent that never stops forking, so that a jail is
 * entered while children are being born.
 *   forker RATE_MIB_PER_S MAX_MIB PERIOD_MS CHILD_MS
 * The parent grows by RATE MiB every second (1 MiB anonymous mappings filled
 * with non-zero bytes, never freed, up to MAX) and forks a child every
 * PERIOD_MS; each child sleeps CHILD_MS and exits. Children are reaped by the
 * kernel (SIGCHLD ignored). Runs until killed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1UL << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double rate, max_mib, start;
	long period_ms, child_ms;
	size_t held = 0;

	if (argc != 5) {
		fprintf(stderr, "usage: forker RATE_MIB_PER_S MAX_MIB PERIOD_MS CHILD_MS\n");
		return 2;
	}
	rate = atof(argv[1]);
	max_mib = atof(argv[2]);
	period_ms = atol(argv[3]);
	child_ms = atol(argv[4]);
	if (rate <= 0 || period_ms <= 0 || child_ms < 0) {
		fprintf(stderr, "forker: RATE > 0, PERIOD_MS > 0, CHILD_MS >= 0\n");
		return 2;
	}
	signal(SIGCHLD, SIG_IGN);
	start = now();
	for (;;) {
		double want = rate * (now() - start);
		pid_t p;

		if (want > max_mib)
			want = max_mib;
		while ((double)held + 1 <= want) {
			char *m = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (m == MAP_FAILED) {
				perror("forker: mmap");
				return 1;
			}
			memset(m, 0x5a, CHUNK);
			held++;
		}
		p = fork();
		if (p == 0) {
			usleep((useconds_t)(child_ms * 1000));
			_exit(0);
		}
		if (p < 0)
			perror("forker: fork");
		usleep((useconds_t)(period_ms * 1000));
	}
}
