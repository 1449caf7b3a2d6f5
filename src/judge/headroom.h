/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How much memory a cgroup may still take: the least, over it and its
 * ancestors, of limit minus usage (v1 memory.limit_in_bytes and
 * memory.usage_in_bytes; v2 the lower of memory.max and memory.high, and
 * memory.current). The forecast (forecast.h) divides it by a leak's rate.
 * Read on demand, only for processes that grow fast enough to matter or
 * whose verdict makes a record: a few reads per level.
 */
#ifndef LJ_HEADROOM_H
#define LJ_HEADROOM_H

#include <stdbool.h>

#include "cgroup.h"
#include "forecast.h"

struct headroom_ctx {
	const struct cgroup_backend *cg;
	const char *cgroup;  /* as /proc/PID/cgroup says: "/user.slice/x" */
};

/* A judge_env headroom callback: ctx is a struct headroom_ctx. False: no limit known anywhere up the tree. */
bool headroom_read(void *ctx, struct cg_headroom *out);

#endif
