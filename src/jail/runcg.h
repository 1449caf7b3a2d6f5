/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cgroups of `leakjail run`: <jail_parent>/run-<cmd>-<pid>, <pid> being
 * the run's own. A run killed by SIGKILL cannot remove its cgroup; the next
 * run, and the daemon now and then, remove those whose run has gone.
 */
#ifndef LJ_RUNCG_H
#define LJ_RUNCG_H

#include <stdbool.h>

#include "cgroup.h"

/*
 * Remove the empty cgroups of runs that have gone (their pid is no longer a
 * leakjail process). One that still holds processes is left alone, and said
 * when say_busy. Returns how many were removed.
 */
int run_cgroups_sweep(const struct cgroup_backend *cg, const char *jail_parent, bool say_busy);

#endif
