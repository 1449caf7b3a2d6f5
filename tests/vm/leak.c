// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * leak MIB_PER_SEC SECONDS
 *
 * A deliberately leaking process for the VM tests: allocates MIB_PER_SEC
 * 1 MiB chunks per second for SECONDS seconds, writes every byte so the
 * pages are really resident (and must be swapped out to be reclaimed),
 * never frees them, then sleeps until killed.
 *
 * Build it static so it runs in the guest without any library:
 *   gcc -static -O2 -o leak leak.c
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1024L * 1024L)

/* Chunks are chained through their first bytes and the head is volatile, so
 * the compiler cannot prove the memory unused and drop the allocations. */
static void *volatile leaked;

static long parse_count(const char *s, const char *what, long min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > INT_MAX) {
		fprintf(stderr, "leak: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static void timespec_add_ns(struct timespec *t, long ns)
{
	t->tv_nsec += ns;
	while (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
}

int main(int argc, char **argv)
{
	struct timespec next;
	long rate, seconds, total, i;

	if (argc != 3) {
		fprintf(stderr, "usage: leak MIB_PER_SEC SECONDS\n");
		return 2;
	}
	rate = parse_count(argv[1], "MIB_PER_SEC", 1);
	seconds = parse_count(argv[2], "SECONDS", 0);
	total = rate * seconds;

	clock_gettime(CLOCK_MONOTONIC, &next);
	for (i = 0; i < total; i++) {
		char *p = malloc(CHUNK);

		if (!p) {
			fprintf(stderr, "leak: malloc failed after %ld MiB\n", i);
			return 1;
		}
		memset(p, 0xa5, CHUNK);
		*(void **)p = leaked;
		leaked = p;

		/* Absolute deadlines keep the average rate right even when
		 * an allocation is slowed down by reclaim or throttling. */
		timespec_add_ns(&next, 1000000000L / rate);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
				       NULL) == EINTR)
			;
	}
	fprintf(stderr, "leak: %ld MiB allocated, now sleeping\n", total);
	for (;;)
		pause();
}
