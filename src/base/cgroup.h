/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory cgroups, v1 or v2, behind one interface. The version is detected
 * once; what differs between versions is one table in cgroup.c.
 * Paths given here (`rel`) are relative to the memory controller's mount,
 * without a leading '/': "leakjail/lekker-4242".
 */
#ifndef LJ_CGROUP_H
#define LJ_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

#define CG_UNLIMITED UINT64_MAX

enum cg_version { CG_V1 = 1, CG_V2 = 2 };

struct cgroup_backend {
	enum cg_version version;
	char mount[256]; /* "/sys/fs/cgroup/memory" (v1) or "/sys/fs/cgroup" (v2) */
};

/* Limits of a jail. v1 has no "high": there `high` is the hard limit and `max` is unused. */
struct cg_limits {
	uint64_t high;
	uint64_t max;
	uint64_t swap; /* swap allowed on top of memory; CG_UNLIMITED for no cap */
};

struct cg_usage {
	uint64_t memory;
	uint64_t swap;
	uint64_t limit; /* the limit in force (v2 memory.high, v1 memory.limit_in_bytes) */
};

/* Counters of limit hits and OOM kills (v2 memory.events; v1 failcnt and oom_control). */
struct cg_events {
	uint64_t high, max, oom, oom_kill;
};

/* Find the memory controller's mount (libcgroup) and its version (statfs). */
int cg_backend_init(struct cgroup_backend *b, struct lj_error *err);

const char *cg_version_name(const struct cgroup_backend *b);

/* The absolute path of rel. */
void cg_path(const struct cgroup_backend *b, const char *rel, char *buf, size_t size);

/* Create rel (and missing parents); on v2, enable +memory for the children of each parent. */
int cg_create(const struct cgroup_backend *b, const char *rel, struct lj_error *err);

/* Remove rel if it is empty (no processes, no children). -EBUSY when it is not. */
int cg_remove(const struct cgroup_backend *b, const char *rel, struct lj_error *err);

bool cg_exists(const struct cgroup_backend *b, const char *rel);
/* The cgroup directory's inode, 0 when there is none: a cgroup made again (a restarted unit's) has another. */
uint64_t cg_ino(const struct cgroup_backend *b, const char *rel);

/*
 * Set the limits, in the order the kernel demands (v1: memory.limit_in_bytes
 * <= memory.memsw.limit_in_bytes at every step). -EBUSY when the kernel could
 * not reclaim down to the limit (v1 without swap).
 */
int cg_set_limits(const struct cgroup_backend *b, const char *rel, const struct cg_limits *l,
		  struct lj_error *err);

/*
 * Write the one limit a jail lives under, alone (v2 memory.high, v1
 * memory.limit_in_bytes), for a cgroup that is not leakjail's: its other
 * limits stay as its owner set them. Below the usage, the kernel reclaims
 * in the writer's context before it returns.
 */
int cg_set_high(const struct cgroup_backend *b, const char *rel, uint64_t v, struct lj_error *err);

/*
 * v1: a task at rel's limit that reclaim cannot help waits (memory.oom_control
 * under_oom 1) instead of being OOM-killed, until the limit is raised, memory
 * is freed or it is killed. v2 needs nothing: memory.high never OOM-kills.
 * 0, or -errno (a kernel without memory.oom_control's oom_kill_disable).
 */
int cg_oom_wait(const struct cgroup_backend *b, const char *rel, struct lj_error *err);

/* v1: is a task in rel waiting under an OOM that kills nothing (memory.oom_control under_oom 1)? */
bool cg_under_oom(const struct cgroup_backend *b, const char *rel);

/* Move a whole process (all its threads) into rel. */
int cg_move(const struct cgroup_backend *b, const char *rel, pid_t pid, struct lj_error *err);

int cg_usage(const struct cgroup_backend *b, const char *rel, struct cg_usage *u);
int cg_events(const struct cgroup_backend *b, const char *rel, struct cg_events *ev);

/*
 * What rel holds, from memory.stat: anonymous memory (it can go only to
 * swap) and page cache (it can be dropped or written back).
 */
int cg_anon_file(const struct cgroup_backend *b, const char *rel, uint64_t *anon, uint64_t *file);

/* v2 memory.reclaim: ask the kernel to reclaim this many bytes from rel now. */
int cg_reclaim(const struct cgroup_backend *b, const char *rel, uint64_t bytes, struct lj_error *err);

/* The pids in rel's cgroup.procs; returns the count (at most max) or -errno. */
int cg_procs(const struct cgroup_backend *b, const char *rel, pid_t *pids, int max);

/* A limit rounded up to a whole page, as the kernel keeps it; CG_UNLIMITED stays. */
uint64_t cg_page_up(uint64_t v);

/* Read one value ("max" reads as CG_UNLIMITED). */
int cg_read_u64(const struct cgroup_backend *b, const char *rel, const char *file, uint64_t *out);

#endif
