// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Jails for processes in containers: the container's own memory cgroup is
 * limited in place. A move out would take the process out of reach of the
 * container's own limit (a jail larger than it lets the process escape it)
 * and out of its runtime's accounting (`podman stats`); in place, every page
 * the process ever charged to its container is under the limit at once.
 *
 * What is written, and only that: the limit a jail lives under (v2
 * memory.high, a throttle that never OOM-kills; v1 memory.limit_in_bytes,
 * with memsw left as the runtime set it). memory.max and memory.swap.max
 * stay the runtime's. The limit is never looser than the container's own,
 * and never written below what the container holds: it starts at the usage
 * (a write below it would make the kernel reclaim, or OOM-kill, inside the
 * write) and steps down toward its target by at most one slice a pass while
 * there is swap room, as the page-out frees what the leaker holds.
 * The limit before is recorded and written back on release, or when the
 * process is gone, unless the container was restarted meanwhile (its cgroup
 * is another: the runtime has set its limits again).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "container.h"
#include "jail.h"
#include "proc.h"

/* the most one pass's write may make the kernel reclaim in leakjail's context */
#define STEP_SLICE (32 * MIB)

/* Free swap, in bytes (0 without swap). */
static uint64_t swap_free(void)
{
	char buf[8192];
	struct meminfo m;

	if (read_file_at(AT_FDCWD, "/proc/meminfo", buf, sizeof(buf)) < 0 || !proc_parse_meminfo(buf, &m))
		return 0;
	return m.swap_free;
}

static uint64_t resident_of(pid_t pid)
{
	char path[48], buf[256];
	struct proc_statm sm;

	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0 || !proc_parse_statm(buf, &sm))
		return 0;
	return sm.resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

bool jail_container_applies(const struct jail_backend *jb, pid_t pid)
{
	char path[1024];
	struct container c;

	if (proc_memory_cgroup(pid, path, sizeof(path)) < 0 || !container_of_cgroup(path, &c))
		return false;
	/*
	 * Under systemd a container's scope is a unit: its memory properties
	 * are systemd's to write (SetUnitProperties), not ours behind its back.
	 * That is the systemd backend's part.
	 */
	return !(c.scope && jb->ops == &jail_systemd_ops);
}

/* The limit in force on the container's cgroup and, on v2, the hard one above it. */
static int read_limits(const struct cgroup_backend *b, const char *rel, struct cg_limits *l)
{
	int r;

	l->max = l->swap = CG_UNLIMITED;
	if (b->version == CG_V2) {
		r = cg_read_u64(b, rel, "memory.high", &l->high);
		if (r == 0)
			r = cg_read_u64(b, rel, "memory.max", &l->max);
		if (r == 0 && cg_read_u64(b, rel, "memory.swap.max", &l->swap) < 0)
			l->swap = CG_UNLIMITED;
		return r;
	}
	r = cg_read_u64(b, rel, "memory.limit_in_bytes", &l->high);
	if (r == 0 && cg_read_u64(b, rel, "memory.memsw.limit_in_bytes", &l->swap) < 0)
		l->swap = CG_UNLIMITED;
	return r;
}

static int container_enter(struct jail_backend *jb, const char *state_dir, const struct jail_request *req,
			   struct jail_outcome *out, struct lj_error *err)
{
	const struct cgroup_backend *b = jb->cg;
	cleanup_close int pidfd = -1;
	struct jail_state st = { 0 };
	struct container c;
	struct cg_usage u;
	char label[sizeof(st.container)], high[24], was[24], start_s[24];
	const char *rel;
	uint64_t own, rss, others, start, free_swap;
	pid_t procs[256];
	int n, r;

	memset(out, 0, sizeof(*out));
	pidfd = jail_target_open(req, err);
	if (pidfd < 0)
		return pidfd;
	if (proc_memory_cgroup(req->pid, st.origin, sizeof(st.origin)) < 0)
		return lj_error_set(err, -ESRCH, "pid %d has exited", req->pid);
	if (!container_of_cgroup(st.origin, &c))
		return lj_error_set(err, -EAGAIN, "pid %d left its container", req->pid);
	container_read_name(&c, "");
	container_describe(&c, label, sizeof(label));
	rel = c.cgroup + 1;

	jail_state_from_request(&st, req, "container");
	snprintf(st.jail, sizeof(st.jail), "%.1000s", rel);
	snprintf(st.container, sizeof(st.container), "%s", label);
	st.cg_ino = cg_ino(b, rel);
	if (!st.cg_ino || read_limits(b, rel, &st.prev) < 0 || cg_usage(b, rel, &u) < 0)
		return lj_error_set(err, -ESRCH, "%s: its memory cgroup %s cannot be read", label, c.cgroup);
	/* what the container held already counts from here: earlier OOM kills are not the jail's */
	cg_events(b, rel, &st.events);

	/* never looser than the container's own limit (v2: the lower of high and max) */
	own = b->version == CG_V2 ? MIN(st.prev.high, st.prev.max) : st.prev.high;
	free_swap = swap_free();
	if (b->version == CG_V1 && free_swap < STEP_SLICE)
		/* at a v1 limit with nowhere to swap, the kernel OOM-kills in the container */
		return lj_error_set(err, -ENOSPC,
				    "%s: not limited: no swap room (%" PRIu64 " MiB free), and on cgroup v1 a limit "
				    "without it OOM-kills inside the container",
				    label, free_swap >> 20);
	/*
	 * The jail is for the leaker; the others in its container keep what
	 * they hold: the target is theirs plus the leaker's jail size.
	 */
	rss = resident_of(req->pid);
	others = u.memory > rss ? u.memory - rss : 0;
	st.limits.high = cg_page_up(MIN(others + req->limits.high, own));
	st.limits.max = st.prev.max;
	st.limits.swap = st.prev.swap;
	/* start at what it holds: nothing is reclaimed inside the write */
	start = cg_page_up(MIN(MAX(st.limits.high, u.memory), own));
	n = cg_procs(b, rel, procs, (int)ARRAY_SIZE(procs));

	/* recorded before the write: a crash after it must not lose the limit before */
	r = jail_state_save(state_dir, &st);
	if (r < 0)
		return lj_error_set(err, r, "cannot record the jail in %s: %s", state_dir, strerror(-r));
	if (start < own) {
		r = cg_set_high(b, rel, start, err);
		if (r < 0) {
			jail_state_remove(state_dir, req->pid);
			return r;
		}
	}
	jail_fmt_limit(high, sizeof(high), st.limits.high);
	jail_fmt_limit(was, sizeof(was), st.prev.high);
	jail_fmt_limit(start_s, sizeof(start_s), start);
	snprintf(out->how, sizeof(out->how),
		 "in its container %s: the container's cgroup %.200s limited in place to %s (was %s; %s %s now, "
		 "down to it as what it holds goes to swap)%s%s",
		 label, c.cgroup, high, was, b->version == CG_V2 ? "memory.high" : "memory.limit_in_bytes", start_s,
		 n > 1 ? "; the container holds other processes: they share the limit" : "",
		 /* the kubelet owns a pod's limits (with MemoryQoS it writes memory.high itself) */
		 c.pod[0] ? "; a Kubernetes pod's container: the kubelet may set its limits again, lower the "
			    "pod's memory limit to keep it"
			  : "");
	out->moved = 0;
	out->pageout_skipped = req->pageout && free_swap == 0;
	out->state = st;
	return 0;
}

/* The container's cgroup is still the one jailed (not restarted, not gone). */
static bool same_container(const struct cgroup_backend *b, const struct jail_state *j)
{
	return cg_ino(b, j->jail) == j->cg_ino;
}

static int container_follow(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size)
{
	const struct cgroup_backend *b = jb->cg;
	struct cg_usage u;
	char high[24];
	uint64_t next;

	if (!same_container(b, j) || cg_usage(b, j->jail, &u) < 0 || u.limit <= j->limits.high)
		return 0;
	if (swap_free() < 2 * STEP_SLICE)
		return 0; /* nowhere for the kernel to put what it would reclaim: hold here */
	/* one slice below what it holds at most: what the write reclaims stays small */
	next = cg_page_up(MAX(j->limits.high, u.memory > STEP_SLICE ? u.memory - STEP_SLICE : 0));
	if (next >= u.limit || cg_set_high(b, j->jail, next, NULL) < 0)
		return 0;
	if (next > j->limits.high)
		return 0; /* on its way: said once, when it gets there */
	jail_fmt_limit(high, sizeof(high), next);
	snprintf(done, size, "the limit on container %s reached its target, %s", j->container, high);
	return 1;
}

static int restore(const struct cgroup_backend *b, const struct jail_state *j, char *done, size_t size,
		   struct lj_error *err)
{
	char was[24];
	int r;

	if (!cg_exists(b, j->jail)) {
		snprintf(done, size, "container %s is gone", j->container);
		return 0;
	}
	if (!same_container(b, j)) {
		snprintf(done, size, "container %s was restarted: its runtime set its limits again", j->container);
		return 0;
	}
	r = cg_set_high(b, j->jail, j->prev.high, err);
	if (r < 0)
		return r;
	jail_fmt_limit(was, sizeof(was), j->prev.high);
	snprintf(done, size, "container %s: its limit is %s again", j->container, was);
	return 0;
}

static int container_release(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size,
			     struct lj_error *err)
{
	return restore(jb->cg, j, done, size, err);
}

static int container_retire(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size,
			    struct lj_error *err)
{
	/* the container may go on without the leaker: it gets its own limit back */
	return restore(jb->cg, j, done, size, err);
}

/* grow (jail_stalled, jail_thrash): the limit only, never above the container's own */
static int container_set_limits(struct jail_backend *jb, const char *state_dir, const struct jail_state *j,
				const struct cg_limits *l, struct lj_error *err)
{
	(void)state_dir;
	const struct cgroup_backend *b = jb->cg;
	uint64_t own = b->version == CG_V2 ? MIN(j->prev.high, j->prev.max) : j->prev.high;

	if (!same_container(b, j))
		return lj_error_set(err, -ESRCH, "container %s was restarted or is gone", j->container);
	return cg_set_high(b, j->jail, cg_page_up(MIN(l->high, own)), err);
}

/* kill (jail_stalled): the jailed process only; its container's others are not the leak */
static int container_kill(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size)
{
	cleanup_close int pidfd = -1;

	(void)jb;
	if (!jail_alive(j) || (pidfd = pidfd_open(j->pid, 0)) < 0 || !jail_alive(j)) {
		snprintf(done, size, "pid %d had exited", j->pid);
		return 0;
	}
	if (pidfd_send_signal(pidfd, SIGKILL, NULL, 0) < 0)
		return -errno;
	snprintf(done, size, "killed pid %d; the other processes of container %s live on", j->pid, j->container);
	return 0;
}

const struct jail_backend_ops jail_container_ops = {
	.name = "container",
	.enter = container_enter,
	.release = container_release,
	.retire = container_retire,
	.follow = container_follow,
	.set_limits = container_set_limits,
	.kill = container_kill,
};
