// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Memory in 1 MiB anonymous mappings filled with non-zero bytes (memset),
 * so that what a test program holds is really resident and what it frees
 * (munmap) is really returned; and the clock the programs pace it by. Shared
 * by memhog and shapes, which define PROG (their name, for messages) first.
 * A header of static functions: each program is one file, built alone.
 */
#ifndef LJ_TEST_CHUNKS_H
#define LJ_TEST_CHUNKS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define CHUNK (1UL << 20)
#define MAX_CHUNKS 65536

static char *chunks[MAX_CHUNKS];
static size_t n_chunks;
static unsigned char fill = 1;

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void grow_to(size_t n)
{
	while (n_chunks < n && n_chunks < MAX_CHUNKS) {
		char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror(PROG ": mmap");
			exit(1);
		}
		memset(p, fill++ | 1, CHUNK);
		chunks[n_chunks++] = p;
	}
}

static inline void shrink_to(size_t n)
{
	while (n_chunks > n)
		munmap(chunks[--n_chunks], CHUNK);
}

/* Read one byte per page of everything held: keeps the working set hot
 * (resident), or faults it back in. */
static inline void touch_all(void)
{
	volatile unsigned long sum = 0;

	for (size_t i = 0; i < n_chunks; i++)
		for (size_t off = 0; off < CHUNK; off += 4096)
			sum += (unsigned char)chunks[i][off];
	(void)sum;
}

static inline void sleep_until(double t)
{
	double d = t - now();

	if (d > 0) {
		struct timespec ts = { (time_t)d, (long)((d - (double)(time_t)d) * 1e9) };

		nanosleep(&ts, NULL);
	}
}

#endif
