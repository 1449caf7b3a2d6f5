// SPDX-License-Identifier: GPL-2.0-or-later
#include "runcg.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* A link of /proc/PID/exe without the " (deleted)" of a binary replaced since it started. */
static ssize_t exe_of(const char *link, char *buf, size_t size)
{
	ssize_t n = readlink(link, buf, size - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (n > 10 && strcmp(buf + n - 10, " (deleted)") == 0)
		n -= 10;
	return n;
}

/* Is pid a leakjail process (a run still there)? When in doubt, yes: its cgroup is left alone. */
static bool is_leakjail(pid_t pid)
{
	char path[48], a[PATH_MAX], b[PATH_MAX];
	ssize_t na, nb;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	na = exe_of(path, a, sizeof(a));
	if (na == -ENOENT || na == -ESRCH)
		return false;
	nb = exe_of("/proc/self/exe", b, sizeof(b));
	return na < 0 || nb < 0 || (na == nb && memcmp(a, b, (size_t)na) == 0);
}

/*
 * The cgroups of runs that have gone ("<jail_parent>/run-<cmd>-<pid>", its
 * pid no longer a leakjail): a run killed by SIGKILL could not remove its
 * own. Empty ones are removed; one that still holds processes (what the
 * command started, if it outlived the run) is left alone and said.
 */
int run_cgroups_sweep(const struct cgroup_backend *cg, const char *jail_parent, bool say_busy)
{
	char dir[700];
	cleanup_dir DIR *d = NULL;
	struct dirent *de;
	int removed = 0;

	cg_path(cg, jail_parent, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		const char *dash = strrchr(de->d_name, '-');
		char rel[600], *end;
		pid_t pids[1];
		long pid;

		if (de->d_type != DT_DIR || !startswith(de->d_name, "run-") || !dash)
			continue;
		pid = strtol(dash + 1, &end, 10);
		if (*end || pid <= 1 || pid == getpid() || is_leakjail((pid_t)pid))
			continue;
		snprintf(rel, sizeof(rel), "%s/%s", jail_parent, de->d_name);
		if (cg_procs(cg, rel, pids, 1) > 0) {
			if (!say_busy)
				continue;
			lj_log(LOG_NOTICE, "%s: its run (pid %ld) has gone, but it still holds processes: left alone",
			       rel, pid);
			continue;
		}
		if (cg_remove(cg, rel, NULL) == 0) {
			lj_log(LOG_INFO, "removed %s: its run (pid %ld) had gone", rel, pid);
			removed++;
		}
	}
	return removed;
}

