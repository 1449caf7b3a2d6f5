// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * leakjail daemon: the supervisor. An sd-event loop with a sampling timer,
 * SIGHUP (reload), SIGTERM/SIGINT (exit) and the systemd watchdog.
 */
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "cgroup.h"
#include "cli.h"
#include "commands.h"
#include "config.h"
#include "config-hints.h"
#include "control.h"
#include "jail.h"
#include "jails.h"
#include "log.h"
#include "metrics.h"
#include "pageout.h"
#include "query.h"
#include "runcg.h"
#include "runjail.h"
#include "scan.h"
#include "syswatch.h"
#include "util.h"
#include "watch.h"

struct daemon {
	sd_event *event;
	sd_event_source *timer;
	struct config cfg;
	struct scanner sc;
	struct watch watch;
	struct cgroup_backend cg;
	struct jail_backend jb;
	bool have_cg;
	struct jails jails;
	struct pageouts pageouts;
	struct syswatch sw;
	bool have_sw;
	struct metrics metrics;
	char skip_cgroup[300];
	struct cli_files files; /* -c, -p */
	bool dry_run_flag;   /* --dry-run: wins over the file's dry_run */
	bool foreground;
	uint64_t passes, max_passes;
	double longest_pass; /* seconds: the longest the loop waited for one pass */
	double latest;       /* seconds: the most a pass started after it was due (the loop's other work before it) */
	bool over_budget;    /* said so */
	uint64_t next_usec;
	struct control *control; /* answers `status` and `explain` (control.h) */
	struct query_ctx query;
	struct jail_asked *asked; /* jails the backend answers later (jail_entered()) */
};

static void print_diags(const struct diag_list *d, int prio)
{
	for (size_t i = 0; i < d->n; i++)
		lj_log(prio, "%s", d->msgs[i]);
}

static void apply_log_target(struct daemon *d)
{
	log_set_target(d->foreground ? LOG_TARGET_BOTH : d->cfg.daemon.log);
}

/*
 * On v2 the scope's own memory.pressure says how much its processes stall,
 * which is what a policy scoped to it means by pressure.
 */
static void scope_pressure(struct daemon *d)
{
	d->sc.psi_path[0] = '\0';
	if (d->have_cg && d->cg.version == CG_V2 && strcmp(d->cfg.daemon.scope, "/") != 0)
		snprintf(d->sc.psi_path, sizeof(d->sc.psi_path), "%s%s/memory.pressure", d->cg.mount,
			 d->cfg.daemon.scope);
}

/*
 * A scope or jail_parent that names a cgroup that does not exist is valid
 * (the files may be meant for another host, or the cgroup made later), but
 * a scope that is not there watches nothing, silently: said at start and at
 * each reload, one line each, as `leakjail check` says it.
 */
static void warn_missing_cgroups(const struct daemon *d)
{
	char path[512];

	if (!d->have_cg)
		return;
	if (config_cgroup_missing(&d->cfg, &d->cg, "scope", path, sizeof(path)))
		lj_log(LOG_WARNING, "scope %s does not exist (no %s): nothing is watched until it does",
		       d->cfg.daemon.scope, path);
	if (config_cgroup_missing(&d->cfg, &d->cg, "jail_parent", path, sizeof(path)))
		lj_log(LOG_WARNING, "jail_parent %s does not exist (no %s): it is made at the first jail",
		       d->cfg.daemon.jail_parent, path);
}

static void reload(struct daemon *d)
{
	struct diag_list diags = { 0 };
	struct config cfg;

	if (config_load(d->files.config, d->files.config_given, d->files.policies, &cfg, &diags) < 0) {
		print_diags(&diags, LOG_ERR);
		d->metrics.reloads_refused++;
		lj_log_record(LOG_ERR, LJ_MSGID_RELOAD, NULL, 0,
			      "reload failed (%zu error%s): keeping the previous %zu policies", diags.n,
			      diags.n == 1 ? "" : "s", d->cfg.n_policies);
		diag_free(&diags);
		return;
	}
	config_free(&d->cfg);
	d->cfg = cfg;
	d->metrics.reloads_ok++;
	scanner_set_config(&d->sc, &d->cfg);
	snprintf(d->skip_cgroup, sizeof(d->skip_cgroup), "/%s", d->cfg.daemon.jail_parent);
	scope_pressure(d);
	/* a reload does not start jailing: that takes a restart, which finds the jails */
	d->watch.dry_run = d->watch.dry_run || d->cfg.daemon.dry_run || !d->have_cg;
	apply_log_target(d);
	lj_log_record(LOG_INFO, LJ_MSGID_RELOAD, NULL, 0, "reloaded: %zu policies, interval %llu ms",
		      d->cfg.n_policies, (unsigned long long)d->cfg.daemon.interval_ms);
	warn_missing_cgroups(d);
	/*
	 * The jails of this run stay recorded where they were found, new ones
	 * too (jail_process): say so, or a changed state_dir is ignored
	 * silently until the next start looks for the records there.
	 */
	if (d->jails.state_dir[0] && strcmp(d->jails.state_dir, d->cfg.daemon.state_dir) != 0)
		lj_log(LOG_WARNING, "state_dir %s takes effect at the next start: until then jails are recorded in %s",
		       d->cfg.daemon.state_dir, d->jails.state_dir);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct daemon *d = userdata;

	(void)s;
	if (si->ssi_signo == SIGHUP) {
		reload(d);
		return 0;
	}
	lj_log(LOG_INFO, "signal %d: exiting after %llu passes, the longest %.3f s, at most %.3f s late", si->ssi_signo,
	       (unsigned long long)d->passes, d->longest_pass, d->latest);
	return sd_event_exit(d->event, 0);
}

/* The figures of this pass for Prometheus, when metrics_file is set. */
static void publish_metrics(struct daemon *d, bool ok, const struct timespec *t0)
{
	struct metrics *m = &d->metrics;
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	m->pass_seconds = (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
	m->passes = d->passes;
	if (ok)
		m->last_ok = now_wall();
	m->seen = d->sc.n_seen;
	m->watched = d->sc.n_watched;
	m->dry_run = d->watch.dry_run;
	metrics_publish(m, d->cfg.daemon.metrics_file, d->cfg.daemon.interval_ms / 2, d->have_cg ? &d->cg : NULL,
			d->jails.list, d->jails.n, &d->cfg, &d->sc.sys.mem,
			d->have_sw && d->cfg.daemon.kernel_watch ? &d->sw : NULL);
}

static void count_leak(struct watch *w, const struct policy *p)
{
	metrics_leak(&((struct daemon *)w->userdata)->metrics, p->name);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;
	uint64_t interval = d->cfg.daemon.interval_ms * 1000;
	struct timespec t0;
	uint64_t now;
	int r;

	(void)usec;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	now = (uint64_t)t0.tv_sec * 1000000ULL + (uint64_t)t0.tv_nsec / 1000;
	if (d->passes && now > d->next_usec && (double)(now - d->next_usec) / 1e6 > d->latest)
		d->latest = (double)(now - d->next_usec) / 1e6;
	r = scanner_pass(&d->sc);
	if (r < 0) {
		lj_log(LOG_ERR, "sampling /proc failed: %s", strerror(-r));
	} else {
		if (d->have_cg) {
			metrics_jails_before(&d->metrics, &d->cg, d->jails.list, d->jails.n);
			jails_maintain(&d->jails, &d->sc);
			metrics_jails_after(&d->metrics, d->jails.list, d->jails.n);
		}
		/* now and then: the cgroups of runs killed outright */
		if (d->have_cg && !d->watch.dry_run && d->passes % 64 == 0) {
			run_cgroups_sweep(&d->cg, d->cfg.daemon.jail_parent, false);
			run_jails_sweep(d->jails.state_dir);
		}
		watch_evaluate(&d->watch);
		memcpy(d->metrics.forecasts, d->watch.soon, d->watch.n_soon * sizeof(d->watch.soon[0]));
		d->metrics.n_forecasts = d->watch.n_soon;
		if (d->have_sw && d->cfg.daemon.kernel_watch)
			syswatch_pass(&d->sw, &d->sc.sys.mem, d->sc.sys.t_ms);
		if (d->sc.over_budget != d->over_budget) {
			d->over_budget = d->sc.over_budget;
			if (d->over_budget)
				lj_log(LOG_WARNING,
				       "over the memory budget: %llu KiB for %zu processes, memory_budget %llu KiB: histories are kept coarser (%u stretches each), every process is still judged",
				       (unsigned long long)(d->sc.state_bytes >> 10), d->sc.procs.n,
				       (unsigned long long)(d->cfg.daemon.memory_budget >> 10), HISTORY_BUCKETS_LOW);
			else
				lj_log(LOG_NOTICE, "back under the memory budget: %llu KiB for %zu processes",
				       (unsigned long long)(d->sc.state_bytes >> 10), d->sc.procs.n);
		}
	}
	d->passes++;
	d->query.passes = d->passes;
	d->query.dry_run = d->watch.dry_run;
	publish_metrics(d, r >= 0, &t0);
	if (d->metrics.pass_seconds > d->longest_pass)
		d->longest_pass = d->metrics.pass_seconds;
	sd_notifyf(0, "STATUS=%u processes, %u watched by %zu policies; %u leak%s reported; %zu jailed%s",
		   d->sc.n_seen, d->sc.n_watched, d->cfg.n_policies, d->watch.leaks,
		   d->watch.leaks == 1 ? "" : "s", d->jails.n, d->watch.dry_run ? " (dry run)" : "");
	if (d->max_passes && d->passes >= d->max_passes)
		return sd_event_exit(d->event, 0);

	/* keep a steady cadence: the next pass is one interval after this one was due */
	sd_event_now(d->event, CLOCK_MONOTONIC, &now);
	d->next_usec += interval;
	if (d->next_usec <= now)
		d->next_usec = now + interval;
	sd_event_source_set_time(s, d->next_usec);
	return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

/*
 * A jail asked of the backend, kept until it says how it ended: at once
 * (cgroupfs), or later from the loop (systemd's answers over D-Bus). It holds
 * what the log record needs, since the process may be gone by then.
 */
struct jail_asked {
	struct jail_asked *next;
	pid_t pid;
	uint64_t starttime;
	char comm[64], policy[72];
	struct cg_limits limits;
	bool pageout;
	unsigned int attempt;
	uint64_t retry_in_ms;
	char evs[700], stays[96];
	char f[WATCH_FIELDS_MAX][WATCH_FIELD_SIZE];
	size_t n;
};

static void jail_answered(struct daemon *d, struct jail_asked *a, int r, struct jail_outcome *out,
			  struct lj_error *err, bool later);

/* The backend's answer, later from the loop (jail.h: jb->entered). */
static void jail_entered(void *ctx, const struct jail_request *req, int r, struct jail_outcome *out,
			 struct lj_error *err)
{
	struct daemon *d = ctx;

	for (struct jail_asked **pp = &d->asked; *pp; pp = &(*pp)->next) {
		struct jail_asked *a = *pp;

		if (a->pid != req->pid || a->starttime != req->starttime)
			continue;
		*pp = a->next;
		jail_answered(d, a, r, out, err, true);
		free(a);
		return;
	}
}

static int jail_process(struct watch *w, const struct policy *p, struct proc_entry *e,
			const struct evidence *ev)
{
	struct daemon *d = w->userdata;
	struct jail_asked *a = calloc(1, sizeof(*a));
	struct jail_request req = {
		.pid = e->pid,
		.starttime = e->starttime,
		.comm = e->comm,
		.policy = p->name,
		.jail_parent = d->cfg.daemon.jail_parent,
		.limits = jail_limits_for(p, e->last.rss, ev->floor),
		.pageout = p->jail_pageout,
		.descendants = p->jail_descendants,
	};
	struct lj_error err = { 0 };
	struct jail_outcome out;
	int r;

	if (!a) {
		lj_log(LOG_ERR, "could not jail pid %d (%s) policy=%s: out of memory", e->pid, e->comm, p->name);
		return -ENOMEM;
	}
	a->pid = e->pid;
	a->starttime = e->starttime;
	snprintf(a->comm, sizeof(a->comm), "%s", e->comm);
	snprintf(a->policy, sizeof(a->policy), "%s", p->name);
	a->limits = req.limits;
	a->pageout = p->jail_pageout;
	a->attempt = w->attempt;
	a->retry_in_ms = w->retry_in_ms;
	/*
	 * Pages do not move with a process: what it holds at the move stays
	 * charged to its origin cgroup, and only new pages are charged to the
	 * jail. A jail that moves it says so in its record, which `status`
	 * shows; one in place (a unit, a container) has nothing left behind.
	 */
	evidence_format(ev, a->evs, sizeof(a->evs));
	snprintf(a->stays, sizeof(a->stays), "%llu MiB resident at the move stays charged to its origin cgroup",
		 (unsigned long long)(e->last.rss >> 20));
	a->n = watch_fields(e, p, ev, "jail", a->f, WATCH_FIELDS_MAX - 5);
	req.reason = a->evs;
	req.moved_note = a->stays;
	/* the records stay where the jails of this run were found: a reload does not move them */
	r = jail_enter(&d->jb, d->jails.state_dir, &req, &out, &err);
	if (r == -EINPROGRESS) {
		/* the backend answers from the loop (jail_entered()): not judged again meanwhile */
		e->jailed = true;
		a->next = d->asked;
		d->asked = a;
		return 0;
	}
	jail_answered(d, a, r, &out, &err, false);
	free(a);
	return r == -EALREADY ? 0 : r;
}

/*
 * How a jail ended: the record in the journal, the metrics, the page-out to
 * start. later: the backend answered from the loop, so the process's next
 * attempt is set here (watch.c sets it for an answer given at once).
 */
static void jail_answered(struct daemon *d, struct jail_asked *a, int r, struct jail_outcome *out,
			  struct lj_error *err, bool later)
{
	struct proc_entry *e = track_find(&d->sc.procs, a->pid);
	char high[24], max[24], swap[24], outcome[600], path[1400], retry[64];
	const char *fields[WATCH_FIELDS_MAX];
	char(*f)[WATCH_FIELD_SIZE] = a->f;
	uint64_t paged_out = 0;
	size_t n = a->n;

	if (e && e->starttime != a->starttime)
		e = NULL;
	if (r == -EALREADY) {
		/* born in a jail or moved there with its parent: it is that jail's, not a new leak to jail */
		if (e)
			e->jailed = true;
		lj_log(LOG_INFO, "pid %d (%s) policy=%s: %s: judged with that jail", a->pid, a->comm, a->policy,
		       err->msg);
		return;
	}
	for (size_t i = 0; i < n; i++)
		fields[i] = f[i];
	if (r < 0) {
		snprintf(f[n], WATCH_FIELD_SIZE, "LEAKJAIL_RESULT=%s", strerror(-r));
		fields[n] = f[n];
		n++;
		/* gone, or never to be jailed: no next attempt (watch.c) */
		retry[0] = '\0';
		if (r != -ESRCH && r != -EPERM)
			snprintf(retry, sizeof(retry), " (attempt %u, next in %.1f s while it leaks)", a->attempt,
				 (double)a->retry_in_ms / 1000.0);
		if (r != -ESRCH) /* it exited first: nothing failed */
			metrics_jail_failed(&d->metrics, a->policy);
		lj_log_record(r == -ESRCH ? LOG_INFO : LOG_ERR, LJ_MSGID_JAILED, fields, n,
			      "could not jail pid %d (%s) policy=%s: %s%s; evidence: %s", a->pid, a->comm,
			      a->policy, err->msg, retry, a->evs);
		if (later && e) {
			e->jailed = false;
			e->retry_at = r != -ESRCH && r != -EPERM ? d->sc.sys.t_ms + a->retry_in_ms : 0;
		}
		return;
	}
	if (e)
		e->jailed = true;
	if (out->moved > 0)
		snprintf(a->evs + strlen(a->evs), sizeof(a->evs) - strlen(a->evs), "; %s", a->stays);
	jail_fmt_limit(high, sizeof(high), a->limits.high);
	jail_fmt_limit(max, sizeof(max), a->limits.max);
	/* v1 caps memory + swap together: say what was written */
	jail_fmt_limit(swap, sizeof(swap),
		       d->cg.version == CG_V1 && a->limits.swap != CG_UNLIMITED ? a->limits.high + a->limits.swap
										 : a->limits.swap);
	cg_path(&d->cg, out->state.jail, path, sizeof(path));
	if (out->pageout_done)
		snprintf(outcome, sizeof(outcome), "%s", out->pageout[0] ? out->pageout : "reclaimed in place");
	else if (out->pageout_skipped)
		snprintf(outcome, sizeof(outcome), "no page-out: no swap");
	else if (a->pageout)
		pageouts_start(&d->pageouts, a->pid, a->starttime, a->comm, a->policy, outcome, sizeof(outcome),
			       &paged_out);
	else
		snprintf(outcome, sizeof(outcome), "no page-out (jail_pageout = no)");
	snprintf(f[n], WATCH_FIELD_SIZE, "LEAKJAIL_JAIL=%.160s", path);
	fields[n] = f[n];
	n++;
	snprintf(f[n], WATCH_FIELD_SIZE, "LEAKJAIL_LIMIT=%llu", (unsigned long long)a->limits.high);
	fields[n] = f[n];
	n++;
	snprintf(f[n], WATCH_FIELD_SIZE, "LEAKJAIL_PAGED_OUT=%llu", (unsigned long long)paged_out);
	fields[n] = f[n];
	n++;
	snprintf(f[n], WATCH_FIELD_SIZE, "LEAKJAIL_BACKEND=%s", out->state.backend);
	fields[n] = f[n];
	n++;
	if (out->state.unit[0]) {
		snprintf(f[n], WATCH_FIELD_SIZE, "LEAKJAIL_UNIT=%.160s", out->state.unit);
		fields[n] = f[n];
		n++;
	}
	if (out->how[0])
		lj_log_record(LOG_WARNING, LJ_MSGID_JAILED, fields, n,
			      "jailed pid %d (%s) policy=%s: %s; backend %s: %s; cgroup %s; %s", a->pid, a->comm,
			      a->policy, a->evs, out->state.backend, out->how, path, outcome);
	else if (d->cg.version == CG_V2)
		lj_log_record(LOG_WARNING, LJ_MSGID_JAILED, fields, n,
			      "jailed pid %d (%s) policy=%s: %s; jail %s high=%s max=%s swap=%s; moved %d; %s",
			      a->pid, a->comm, a->policy, a->evs, path, high, max, swap, out->moved, outcome);
	else
		lj_log_record(LOG_WARNING, LJ_MSGID_JAILED, fields, n,
			      "jailed pid %d (%s) policy=%s: %s; jail %s limit=%s memsw=%s; moved %d; %s%s",
			      a->pid, a->comm, a->policy, a->evs, path, high, swap, out->moved, outcome,
			      out->oom_kills ? "; at its limit it is OOM-killed (memory.oom_control refused oom_kill_disable)"
					     : "");
	jails_add(&d->jails, &out->state);
	metrics_jail_made(&d->metrics, a->policy);
}

/* Find the memory controller; unless in a dry run, the jails of an earlier run, and say what jails can do here. */
static void count_correction(void *metrics, const char *policy, enum lj_thrash what)
{
	metrics_jail_corrected(metrics, policy, what);
}

static void setup_jails(struct daemon *d)
{
	struct lj_error err = { 0 };
	char buf[8192];
	struct meminfo mi = { 0 };
	int n;

	if (cg_backend_init(&d->cg, &err) < 0) {
		lj_log(d->watch.dry_run ? LOG_INFO : LOG_ERR, "%s: cannot jail, running as --dry-run",
		       err.msg);
		return;
	}
	d->have_cg = true;
	/* the scope's pressure is read whatever makes jails (or none does) */
	scope_pressure(d);
	warn_missing_cgroups(d);
	if (d->watch.dry_run)
		return;
	if (jail_backend_open(&d->jb, &d->cg, d->cfg.daemon.backend, &err) < 0) {
		lj_log(LOG_ERR, "%s: cannot jail, running as --dry-run", err.msg);
		d->have_cg = false;
		return;
	}
	n = jails_load(&d->jails, &d->jb, d->cfg.daemon.state_dir);
	/* misjudged jails, corrected (src/jail/jailcheck.h) */
	d->jails.corrected = count_correction;
	d->jails.corrected_ctx = &d->metrics;
	if (n < 0)
		lj_log(LOG_ERR, "cannot read jails in %s: %s", d->cfg.daemon.state_dir, strerror(-n));
	if (read_file_at(AT_FDCWD, "/proc/meminfo", buf, sizeof(buf)) >= 0)
		proc_parse_meminfo(buf, &mi);
	if (mi.swap_total == 0)
		lj_log(LOG_WARNING,
		       "no swap: a jailed process cannot swap; at its limit it is %s inside its jail; the other processes are protected either way",
		       d->cg.version == CG_V2 ? "throttled (memory.high), and past memory.max OOM-killed"
					      : "held waiting (an OOM that kills nothing: jail_stalled says what follows)");
}

/* `leakjail status` and `explain` ask the daemon on <state_dir>/control: said once if it cannot listen */
static void open_control(struct daemon *d)
{
	const char *dir = d->jails.state_dir[0] ? d->jails.state_dir : d->cfg.daemon.state_dir;
	int r;

	d->query = (struct query_ctx){
		.cfg = &d->cfg,
		.sc = &d->sc,
		.jails = &d->jails,
		.config_path = d->files.config,
		.backend = d->have_cg ? jail_backend_name(&d->jb) : "none",
		.cgroups = d->have_cg ? cg_version_name(&d->cg) : "no cgroups",
		.dry_run = d->watch.dry_run,
		.started = now_wall(),
	};
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		lj_log(LOG_WARNING, "no control socket: cannot make %s: %s", dir, strerror(errno));
		return;
	}
	r = control_open(&d->control, d->event, dir, query_answer, &d->query);
	if (r < 0)
		lj_log(LOG_WARNING, "no control socket in %s: %s: `leakjail status` samples on its own", dir,
		       strerror(-r));
}

static const struct cli_opt daemon_opts[] = {
	CLI_OPT_CONFIG,
	CLI_OPT_POLICIES,
	{ "-n, --dry-run", "log what would be jailed, jail nothing (wins over dry_run = no)" },
	{ "-f, --foreground", "log to stderr and the journal whatever the file's log says" },
	{ "-v, --verbose", "log each pass and each judgement too (debug)" },
	{ "    --passes N", "stop after N sampling passes (for tests and benchmarks)" },
	CLI_OPT_HELP,
	{ NULL, NULL },
};

static const struct cli_help daemon_help = {
	.command = "daemon",
	.synopsis = "[OPTIONS]",
	.about = "The supervisor: sample every process's memory, judge its growth against the\n"
		 "policies, and jail a leaker in a memory-limited cgroup, logging each action with\n"
		 "its evidence. SIGHUP reloads the files. It runs until SIGTERM or SIGINT.",
	.opts = daemon_opts,
};

static int setup_loop(struct daemon *d)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT };
	sigset_t mask;
	int r;

	r = sd_event_default(&d->event);
	if (r < 0)
		return r;
	sigemptyset(&mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaddset(&mask, sigs[i]);
	/* the signals arrive in the loop through a signalfd, never in a handler */
	sigprocmask(SIG_BLOCK, &mask, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
		r = sd_event_add_signal(d->event, NULL, sigs[i], on_signal, d);
		if (r < 0)
			return r;
	}
	sd_event_now(d->event, CLOCK_MONOTONIC, &d->next_usec);
	r = sd_event_add_time(d->event, &d->timer, CLOCK_MONOTONIC, d->next_usec, 1000, on_timer, d);
	if (r < 0)
		return r;
	pageouts_init(&d->pageouts, d->event);
	return sd_event_set_watchdog(d->event, true);
}

int cmd_daemon(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "policies", required_argument, NULL, 'p' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "foreground", no_argument, NULL, 'f' },
		/* no short form: -P is run's --policy */
		{ "passes", required_argument, NULL, 'N' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct daemon d = { .files = CLI_FILES_DEFAULT };
	struct diag_list diags = { 0 };
	unsigned int stuck;
	int prio = LOG_INFO, c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:p:nfvh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			d.dry_run_flag = true;
			break;
		case 'f':
			d.foreground = true;
			break;
		case 'N': {
			char *end;

			errno = 0;
			d.max_passes = strtoull(optarg, &end, 10);
			if (*end || end == optarg || errno || d.max_passes == 0 || optarg[0] == '-')
				return cli_error(&daemon_help, CLI_USAGE,
						 "invalid --passes '%s' (a count from 1)", optarg);
			break;
		}
		case 'v':
			prio = LOG_DEBUG;
			break;
		default:
			r = cli_shared_option(&daemon_help, CLI_USAGE, c, argv, &d.files);
			if (r != CLI_NEXT)
				return r;
		}
	}
	if (optind < argc)
		return cli_error(&daemon_help, CLI_USAGE, "unexpected argument '%s'", argv[optind]);
	/*
	 * One malloc arena for every thread. The command-line readers allocate
	 * the strings that this thread keeps and frees; with an arena of its
	 * own each reader held on to what was freed into it: after 100,000
	 * short-lived processes with 4 KiB command lines the daemon kept
	 * 13.3 MiB of anonymous memory, with one arena 6.9 to 8.2. The readers
	 * allocate once per read: sharing the arena's lock costs nothing.
	 */
	mallopt(M_ARENA_MAX, 1);
	log_init(LOG_TARGET_BOTH, prio);
	if (config_load(d.files.config, d.files.config_given, d.files.policies, &d.cfg, &diags) < 0) {
		print_diags(&diags, LOG_ERR);
		lj_log(LOG_ERR, "invalid configuration: not starting");
		diag_free(&diags);
		return 1;
	}
	apply_log_target(&d);
	d.watch.dry_run = d.dry_run_flag || d.cfg.daemon.dry_run;
	r = scanner_init(&d.sc, &d.cfg);
	if (r < 0 && d.sc.src_why[0]) {
		lj_log(LOG_ERR, "sampler = bpf, but %s: not starting", d.sc.src_why);
		config_free(&d.cfg);
		return 1;
	} else if (r < 0) {
		lj_log(LOG_ERR, "cannot open /proc: %s", strerror(-r));
		config_free(&d.cfg);
		return 1;
	}
	if (d.sc.src_why[0])
		lj_log(LOG_NOTICE, "sampling through /proc: the bpf task iterator is not used: %s",
		       d.sc.src_why);
	d.watch.sc = &d.sc;
	d.watch.userdata = &d;
	d.watch.jail = jail_process;
	d.watch.reported = count_leak;
	snprintf(d.skip_cgroup, sizeof(d.skip_cgroup), "/%s", d.cfg.daemon.jail_parent);
	d.sc.skip_cgroup = d.skip_cgroup;
	setup_jails(&d);
	d.watch.dry_run = d.watch.dry_run || !d.have_cg;
	d.watch.cg = d.have_cg ? &d.cg : NULL;
	if (d.have_cg && scanner_use_cgroups(&d.sc, &d.cg) < 0)
		lj_log(LOG_WARNING, "out of memory: every process is sampled every pass");
	r = syswatch_init(&d.sw);
	if (r < 0)
		lj_log(LOG_WARNING, "the kernel memory watch is off: %s", strerror(-r));
	d.have_sw = r >= 0;
	/*
	 * The daemon acts when the host thrashes: its own pages must not be the
	 * ones swapped out then, or every pass waits on swap. Locked as they are
	 * touched (MCL_ONFAULT), what it holds stays bounded by memory_budget.
	 */
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) < 0)
		lj_log(LOG_INFO, "cannot lock its memory (%s): its pages can be swapped out under pressure",
		       strerror(errno));
	r = setup_loop(&d);
	if (r < 0) {
		lj_log(LOG_ERR, "cannot set up the event loop: %s", strerror(-r));
	} else {
		/* the backend's work goes on from the loop: in slices, and answers of systemd's */
		d.jb.event = d.event;
		d.jb.entered = jail_entered;
		d.jb.entered_ctx = &d;
		open_control(&d);
		lj_log_record(LOG_INFO, LJ_MSGID_STARTED, NULL, 0,
			      "started: %zu policies, interval %llu ms, scope %s, sampler %s, %s, backend %s%s",
			      d.cfg.n_policies, (unsigned long long)d.cfg.daemon.interval_ms,
			      d.cfg.daemon.scope, d.sc.src->describe(d.sc.src_state),
			      d.have_cg ? cg_version_name(&d.cg) : "no cgroups", jail_backend_name(&d.jb),
			      d.watch.dry_run ? ", dry run: nothing is touched" : "");
		sd_notify(0, "READY=1");
		r = sd_event_loop(d.event);
		sd_notify(0, "STOPPING=1");
	}
	control_close(d.control);
	pageouts_free(&d.pageouts);
	sd_event_source_unref(d.timer);
	sd_event_unref(d.event);
	stuck = d.sc.cmdread ? cmdread_stuck(d.sc.cmdread) : 0;
	scanner_free(&d.sc);
	jails_free(&d.jails);
	jail_backend_close(&d.jb); /* jails still being made are dropped: their records say what was done */
	while (d.asked) {
		struct jail_asked *a = d.asked;

		d.asked = a->next;
		free(a);
	}
	if (d.have_sw)
		syswatch_free(&d.sw);
	metrics_free(&d.metrics);
	config_free(&d.cfg);
	if (stuck) {
		/*
		 * A reader waits in the kernel on a process that does not answer.
		 * Exit handlers that stop every thread first (a leak checker's)
		 * would wait for it for ever; exit_group() ends it at once.
		 */
		fflush(NULL);
		_exit(r < 0 ? 1 : 0);
	}
	return r < 0 ? 1 : 0;
}
