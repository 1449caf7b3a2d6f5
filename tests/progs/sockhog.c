// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sockhog: a socket whose receive queue nobody reads, as in the nginx
 * thread of the SysOM report, on loopback only.
 *   sockhog [--rate KIB_PER_S] [--max MIB] [--rcvbuf BYTES]
 * The process listens on 127.0.0.1 (an ephemeral port), forks a writer that
 * connects and writes (at RATE KiB/s, or as fast as the queue takes; at most
 * MAX MiB), accepts the connection and never reads it. Once connected it
 * prints one line on stdout:
 *   receiver PID writer PID port PORT
 * The receiver holds the unread receive side; the writer dies with it.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (16 * 1024)

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void writer(unsigned short port, unsigned long rate_kib, unsigned long max_mib)
{
	static char buf[CHUNK];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	unsigned long long sent = 0, max = (unsigned long long)max_mib << 20;
	int fd;

	/* the writer never outlives the receiver */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		exit(0);
	memset(buf, 'x', sizeof(buf));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("sockhog: connect");
	while (!max || sent < max) {
		ssize_t n = write(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			exit(0); /* the receiver is gone */
		sent += (unsigned long long)n;
		if (rate_kib) {
			/* one chunk every CHUNK / rate seconds */
			long long ns = (long long)CHUNK * 1000000000LL / ((long long)rate_kib * 1024);
			struct timespec ts = { .tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL };

			nanosleep(&ts, NULL);
		}
	}
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	unsigned long rate = 0, max = 0;
	int rcvbuf = 4 << 20;
	int lfd, cfd;
	pid_t child;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--rate") == 0)
			rate = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--max") == 0)
			max = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--rcvbuf") == 0)
			rcvbuf = atoi(argv[i + 1]);
		else {
			fprintf(stderr, "usage: sockhog [--rate KIB_PER_S] [--max MIB] [--rcvbuf BYTES]\n");
			return 2;
		}
	}
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("sockhog: socket");
	/* set before listen(): the accepted socket inherits it, and the window scale follows */
	if (setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
		die("sockhog: SO_RCVBUF");
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) < 0)
		die("sockhog: listen");

	child = fork();
	if (child < 0)
		die("sockhog: fork");
	if (child == 0) {
		close(lfd);
		writer(ntohs(a.sin_port), rate, max);
	}
	do
		cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (cfd < 0 && errno == EINTR);
	if (cfd < 0)
		die("sockhog: accept");
	close(lfd);
	printf("receiver %d writer %d port %u\n", getpid(), child, ntohs(a.sin_port));
	fflush(stdout);
	/* never read cfd */
	for (;;)
		pause();
}
