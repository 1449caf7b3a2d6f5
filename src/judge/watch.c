// SPDX-License-Identifier: GPL-2.0-or-later
#include "watch.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "headroom.h"
#include "judge.h"
#include "log.h"
#include "util.h"

bool proc_oom_protected(int procfd, pid_t pid)
{
	char path[48], buf[32];

	snprintf(path, sizeof(path), "%d/oom_score_adj", pid);
	return read_file_at(procfd, path, buf, sizeof(buf)) > 0 && atoi(buf) == -1000;
}

size_t watch_fields(const struct proc_entry *e, const struct policy *p, const struct evidence *ev,
		    const char *action, char f[][WATCH_FIELD_SIZE], size_t max)
{
	size_t n = 0;

	if (max < 15)
		return 0;
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_PID=%d", e->pid);
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_COMM=%s", e->comm);
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_POLICY=%s", p->name);
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_ACTION=%s", action);
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_FOOTPRINT=%" PRIu64, ev->footprint);
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_RSS=%" PRIu64, ev->rss);
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_SWAP=%" PRIu64, ev->swap);
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_FLOOR=%" PRIu64, ev->floor);
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_GROWTH=%" PRId64, ev->growth);
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_SPAN_MS=%" PRIu64, ev->span_ms);
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_RATE=%.0f", ev->rate);
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_STEADINESS=%.2f", ev->steadiness);
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_SWAPOUT_PS=%.0f", ev->swapout_ps);
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_PRESSURE=%s", ev->pressure ? ev->pressure : "none");
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_CGROUP=%.160s", e->cgroup ? e->cgroup : "");
	if (e->container && n < max)
		snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_CONTAINER=%.160s", e->container);
	if (max - n < 8)
		return n;
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_SWAPIN_PS=%.0f", ev->swapin_ps);
	/* the forecast: seconds until memory runs out at the floor's rate, -1: never */
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_FORECAST_RATE=%.0f", ev->fc.rate);
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_FORECAST_S=%lld", forecast_seconds(ev->fc.runs_out_s));
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_FORECAST_WHAT=%s", ev->fc.what ? ev->fc.what : "none");
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_FORECAST_AVAILABLE_S=%lld", forecast_seconds(ev->fc.available_s));
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_FORECAST_SWAP_S=%lld", forecast_seconds(ev->fc.swap_s));
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_FORECAST_CGROUP_S=%lld", forecast_seconds(ev->fc.cgroup_s));
	snprintf(f[n++], WATCH_FIELD_SIZE, "LEAKJAIL_FORECAST_FAST=%d", ev->fc.fast ? 1 : 0);
	return n;
}

static void report(struct watch *w, const struct policy *p, struct proc_entry *e,
		   const struct evidence *ev)
{
	bool protect = p->action == ACTION_JAIL && proc_oom_protected(w->sc->procfd, e->pid);
	bool act = p->action == ACTION_JAIL && !protect && !w->dry_run && w->jail;
	char evs[512], f[WATCH_FIELDS_MAX][WATCH_FIELD_SIZE];
	const char *fields[WATCH_FIELDS_MAX];
	const char *what;
	size_t n;

	if (!e->attempts) {
		w->leaks++;
		if (w->reported)
			w->reported(w, p);
	}
	if (act) {
		uint64_t interval = w->sc->cfg->daemon.interval_ms;
		int r;

		/* the jail records its own action, evidence and outcome, and the next attempt */
		w->attempt = ++e->attempts;
		w->retry_in_ms = MIN(interval << MIN(e->attempts - 1, 16), MAX(WATCH_RETRY_MAX_MS, interval));
		r = w->jail(w, p, e, ev);
		/* gone, or never to be jailed (-EPERM): not tried again */
		e->retry_at = r < 0 && r != -ESRCH && r != -EPERM ? w->sc->sys.t_ms + w->retry_in_ms : 0;
		return;
	}
	if (protect)
		what = "not jailed (oom_score_adj -1000):";
	else if (p->action == ACTION_JAIL)
		what = "would jail";
	else
		what = "leak:";
	evidence_format(ev, evs, sizeof(evs));
	n = watch_fields(e, p, ev, p->action == ACTION_LOG ? "log" : protect ? "protected" : "dry-run",
			 f, WATCH_FIELDS_MAX);
	for (size_t i = 0; i < n; i++)
		fields[i] = f[i];
	lj_log_record(LOG_NOTICE, LJ_MSGID_LEAK_FOUND, fields, n, "%s pid %d (%s) policy=%s: %s",
		      what, e->pid, e->comm, p->name, evs);
}

void watch_evaluate(struct watch *w)
{
	const struct config *cfg = w->sc->cfg;
	struct headroom_ctx hctx = { .cg = w->cg };
	struct judge_env env = {
		.sys = &w->sc->sys,
		.interval_ms = cfg->daemon.interval_ms,
		.slack_ms = cfg->daemon.interval_ms / 2,
		.headroom = w->cg ? headroom_read : NULL,
		.ctx = &hctx,
	};

	w->n_soon = 0;
	track_for_each(&w->sc->procs, e) {
		if (!e->policies || e->seen != w->sc->gen || e->jailed)
			continue;
		for (size_t i = 0; i < cfg->n_policies && i < LJ_POLICIES_MAX; i++) {
			const struct policy *p = &cfg->policies[i];
			uint64_t bit = 1ULL << i;
			struct evidence ev;
			enum verdict v;

			if (!(e->policies & bit))
				continue;
			hctx.cgroup = e->cgroup;
			v = judge(p, &e->hist, &env, &ev);
			ev.rss = e->last.rss;
			ev.swap = e->last.swap;
			if (v == VERDICT_LEAK || v == VERDICT_CALM) {
				e->leak_seen_ms = w->sc->sys.t_ms;
				forecast_note(w->soon, &w->n_soon, e->pid, e->comm, p->name, &ev.fc);
			}
			if (v == VERDICT_LEAK && (!(e->reported & bit) ||
						  (e->retry_at && w->sc->sys.t_ms >= e->retry_at))) {
				report(w, p, e, &ev);
				e->reported |= bit;
			} else if (v == VERDICT_CALM && !(e->noted & bit)) {
				/* said once, so that a policy waiting for pressure is not silent */
				char evs[512];

				evidence_format(&ev, evs, sizeof(evs));
				lj_log(LOG_INFO, "grows like a leak: pid %d (%s) policy=%s acts only under memory pressure: %s",
				       e->pid, e->comm, p->name, evs);
				e->noted |= bit;
			} else if ((v == VERDICT_NONE || v == VERDICT_SMALL) &&
				   detect_episode_over(p, e->leak_seen_ms, w->sc->sys.t_ms)) {
				/* it stopped for a whole window: a new episode will be reported again */
				e->reported &= ~bit;
				e->noted &= ~bit;
				e->retry_at = 0;
				e->attempts = 0;
			}
		}
	}
}
