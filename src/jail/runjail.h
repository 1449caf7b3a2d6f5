/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The jails of `leakjail run`, recorded with the daemon's (src/jail/jail.h,
 * <state_dir>/jails/<pid>, backend "run") so that `status` shows them and
 * `release` undoes them. Such a jail is the run's own cgroup limited in
 * place; the record names the command's pid (its file name), the run's pid
 * and start time, the command line, the limits set and those before.
 *
 * The run owns the limit while it lives: `release` does not write it, it
 * removes the record, which the run watches (inotify), and the run lifts
 * the limit itself (through its scope's manager under systemd), stops its
 * reclaim and judges the command no more. `release` waits for the limit to
 * be lifted; a run that does not answer in time has it lifted for it (its
 * own cgroup, cgroupfs), or is said (a scope). The run removes the record
 * when it ends; one left by a run killed outright is removed by the next
 * run, status or daemon (run_jails_sweep()).
 */
#ifndef LJ_RUNJAIL_H
#define LJ_RUNJAIL_H

#include <stdbool.h>

#include "jail.h"

/* How long `release` waits for a run to lift its limit. */
#define RUN_RELEASE_WAIT_MS 5000

/* Is the run that made j still there (its pid, with the start time recorded)? */
bool run_jail_live(const struct jail_state *j);

/* Remove the records of runs that have gone. Returns how many were removed. */
int run_jails_sweep(const char *state_dir);

/* A run's record found by the run's own pid (records are named by the command's). 0 or -ENOENT. */
int run_jail_find(const char *state_dir, pid_t run_pid, struct jail_state *j);

#endif
