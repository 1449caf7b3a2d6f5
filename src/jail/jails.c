// SPDX-License-Identifier: GPL-2.0-or-later
#include "jails.h"

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "runjail.h"

/*
 * Retire the jail of a process that has exited; false while it still holds
 * descendants, or cannot be retired here. Why not is said once (*said), not
 * at every pass: a record of a backend not in use here (a systemd jail
 * seen by a daemon with backend = cgroupfs) waits for that backend.
 */
static bool retire(struct jails *js, const struct jail_state *j, bool *said)
{
	struct lj_error err = { 0 };
	char f[JAIL_LOG_FIELDS][160], done[600];
	const char *fields[JAIL_LOG_FIELDS] = { f[0], f[1], f[2], f[3], f[4], f[5] };
	size_t n;

	if (jail_retire(js->jb, js->state_dir, j, done, sizeof(done), &err) < 0) {
		/* being undone through systemd: its answer comes to a later pass */
		if (err.code == -EINPROGRESS)
			return false;
		if (err.code != -EBUSY && !*said)
			lj_log(LOG_WARNING, "%s; its record is kept for it (said once)", err.msg);
		*said = err.code != -EBUSY;
		return false;
	}
	n = jail_log_fields(j, f);
	lj_log_record(LOG_INFO, LJ_MSGID_JAILED, fields, n,
		      "jail %s removed: pid %d (%s) has exited; backend %s: %s", j->jail, j->pid, j->comm, j->backend,
		      done);
	return true;
}

int jails_load(struct jails *js, struct jail_backend *jb, const char *state_dir)
{
	struct jail_state *list;
	int n;
	const struct cgroup_backend *cg = jb->cg;

	/* records of runs killed outright go; a live run's jail is its own to watch and lift (src/jail/runjail.h) */
	run_jails_sweep(state_dir);
	n = jail_load_all(state_dir, &list);

	js->jb = jb;
	js->cg = cg;
	snprintf(js->state_dir, sizeof(js->state_dir), "%s", state_dir);
	js->list = NULL;
	js->stall = NULL;
	js->n = 0;
	js->check.n = 0;
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		bool said = false;

		if (list[i].run_pid)
			continue;
		if (!jail_alive(&list[i]) && retire(js, &list[i], &said))
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
		if (jails_add(js, &list[i]) == 0)
			js->stall[js->n - 1].retire_said = said;
	}
	free(list);
	return (int)js->n;
}

int jails_add(struct jails *js, const struct jail_state *j)
{
	struct jail_state *n = realloc(js->list, (js->n + 1) * sizeof(*n));
	struct stall_state *s;

	if (!n)
		return -ENOMEM;
	js->list = n;
	s = realloc(js->stall, (js->n + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	js->stall = s;
	memset(&js->stall[js->n], 0, sizeof(*s));
	js->list[js->n++] = *j;
	return 0;
}

static void read_sample(struct jails *js, const struct jail_state *j, const struct cg_events *ev,
			const struct scanner *sc, struct stall_sample *s)
{
	struct cg_usage u;
	char path[1400], buf[512];
	struct psi psi;

	memset(s, 0, sizeof(*s));
	s->t_ms = now_ms();
	if (cg_usage(js->cg, j->jail, &u) == 0) {
		s->usage = u.memory;
		s->limit = u.limit;
		s->swap_used = u.swap;
	}
	s->swap_allowance = j->limits.swap;
	/* v1: failcnt (in ev->max) counts every charge that met the limit */
	s->limit_hits = js->cg->version == CG_V2 ? ev->high + ev->max : ev->max;
	s->under_oom = cg_under_oom(js->cg, j->jail);
	if (js->cg->version == CG_V2) {
		/* "some avg10=12.50 avg60=... total=...\nfull avg10=10.20 ..." */
		cg_path(js->cg, j->jail, path, sizeof(path));
		strncat(path, "/memory.pressure", sizeof(path) - strlen(path) - 1);
		if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) >= 0 && proc_parse_psi(buf, &psi)) {
			s->have_psi = true;
			s->full_avg10 = psi.full_avg10;
			s->some_avg10 = psi.some_avg10;
		}
	}
	s->swap_total = sc->sys.mem.swap_total;
	s->swap_free = sc->sys.mem.swap_free;
}

/* grow: a quarter more room (16 MiB at least, or at_least), v2 max and v1 memsw moved along; recorded. */
static int grow(struct jails *js, struct jail_state *j, uint64_t at_least, char *done, size_t size)
{
	struct lj_error err = { 0 };
	struct jail_state rec;
	struct cg_limits l;
	uint64_t step;
	char high[FMT_SIZE_MAX], max[FMT_SIZE_MAX];
	int r;

	/* the backend may have changed them since (systemd: MemoryHigh following an in-place reclaim) */
	if (jail_state_load(js->state_dir, j->pid, &rec) == 0 && rec.starttime == j->starttime)
		j->limits = rec.limits;
	l = j->limits;
	step = MAX(MAX(l.high / 4, 16 * MIB), at_least);
	step = (step + 4095) / 4096 * 4096;
	l.high += step;
	if (l.max != CG_UNLIMITED)
		l.max += step;
	/* through the owner of the jail's cgroup (systemd), else it is leakjail's own */
	r = jail_set_limits(js->jb, js->state_dir, j, &l, &err);
	if (r == -EOPNOTSUPP)
		r = cg_set_limits(js->cg, j->jail, &l, &err);
	if (r < 0) {
		snprintf(done, size, "could not grow it: %.250s", err.msg);
		return r;
	}
	j->limits = l;
	jail_state_save(js->state_dir, j);
	jail_fmt_limit(high, sizeof(high), l.high);
	jail_fmt_limit(max, sizeof(max), l.max);
	if (js->cg->version == CG_V2)
		snprintf(done, size, "grown by %llu MiB: high=%s max=%s", (unsigned long long)(step >> 20), high, max);
	else
		snprintf(done, size, "grown by %llu MiB: limit=%s", (unsigned long long)(step >> 20), high);
	return 0;
}

int jails_grow(struct jails *js, struct jail_state *j, uint64_t at_least, char *done, size_t size)
{
	return grow(js, j, at_least, done, size);
}

/* kill: every process in the jail (the jailed one and what it started), if it is still the one jailed. */
static void kill_jail(struct jails *js, const struct jail_state *j, char *done, size_t size)
{
	pid_t pids[1024];
	int n, killed = 0;

	if (!jail_alive(j)) {
		snprintf(done, size, "pid %d has exited meanwhile", j->pid);
		return;
	}
	/* through the owner of the jail (systemd: KillUnit), else leakjail's own signals */
	if (jail_kill(js->jb, j, done, size) != -EOPNOTSUPP)
		return;
	n = cg_procs(js->cg, j->jail, pids, (int)ARRAY_SIZE(pids));
	for (int i = 0; i < n; i++)
		if (kill(pids[i], SIGKILL) == 0)
			killed++;
	snprintf(done, size, "killed %d process%s in the jail", killed, killed == 1 ? "" : "es");
}

static void check_stall(struct jails *js, struct jail_state *j, struct stall_state *st,
			const struct cg_events *ev, const struct scanner *sc)
{
	const struct policy *p = config_policy(sc->cfg, j->policy);
	enum lj_stalled what = p ? p->jail_stalled : STALLED_LOG;
	struct stall_sample s;
	char evidence[400], done[300], f[JAIL_LOG_FIELDS + 1][160];
	const char *fields[JAIL_LOG_FIELDS + 1] = { f[0], f[1], f[2], f[3], f[4], f[5], f[6] };
	enum stall_reason r;
	size_t n;

	read_sample(js, j, ev, sc, &s);
	r = stall_check(st, &s, evidence, sizeof(evidence));
	if (r == STALL_NONE)
		return;
	st->grows = MAX(st->grows, j->stall_grows); /* a restarted daemon goes on counting */
	if (what == STALLED_GROW && st->grows >= STALL_MAX_GROWS)
		what = STALLED_LOG;
	if (what == STALLED_LOG && st->reported)
		return;
	switch (what) {
	case STALLED_GROW:
		j->stall_grows = st->grows + 1; /* recorded with the new limits */
		if (grow(js, j, 0, done, sizeof(done)) == 0)
			st->grows++;
		else
			j->stall_grows = st->grows;
		break;
	case STALLED_KILL:
		kill_jail(js, j, done, sizeof(done));
		break;
	case STALLED_LOG:
		snprintf(done, sizeof(done), "%s",
			 p && p->jail_stalled == STALLED_GROW ? "grown the most it may be (jail_stalled = grow): left as it is"
							      : "left as it is (jail_stalled = log)");
		break;
	}
	st->reported = true;
	stall_acted(st);
	n = jail_log_fields(j, f);
	snprintf(f[n++], 160, "LEAKJAIL_STALL=%s",
		 what == STALLED_GROW ? "grow" : what == STALLED_KILL ? "kill" : "log");
	lj_log_record(LOG_WARNING, LJ_MSGID_JAILED, fields, n, "jail %s stalled: pid %d (%s) policy=%s is %s: %s; %s",
		      j->jail, j->pid, j->comm, j->policy, stall_reason_name(r), evidence, done);
}

/* Free swap running out while jails hold leakers: said before it is gone. */
static void check_swap(struct jails *js, const struct scanner *sc)
{
	const struct meminfo *m = &sc->sys.mem;
	uint64_t held = 0;
	char fr[FMT_SIZE_MAX], tot[FMT_SIZE_MAX], h[FMT_SIZE_MAX];

	if (!sc || !js->n || !swap_running_out(m->swap_total, m->swap_free, &js->swap_warned))
		return;
	for (size_t i = 0; i < js->n; i++) {
		struct cg_usage u;

		if (cg_usage(js->cg, js->list[i].jail, &u) == 0)
			held += u.swap;
	}
	lj_log(LOG_WARNING,
	       "free swap is running out: %s of %s free; %zu jail%s hold %s in swap. When it is gone, a jailed process at its limit %s; jail_stalled says what leakjail does then",
	       fmt_size(fr, sizeof(fr), m->swap_free), fmt_size(tot, sizeof(tot), m->swap_total), js->n,
	       js->n == 1 ? "" : "s", fmt_size(h, sizeof(h), held),
	       js->cg->version == CG_V2 ? "stalls (throttled at memory.high, never OOM-killed)"
					: "stalls (waits under an OOM that kills nothing)");
}

static void check_events(struct jails *js, struct jail_state *j, struct stall_state *st,
			 const struct scanner *sc)
{
	struct cg_events ev;
	char f[JAIL_LOG_FIELDS][160];
	const char *fields[JAIL_LOG_FIELDS] = { f[0], f[1], f[2], f[3], f[4], f[5] };

	if (cg_events(js->cg, j->jail, &ev) < 0)
		return;
	if (ev.oom_kill > j->events.oom_kill) {
		lj_log_record(LOG_WARNING, LJ_MSGID_JAILED, fields, jail_log_fields(j, f),
			      "OOM kill inside jail %s (pid %d, %s): %" PRIu64 " so far; the rest of the system was not touched",
			      j->jail, j->pid, j->comm, ev.oom_kill);
	}
	if (ev.max > j->events.max && j->events.max == 0)
		lj_log(LOG_INFO, "jail %s (pid %d, %s) reached its hard limit", j->jail, j->pid, j->comm);
	if (ev.oom_kill != j->events.oom_kill) {
		struct jail_state rec;

		j->events = ev;
		/*
		 * Its limits as recorded now (an in-place reclaim moves them while
		 * it runs); a record released meanwhile is not written again.
		 */
		if (jail_state_load(js->state_dir, j->pid, &rec) == 0 && rec.starttime == j->starttime) {
			j->limits = rec.limits;
			jail_state_save(js->state_dir, j); /* a restarted daemon does not report it again */
		}
	}
	j->events = ev;
	if (sc && jail_alive(j))
		check_stall(js, j, st, &ev, sc);
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

	check_swap(js, sc);
	for (size_t i = 0; i < js->n; i++) {
		struct jail_state *j = &js->list[i];
		struct proc_entry *e;

		/* first: an OOM kill ends the process, and must be told before its jail goes */
		if (cg_exists(js->cg, j->jail))
			check_events(js, j, &js->stall[i], sc);
		if (!jail_alive(j)) {
			if (retire(js, j, &js->stall[i].retire_said))
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
			if (jailcheck_pass(js, j, sc))
				continue; /* released: it was not leaking (src/jail/jailcheck.h) */
			e = sc ? track_find(&sc->procs, j->pid) : NULL;
			if (e && e->starttime == j->starttime)
				e->jailed = true;
		}
		js->stall[keep] = js->stall[i];
		js->list[keep++] = *j;
	}
	js->n = keep;
	jailcheck_sweep(&js->check);
}

void jails_free(struct jails *js)
{
	free(js->list);
	free(js->stall);
	jailcheck_free(&js->check);
	js->list = NULL;
	js->stall = NULL;
	js->n = 0;
}
