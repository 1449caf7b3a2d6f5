// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memhog: memory behaviours for tests and the demo.
 *   memhog leak RATE_MIB_PER_S [MAX_MIB]   grow by RATE every second, never free (stop at MAX)
 *   memhog sawtooth PEAK_MIB PERIOD_S      grow to PEAK over PERIOD, free it all, again (a GC)
 *   memhog plateau SIZE_MIB WARMUP_S       grow to SIZE over WARMUP, then hold it (a cache)
 *   memhog hold SIZE_MIB                   hold SIZE and touch every page each second (innocent)
 * Memory comes in 1 MiB anonymous mappings filled with non-zero bytes, so it
 * is really resident and freeing it (munmap) really returns it.
 * Runs until killed, or for --seconds N (exit status 0, or --exit N).
 * --after S: hold still (a small, calm process) for S seconds first.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PROG "memhog"
#include "chunks.h"

static void usage(void)
{
	fprintf(stderr, "usage: memhog leak|sawtooth|plateau|hold ARGS [--seconds N] [--exit N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double seconds = 0, start, tick = 0.1, after = 0;
	const char *mode;
	double a = 0, b = 0;
	int status = 0, pos = 0;
	char *args[3] = { 0 };

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--exit") == 0 && i + 1 < argc)
			status = atoi(argv[++i]);
		else if (strcmp(argv[i], "--after") == 0 && i + 1 < argc)
			after = atof(argv[++i]);
		else if (pos < 3)
			args[pos++] = argv[i];
		else
			usage();
	}
	if (!args[0] || !args[1])
		usage();
	mode = args[0];
	a = atof(args[1]);
	b = args[2] ? atof(args[2]) : 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (after > 0) {
		sleep_until(now() + after);
		printf("start\n");
	}
	start = now();
	for (unsigned long step = 1;; step++) {
		double t = now() - start;

		if (seconds > 0 && t >= seconds)
			break;
		if (strcmp(mode, "leak") == 0) {
			size_t want = (size_t)(a * t);

			grow_to(b > 0 && want > (size_t)b ? (size_t)b : want);
		} else if (strcmp(mode, "sawtooth") == 0) {
			double phase = b > 0 ? t - b * (double)(long)(t / b) : 0;
			size_t want = (size_t)(a * phase / (b > 0 ? b : 1));

			if (want < n_chunks)
				shrink_to(0);
			grow_to(want);
		} else if (strcmp(mode, "plateau") == 0) {
			grow_to(t >= b ? (size_t)a : (size_t)(a * t / (b > 0 ? b : 1)));
		} else if (strcmp(mode, "hold") == 0) {
			grow_to((size_t)a);
			if (step % 10 == 0)
				touch_all();
		} else {
			usage();
		}
		sleep_until(start + (double)step * tick);
	}
	return status;
}
