// SPDX-License-Identifier: GPL-2.0-or-later
#include "jailcheck.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jails.h"
#include "log.h"
#include "proc.h"
#include "util.h"

const char *jailcheck_verdict_name(enum jailcheck_verdict v)
{
	switch (v) {
	case JAILCHECK_THRASH:
		return "thrash";
	case JAILCHECK_GIVE_BACK:
		return "give-back";
	case JAILCHECK_NONE:
		break;
	}
	return "none";
}

/* A counter's rise since the last pass; 0 when unknown or when it went back (a new jail, a restart). */
static uint64_t rise(uint64_t now, uint64_t before)
{
	if (now == JAILCHECK_UNKNOWN || before == JAILCHECK_UNKNOWN || now < before)
		return 0;
	return now - before;
}

enum jailcheck_verdict jailcheck_judge(struct jailcheck_state *st, const struct jailcheck_sample *s,
				       const struct jailcheck_policy *p, char *evidence, size_t size)
{
	char a[FMT_SIZE_MAX], b[FMT_SIZE_MAX], c[FMT_SIZE_MAX], d[FMT_SIZE_MAX], e[FMT_SIZE_MAX];
	uint64_t dt, n, held, grew, pace;

	evidence[0] = '\0';
	if (!st->have_last) {
		st->have_last = true;
		st->last = *s;
		st->peak = s->footprint;
		st->first_ms = s->t_ms;
		return JAILCHECK_NONE;
	}
	if (s->t_ms <= st->last.t_ms)
		return JAILCHECK_NONE;
	dt = s->t_ms - st->last.t_ms;
	/* the sources overlap (a swap-in is a major fault of the process and of its jail): the largest */
	n = MAX(rise(s->majflt, st->last.majflt),
		MAX(rise(s->cg_majflt, st->last.cg_majflt), rise(s->cg_refault, st->last.cg_refault)));
	st->refaults += n;
	st->rate = (double)n * 1000.0 / (double)dt;
	/* waiting under an OOM with swap to spare: as hot as a jail gets (jailcheck.h) */
	if (s->under_oom && s->swap_room >= JAILCHECK_OOM_ROOM)
		st->rate = MAX(st->rate, JAILCHECK_REFAULTS);
	st->last = *s;
	st->peak = MAX(st->peak, s->footprint);

	if (p->growth && st->peak - s->footprint >= p->growth / 2) {
		snprintf(evidence, size,
			 "footprint %s, down %s from its highest in the jail (%s): more than half the policy's growth (%s)",
			 fmt_size(a, sizeof(a), s->footprint), fmt_size(b, sizeof(b), st->peak - s->footprint),
			 fmt_size(c, sizeof(c), st->peak), fmt_size(d, sizeof(d), p->growth));
		return JAILCHECK_GIVE_BACK;
	}

	if (st->rate < JAILCHECK_REFAULTS || s->t_ms - st->first_ms < JAILCHECK_SETTLE_MS) {
		st->since_ms = 0;
		return JAILCHECK_NONE;
	}
	if (!st->since_ms) {
		/* it began with the pass that showed it: count from the pass before */
		st->since_ms = MAX(s->t_ms - dt, 1);
		st->since_refaults = st->refaults - n;
		st->since_footprint = s->footprint;
	}
	held = s->t_ms - st->since_ms;
	if (held < JAILCHECK_HOLD_MS)
		return JAILCHECK_NONE;
	grew = s->footprint > st->since_footprint ? s->footprint - st->since_footprint : 0;
	pace = p->window_ms ? (uint64_t)((double)p->growth * (double)held / (double)p->window_ms) : 0;
	if (grew >= pace) {
		/* refaulting and growing like a leak: a leaker that touches what it leaks; look again afresh */
		st->since_ms = s->t_ms;
		st->since_refaults = st->refaults;
		st->since_footprint = s->footprint;
		return JAILCHECK_NONE;
	}
	snprintf(evidence, size,
		 "%.0f refaults/s for %.0f s (%" PRIu64 " pages faulted back in, %s; threshold %.0f/s); footprint %s, grew %s in that time (a leak at the policy's pace: %s); limit %s",
		 (double)(st->refaults - st->since_refaults) * 1000.0 / (double)held, (double)held / 1000.0,
		 st->refaults - st->since_refaults,
		 fmt_size(a, sizeof(a), (st->refaults - st->since_refaults) * 4096), JAILCHECK_REFAULTS,
		 fmt_size(b, sizeof(b), s->footprint), fmt_size(c, sizeof(c), grew), fmt_size(d, sizeof(d), pace),
		 s->limit == UINT64_MAX ? "none" : fmt_size(e, sizeof(e), s->limit));
	if (s->under_oom && strlen(evidence) + 120 < size)
		snprintf(evidence + strlen(evidence), size - strlen(evidence),
			 "; waits under an OOM that kills nothing with %s of swap free: nothing it holds is cold",
			 fmt_size(a, sizeof(a), s->swap_room));
	return JAILCHECK_THRASH;
}

void jailcheck_acted(struct jailcheck_state *st)
{
	st->since_ms = 0;
}

uint64_t jailcheck_grow_step(const struct jailcheck_sample *s, uint64_t available)
{
	uint64_t step;

	if (s->limit == UINT64_MAX || s->footprint <= s->limit)
		return 0;
	/*
	 * The whole way: on v1 a jail too small for a hot working set
	 * OOM-kills within seconds, before a second, timid step (seen here:
	 * grown half the way, 55 to 102 MiB, and killed before the next pass
	 * could find it thrashing still).
	 */
	step = s->footprint - s->limit;
	if (available && step > available / 2)
		step = available / 2;
	return step;
}

/* ---- the daemon's side: read each jail, act as the policy says ---- */

static struct jailcheck_state *state_of(struct jailcheck_table *t, pid_t pid, uint64_t starttime)
{
	struct jailcheck_state *v;

	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].pid == pid && t->v[i].starttime == starttime)
			return &t->v[i];
	if (t->n >= JAILCHECK_MAX_JAILS)
		return NULL;
	v = &t->v[t->n++];
	memset(v, 0, sizeof(*v));
	v->pid = pid;
	v->starttime = starttime;
	return v;
}

void jailcheck_sweep(struct jailcheck_table *t)
{
	size_t keep = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (!t->v[i].seen)
			continue;
		t->v[i].seen = false;
		t->v[keep++] = t->v[i];
	}
	t->n = keep;
}

void jailcheck_free(struct jailcheck_table *t)
{
	t->n = 0;
}

/*
 * "key value" lines of a memory.stat (v1 and v2 alike):
 *   pgmajfault 4131
 *   workingset_refault_anon 20311
 */
static uint64_t stat_value(const char *buf, const char *key)
{
	size_t len = strlen(key);

	for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, len) == 0 && p[len] == ' ')
			return strtoull(p + len + 1, NULL, 10);
	return JAILCHECK_UNKNOWN;
}

#define PF_EXITING_FLAG 0x00000004u

bool jailcheck_parse_proc(const char *stat, const char *status, uint64_t starttime, struct jailcheck_sample *s)
{
	struct proc_stat ps;
	uint64_t anon, swap;

	if (!proc_parse_stat(stat, &ps) || ps.starttime != starttime)
		return false;
	/* dying: its memory goes as it exits, which is no give-back */
	if (ps.state == 'Z' || ps.state == 'X' || (ps.flags & PF_EXITING_FLAG))
		return false;
	/* "RssAnon:\t  139336 kB", "VmSwap:\t   34444 kB" (bytes from proc_status_kb); none once its mm is gone */
	if (!proc_status_kb(status, "RssAnon", &anon) || !proc_status_kb(status, "VmSwap", &swap))
		return false;
	s->majflt = ps.majflt;
	s->footprint = anon + swap;
	return true;
}

/* The process's faults and footprint, its jail's counters. -ESRCH when it is not the one jailed, or dying. */
static int read_sample(const struct jails *js, const struct jail_state *j, struct jailcheck_sample *s)
{
	char path[1400], buf[4096], status[4096];
	struct cg_usage u;

	memset(s, 0, sizeof(*s));
	s->t_ms = now_ms();
	snprintf(path, sizeof(path), "/proc/%d/stat", j->pid);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/status", j->pid);
	if (read_file_at(AT_FDCWD, path, status, sizeof(status)) < 0 ||
	    !jailcheck_parse_proc(buf, status, j->starttime, s))
		return -ESRCH;
	s->limit = cg_usage(js->cg, j->jail, &u) == 0 ? u.limit : j->limits.high;
	s->cg_majflt = s->cg_refault = JAILCHECK_UNKNOWN;
	cg_path(js->cg, j->jail, path, sizeof(path));
	strncat(path, "/memory.stat", sizeof(path) - strlen(path) - 1);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) >= 0) {
		s->cg_majflt = stat_value(buf, "pgmajfault");
		/* v2, and v1 since 5.9: a refault found in the swap cache is no major fault, but it is one */
		s->cg_refault = stat_value(buf, "workingset_refault_anon");
	}
	return 0;
}

static const char *thrash_name(enum lj_thrash t)
{
	return t == THRASH_GROW ? "grow" : t == THRASH_RELEASE ? "release" : "keep";
}

static void record(const struct jail_state *j, enum jailcheck_verdict v, enum lj_thrash what,
		   const char *evidence, const char *done)
{
	char f[JAIL_LOG_FIELDS + 2][160];
	const char *fields[JAIL_LOG_FIELDS + 2] = { f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7] };
	size_t n = jail_log_fields(j, f);

	snprintf(f[n++], 160, "LEAKJAIL_VERDICT=%s", jailcheck_verdict_name(v));
	snprintf(f[n++], 160, "LEAKJAIL_THRASH=%s", thrash_name(what));
	lj_log_record(LOG_WARNING, LJ_MSGID_JAILED, fields, n, "jail %s misjudged: pid %d (%s) policy=%s %s: %s; %s",
		      j->jail, j->pid, j->comm, j->policy,
		      v == JAILCHECK_THRASH ? "thrashes in its jail" : "gives back what it held", evidence, done);
}

/*
 * jail_thrash = release. A backend that answers later (systemd) is asked
 * again each pass until it has: then the record, as for an answer at once.
 * True once released.
 */
static bool release(struct jails *js, struct jail_state *j, struct jailcheck_state *st, enum jailcheck_verdict v,
		    const char *evidence)
{
	struct lj_error err = { 0 };
	char done[600], how[600];
	int r = jail_release(js->jb, js->state_dir, j->pid, how, sizeof(how), &err);

	if (r == -EINPROGRESS) {
		if (st->releasing == JAILCHECK_NONE) {
			st->releasing = v;
			snprintf(st->releasing_evidence, sizeof(st->releasing_evidence), "%s", evidence);
		}
		return false;
	}
	st->releasing = JAILCHECK_NONE;
	if (r < 0) {
		snprintf(done, sizeof(done), "could not release it: %.500s", err.msg);
		st->settled = true;
		record(j, v, THRASH_RELEASE, evidence, done);
		return false;
	}
	/* the cgroupfs backend says nothing of a release: where it went */
	if (how[0])
		snprintf(done, sizeof(done), "released: %.500s (jail_thrash = release)", how);
	else
		snprintf(done, sizeof(done), "released: back in %.500s (jail_thrash = release)", j->origin);
	record(j, v, THRASH_RELEASE, evidence, done);
	if (js->corrected)
		js->corrected(js->corrected_ctx, j->policy, THRASH_RELEASE);
	return true;
}

bool jailcheck_pass(struct jails *js, struct jail_state *j, const struct scanner *sc)
{
	const struct policy *p = sc ? config_policy(sc->cfg, j->policy) : NULL;
	struct jailcheck_state *st = state_of(&js->check, j->pid, j->starttime);
	struct jailcheck_policy jp;
	struct jailcheck_sample s;
	char evidence[600], done[600];
	enum jailcheck_verdict v;
	enum lj_thrash what;
	uint64_t step;

	if (!st)
		return false;
	st->seen = true;
	if (st->releasing != JAILCHECK_NONE)
		return release(js, j, st, st->releasing, st->releasing_evidence);
	st->grows = MAX(st->grows, j->thrash_grows); /* a restarted daemon goes on counting */
	/*
	 * An OOM kill in the jail: the kernel's reaper frees the victim's
	 * memory before it is gone (seen here: stress-ng's bigheap worker
	 * from 2.4 to 1.8 GiB while still listed): no give-back. Judge afresh.
	 */
	if (j->events.oom_kill != st->oom_kills) {
		st->oom_kills = j->events.oom_kill;
		st->have_last = false;
		st->since_ms = 0;
		return false;
	}
	/* a policy dropped by a reload: its jails are judged no more */
	if (!p || read_sample(js, j, &s) < 0)
		return false;
	s.under_oom = cg_under_oom(js->cg, j->jail);
	s.swap_room = sc->sys.mem.swap_free;
	jp = (struct jailcheck_policy){ .growth = p->growth, .window_ms = p->window_ms };
	v = jailcheck_judge(st, &s, &jp, evidence, sizeof(evidence));
	if (v == JAILCHECK_NONE || st->settled)
		return false;
	what = p->jail_thrash;
	/* a give-back leaves nothing to grow toward */
	if (what == THRASH_GROW && v == JAILCHECK_GIVE_BACK)
		what = THRASH_RELEASE;
	switch (what) {
	case THRASH_GROW:
		if (st->grows >= JAILCHECK_MAX_GROWS) {
			snprintf(done, sizeof(done), "grown the most it may be (%u steps, jail_thrash = grow): left as it is",
				 st->grows);
			st->settled = true;
			what = THRASH_KEEP;
			break;
		}
		step = jailcheck_grow_step(&s, sc->sys.mem.mem_available);
		j->thrash_grows = st->grows + 1; /* recorded with the new limits */
		if (jails_grow(js, j, step, done, sizeof(done)) < 0) {
			j->thrash_grows = st->grows;
			st->settled = true; /* said once; the stall watch (jail_stalled) goes on */
			record(j, v, what, evidence, done);
			return false;
		}
		st->grows++;
		snprintf(done + strlen(done), sizeof(done) - strlen(done),
			 " (jail_thrash = grow, step %u of at most %d)", st->grows, JAILCHECK_MAX_GROWS);
		jailcheck_acted(st);
		break;
	case THRASH_RELEASE:
		return release(js, j, st, v, evidence);
	case THRASH_KEEP:
		snprintf(done, sizeof(done), "left as it is (jail_thrash = keep)");
		st->settled = true;
		break;
	}
	record(j, v, what, evidence, done);
	if (js->corrected)
		js->corrected(js->corrected_ctx, j->policy, what);
	return false;
}
