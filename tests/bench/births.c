// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * births N [CMDLINE_BYTES LIVE_MS ALIVE]: N short-lived processes. Without
 * the options, one after another (fork, exit, reap). With them, each child
 * executes this program again with an argument of CMDLINE_BYTES bytes (its
 * command line), lives LIVE_MS and exits; ALIVE of them live at once.
 * Prints the rate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	long bytes = argc > 4 ? atol(argv[2]) : 0, live_ms = argc > 4 ? atol(argv[3]) : 0;
	long alive = argc > 4 ? atol(argv[4]) : 1, running = 0;
	struct timespec t0, t1;
	char *pad = NULL;

	if (argc >= 3 && strcmp(argv[1], "--child") == 0) {
		usleep((useconds_t)atol(argv[2]) * 1000);
		return 0;
	}
	if (bytes > 0) {
		pad = malloc((size_t)bytes + 1);
		if (!pad)
			return 1;
		memset(pad, 'x', (size_t)bytes);
		pad[bytes] = '\0';
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		pid_t p;

		if (running >= alive) {
			wait(NULL);
			running--;
		}
		p = fork();
		if (p == 0) {
			char ms[32];

			if (!pad)
				_exit(0);
			snprintf(ms, sizeof(ms), "%ld", live_ms);
			/* "--child MS PAD": the pad is only there to be read */
			execl("/proc/self/exe", "births", "--child", ms, pad, (char *)NULL);
			_exit(127);
		}
		if (p < 0) {
			perror("births: fork");
			return 1;
		}
		running++;
	}
	while (running-- > 0)
		wait(NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%ld births in %.1f s\n", n,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	free(pad);
	return 0;
}
