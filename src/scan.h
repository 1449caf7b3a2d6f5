/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sampler: one pass over /proc per interval. Every process costs one
 * read of /proc/PID/stat (identity, RSS, VSZ, faults). Only processes that a
 * policy looks at cost more: statm when a policy watches anonymous RSS, and,
 * once per (pid, start time), exe, cmdline, cgroup and the uid; the cgroup
 * is read again every 32 passes, to see processes that were moved.
 */
#ifndef LJ_SCAN_H
#define LJ_SCAN_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "detect.h"
#include "track.h"

struct scanner {
	int procfd;
	DIR *dir;        /* on a dup of procfd, rewound each pass */
	struct track_table procs;
	uint32_t gen;
	const struct config *cfg;
	const char *skip_cgroup; /* processes under this cgroup are never selected (the jails) */
	char psi_path[1024];      /* memory pressure of the scope (v2 memory.pressure), or the system's */
	uint32_t cfg_gen;
	uint32_t hist_cap;
	long page_size;
	pid_t self;
	struct system_state sys;
	/* figures of the last pass, for STATUS= and benchmarks */
	unsigned int n_seen, n_watched;
};

int scanner_init(struct scanner *s, const struct config *cfg);
/* Point the scanner at a new configuration (after a reload): policy masks are recomputed. */
void scanner_set_config(struct scanner *s, const struct config *cfg);
/* One pass: every process and the system figures. Returns 0 or -errno (only /proc itself failing). */
int scanner_pass(struct scanner *s);
void scanner_free(struct scanner *s);

/* Is this process one leakjail must never act on (PID 1, kernel thread, itself)? */
bool scanner_untouchable(const struct scanner *s, const struct proc_entry *e);

/* Does policy p look at this process (its identity must be loaded)? */
bool policy_selects(const struct policy *p, const struct proc_entry *e);

#endif
