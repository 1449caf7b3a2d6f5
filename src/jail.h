/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The quarantine action: move a process into a memory-limited cgroup, push
 * what it holds to swap, record where it came from; and undo all of it.
 *
 * Moving a process does not move the memory it already uses (v1 or v2): its
 * pages stay charged to the old cgroup. A jail alone limits future growth;
 * a page-out (src/pageout.h) makes the leaker swap what it holds now.
 */
#ifndef LJ_JAIL_H
#define LJ_JAIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "config.h"
#include "util.h"

/* What is recorded of a jail, in <state_dir>/jails/<pid>. */
struct jail_state {
	pid_t pid;
	uint64_t starttime;
	char comm[64];
	char policy[72];
	char origin[1024]; /* the memory cgroup it came from, as /proc/PID/cgroup says: "/user.slice" */
	char jail[1024];   /* relative to the controller's mount: "leakjail/lekker-4242" */
	int64_t since;     /* wall clock */
	struct cg_limits limits;
	struct cg_events events; /* last seen, to log what changes */
	char reason[512];
};

struct jail_request {
	pid_t pid;
	uint64_t starttime;      /* the process's identity, as sampled */
	const char *comm;
	const char *policy;
	const char *jail_parent;
	struct cg_limits limits;
	bool pageout;
	bool descendants;
	const char *reason;      /* the evidence, for the record */
};

struct jail_outcome {
	struct jail_state state; /* as recorded */
	int moved;               /* processes moved (1 + descendants) */
	bool pageout_skipped;    /* a page-out was asked for, but there is no swap */
};

/*
 * Jail a process. Checks its identity (pidfd, then the start time) and that
 * it is not one leakjail must never touch, creates the jail, sets the limits,
 * records the state, moves the whole process (and its descendants when
 * asked), and confirms the move in /proc/PID/cgroup. The page-out that
 * req->pageout asks for is the caller's to start (pageouts_start()): it
 * says here only whether there is swap to page out to.
 * -ESRCH: it exited or its pid was reused; -EPERM: never jailed.
 */
int jail_enter(const struct cgroup_backend *b, const char *state_dir, const struct jail_request *req,
	       struct jail_outcome *out, struct lj_error *err);

/*
 * Undo a jail: the process (and whatever else is in its jail) goes back to
 * where it came from, the jail is removed, the record deleted. A process
 * that has exited only has its jail and record removed.
 */
int jail_release(const struct cgroup_backend *b, const char *state_dir, pid_t pid,
		 struct lj_error *err);

/* Is the jailed process still the one recorded? */
bool jail_alive(const struct jail_state *j);

/* Load every record; returns the count (array malloc()ed in *out) or -errno. */
int jail_load_all(const char *state_dir, struct jail_state **out);
int jail_state_save(const char *state_dir, const struct jail_state *j);
int jail_state_remove(const char *state_dir, pid_t pid);

/*
 * A record's text ("key=value" lines, as jail_state_save() writes them) into
 * *j. 0, or -EINVAL for a record that must not steer a move; -ENOMEM.
 */
int jail_state_parse(const char *text, struct jail_state *j);

/*
 * The limits a policy gives a jail for a process holding `rss` bytes now,
 * whose footprint before its leak was `floor` (jail_size = floor, the
 * default: that floor plus a quarter, at least JAIL_MARGIN_MIN more).
 */
struct cg_limits jail_limits_for(const struct policy *p, uint64_t rss, uint64_t floor);

#define JAIL_MARGIN_MIN (16ULL << 20)

/* "640M", or "max" */
void jail_fmt_limit(char *buf, size_t size, uint64_t v);

/* Read the start time of a pid (field 22 of /proc/PID/stat); -ESRCH when gone. */
int proc_starttime(pid_t pid, uint64_t *starttime);

#endif
