// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's answers (query.h): made from what the daemon holds (its
 * configuration, the sampler's table and histories, the jails), with the
 * detector run again on each history as the last pass ran it. Nothing here
 * reads /proc or touches a process.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "detect.h"
#include "jail.h"
#include "json.h"
#include "query.h"
#include "util.h"

#define SPARK_MAX 96
#define TOP_PER_POLICY 10

void sparkline(FILE *out, const uint64_t *v, size_t n, uint64_t lo, uint64_t hi, bool utf8)
{
	static const char *const blocks[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	static const char ascii[] = "_.-~=+*#";

	for (size_t i = 0; i < n; i++) {
		size_t level = 0;

		if (hi > lo && v[i] > lo)
			level = (size_t)((double)(v[i] - lo) * 7.0 / (double)(hi - lo) + 0.5);
		level = MIN(level, (size_t)7);
		/* the quarters of the window, as the detector cuts it */
		if (i && n >= DETECT_QUARTERS && i % (n / DETECT_QUARTERS) == 0 && i / (n / DETECT_QUARTERS) < DETECT_QUARTERS)
			fputs(utf8 ? "│" : "|", out);
		if (utf8)
			fputs(blocks[level], out);
		else
			fputc(ascii[level], out);
	}
}

/* The footprint as policy p watches it, and its floor, in n columns over p's window ending now. */
struct series {
	size_t n;
	uint64_t fp[SPARK_MAX], floor[SPARK_MAX];
	uint64_t quarter_floor[DETECT_QUARTERS + 1]; /* the floor at each quarter's edge */
};

static void series_of(const struct history *h, const struct policy *p, uint64_t now_ms, size_t n,
		      struct series *s)
{
	struct hpoint pt[HISTORY_POINTS_MAX];
	uint32_t np = history_points(h, p->rss == RSS_ANON, pt);
	uint64_t start = now_ms > p->window_ms ? now_ms - p->window_ms : 0;

	memset(s, 0, sizeof(*s));
	s->n = MIN(n, (size_t)SPARK_MAX);
	if (!np)
		return;
	for (size_t k = 0; k < s->n; k++) {
		uint64_t t = start + (p->window_ms * (k + 1)) / s->n;
		uint64_t fp = pt[0].fp, low = UINT64_MAX;

		for (uint32_t i = 0; i < np; i++) {
			if (pt[i].t_ms <= t)
				fp = pt[i].fp;
			/* the lower envelope: the least footprint from t on (the newest for the end) */
			if (pt[i].t_ms >= t || i + 1 == np)
				low = MIN(low, pt[i].fp);
		}
		s->fp[k] = fp;
		s->floor[k] = MIN(low, fp);
	}
	for (unsigned int q = 0; q <= DETECT_QUARTERS; q++) {
		uint64_t t = start + p->window_ms * q / DETECT_QUARTERS, low = UINT64_MAX;

		for (uint32_t i = 0; i < np; i++)
			if (pt[i].t_ms >= t || i + 1 == np)
				low = MIN(low, pt[i].fp);
		s->quarter_floor[q] = low == UINT64_MAX ? 0 : low;
	}
}

static const char *mib(char *buf, size_t size, uint64_t v)
{
	return fmt_size(buf, size, v);
}

static const struct proc_entry *find(const struct scanner *sc, pid_t pid)
{
	track_for_each(&sc->procs, e)
		if (e->pid == pid)
			return e;
	return NULL;
}

static bool jailed(const struct query_ctx *q, const struct proc_entry *e)
{
	for (size_t i = 0; q->jails && i < q->jails->n; i++)
		if (q->jails->list[i].pid == e->pid && q->jails->list[i].starttime == e->starttime)
			return true;
	return e->jailed;
}

/* Why no policy looks at it, before any policy's own keys; NULL when some may. */
static const char *kept_out(const struct query_ctx *q, const struct proc_entry *e, char *buf, size_t size)
{
	const char *ex;

	if (!e->identity)
		return "its identity is not read yet (seen for the first time this pass)";
	for (size_t i = 0; q->jails && i < q->jails->n; i++) {
		const struct jail_state *j = &q->jails->list[i];

		if (j->pid == e->pid && j->starttime == e->starttime) {
			snprintf(buf, size, "jailed by policy %s (not judged again while jailed; `leakjail release %d` undoes it): %.900s",
				 j->policy, e->pid, j->reason);
			return buf;
		}
	}
	if (scanner_untouchable(q->sc, e))
		return e->kthread ? "a kernel thread: never judged" : e->pid == 1 ? "PID 1: never judged"
										  : "leakjail itself: never judged";
	if (!e->in_scope) {
		snprintf(buf, size, "outside the daemon's scope %s (its cgroup is %s)", q->cfg->daemon.scope,
			 e->cgroup ? e->cgroup : "unknown");
		return buf;
	}
	if ((ex = scanner_exemption(q->sc, e))) {
		snprintf(buf, size, "exempt by %s in [daemon]", ex);
		return buf;
	}
	return NULL;
}

static uint64_t slack_ms(const struct query_ctx *q)
{
	return q->cfg->daemon.interval_ms / 2;
}

/* ---- status ---- */

static void status_text(FILE *out, const struct query_ctx *q)
{
	const struct config *cfg = q->cfg;
	char a[FMT_SIZE_MAX], b[FMT_SIZE_MAX], c[FMT_SIZE_MAX];
	int64_t up = now_wall() - q->started;

	fprintf(out, "daemon: pid %d, up %lld min, %" PRIu64 " passes; %s; backend %s, sampler %s, %s, scope %s\n",
		getpid(), (long long)(up / 60), q->passes, q->dry_run ? "dry run: nothing is touched" : "acting",
		q->backend, q->sc->src->describe(q->sc->src_state), q->cgroups, cfg->daemon.scope);
	fprintf(out, "configuration: %s; %zu %s; watching %u of %u processes\n", q->config_path, cfg->n_policies,
		cfg->n_policies == 1 ? "policy" : "policies", q->sc->n_watched, q->sc->n_seen);
	for (size_t i = 0; i < cfg->n_policies && i < LJ_POLICIES_MAX; i++) {
		const struct policy *p = &cfg->policies[i];
		struct {
			const struct proc_entry *e;
			struct evidence ev;
			enum verdict v;
		} top[TOP_PER_POLICY];
		size_t n_top = 0, watched = 0;

		track_for_each(&q->sc->procs, e) {
			struct evidence ev;
			enum verdict v;
			size_t at;

			if (!(e->policies & (1ULL << i)))
				continue;
			watched++;
			v = detect(p, &e->hist, &q->sc->sys, slack_ms(q), &ev);
			/* the fastest growers first */
			for (at = n_top; at > 0 && top[at - 1].ev.growth < ev.growth; at--)
				;
			if (at >= TOP_PER_POLICY)
				continue;
			if (n_top < TOP_PER_POLICY)
				n_top++;
			memmove(&top[at + 1], &top[at], (n_top - 1 - at) * sizeof(top[0]));
			top[at].e = e;
			top[at].ev = ev;
			top[at].v = v;
		}
		fprintf(out, "\npolicy %s: %s when it grows %s in %.0f s (min_rss %s); watching %zu\n", p->name,
			p->action == ACTION_JAIL ? "jail" : "log", mib(a, sizeof(a), p->growth),
			(double)p->window_ms / 1000.0, mib(b, sizeof(b), p->min_rss), watched);
		if (!n_top)
			continue;
		fprintf(out, "  %8s %-16s %10s %10s %10s  %s\n", "PID", "COMM", "FOOTPRINT", "FLOOR", "GROWTH",
			"VERDICT");
		for (size_t k = 0; k < n_top; k++) {
			const struct proc_entry *e = top[k].e;

			fprintf(out, "  %8d %-16.16s %10s %10s %10s  %s%s\n", e->pid, e->comm,
				mib(a, sizeof(a), top[k].ev.footprint), mib(b, sizeof(b), top[k].ev.floor),
				top[k].ev.growth > 0 ? mib(c, sizeof(c), (uint64_t)top[k].ev.growth) : "0",
				verdict_name(top[k].v), jailed(q, e) ? " (jailed)" : "");
		}
		if (watched > n_top)
			fprintf(out, "  ... and %zu more (leakjail explain PID for any)\n", watched - n_top);
	}
}

static void status_json(FILE *out, const struct query_ctx *q)
{
	const struct config *cfg = q->cfg;

	fprintf(out, "{\"pid\":%d,\"started\":%lld,\"passes\":%" PRIu64 ",\"dry_run\":%s,\"backend\":", getpid(),
		(long long)q->started, q->passes, q->dry_run ? "true" : "false");
	json_string(out, q->backend);
	fprintf(out, ",\"sampler\":");
	json_string(out, q->sc->src->describe(q->sc->src_state));
	fprintf(out, ",\"cgroups\":");
	json_string(out, q->cgroups);
	fprintf(out, ",\"scope\":");
	json_string(out, cfg->daemon.scope);
	fprintf(out, ",\"config\":");
	json_string(out, q->config_path);
	fprintf(out, ",\"processes\":%u,\"watched\":%u,\"policies\":[", q->sc->n_seen, q->sc->n_watched);
	for (size_t i = 0; i < cfg->n_policies && i < LJ_POLICIES_MAX; i++) {
		const struct policy *p = &cfg->policies[i];
		bool first = true;

		fprintf(out, "%s{\"name\":", i ? "," : "");
		json_string(out, p->name);
		fprintf(out, ",\"action\":\"%s\",\"growth\":%" PRIu64 ",\"window_ms\":%" PRIu64 ",\"min_rss\":%" PRIu64
			",\"watched\":[",
			p->action == ACTION_JAIL ? "jail" : "log", p->growth, p->window_ms, p->min_rss);
		track_for_each(&q->sc->procs, e) {
			struct evidence ev;
			enum verdict v;

			if (!(e->policies & (1ULL << i)))
				continue;
			v = detect(p, &e->hist, &q->sc->sys, slack_ms(q), &ev);
			fprintf(out, "%s{\"pid\":%d,\"comm\":", first ? "" : ",", e->pid);
			json_string(out, e->comm);
			fprintf(out,
				",\"footprint\":%" PRIu64 ",\"floor\":%" PRIu64 ",\"growth\":%" PRId64
				",\"rate\":%.0f,\"quarters_rose\":%.0f,\"verdict\":\"%s\",\"jailed\":%s}",
				ev.footprint, ev.floor, ev.growth, ev.rate, ev.steadiness * DETECT_QUARTERS,
				verdict_name(v), jailed(q, e) ? "true" : "false");
			first = false;
		}
		fprintf(out, "]}");
	}
	fprintf(out, "]}");
}

/* ---- explain ---- */

struct explain_opts {
	bool json, utf8;
	size_t width;
};

static void explain_policy_text(FILE *out, const struct query_ctx *q, const struct proc_entry *e,
				const struct policy *p, const struct explain_opts *o)
{
	char a[FMT_SIZE_MAX], b[FMT_SIZE_MAX], c[FMT_SIZE_MAX], d[FMT_SIZE_MAX], evs[700];
	unsigned int needed = detect_quarters_needed(p);
	size_t cols = o->width > 30 ? MIN(o->width - 24, (size_t)SPARK_MAX) : 32;
	struct evidence ev;
	struct series s;
	struct cg_limits l;
	enum verdict v;
	uint64_t lo, hi;

	cols -= cols % DETECT_QUARTERS;
	v = detect(p, &e->hist, &q->sc->sys, slack_ms(q), &ev);
	ev.rss = e->last.rss;
	ev.swap = e->last.swap;
	switch (v) {
	case VERDICT_LEAK:
		fprintf(out, "policy %s: a leak%s\n", p->name,
			jailed(q, e)		  ? ", jailed"
			: p->action == ACTION_LOG ? " (action = log: logged)"
			: q->dry_run		  ? " (dry run: it would be jailed)"
						  : "");
		break;
	case VERDICT_CALM:
		fprintf(out, "policy %s: grows like a leak, but its pressure condition does not hold: not acted on\n",
			p->name);
		break;
	case VERDICT_SMALL:
		fprintf(out, "policy %s: grows like a leak, but holds %s, below min_rss %s\n", p->name,
			mib(a, sizeof(a), ev.footprint), mib(b, sizeof(b), p->min_rss));
		break;
	case VERDICT_SHORT:
		fprintf(out, "policy %s: not judged yet: its history spans less than the window (%.0f s)\n", p->name,
			(double)p->window_ms / 1000.0);
		break;
	case VERDICT_NONE:
		fprintf(out, "policy %s: not a leak: ", p->name);
		if (ev.growth < (int64_t)p->growth)
			fprintf(out, "grew %s in the window, the policy's growth is %s\n",
				ev.growth > 0 ? mib(a, sizeof(a), (uint64_t)ev.growth) : "nothing",
				mib(b, sizeof(b), p->growth));
		else
			fprintf(out, "its floor rose in %.0f of %d quarters, %u needed\n", ev.steadiness * DETECT_QUARTERS,
				DETECT_QUARTERS, needed);
		break;
	}
	series_of(&e->hist, p, q->sc->sys.t_ms, cols, &s);
	lo = UINT64_MAX;
	hi = 0;
	for (size_t k = 0; k < s.n; k++) {
		lo = MIN(lo, s.floor[k]);
		hi = MAX(hi, s.fp[k]);
	}
	fprintf(out, "  window %.0f s: footprint %s, held %s before; grew %s (policy: %s), %.2f MiB/s, floor rose in %.0f/%d quarters (%u needed)\n",
		(double)p->window_ms / 1000.0, mib(a, sizeof(a), ev.footprint), mib(b, sizeof(b), ev.floor),
		ev.growth > 0 ? mib(c, sizeof(c), (uint64_t)ev.growth) : "0", mib(d, sizeof(d), p->growth),
		ev.rate / (double)MIB, ev.steadiness * DETECT_QUARTERS, DETECT_QUARTERS, needed);
	if (s.n && e->hist.len) {
		fprintf(out, "  footprint ");
		sparkline(out, s.fp, s.n, lo, hi, o->utf8);
		fprintf(out, " %s\n  floor     ", mib(a, sizeof(a), s.fp[s.n - 1]));
		sparkline(out, s.floor, s.n, lo, hi, o->utf8);
		fprintf(out, " %s at the start\n  quarters ", mib(a, sizeof(a), s.quarter_floor[0]));
		for (unsigned int k = 0; k < DETECT_QUARTERS; k++) {
			int64_t rise = (int64_t)s.quarter_floor[k + 1] - (int64_t)s.quarter_floor[k];

			fprintf(out, " %+.1f", (double)rise / (double)MIB);
		}
		fprintf(out, " MiB (the floor's rise in each)\n");
	}
	evidence_format(&ev, evs, sizeof(evs));
	bool gated = p->pressure_swapout >= 0 || p->pressure_some >= 0 || p->pressure_full >= 0 || p->pressure_available;

	fprintf(out, "  gates: min_rss %s (%s); pressure: %s%s\n", mib(a, sizeof(a), p->min_rss),
		ev.footprint >= p->min_rss ? "held" : "not held",
		!gated ? "none asked (acts at any time)" : ev.pressure ? ev.pressure : "none holds now",
		gated && ev.pressure ? " (holds)" : "");
	if (p->action == ACTION_JAIL) {
		l = jail_limits_for(p, e->last.rss, ev.floor);
		jail_fmt_limit(a, sizeof(a), l.high);
		jail_fmt_limit(b, sizeof(b), l.max);
		jail_fmt_limit(c, sizeof(c), l.swap);
		fprintf(out, "  a jail would set: high %s, max %s, swap %s\n", a, b, c);
	}
}

static void explain_text(FILE *out, const struct query_ctx *q, const struct proc_entry *e,
			 const struct explain_opts *o)
{
	const struct config *cfg = q->cfg;
	char a[FMT_SIZE_MAX], b[FMT_SIZE_MAX], c[FMT_SIZE_MAX], why[1400];
	const char *out_reason = kept_out(q, e, why, sizeof(why));

	fprintf(out, "pid %d (%s), exe %s, uid %u, cgroup %s%s%s\n", e->pid, e->comm, e->exe ? e->exe : "?", e->uid,
		e->cgroup ? e->cgroup : "?", e->container ? ", container " : "", e->container ? e->container : "");
	fprintf(out, "footprint %s (rss %s + swap %s)%s\n",
		mib(a, sizeof(a), e->last.rss + e->last.swap), mib(b, sizeof(b), e->last.rss),
		mib(c, sizeof(c), e->last.swap), jailed(q, e) ? "; jailed" : "");
	if (out_reason) {
		fprintf(out, "no policy looks at it: %s\n", out_reason);
		return;
	}
	for (size_t i = 0; i < cfg->n_policies && i < LJ_POLICIES_MAX; i++) {
		const struct policy *p = &cfg->policies[i];
		const char *key;

		if (e->policies & (1ULL << i)) {
			explain_policy_text(out, q, e, p, o);
			continue;
		}
		key = policy_why_not(p, e);
		if (!key)
			fprintf(out, "policy %s: does not look at it yet (its command line is being read)\n", p->name);
		else
			fprintf(out, "policy %s: does not look at it: %s %s\n", p->name, key,
				strncmp(key, "match_", 6) == 0 ? "does not match" : "matches");
	}
}

static void explain_json(FILE *out, const struct query_ctx *q, const struct proc_entry *e)
{
	const struct config *cfg = q->cfg;
	char why[1400];
	const char *out_reason = kept_out(q, e, why, sizeof(why));

	fprintf(out, "{\"pid\":%d,\"comm\":", e->pid);
	json_string(out, e->comm);
	fprintf(out, ",\"exe\":");
	json_string(out, e->exe ? e->exe : "");
	fprintf(out, ",\"cgroup\":");
	json_string(out, e->cgroup ? e->cgroup : "");
	fprintf(out, ",\"container\":");
	json_string(out, e->container ? e->container : "");
	fprintf(out, ",\"rss\":%" PRIu64 ",\"swap\":%" PRIu64 ",\"jailed\":%s,\"kept_out\":", e->last.rss, e->last.swap,
		jailed(q, e) ? "true" : "false");
	if (out_reason)
		json_string(out, out_reason);
	else
		fputs("null", out);
	fprintf(out, ",\"policies\":[");
	for (size_t i = 0; i < cfg->n_policies && i < LJ_POLICIES_MAX; i++) {
		const struct policy *p = &cfg->policies[i];
		bool looks = !out_reason && (e->policies & (1ULL << i));

		fprintf(out, "%s{\"name\":", i ? "," : "");
		json_string(out, p->name);
		fprintf(out, ",\"looks\":%s", looks ? "true" : "false");
		if (!looks) {
			const char *key = out_reason ? NULL : policy_why_not(p, e);

			fprintf(out, ",\"why_not\":");
			json_string(out, key ? key : out_reason ? "kept_out" : "");
			fputs("}", out);
			continue;
		}
		struct evidence ev;
		struct series s;
		enum verdict v = detect(p, &e->hist, &q->sc->sys, slack_ms(q), &ev);

		series_of(&e->hist, p, q->sc->sys.t_ms, 32, &s);
		fprintf(out,
			",\"verdict\":\"%s\",\"footprint\":%" PRIu64 ",\"floor\":%" PRIu64 ",\"growth\":%" PRId64
			",\"policy_growth\":%" PRIu64 ",\"window_ms\":%" PRIu64 ",\"rate\":%.0f,\"quarters_rose\":%.0f"
			",\"quarters_needed\":%u,\"pressure\":",
			verdict_name(v), ev.footprint, ev.floor, ev.growth, p->growth, p->window_ms, ev.rate,
			ev.steadiness * DETECT_QUARTERS, detect_quarters_needed(p));
		if (ev.pressure)
			json_string(out, ev.pressure);
		else
			fputs("null", out);
		fprintf(out, ",\"quarter_floors\":[");
		for (unsigned int k = 0; k <= DETECT_QUARTERS; k++)
			fprintf(out, "%s%" PRIu64, k ? "," : "", s.quarter_floor[k]);
		fprintf(out, "],\"footprints\":[");
		for (size_t k = 0; k < s.n; k++)
			fprintf(out, "%s%" PRIu64, k ? "," : "", s.fp[k]);
		fprintf(out, "]}");
	}
	fprintf(out, "]}");
}

int query_answer(FILE *out, const char *request, void *userdata)
{
	const struct query_ctx *q = userdata;
	struct explain_opts o = { .utf8 = true, .width = 80 };
	char verb[16] = "";
	int n = 0;

	sscanf(request, "%15s %n", verb, &n);
	const char *rest = request + n;

	o.json = strstr(rest, "json") != NULL;
	if (strstr(rest, "ascii"))
		o.utf8 = false;
	if (strstr(rest, "width="))
		o.width = strtoul(strstr(rest, "width=") + 6, NULL, 10);
	if (strcmp(verb, "status") == 0) {
		if (o.json)
			status_json(out, q);
		else
			status_text(out, q);
		return 0;
	}
	if (strcmp(verb, "explain") == 0) {
		char *end;
		long pid = strtol(rest, &end, 10);
		const struct proc_entry *e = end != rest && pid > 0 ? find(q->sc, (pid_t)pid) : NULL;

		if (!e) {
			if (o.json)
				fprintf(out, "{\"pid\":%ld,\"error\":\"not seen by the daemon (no such process, or it is new)\"}",
					pid);
			else
				fprintf(out, "pid %ld: not seen by the daemon (no such process, or it is new)\n", pid);
			return 0;
		}
		if (o.json)
			explain_json(out, q, e);
		else
			explain_text(out, q, e, &o);
		return 0;
	}
	if (o.json)
		fprintf(out, "{\"error\":\"unknown request\"}");
	else
		fprintf(out, "unknown request: %.40s\n", verb);
	return 0;
}
