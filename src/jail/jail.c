// SPDX-License-Identifier: GPL-2.0-or-later
#include "jail.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>

#include "proc.h"

struct cg_limits jail_limits_for(const struct policy *p, uint64_t rss, uint64_t floor)
{
	const uint64_t page = 4096;
	struct cg_limits l;

	/*
	 * By default a jail gives back what the leak took: it holds the process
	 * at what it held before, and what it leaked goes to swap. The RSS at
	 * jail time would let a leaker caught late keep the host's memory.
	 */
	if (p->jail_size.is_floor)
		l.high = floor + MAX(floor / 4, JAIL_MARGIN_MIN);
	else
		l.high = size_spec_resolve(&p->jail_size, rss);
	/* never below 4 MiB: a smaller jail cannot hold a process at all */
	l.high = MAX(l.high, 4 * MIB);
	l.high = (l.high + page - 1) / page * page;
	if (p->jail_max.is_factor) {
		/*
		 * "jail_size = 8000000T" with "jail_max = 3x" is 2^64 and more: no
		 * uint64_t holds it (converting it is undefined), and rounding up what
		 * comes close wraps to 0. From 2^63 on, as parse_size() says, it is
		 * beyond any machine: no limit.
		 */
		double max = p->jail_max.factor * (double)l.high;

		l.max = max < 9223372036854775808.0 ? (uint64_t)max : CG_UNLIMITED;
	} else {
		l.max = MAX(p->jail_max.bytes, l.high);
	}
	if (l.max != CG_UNLIMITED)
		l.max = (l.max + page - 1) / page * page;
	l.swap = p->jail_swap;
	return l;
}

void jail_fmt_limit(char *buf, size_t size, uint64_t v)
{
	if (v == CG_UNLIMITED)
		snprintf(buf, size, "max");
	else if (v % MIB == 0)
		snprintf(buf, size, "%lluM", (unsigned long long)(v / MIB));
	else
		snprintf(buf, size, "%lluK", (unsigned long long)(v / KIB));
}

int proc_starttime(pid_t pid, uint64_t *starttime)
{
	char path[48], buf[1024];
	struct proc_stat st;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0 || !proc_parse_stat(buf, &st))
		return -ESRCH;
	*starttime = st.starttime;
	return 0;
}

static int read_memory_cgroup(pid_t pid, char *out, size_t size)
{
	char path[48], buf[4096];

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return -ESRCH;
	return proc_parse_cgroup(buf, out, size) ? 0 : -EINVAL;
}

/* A comm as a cgroup name: "Web Content" -> "Web_Content"; never "." or "..". */
static void sanitize(const char *comm, char *out, size_t size)
{
	size_t n = 0;

	for (const char *p = comm; *p && n + 1 < size; p++)
		out[n++] = isalnum((unsigned char)*p) || *p == '-' || *p == '_' ? *p : '_';
	out[n] = '\0';
	if (n == 0)
		snprintf(out, size, "proc");
}

/* Never jailed, whatever a policy says. */
static int untouchable(pid_t pid, struct lj_error *err)
{
	char path[48], buf[1024];
	struct proc_stat st;

	if (pid <= 1)
		return lj_error_set(err, -EPERM, "pid %d is init: never jailed", pid);
	if (pid == getpid())
		return lj_error_set(err, -EPERM, "pid %d is leakjail itself: never jailed", pid);
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0 || !proc_parse_stat(buf, &st))
		return lj_error_set(err, -ESRCH, "pid %d has exited", pid);
	if (st.flags & PF_KTHREAD_FLAG)
		return lj_error_set(err, -EPERM, "pid %d is a kernel thread: never jailed", pid);
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", pid);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) > 0 && atoi(buf) == -1000)
		return lj_error_set(err, -EPERM,
				    "pid %d has oom_score_adj -1000 (protected from the OOM killer): never jailed",
				    pid);
	return 0;
}

struct kid {
	pid_t pid, ppid;
	uint64_t starttime;
};

/* The descendants of pid, found through the ppid of every process, with their start times. */
static int descendants(pid_t pid, struct kid *out, int max)
{
	cleanup_dir DIR *d = opendir("/proc");
	struct dirent *de;
	struct kid *all = NULL;
	size_t n_all = 0, cap = 0;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char path[300], buf[1024];
		struct proc_stat st;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0 || !proc_parse_stat(buf, &st))
			continue;
		if (n_all == cap) {
			void *nb = realloc(all, (cap = cap ? cap * 2 : 256) * sizeof(*all));

			if (!nb) {
				free(all);
				return -ENOMEM;
			}
			all = nb;
		}
		all[n_all].pid = (pid_t)atoi(de->d_name);
		all[n_all].starttime = st.starttime;
		all[n_all++].ppid = st.ppid;
	}
	/* breadth first: children of pid, then theirs */
	for (int head = -1; head < n; head++) {
		pid_t parent = head < 0 ? pid : out[head].pid;

		for (size_t i = 0; i < n_all && n < max; i++)
			if (all[i].ppid == parent)
				out[n++] = all[i];
	}
	free(all);
	return n;
}

static bool swap_present(void)
{
	char buf[8192];
	struct meminfo mi;

	return read_file_at(AT_FDCWD, "/proc/meminfo", buf, sizeof(buf)) >= 0 &&
	       proc_parse_meminfo(buf, &mi) && mi.swap_total > 0;
}

/* The pidfd says whether the process it names has exited (readable when it has). */
static bool pidfd_exited(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/* The nearest existing cgroup at or above the origin: it may have been removed meanwhile. */
static void way_back(const struct cgroup_backend *b, const char *origin, char *rel, size_t size)
{
	snprintf(rel, size, "%.1000s", origin[0] == '/' ? origin + 1 : origin);
	while (rel[0] && !cg_exists(b, rel)) {
		char *slash = strrchr(rel, '/');

		if (slash)
			*slash = '\0';
		else
			rel[0] = '\0';
	}
}

/*
 * Put a process back into origin (absolute, as /proc/PID/cgroup says). A
 * cgroup removed meanwhile is made again where it was (in the same
 * subtree, under the same ancestors' limits); when that cannot be, the
 * nearest ancestor that takes it. On v2 an ancestor with children that
 * have controllers refuses processes (EBUSY: no internal processes), and so
 * does each one above it, up to the root, which always takes them.
 * *remade: the origin was made again. 0, or the first error.
 */
static int move_back(const struct cgroup_backend *b, const char *origin, pid_t pid, bool *remade,
		     struct lj_error *err)
{
	char rel[1024];
	int r;

	if (remade)
		*remade = false;
	way_back(b, origin, rel, sizeof(rel));
	if (strcmp(rel, origin[0] == '/' ? origin + 1 : origin) != 0 && cg_create(b, origin + (origin[0] == '/'), NULL) == 0) {
		way_back(b, origin, rel, sizeof(rel));
		if (remade)
			*remade = true;
	}
	r = cg_move(b, rel, pid, err);
	while (r < 0 && r != -ESRCH && rel[0]) {
		char *slash = strrchr(rel, '/');

		if (slash)
			*slash = '\0';
		else
			rel[0] = '\0';
		if (cg_move(b, rel, pid, NULL) == 0)
			r = 0;
	}
	return r;
}

/*
 * A pid written to the jail that turned out to be a newcomer's (the process
 * meant exited, its pid was taken): the newcomer goes where it was born, its
 * parent's cgroup, not where the process meant came from. Only if it is in
 * the jail now; a parent in the jail itself (or gone) sends it to the root.
 */
static void send_home(const struct cgroup_backend *b, const char *jail, pid_t pid)
{
	char where[1024], home[1024] = "/", path[48], buf[1024];
	struct proc_stat st;

	if (read_memory_cgroup(pid, where, sizeof(where)) < 0 || strcmp(where + 1, jail) != 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0 || !proc_parse_stat(buf, &st) ||
	    read_memory_cgroup(st.ppid, home, sizeof(home)) < 0 || strcmp(home + 1, jail) == 0)
		snprintf(home, sizeof(home), "/");
	move_back(b, home, pid, NULL, NULL);
}

/*
 * Undo a move: whatever is in the jail now (the process, the descendants
 * moved with it, what they started since) goes back to the origin.
 */
static void empty_jail(const struct cgroup_backend *b, const struct jail_state *st)
{
	pid_t procs[1024];
	int n = cg_procs(b, st->jail, procs, (int)ARRAY_SIZE(procs));

	for (int i = 0; i < n; i++) {
		char where[1024];

		if (read_memory_cgroup(procs[i], where, sizeof(where)) == 0 && strcmp(where + 1, st->jail) == 0)
			move_back(b, st->origin, procs[i], NULL, NULL);
	}
}

/*
 * Move the leaker's descendants into its jail: only those still in the
 * cgroup it came from (a child in a unit or cgroup of its own belongs
 * there), each checked by start time around the move as the leaker is.
 */
static int move_descendants(const struct cgroup_backend *b, const struct jail_state *st)
{
	struct kid kids[256];
	int n = descendants(st->pid, kids, (int)ARRAY_SIZE(kids)), moved = 0;

	for (int i = 0; i < n; i++) {
		cleanup_close int pidfd = pidfd_open(kids[i].pid, 0);
		char where[1024];
		uint64_t start;

		if (pidfd < 0 || proc_starttime(kids[i].pid, &start) < 0 || start != kids[i].starttime ||
		    read_memory_cgroup(kids[i].pid, where, sizeof(where)) < 0 || strcmp(where, st->origin) != 0)
			continue;
		if (cg_move(b, st->jail, kids[i].pid, NULL) < 0)
			continue;
		if (pidfd_exited(pidfd) || proc_starttime(kids[i].pid, &start) < 0 || start != kids[i].starttime) {
			/* gone around the move: the pid written may be a newcomer's now, which goes home */
			if (proc_starttime(kids[i].pid, &start) == 0 && start != kids[i].starttime)
				send_home(b, st->jail, kids[i].pid);
			continue;
		}
		moved++;
	}
	return moved;
}

int jail_target_open(const struct jail_request *req, struct lj_error *err)
{
	cleanup_close int pidfd = -1;
	uint64_t starttime;
	int r;

	/*
	 * The pidfd names this process for good; its pid number can still be
	 * reused once it exits and is reaped. The start time check below and the
	 * pidfd_exited() check after the move close that window as far as
	 * cgroupfs (which takes pids, not pidfds) allows.
	 */
	pidfd = pidfd_open(req->pid, 0);
	if (pidfd < 0)
		return lj_error_set(err, -ESRCH, "pid %d has exited", req->pid);
	if (proc_starttime(req->pid, &starttime) < 0 || starttime != req->starttime)
		return lj_error_set(err, -ESRCH, "pid %d is no longer the process that leaked (exited, pid reused)",
				    req->pid);
	r = untouchable(req->pid, err);
	if (r < 0)
		return r;
	return steal_fd(&pidfd);
}

/* The cgroupfs backend: a cgroup of leakjail's own, <mount>/<jail_parent>/<comm>-<pid>. */
static int cgroupfs_enter(struct jail_backend *jb, const char *state_dir, const struct jail_request *req,
			  struct jail_outcome *out, struct lj_error *err)
{
	const struct cgroup_backend *b = jb->cg;
	cleanup_close int pidfd = -1;
	struct jail_state st = { 0 };
	char name[64], path[1100] = "(gone)";
	uint64_t now_start;
	int r;

	memset(out, 0, sizeof(*out));
	pidfd = jail_target_open(req, err);
	if (pidfd < 0)
		return pidfd;
	jail_state_from_request(&st, req, "cgroupfs");
	jail_state_note_move(&st, req);
	if (read_memory_cgroup(req->pid, st.origin, sizeof(st.origin)) < 0)
		return lj_error_set(err, -ESRCH, "pid %d has exited", req->pid);
	sanitize(req->comm, name, sizeof(name));
	snprintf(st.jail, sizeof(st.jail), "%s/%s-%d", req->jail_parent, name, req->pid);
	if (strcmp(st.origin + 1, st.jail) == 0)
		return lj_error_set(err, -EALREADY, "pid %d is already in its jail", req->pid);

	r = cg_create(b, st.jail, err);
	if (r < 0)
		return r;
	r = cg_set_limits(b, st.jail, &st.limits, err);
	if (r < 0)
		goto undo_cgroup;
	/*
	 * v1 has no memory.high: at its limit, with nothing left to swap to, the
	 * kernel would OOM-kill the leaker inside its jail. It waits instead
	 * (under_oom), and jail_stalled (jails.c) says what follows.
	 */
	out->oom_kills = cg_oom_wait(b, st.jail, NULL) < 0;
	/* recorded before the move: a crash after it must not lose the way back */
	r = jail_state_save(state_dir, &st);
	if (r < 0) {
		lj_error_set(err, r, "cannot record the jail in %s: %s", state_dir,
			     r == -EACCES ? "not leakjail's own directory (another owner, or writable by group or others)"
					 : strerror(-r));
		goto undo_cgroup;
	}
	/* the steps above take time (an fsync among them): still the process meant? */
	if (pidfd_exited(pidfd) || proc_starttime(req->pid, &now_start) < 0 || now_start != req->starttime) {
		r = lj_error_set(err, -ESRCH, "pid %d exited before the move", req->pid);
		goto undo_state;
	}
	r = cg_move(b, st.jail, req->pid, err);
	if (r < 0) {
		if (pidfd_exited(pidfd))
			lj_error_set(err, -ESRCH, "pid %d exited while being moved", req->pid);
		goto undo_state;
	}
	if (pidfd_exited(pidfd)) {
		/* it died around the move: the pid written may already be a newcomer's, which goes home */
		if (proc_starttime(req->pid, &now_start) == 0 && now_start != req->starttime)
			send_home(b, st.jail, req->pid);
		r = lj_error_set(err, -ESRCH, "pid %d exited while being moved", req->pid);
		goto undo_state;
	}
	out->moved = 1;
	if (req->descendants)
		out->moved += move_descendants(b, &st);
	/* confirm: the kernel says where the process is now, and that it is still the one meant */
	if (read_memory_cgroup(req->pid, path, sizeof(path)) < 0 || pidfd_exited(pidfd) ||
	    strcmp(path + 1, st.jail) != 0) {
		r = pidfd_exited(pidfd) ? lj_error_set(err, -ESRCH, "pid %d exited while being jailed", req->pid)
					: lj_error_set(err, -EIO, "pid %d: the move to %s did not take (now in %s)",
						       req->pid, st.jail, path);
		goto undo_state;
	}
	/* the page-out itself is the caller's (src/jail/pageout.c): it takes a while */
	out->pageout_skipped = req->pageout && !swap_present();
	out->state = st;
	return 0;

undo_state:
	/*
	 * Nothing half made stays: what was moved (the descendants of a process
	 * that exited meanwhile among them) goes back where it came from before
	 * the record that names the way back goes.
	 */
	empty_jail(b, &st);
	jail_state_remove(state_dir, req->pid);
undo_cgroup:
	/* an exited process leaves its cgroup a moment after it is reaped */
	for (int tries = 0; tries < 10 && cg_remove(b, st.jail, NULL) == -EBUSY; tries++) {
		empty_jail(b, &st);
		usleep(10000);
	}
	return r;
}

bool jail_alive(const struct jail_state *j)
{
	uint64_t starttime;

	return proc_starttime(j->pid, &starttime) == 0 && starttime == j->starttime;
}

static int cgroupfs_release(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size,
			    struct lj_error *err)
{
	const struct cgroup_backend *b = jb->cg;
	pid_t procs[1024];
	bool remade = false;
	int n, r;

	if (cg_exists(b, j->jail)) {
		n = cg_procs(b, j->jail, procs, (int)ARRAY_SIZE(procs));
		for (int i = 0; i < n; i++) {
			char where[1024];

			/*
			 * The jailed process and whatever it started since. A pid
			 * listed a moment ago may have exited and been taken by a
			 * newcomer elsewhere: only what is in the jail now moves.
			 */
			if (read_memory_cgroup(procs[i], where, sizeof(where)) < 0 || strcmp(where + 1, j->jail) != 0)
				continue;
			bool made = false;

			r = move_back(b, j->origin, procs[i], &made, err);
			if (r < 0 && jail_alive(j) && procs[i] == j->pid)
				return r;
			remade |= made;
		}
		r = cg_remove(b, j->jail, err);
		if (r < 0)
			return r;
	}
	/* beyond "released": it is back where it was, unless that had gone */
	if (remade)
		snprintf(done, size, "its cgroup %.900s had been removed: made again", j->origin);
	return 0;
}

static int cgroupfs_retire(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size,
			   struct lj_error *err)
{
	int r = cg_remove(jb->cg, j->jail, err);

	if (r == 0)
		snprintf(done, size, "cgroup removed");
	return r;
}

const struct jail_backend_ops jail_cgroupfs_ops = {
	.name = "cgroupfs",
	.enter = cgroupfs_enter,
	.release = cgroupfs_release,
	.retire = cgroupfs_retire,
};
