// SPDX-License-Identifier: GPL-2.0-or-later
#include "jails.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define JAIL_FIELDS 6

static void jail_fields(const struct jail_state *j, char f[JAIL_FIELDS][160])
{
	snprintf(f[0], 160, "LEAKJAIL_PID=%d", j->pid);
	snprintf(f[1], 160, "LEAKJAIL_COMM=%s", j->comm);
	snprintf(f[2], 160, "LEAKJAIL_POLICY=%s", j->policy);
	snprintf(f[3], 160, "LEAKJAIL_JAIL=%.140s", j->jail);
	snprintf(f[4], 160, "LEAKJAIL_BACKEND=%s", j->backend);
	snprintf(f[5], 160, "LEAKJAIL_UNIT=%.140s", j->unit);
}

/* Retire the jail of a process that has exited; false while it still holds descendants. */
static bool retire(struct jails *js, const struct jail_state *j)
{
	struct lj_error err = { 0 };
	char f[JAIL_FIELDS][160], done[600];
	const char *fields[JAIL_FIELDS] = { f[0], f[1], f[2], f[3], f[4], f[5] };

	if (jail_retire(js->jb, js->state_dir, j, done, sizeof(done), &err) < 0) {
		if (err.code != -EBUSY)
			lj_log(LOG_WARNING, "%s", err.msg);
		return false;
	}
	jail_fields(j, f);
	lj_log_record(LOG_INFO, LJ_MSGID_JAILED, fields, j->unit[0] ? 6 : 5,
		      "jail %s removed: pid %d (%s) has exited; backend %s: %s", j->jail, j->pid, j->comm, j->backend,
		      done);
	return true;
}

int jails_load(struct jails *js, struct jail_backend *jb, const char *state_dir)
{
	struct jail_state *list;
	int n = jail_load_all(state_dir, &list);
	const struct cgroup_backend *cg = jb->cg;

	js->jb = jb;
	js->cg = cg;
	snprintf(js->state_dir, sizeof(js->state_dir), "%s", state_dir);
	js->list = NULL;
	js->n = 0;
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (!jail_alive(&list[i]) && retire(js, &list[i]))
			continue;
		if (!cg_exists(cg, list[i].jail)) {
			/* someone removed the jail: the process is free again */
			lj_log(LOG_WARNING, "jail %s of pid %d (%s) is gone: forgetting it", list[i].jail,
			       list[i].pid, list[i].comm);
			jail_state_remove(state_dir, list[i].pid);
			continue;
		}
		lj_log(LOG_INFO, "found jail %s: pid %d (%s), policy %s, backend %s%s%s", list[i].jail, list[i].pid,
		       list[i].comm, list[i].policy, list[i].backend, list[i].unit[0] ? ", unit " : "", list[i].unit);
		jails_add(js, &list[i]);
	}
	free(list);
	return (int)js->n;
}

int jails_add(struct jails *js, const struct jail_state *j)
{
	struct jail_state *n = realloc(js->list, (js->n + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	js->list = n;
	js->list[js->n++] = *j;
	return 0;
}

static void check_events(struct jails *js, struct jail_state *j)
{
	struct cg_events ev;
	char f[JAIL_FIELDS][160];
	const char *fields[JAIL_FIELDS] = { f[0], f[1], f[2], f[3], f[4], f[5] };

	if (cg_events(js->cg, j->jail, &ev) < 0)
		return;
	if (ev.oom_kill > j->events.oom_kill) {
		jail_fields(j, f);
		lj_log_record(LOG_WARNING, LJ_MSGID_JAILED, fields, j->unit[0] ? 6 : 5,
			      "OOM kill inside jail %s (pid %d, %s): %" PRIu64 " so far; the rest of the system was not touched",
			      j->jail, j->pid, j->comm, ev.oom_kill);
	}
	if (ev.max > j->events.max && j->events.max == 0)
		lj_log(LOG_INFO, "jail %s (pid %d, %s) reached its hard limit", j->jail, j->pid, j->comm);
	if (ev.oom_kill != j->events.oom_kill) {
		j->events = ev;
		jail_state_save(js->state_dir, j); /* a restarted daemon does not report it again */
	}
	j->events = ev;
}

/* `leakjail release` deletes the record: a jail limited in place keeps its cgroup */
static bool jail_recorded(const char *state_dir, pid_t pid)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/jails/%d", state_dir, pid);
	return access(path, F_OK) == 0;
}

void jails_maintain(struct jails *js, struct scanner *sc)
{
	size_t keep = 0;

	for (size_t i = 0; i < js->n; i++) {
		struct jail_state *j = &js->list[i];
		struct proc_entry *e;

		/* first: an OOM kill ends the process, and must be told before its jail goes */
		if (cg_exists(js->cg, j->jail))
			check_events(js, j);
		if (!jail_alive(j)) {
			if (retire(js, j))
				continue;
		} else if (!cg_exists(js->cg, j->jail) || !jail_recorded(js->state_dir, j->pid)) {
			/* released (leakjail release) or removed by someone: forget it, do not judge it again */
			lj_log(LOG_INFO, "jail %s of pid %d (%s) is gone: released", j->jail, j->pid, j->comm);
			jail_state_remove(js->state_dir, j->pid);
			continue;
		} else {
			char done[600];

			if (jail_follow(js->jb, j, done, sizeof(done)) > 0)
				lj_log(LOG_WARNING, "jail %s of pid %d (%s): %s", j->jail, j->pid, j->comm, done);
			e = sc ? track_find(&sc->procs, j->pid) : NULL;
			if (e && e->starttime == j->starttime)
				e->jailed = true;
		}
		js->list[keep++] = *j;
	}
	js->n = keep;
}

void jails_free(struct jails *js)
{
	free(js->list);
	js->list = NULL;
	js->n = 0;
}
