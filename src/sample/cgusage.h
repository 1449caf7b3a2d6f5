/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The memory usage of each cgroup that holds tracked processes, read once per
 * pass. The kernel already sums its processes' memory there: a cgroup whose
 * usage did not grow holds no process that grew (beyond what another one
 * gave back), so the sampler can leave its calm processes for a later pass.
 */
#ifndef LJ_CGUSAGE_H
#define LJ_CGUSAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"

struct cgusage {
	struct cgusage *next;
	char *path;        /* as /proc/PID/cgroup says: "/user.slice/x" */
	int fd;            /* of the usage file, kept open; -1: none (v2 root) or too many open */
	uint64_t ino;      /* of the usage file opened: another one is another cgroup */
	uint32_t replaced; /* times the cgroup was found removed and made again */
	uint64_t usage;
	bool grew;         /* since the pass before */
	uint32_t seen;     /* the last pass that found a process in it */
};

struct cgusage_table {
	const struct cgroup_backend *cg;
	struct cgusage **buckets;
	size_t n_buckets, n, n_open;
};

/* Growth below this between two passes is noise (v1 charges in per-cpu batches). */
#define CGUSAGE_GREW (256 * 1024)
#define CGUSAGE_MAX_OPEN 512

int cgusage_init(struct cgusage_table *t, const struct cgroup_backend *cg);
/* The entry for a cgroup path, made on first use (NULL on allocation failure). */
struct cgusage *cgusage_get(struct cgusage_table *t, const char *path, uint32_t gen);
/*
 * Read every cgroup's usage; mark those that grew. A usage file that cannot
 * be read (ENODEV: its cgroup was removed, maybe made again) is opened again.
 */
void cgusage_refresh(struct cgusage_table *t);
/* Forget the cgroups no process was seen in during pass gen (closing their fds). */
void cgusage_sweep(struct cgusage_table *t, uint32_t gen);
void cgusage_free(struct cgusage_table *t);

#endif
