// SPDX-License-Identifier: GPL-2.0-or-later
#include "runjail.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

bool run_jail_live(const struct jail_state *j)
{
	uint64_t start;

	return j->run_pid > 1 && proc_starttime(j->run_pid, &start) == 0 && start == j->run_start;
}

int run_jails_sweep(const char *state_dir)
{
	struct jail_state *list = NULL;
	int n = jail_load_all(state_dir, &list), removed = 0;

	for (int i = 0; i < n; i++) {
		if (!list[i].run_pid || run_jail_live(&list[i]))
			continue;
		if (jail_state_remove(state_dir, list[i].pid) == 0) {
			lj_log(LOG_INFO, "removed the record of the jail of run pid %d (%s): the run has gone",
			       list[i].run_pid, list[i].command);
			removed++;
		}
	}
	free(list);
	return removed;
}

int run_jail_find(const char *state_dir, pid_t run_pid, struct jail_state *j)
{
	struct jail_state *list = NULL;
	int n = jail_load_all(state_dir, &list), r = -ENOENT;

	for (int i = 0; i < n && r < 0; i++) {
		if (list[i].run_pid == run_pid) {
			*j = list[i];
			r = 0;
		}
	}
	free(list);
	return r;
}

/* Are the limits in force what they were before the jail (v2 memory.high and max, v1 the limit)? */
static bool lifted(const struct cgroup_backend *cg, const struct jail_state *j)
{
	uint64_t high, max;

	if (cg->version == CG_V2)
		return cg_read_u64(cg, j->jail, "memory.high", &high) == 0 && high >= j->prev.high &&
		       cg_read_u64(cg, j->jail, "memory.max", &max) == 0 && max >= j->prev.max;
	return cg_read_u64(cg, j->jail, "memory.limit_in_bytes", &high) == 0 && high >= j->prev.high;
}

/*
 * The record is gone already (jail_release() removed it: that is the
 * request). Wait for the run to lift the limit; a run that has gone took
 * its cgroup with it, or left it to the sweep (src/jail/runcg.h).
 */
static int run_release(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size,
		       struct lj_error *err)
{
	char limit[24];
	int r;

	jail_fmt_limit(limit, sizeof(limit), j->prev.high);
	for (int ms = 0; ms < RUN_RELEASE_WAIT_MS; ms += 20) {
		if (!run_jail_live(j)) {
			snprintf(done, size, "its run (pid %d) has gone", j->run_pid);
			return 0;
		}
		if (lifted(jb->cg, j)) {
			snprintf(done, size, "run pid %d lifted the limit of its cgroup %.600s (now %s); it judges %.200s no more",
				 j->run_pid, j->jail, limit, j->command);
			return 0;
		}
		usleep(20000);
	}
	if (j->unit[0])
		return lj_error_set(err, -ETIMEDOUT,
				    "run pid %d did not lift the limits of its scope %s within %d s (its record is removed: it does when it can)",
				    j->run_pid, j->unit, RUN_RELEASE_WAIT_MS / 1000);
	/* the run's own cgroup, on cgroupfs: put back here */
	r = cg_set_limits(jb->cg, j->jail, &j->prev, err);
	if (r < 0)
		return r;
	snprintf(done, size, "run pid %d did not answer within %d s: the limit of %.600s put back here (%s)", j->run_pid,
		 RUN_RELEASE_WAIT_MS / 1000, j->jail, limit);
	return 0;
}

/* The command has exited: its cgroup is the run's, removed when the run ends. */
static int run_retire(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size,
		      struct lj_error *err)
{
	(void)jb;
	(void)err;
	snprintf(done, size, "its cgroup goes with run pid %d", j->run_pid);
	return 0;
}

const struct jail_backend_ops jail_run_ops = {
	.name = "run",
	.release = run_release,
	.retire = run_retire,
};
