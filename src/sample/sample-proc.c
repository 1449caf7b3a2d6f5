// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The /proc source: every numeric entry of /proc is a process. It names
 * processes only; the scanner reads their files (scan.c), as few as it can.
 */
#include "sample.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct proc_source {
	DIR *dir; /* on a dup of /proc's fd, rewound each pass */
};

static int proc_open(void **state, int procfd)
{
	struct proc_source *ps = calloc(1, sizeof(*ps));
	int dfd;

	if (!ps)
		return -ENOMEM;
	dfd = fcntl(procfd, F_DUPFD_CLOEXEC, 3);
	if (dfd < 0 || !(ps->dir = fdopendir(dfd))) {
		int r = -errno;

		if (dfd >= 0)
			close(dfd);
		free(ps);
		return r;
	}
	*state = ps;
	return 0;
}

static int proc_begin(void *state)
{
	struct proc_source *ps = state;

	rewinddir(ps->dir);
	return 0;
}

static int proc_next(void *state, struct sample_task *t)
{
	struct proc_source *ps = state;
	struct dirent *d;

	for (;;) {
		char *end;
		long pid;

		errno = 0; /* readdir() tells its end from an error only through errno */
		d = readdir(ps->dir);
		if (!d)
			return errno ? -errno : 0;
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		pid = strtol(d->d_name, &end, 10);
		if (*end || pid <= 0 || strlen(d->d_name) >= sizeof(t->name))
			continue;
		t->pid = (pid_t)pid;
		t->full = false;
		memcpy(t->name, d->d_name, strlen(d->d_name) + 1);
		return 1;
	}
}

static void proc_close(void *state)
{
	struct proc_source *ps = state;

	if (!ps)
		return;
	if (ps->dir)
		closedir(ps->dir);
	free(ps);
}

static const char *proc_describe(void *state)
{
	(void)state;
	return "proc";
}

const struct sample_source sample_source_proc = {
	.name = "proc",
	.open = proc_open,
	.begin = proc_begin,
	.next = proc_next,
	.close = proc_close,
	.describe = proc_describe,
};
