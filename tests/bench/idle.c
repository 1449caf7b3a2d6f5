// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * idle N: N idle processes (children that pause()), for benchmarks. Prints
 * "ready" once all exist; on SIGTERM or SIGINT kills them and exits.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	pid_t *kids = calloc((size_t)n, sizeof(*kids));
	sigset_t mask, old;

	if (!kids)
		return 1;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, &old);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (long i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			sigprocmask(SIG_SETMASK, &old, NULL);
			signal(SIGTERM, SIG_DFL);
			for (;;)
				pause();
		}
		if (kids[i] < 0) {
			perror("idle: fork");
			n = i;
			break;
		}
	}
	printf("ready %ld\n", n);
	fflush(stdout);
	while (!stop)
		sigsuspend(&old);
	for (long i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	return 0;
}
