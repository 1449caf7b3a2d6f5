/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The processes leakjail knows, keyed by (pid, start time): a reused pid is a
 * new process with a fresh history. Mark-and-sweep: each pass marks what it
 * saw; what it did not see has exited and is dropped.
 */
#ifndef LJ_TRACK_H
#define LJ_TRACK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "history.h"
#include "proc.h"

struct proc_entry {
	struct proc_entry *next; /* hash chain */
	pid_t pid;
	uint64_t starttime;
	uint32_t seen;           /* the pass that last saw it */
	char comm[PROC_COMM_MAX];

	/* identity: read once per (pid, start time), and again after exec */
	bool identity;           /* loaded */
	bool kthread;
	bool in_scope;
	bool exempt;
	uint32_t cfg_gen;        /* the configuration the policy mask was computed for */
	bool recheck;            /* renamed: compute the mask again, keeping what was reported */
	uint64_t policies;       /* bit i: policy i looks at this process */
	bool needs_anon;         /* one of them watches anonymous RSS: read statm */
	uint32_t refresh_at;     /* the pass at which to re-read the cgroup */
	unsigned int uid;
	/* cmdline: read off the loop (cmdread.h), only while a policy has cmdline globs, kept while one looks at it */
	char *exe, *cmdline, *cgroup;
	bool cmdline_asked;
	uint64_t cgroup_id;      /* as the bpf source last saw it: a change means a move */
	char *container;         /* its container, "podman 0be5a925c965 (web)", when its cgroup is one's (container.h) */
	/*
	 * Which program it runs: the bpf source's exec count, or where /proc's
	 * stat says exec put its code and stack (proc_stat_image); 0: unknown.
	 * `text`: the size of its code in statm, read every pass for free: a
	 * change means an exec, seen at the next pass.
	 */
	uint64_t image;
	uint64_t text;
	/*
	 * A thread that still runs when the main thread exited (pthread_exit):
	 * the process's memory is read through /proc/PID/task/TID, since the
	 * leader's files show none. 0 while the leader has its memory.
	 */
	pid_t live_tid;
	uint8_t unjudged;        /* passes with no live thread to read it through (said at the 2nd) */

	struct cgusage *cgu;     /* its memory cgroup's usage, when the sampler watches cgroups */
	uint32_t sampled;        /* the pass of the last sample */
	uint8_t calm;            /* samples in a row without growth */
	uint8_t young;           /* passes left in which stat is read: fork, then exec, is common */

	/* the last two samples of every process: growth per interval for `status` */
	struct sample prev, last;
	bool have_prev;

	/* history, only for processes that some policy looks at */
	struct history hist;
	uint64_t reported;       /* bit i: policy i's verdict already logged */
	uint64_t noted;          /* bit i: "a leak, but no pressure" already logged */
	uint64_t leak_seen_ms;   /* the last pass a policy found it growing like a leak (monotonic ms) */
	bool jailed;             /* in a jail already: not judged again */
	uint64_t retry_at;       /* a jail failed: when to try again (monotonic ms; 0: no retry due) */
	uint8_t attempts;        /* jails tried for this leak */
};

struct track_table {
	struct proc_entry **buckets;
	size_t n_buckets;
	size_t n;
};

int track_init(struct track_table *t);
struct proc_entry *track_find(struct track_table *t, pid_t pid);
/* A fresh entry for pid (not yet in any chain check: the caller found none). */
struct proc_entry *track_add(struct track_table *t, pid_t pid, uint64_t starttime);
/* Forget what was known of the old process that held this pid. */
void track_reset(struct proc_entry *e, uint64_t starttime);
/*
 * What a new look at a known process (same pid and start time) means:
 * - an exec: its image differs (both known), or its code size changed
 *   (text_changed), or, where the image is unknown, its name changed: it
 *   is another program, with another identity and a fresh history;
 * - a rename (prctl PR_SET_NAME, pthread_setname_np on the main thread):
 *   only its name changed: the same program, the same history;
 * - nothing.
 */
enum track_change {
	TRACK_SAME,
	TRACK_RENAMED,
	TRACK_EXECED,
};

enum track_change track_compare(const struct proc_entry *e, const char *comm, uint64_t image,
				bool text_changed);

/* Drop every entry not seen in pass `gen`. */
void track_sweep(struct track_table *t, uint32_t gen);
void track_free(struct track_table *t);

#define track_for_each(t, e)                                 \
	for (size_t _b = 0; _b < (t)->n_buckets; _b++)       \
		for (struct proc_entry *e = (t)->buckets[_b]; e; e = e->next)

#endif
