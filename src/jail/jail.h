/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The quarantine action: move a process into a memory-limited cgroup, push
 * what it holds to swap, record where it came from; and undo all of it.
 *
 * Moving a process does not move the memory it already uses (v1 or v2): its
 * pages stay charged to the old cgroup. A jail alone limits future growth;
 * a page-out (src/jail/pageout.h) makes the leaker swap what it holds now.
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
	/* who made it: "cgroupfs" (above: a cgroup of leakjail's) or "systemd" (below) */
	char backend[16];
	char unit[256];        /* systemd: the unit limited in place, or the scope it was moved into */
	char origin_unit[256]; /* systemd: the unit it came from (== unit when limited in place) */
	char origin_id[40];    /* systemd: that unit's InvocationID at the time: a restart makes another */
	uint64_t origin_ino;   /* systemd scope: the origin unit's cgroup inode at the time (0: not known) */
	struct cg_limits prev; /* in place (systemd unit, container): the limits before */
	/* container (src/jail/jail-container.c): "podman 0be5a925c965 (web)", and its cgroup's inode at the jail */
	char container[160];
	uint64_t cg_ino;
	/*
	 * systemd, in place: which of the unit's runtime drop-ins
	 * 50-MemoryHigh/Max/SwapMax.conf existed before the jail (bits 1, 2,
	 * 4): the others are leakjail's, removed at the restore.
	 */
	unsigned int prev_dropins;
	/* steps the jail was grown by jail_thrash and jail_stalled: their caps hold across a restart */
	unsigned int thrash_grows, stall_grows;
	/*
	 * backend "run" (src/jail/runjail.h): `leakjail run` limited its own cgroup
	 * in place (jail == origin); pid is its command's. The run's pid and
	 * start time, and its command line; prev: the limits before (none).
	 */
	pid_t run_pid;
	uint64_t run_start;
	char command[256];
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
	const char *moved_note;  /* added to the reason by a jail that moves the process (not one in place) */
};

struct jail_outcome {
	struct jail_state state; /* as recorded */
	char how[768];           /* what was done, for the log: "unit x.service limited in place" */
	int moved;               /* processes moved (1 + descendants) */
	bool pageout_skipped;    /* a page-out was asked for, but there is no swap */
	bool oom_kills;          /* v1: the kernel refused oom_kill_disable: at its limit it is OOM-killed */
	bool pageout_done;       /* the backend reclaims in place: no page-out to start */
	char pageout[300];       /* then: what it did or does about the pages, for the record */
};

/*
 * Who makes jails: one small table of functions per way, chosen once
 * (jail_backend_open()); callers go through jail_enter(), jail_release() and
 * jail_retire() and never ask which one they have.
 *   cgroupfs (jail.c): a cgroup of leakjail's under <mount>/<jail_parent>;
 *   systemd (jail-systemd.c): through the service manager, over D-Bus.
 * Every jail, whoever made it, is a cgroup: `jail` in its record is that
 * cgroup's path, where usage and events are read alike.
 */
struct jail_backend;

struct jail_backend_ops {
	const char *name;
	int (*enter)(struct jail_backend *jb, const char *state_dir, const struct jail_request *req,
		     struct jail_outcome *out, struct lj_error *err);
	/* the process is alive: undo the jail; what was done goes in done */
	int (*release)(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size,
		       struct lj_error *err);
	/* the process has exited: remove what is left (-EBUSY while descendants hold the jail) */
	int (*retire)(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size,
		      struct lj_error *err);
	/*
	 * Every pass, for a live jail: keep it bound to its origin where the
	 * backend cannot (NULL: nothing to do). 1 when it acted (done says how).
	 */
	int (*follow)(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size);
	/*
	 * Change a live jail's limits, or kill what it holds, through whoever
	 * owns its cgroup (NULL: the caller writes the jail's cgroup itself,
	 * which is leakjail's own). kill: 0 when done (done says what), -errno.
	 */
	int (*set_limits)(struct jail_backend *jb, const char *state_dir, const struct jail_state *j,
			  const struct cg_limits *l, struct lj_error *err);
	int (*kill)(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size);
	void (*close)(struct jail_backend *jb);
};

struct jail_backend {
	const struct jail_backend_ops *ops;
	const struct cgroup_backend *cg;
	void *data; /* the backend's own (systemd: the bus) */
	/* the caller's loop, for work done in slices (systemd: an in-place reclaim); NULL: none */
	struct sd_event *event;
	/*
	 * Where a backend that answers from the loop (systemd: its calls to the
	 * manager are asynchronous) says how a jail_enter() that returned
	 * -EINPROGRESS ended: r and out as jail_enter() would have returned
	 * them; req carries the pid and start time of the request.
	 */
	void (*entered)(void *ctx, const struct jail_request *req, int r, struct jail_outcome *out,
			struct lj_error *err);
	void *entered_ctx;
};

extern const struct jail_backend_ops jail_cgroupfs_ops;
extern const struct jail_backend_ops jail_systemd_ops;
/*
 * A process in a container is jailed in place, whatever the backend: its
 * container's own memory cgroup is limited (src/jail/jail-container.c). Is pid's
 * memory cgroup a container's (one this backend does not leave to systemd)?
 */
extern const struct jail_backend_ops jail_container_ops;
/* A jail of `leakjail run`: its own cgroup, limited in place; the run lifts it (src/jail/runjail.h). */
extern const struct jail_backend_ops jail_run_ops;
bool jail_container_applies(const struct jail_backend *jb, pid_t pid);

/*
 * Choose and open the backend: auto is systemd where systemd is PID 1 and
 * the memory controller is on cgroup v2, cgroupfs elsewhere.
 */
int jail_backend_open(struct jail_backend *jb, const struct cgroup_backend *cg, enum jail_backend_kind kind,
		      struct lj_error *err);
void jail_backend_close(struct jail_backend *jb);
/* Does this choice mean systemd here? (auto: systemd is PID 1 and memory is on cgroup v2) */
bool jail_backend_is_systemd(enum jail_backend_kind kind, const struct cgroup_backend *cg);
/* The systemd backend's connection to the system bus (jail-systemd.c). */
int jail_systemd_open(struct jail_backend *jb, struct lj_error *err);
const char *jail_backend_name(const struct jail_backend *jb);

/*
 * Jail a process. Checks its identity (pidfd, then the start time) and that
 * it is not one leakjail must never touch, jails it the backend's way,
 * records the state before the process is touched, and confirms in
 * /proc/PID/cgroup. The page-out that req->pageout asks for, where the
 * process's pages stayed behind, is the caller's to start
 * (pageouts_start()): it says here only whether there is swap to page out to.
 * -ESRCH: it exited or its pid was reused; -EPERM: never jailed.
 * -EINPROGRESS: the backend goes on from jb->event and tells jb->entered
 * (systemd: it needs both, and refuses a caller without a loop).
 */
int jail_enter(struct jail_backend *jb, const char *state_dir, const struct jail_request *req,
	       struct jail_outcome *out, struct lj_error *err);

/*
 * Undo a jail, through the backend that made it (its record says): the
 * process goes back where it came from, the record is deleted; done says
 * what was done. A process that has exited only has its jail retired.
 */
int jail_release(struct jail_backend *jb, const char *state_dir, pid_t pid, char *done, size_t size,
		 struct lj_error *err);

/* The process has exited: retire its jail and delete the record. -EBUSY: descendants still hold it. */
int jail_retire(struct jail_backend *jb, const char *state_dir, const struct jail_state *j, char *done,
		size_t size, struct lj_error *err);

/* Every pass, for a live jail: 1 when the backend acted on it (done says how), else 0. */
int jail_follow(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size);

/*
 * Through the backend that made j, where it owns the cgroup: -EOPNOTSUPP
 * when the backend leaves it to the caller (a cgroup of leakjail's own).
 */
int jail_set_limits(struct jail_backend *jb, const char *state_dir, const struct jail_state *j,
		    const struct cg_limits *l, struct lj_error *err);
int jail_kill(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size);

/*
 * The checks before any jail: pidfd, the start time of the request, never a
 * process leakjail must not touch. Returns the pidfd, or -errno with err set.
 */
int jail_target_open(const struct jail_request *req, struct lj_error *err);

/* A record's first fields, from the request: who, which policy, why, which backend, since now. */
void jail_state_from_request(struct jail_state *st, const struct jail_request *req, const char *backend);

int jail_state_load(const char *state_dir, pid_t pid, struct jail_state *j);

/* Is the jailed process still the one recorded? */
bool jail_alive(const struct jail_state *j);

/* Load every record; returns the count (array malloc()ed in *out) or -errno. */
int jail_load_all(const char *state_dir, struct jail_state **out);
int jail_state_save(const char *state_dir, const struct jail_state *j);
/* The request's moved_note added to the record's reason: the process was moved into its jail. */
void jail_state_note_move(struct jail_state *st, const struct jail_request *req);
int jail_state_remove(const char *state_dir, pid_t pid);

/*
 * A record's text ("key=value" lines, as jail_state_save() writes them) into
 * *j. 0, or -EINVAL for a record that must not steer a move; -ENOMEM.
 */
int jail_state_parse(const char *text, struct jail_state *j);

/*
 * The journal fields that name a jail, for lj_log_record(): LEAKJAIL_PID,
 * _COMM, _POLICY, _JAIL, _BACKEND, and _UNIT when it has one. Returns how
 * many it wrote; a caller adds its own after them.
 */
#define JAIL_LOG_FIELDS 6
size_t jail_log_fields(const struct jail_state *j, char f[][160]);

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
