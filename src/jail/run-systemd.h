/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * leakjail run under systemd: a transient scope of the caller's own manager
 * (the system one for root, the user's otherwise) for the command.
 */
#ifndef LJ_RUN_SYSTEMD_H
#define LJ_RUN_SYSTEMD_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "util.h"

struct run_scope {
	void *bus;       /* sd_bus *: the manager's */
	bool user;       /* the caller's user manager, not the system one */
	bool started;
	char unit[256];  /* "leakjail-run-memhog-4242.scope" */
	char rel[512];   /* its cgroup, relative to the mount */
};

/* Connect to the manager of the caller. */
int run_scope_open(struct run_scope *s, struct lj_error *err);

/* StartTransientUnit with PIDs=[child]; returns once /proc shows the child in the scope (rel set). */
int run_scope_start(struct run_scope *s, const char *base, pid_t child, struct lj_error *err);

/* MemoryHigh, MemoryMax, MemorySwapMax on the scope in place (runtime). */
int run_scope_set_limits(struct run_scope *s, const struct cg_limits *l, struct lj_error *err);

/* Stop the scope (what is left in it ends) and disconnect. */
void run_scope_stop(struct run_scope *s);

#endif
