// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stuck: a multi-threaded leaker that ends up stuck at its jail's limit.
 *   stuck N RATE_MIB_PER_S WORKING_SET_MIB
 * N threads (the main thread among them) leak RATE/N MiB each every second,
 * in 1 MiB anonymous mappings filled with non-zero bytes, until SIGUSR1
 * (sent once it is jailed). Then each frees what it leaked (what came
 * between the jail and the signal would count in the jail), allocates its share of
 * WORKING_SET_MIB and touches all of it in a loop: a working set larger
 * than its jail, which must then swap in and out for every pass over it,
 * and cannot when there is no swap to go to. Prints "working" on stdout
 * when the working set is allocated. Runs until killed.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHUNK (1UL << 20)

static double rate;
static int n_threads;
static unsigned long working_set;
static volatile sig_atomic_t jailed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int ready;

static char *chunk(void)
{
	char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("stuck: mmap");
		exit(1);
	}
	memset(p, 0x5a, CHUNK);
	return p;
}

static void *run(void *arg)
{
	unsigned long share = working_set / (unsigned long)n_threads;
	char **set = calloc(share ? share : 1, sizeof(*set));
	volatile unsigned long sum = 0;
	char **leaked = NULL;
	size_t n_leaked = 0;

	(void)arg;
	while (!jailed) {
		char **nl = realloc(leaked, (n_leaked + 1) * sizeof(*leaked));

		if (!nl)
			exit(1);
		leaked = nl;
		leaked[n_leaked++] = chunk();
		usleep((useconds_t)(1e6 * n_threads / rate));
	}
	while (n_leaked)
		munmap(leaked[--n_leaked], CHUNK);
	free(leaked);
	for (unsigned long i = 0; i < share; i++)
		set[i] = chunk();
	pthread_mutex_lock(&lock);
	if (++ready == n_threads) {
		printf("working\n");
		fflush(stdout);
	}
	pthread_mutex_unlock(&lock);
	for (;;)
		for (unsigned long i = 0; i < share; i++)
			for (unsigned long off = 0; off < CHUNK; off += 4096)
				sum += (unsigned char)(set[i][off]++);
	return NULL;
}

static void on_usr1(int sig)
{
	(void)sig;
	jailed = 1;
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc != 4) {
		fprintf(stderr, "usage: stuck N RATE_MIB_PER_S WORKING_SET_MIB\n");
		return 2;
	}
	n_threads = atoi(argv[1]);
	rate = atof(argv[2]);
	working_set = strtoul(argv[3], NULL, 10);
	if (n_threads < 1 || rate <= 0) {
		fprintf(stderr, "stuck: N >= 1 and RATE > 0\n");
		return 2;
	}
	signal(SIGUSR1, on_usr1);
	for (int i = 1; i < n_threads; i++) {
		if (pthread_create(&t, NULL, run, NULL) != 0) {
			fprintf(stderr, "stuck: cannot start thread %d\n", i);
			return 1;
		}
	}
	run(NULL);
	return 0;
}
