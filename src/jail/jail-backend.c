// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Choosing who makes jails, once, and the calls every caller makes: they
 * never ask which backend they have. A record names the backend that made
 * it, and is undone by that one.
 */
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "jail.h"
#include "runjail.h"

bool jail_backend_is_systemd(enum jail_backend_kind kind, const struct cgroup_backend *cg)
{
	if (kind == BACKEND_AUTO)
		/* systemd owns the cgroup tree where it is PID 1 on the unified hierarchy (its CGROUP_DELEGATION.md) */
		return sd_booted() > 0 && cg->version == CG_V2;
	return kind == BACKEND_SYSTEMD;
}

int jail_backend_open(struct jail_backend *jb, const struct cgroup_backend *cg, enum jail_backend_kind kind,
		      struct lj_error *err)
{
	memset(jb, 0, sizeof(*jb));
	jb->cg = cg;
	if (!jail_backend_is_systemd(kind, cg)) {
		jb->ops = &jail_cgroupfs_ops;
		return 0;
	}
	if (cg->version != CG_V2)
		return lj_error_set(err, -EOPNOTSUPP,
				    "backend = systemd needs the memory controller on cgroup v2 (here: %s)",
				    cg_version_name(cg));
	jb->ops = &jail_systemd_ops;
	return jail_systemd_open(jb, err);
}

void jail_backend_close(struct jail_backend *jb)
{
	if (jb->ops && jb->ops->close)
		jb->ops->close(jb);
	jb->ops = NULL;
}

const char *jail_backend_name(const struct jail_backend *jb)
{
	return jb->ops ? jb->ops->name : "none";
}

void jail_state_from_request(struct jail_state *st, const struct jail_request *req, const char *backend)
{
	st->pid = req->pid;
	st->starttime = req->starttime;
	snprintf(st->backend, sizeof(st->backend), "%s", backend);
	snprintf(st->comm, sizeof(st->comm), "%s", req->comm);
	snprintf(st->policy, sizeof(st->policy), "%s", req->policy);
	snprintf(st->reason, sizeof(st->reason), "%s", req->reason ? req->reason : "");
	st->since = now_wall();
	st->limits = req->limits;
}

void jail_state_note_move(struct jail_state *st, const struct jail_request *req)
{
	size_t n = strlen(st->reason);

	if (req->moved_note && req->moved_note[0])
		snprintf(st->reason + n, sizeof(st->reason) - n, "; %s", req->moved_note);
}

int jail_enter(struct jail_backend *jb, const char *state_dir, const struct jail_request *req,
	       struct jail_outcome *out, struct lj_error *err)
{
	/* never moved out of its container: a move escapes the container's own limit and accounting */
	if (jail_container_applies(jb, req->pid))
		return jail_container_ops.enter(jb, state_dir, req, out, err);
	return jb->ops->enter(jb, state_dir, req, out, err);
}

/* The ops of the backend that made j; NULL (and err set) when this run cannot undo it. */
static const struct jail_backend_ops *maker_of(struct jail_backend *jb, const struct jail_state *j,
					       struct lj_error *err)
{
	if (strcmp(j->backend, jb->ops->name) == 0)
		return jb->ops;
	/* cgroupfs needs nothing but the mount, which every backend has */
	if (strcmp(j->backend, "cgroupfs") == 0)
		return &jail_cgroupfs_ops;
	if (strcmp(j->backend, "container") == 0)
		return &jail_container_ops;
	if (strcmp(j->backend, "run") == 0)
		return &jail_run_ops;
	lj_error_set(err, -EOPNOTSUPP, "pid %d was jailed by the %s backend (unit %s), which is not in use here (%s)",
		     j->pid, j->backend, j->unit, jb->ops->name);
	return NULL;
}

int jail_release(struct jail_backend *jb, const char *state_dir, pid_t pid, char *done, size_t size,
		 struct lj_error *err)
{
	const struct jail_backend_ops *ops;
	struct jail_state j;
	int r;

	done[0] = '\0';
	r = jail_state_load(state_dir, pid, &j);
	/* a run's jail is recorded under its command's pid: the run's own pid finds it too */
	if (r == -ENOENT)
		r = run_jail_find(state_dir, pid, &j);
	if (r < 0)
		return lj_error_set(err, r, "pid %d is not jailed (no record in %s/jails)", pid, state_dir);
	ops = maker_of(jb, &j, err);
	if (!ops)
		return err->code;
	/* a run watches its record: the record's removal is what asks it to lift its limit */
	if (ops == &jail_run_ops && (r = jail_state_remove(state_dir, j.pid)) < 0)
		return lj_error_set(err, r, "cannot remove the record %s/jails/%d: %s", state_dir, j.pid,
				    strerror(-r));
	/* also for a process that has exited: what it started may still be in the jail */
	r = ops->release(jb, &j, done, size, err);
	if (r < 0)
		return r;
	return jail_state_remove(state_dir, j.pid);
}

int jail_retire(struct jail_backend *jb, const char *state_dir, const struct jail_state *j, char *done,
		size_t size, struct lj_error *err)
{
	const struct jail_backend_ops *ops = maker_of(jb, j, err);
	int r;

	done[0] = '\0';
	if (!ops)
		return err->code;
	r = ops->retire(jb, j, done, size, err);
	if (r < 0)
		return r;
	return jail_state_remove(state_dir, j->pid);
}

int jail_follow(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size)
{
	done[0] = '\0';
	if (strcmp(j->backend, jail_container_ops.name) == 0)
		return jail_container_ops.follow(jb, j, done, size);
	if (strcmp(j->backend, jb->ops->name) != 0 || !jb->ops->follow)
		return 0;
	return jb->ops->follow(jb, j, done, size);
}

int jail_set_limits(struct jail_backend *jb, const char *state_dir, const struct jail_state *j,
		    const struct cg_limits *l, struct lj_error *err)
{
	if (strcmp(j->backend, jail_container_ops.name) == 0)
		return jail_container_ops.set_limits(jb, state_dir, j, l, err);
	if (strcmp(j->backend, jb->ops->name) != 0 || !jb->ops->set_limits)
		return -EOPNOTSUPP;
	return jb->ops->set_limits(jb, state_dir, j, l, err);
}

int jail_kill(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size)
{
	done[0] = '\0';
	if (strcmp(j->backend, jail_container_ops.name) == 0)
		return jail_container_ops.kill(jb, j, done, size);
	if (strcmp(j->backend, jb->ops->name) != 0 || !jb->ops->kill)
		return -EOPNOTSUPP;
	return jb->ops->kill(jb, j, done, size);
}
