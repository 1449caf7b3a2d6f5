/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sampler: one pass over /proc per interval.
 * - A new process costs /proc/PID/stat (its identity: start time, comm,
 *   flags) and, once per (pid, start time), exe, cmdline, cgroup and status.
 * - With the bpf source (sample.h), every process's figures come in one read:
 *   files are read only for a new process's identity and when its cgroup id
 *   changes (and every 32 passes, as below), and for a process whose main
 *   thread exited (its record has no figures). If the source fails, the
 *   scanner samples through /proc from then on, and says so.
 * - A known process costs one read of /proc/PID/statm (RSS, anonymous RSS,
 *   VSZ, and the size of its code: a change is an exec, and stat is read at
 *   once); kernel threads cost nothing after the first pass. Every 32 passes
 *   stat and cgroup are read again: a reused pid, a move, a rename show there.
 * - An exec (another image: stat's code and stack addresses, or the bpf
 *   record's exec count) starts the identity and the history afresh; a
 *   rename (only the comm changed) keeps the history (track_compare()).
 * - A process whose main thread exited is read through a live thread.
 * - With cgroups (scanner_use_cgroups), a process that has not grown for 3
 *   samples is calm: it is sampled every 16th pass only, unless the usage of
 *   its memory cgroup grew, which the kernel tells in one read per cgroup.
 */
#ifndef LJ_SCAN_H
#define LJ_SCAN_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgusage.h"
#include "cmdread.h"
#include "config.h"
#include "sample.h"
#include "sysstate.h"
#include "track.h"

struct scanner {
	int procfd;
	const struct sample_source *src; /* where processes are found (sample.h) */
	void *src_state;
	char src_why[160];        /* why the bpf source is not used, when it was asked for */
	struct track_table procs;
	uint32_t gen;
	const struct config *cfg;
	const char *skip_cgroup; /* processes under this cgroup are never selected (the jails) */
	char psi_path[1024];      /* memory pressure of the scope (v2 memory.pressure), or the system's */
	uint32_t cfg_gen;
	long page_size;
	pid_t self;
	struct system_state sys;
	struct cgusage_table cgroups;
	bool use_cgroups;
	bool swap_always;         /* read swap every pass, as while swap moves (benchmarks) */
	bool needs_cmdline;       /* some policy has cmdline globs */
	struct cmdread *cmdread;  /* reads them off the loop; made when first needed */
	/* figures of the last pass, for STATUS= and benchmarks */
	unsigned int n_seen, n_watched, n_calm;
	/*
	 * What the tracked processes take (entries, names, histories), against
	 * the configuration's memory_budget. Over it, every history is merged
	 * down to HISTORY_BUCKETS_LOW stretches: coarser, still judged.
	 */
	uint64_t state_bytes;
	bool over_budget;
};

/* The source is chosen from cfg->daemon.sampler; -errno with the reason in s->src_why. */
int scanner_init(struct scanner *s, const struct config *cfg);
/* Point the scanner at a new configuration (after a reload): policy masks are recomputed. */
void scanner_set_config(struct scanner *s, const struct config *cfg);
/* One pass: every process and the system figures. Returns 0 or -errno (only /proc itself failing). */
int scanner_pass(struct scanner *s);
void scanner_free(struct scanner *s);
/* Sample calm processes less often, guided by their cgroups' usage. */
int scanner_use_cgroups(struct scanner *s, const struct cgroup_backend *cg);

/* Is this process one leakjail must never act on (PID 1, kernel thread, itself)? */
bool scanner_untouchable(const struct scanner *s, const struct proc_entry *e);

/* Does policy p look at this process (its identity must be loaded)? */
bool policy_selects(const struct policy *p, const struct proc_entry *e);
/* NULL when it does, or the first key that keeps it out ("match_comm", "exclude_cgroup"). */
const char *policy_why_not(const struct policy *p, const struct proc_entry *e);
/* The exemption that keeps every policy away from it ("exempt_exe"), or NULL. */
const char *scanner_exemption(const struct scanner *s, const struct proc_entry *e);
/* The same against a [daemon] section (check --matches has no scanner). */
const char *config_exemption(const struct daemon_config *d, const struct proc_entry *e);
/* Is the cgroup at path inside scope? "/a" holds "/a" and "/a/b", not "/ab". */
bool cgroup_under(const char *path, const char *scope);

#endif
