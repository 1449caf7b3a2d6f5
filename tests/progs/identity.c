// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * identity: a leak whose process changes how it looks, for the sampler's
 * identity checks.
 *   identity rename RATE_MIB_PER_S MAX_MIB PERIOD_S
 *       leak; every PERIOD_S call itself "renamed-a", then "renamed-b", ...
 *       (prctl PR_SET_NAME: the same program, a new comm)
 *   identity orphan RATE_MIB_PER_S MAX_MIB
 *       a worker thread leaks while the main thread exits alone (what
 *       pthread_exit() in main does, made with the exit system call: glibc's
 *       pthread_exit needs libgcc_s, which a busybox VM has not): the
 *       leader's /proc files (statm, stat, exe) show no memory
 * Memory comes in 1 MiB anonymous mappings filled with non-zero bytes. Runs
 * until killed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1UL << 20)

static double rate, max_mib, period;
static int renames;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *leak(void *arg)
{
	double start = now(), renamed = start;
	size_t held = 0;

	(void)arg;
	for (;;) {
		double t = now();

		while (held < (size_t)((t - start) * rate) && held < (size_t)max_mib) {
			char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED)
				break;
			memset(p, 0x5a, CHUNK);
			held++;
		}
		if (renames && t - renamed >= period) {
			char name[16];

			snprintf(name, sizeof(name), "renamed-%c", 'a' + renames++ % 2);
			prctl(PR_SET_NAME, name, 0, 0, 0);
			renamed = t;
		}
		usleep(20000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t worker;

	if (argc >= 5 && strcmp(argv[1], "rename") == 0) {
		rate = atof(argv[2]);
		max_mib = atof(argv[3]);
		period = atof(argv[4]);
		renames = 1;
		leak(NULL);
	} else if (argc >= 4 && strcmp(argv[1], "orphan") == 0) {
		rate = atof(argv[2]);
		max_mib = atof(argv[3]);
		if (pthread_create(&worker, NULL, leak, NULL) != 0)
			return 1;
		/* this thread alone ends; the process lives on in its worker */
		syscall(SYS_exit, 0);
	}
	fprintf(stderr, "usage: identity rename RATE MAX PERIOD | identity orphan RATE MAX\n");
	return 2;
}
