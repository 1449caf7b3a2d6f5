// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * leakjail run: start a command in a cgroup of its own, so every page it
 * ever uses is charged there; watch it with a policy and, when it leaks, jail
 * it in place: the limit goes on its own cgroup and covers all of its memory
 * (no page-out of pages charged elsewhere is needed, unlike a moved process).
 * --limit sets a fixed limit from the start. Signals are forwarded, the
 * command's exit status is returned, the cgroup is removed at the end.
 *
 * The cgroup holds the command's whole tree (a shell and what it starts):
 * its limit is sized from the cgroup's usage, a stop (SIGTERM, SIGINT,
 * SIGHUP, SIGQUIT) goes to every process in it, and what is left after
 * RUN_GRACE_S is killed. A run killed outright (SIGKILL) cannot clean up:
 * its command gets SIGTERM from the kernel (PR_SET_PDEATHSIG), and the next
 * run removes the empty cgroups of runs that have gone.
 */
#include <ctype.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "cgroup.h"
#include "cli.h"
#include "commands.h"
#include "config.h"
#include "jail.h"
#include "log.h"
#include "reclaim.h"
#include "proc.h"
#include "runcg.h"
#include "runjail.h"
#include "stall.h"
#include "run-systemd.h"
#include "scan.h"
#include "watch.h"

struct run {
	sd_event *event;
	struct config cfg;
	struct cgroup_backend cg;
	char rel[512];
	bool sd;                /* under systemd: a transient scope of the caller's manager */
	struct run_scope scope;
	char base[64];
	struct scanner sc;
	struct watch watch;
	bool watching;
	bool jailed;
	pid_t child;
	int status;
	uint64_t next_usec;
	sd_event_source *grace; /* armed by a stop: what is left then is killed */
	struct reclaim reclaim; /* the jail in place, while its usage comes down */
	pid_t jail_pid;
	char jail_comm[64], jail_policy[72], jail_evidence[512];
	bool jail_said;
	enum lj_stalled stalled;  /* the jailing policy's jail_stalled */
	bool stall_said;          /* this wait was told (log says it once) */
	unsigned int grows;
	char **argv;            /* the command, for its record */
	struct jail_state rec;  /* the jail as recorded in state_dir, for status and release */
	bool recorded;
	bool released;          /* by `leakjail release`: limit lifted, judged no more */
	sd_event_source *record_watch;
};

/* How long the command's tree has to end after a stop, before it is killed. */
#define RUN_GRACE_S 5

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

static bool stops(int sig)
{
	return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT;
}

/* Every process in the cgroup gets sig; returns how many there were. */
static int signal_tree(struct run *rn, int sig)
{
	pid_t pids[1024];
	int n = cg_procs(&rn->cg, rn->rel, pids, (int)ARRAY_SIZE(pids));

	for (int i = 0; i < n; i++)
		kill(pids[i], sig);
	return MAX(n, 0);
}

/*
 * Kill everything in the cgroup. v2 (5.14+) has cgroup.kill: the kernel
 * kills the whole tree at once, forks racing it included. v1 has not: each
 * process is killed, and the list read again until it is empty (a fork
 * between the read and the kill adds one more round).
 */
static void kill_tree(struct run *rn)
{
	char path[700];

	if (rn->cg.version == CG_V2) {
		cg_path(&rn->cg, rn->rel, path, sizeof(path));
		strncat(path, "/cgroup.kill", sizeof(path) - strlen(path) - 1);
		if (write_file_at(AT_FDCWD, path, "1") == 0)
			return;
	}
	signal_tree(rn, SIGKILL);
}

/* "memhog leak 20 400": the command line, cut to fit */
static void command_line(char **argv, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (; *argv && n + 1 < size; argv++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? " " : "", *argv);
}

/* The record is saved again with the limits in force now, unless it was released meanwhile. */
static void record_update(struct run *rn)
{
	char path[PATH_MAX];

	if (!rn->recorded || rn->released)
		return;
	snprintf(path, sizeof(path), "%s/jails/%d", rn->cfg.daemon.state_dir, rn->rec.pid);
	if (access(path, F_OK) < 0)
		return; /* released: the watch says so in a moment */
	rn->rec.limits = rn->reclaim.set;
	jail_state_save(rn->cfg.daemon.state_dir, &rn->rec);
}

/*
 * Released: the record was removed (`leakjail release`, src/jail/runjail.h).
 * The reclaim stops, the limits go back to what they were before the jail,
 * and the command is judged no more for the rest of this run, as the
 * daemon does not judge again a process released while it runs.
 */
static void on_released(struct run *rn)
{
	struct lj_error err = { 0 };
	char path[700], limit[24];
	int r;

	if (rn->released)
		return;
	rn->released = true;
	reclaim_cancel(&rn->reclaim);
	r = rn->sd ? run_scope_set_limits(&rn->scope, &rn->rec.prev, &err)
		   : cg_set_limits(&rn->cg, rn->rel, &rn->rec.prev, &err);
	/* a save of ours that crossed the removal */
	jail_state_remove(rn->cfg.daemon.state_dir, rn->rec.pid);
	cg_path(&rn->cg, rn->rel, path, sizeof(path));
	jail_fmt_limit(limit, sizeof(limit), rn->rec.prev.high);
	if (r < 0)
		lj_log(LOG_ERR, "released: could not lift the limit of %s: %s", path, err.msg);
	else
		lj_log(LOG_NOTICE, "released: cgroup %s back to limit=%s; pid %d (%s) is judged no more in this run",
		       path, limit, rn->rec.pid, rn->rec.comm);
}

static int on_record_event(sd_event_source *s, const struct inotify_event *ev, void *userdata)
{
	struct run *rn = userdata;
	char name[16], path[PATH_MAX];

	(void)s;
	snprintf(name, sizeof(name), "%d", rn->rec.pid);
	snprintf(path, sizeof(path), "%s/jails/%s", rn->cfg.daemon.state_dir, name);
	/* its own removal, or the directory's; an overflowed queue: look */
	if (((ev->mask & IN_DELETE) && ev->len && strcmp(ev->name, name) == 0) ||
	    (ev->mask & (IN_DELETE_SELF | IN_IGNORED)) ||
	    ((ev->mask & IN_Q_OVERFLOW) && access(path, F_OK) < 0))
		on_released(rn);
	return 0;
}

/*
 * Recorded with the daemon's jails, so that `status` shows it and
 * `release` undoes it: under the command's pid, naming this run. Without
 * the right to write state_dir (not root) the jail is only not recorded.
 */
static void record_jail(struct run *rn, const struct proc_entry *e, const struct policy *p)
{
	struct jail_state *j = &rn->rec;
	char dir[PATH_MAX], buf[1024], path[48];
	struct proc_stat st;
	int r;

	memset(j, 0, sizeof(*j));
	j->pid = rn->child;
	snprintf(path, sizeof(path), "/proc/%d/stat", rn->child);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0 || !proc_parse_stat(buf, &st) ||
	    proc_starttime(getpid(), &j->run_start) < 0)
		return;
	j->starttime = st.starttime;
	snprintf(j->comm, sizeof(j->comm), "%s", st.comm);
	snprintf(j->policy, sizeof(j->policy), "%s", p->name);
	snprintf(j->jail, sizeof(j->jail), "%s", rn->rel);
	snprintf(j->origin, sizeof(j->origin), "/%s", rn->rel);
	snprintf(j->backend, sizeof(j->backend), "run");
	if (rn->sd) {
		snprintf(j->unit, sizeof(j->unit), "%s", rn->scope.unit);
		snprintf(j->origin_unit, sizeof(j->origin_unit), "%s", rn->scope.unit);
	}
	j->run_pid = getpid();
	command_line(rn->argv, j->command, sizeof(j->command));
	j->since = now_wall();
	j->limits = rn->reclaim.set;
	/* --limit and a policy exclude each other: before the jail there was no limit */
	j->prev = (struct cg_limits){ CG_UNLIMITED, CG_UNLIMITED, CG_UNLIMITED };
	if (e->pid == rn->child)
		snprintf(j->reason, sizeof(j->reason), "%s", rn->jail_evidence);
	else
		snprintf(j->reason, sizeof(j->reason), "pid %d (%s) leaked: %.420s", e->pid, e->comm, rn->jail_evidence);
	r = jail_state_save(rn->cfg.daemon.state_dir, j);
	if (r < 0) {
		lj_log(LOG_NOTICE, "the jail is not recorded in %s (%s): status does not show it, release cannot undo it",
		       rn->cfg.daemon.state_dir, strerror(-r));
		return;
	}
	rn->recorded = true;
	snprintf(dir, sizeof(dir), "%s/jails", rn->cfg.daemon.state_dir);
	r = sd_event_add_inotify(rn->event, &rn->record_watch, dir, IN_DELETE | IN_DELETE_SELF | IN_ONLYDIR,
				 on_record_event, rn);
	if (r < 0)
		lj_log(LOG_WARNING, "cannot watch %s (%s): a release is not noticed by this run", dir, strerror(-r));
}

/* Under systemd the limits are the scope's properties: written through its manager. */
static int scope_set_limits(void *data, const struct cg_limits *l, struct lj_error *err)
{
	return run_scope_set_limits(data, l, err);
}

static void jail_record(struct run *rn, const char *what)
{
	char path[700];

	cg_path(&rn->cg, rn->rel, path, sizeof(path));
	lj_log(LOG_WARNING, "jailed in place pid %d (%s) policy=%s: %s; cgroup %s (usage %llu MiB) %s", rn->jail_pid,
	       rn->jail_comm, rn->jail_policy, rn->jail_evidence, path,
	       (unsigned long long)(rn->reclaim.room.usage >> 20), what);
}

/* The usage has come down as far as it could: the limits are final. */
static void on_settled(struct reclaim *rc, void *userdata)
{
	struct run *rn = userdata;
	char text[600], path[700];

	reclaim_format(rc, text, sizeof(text));
	if (!rn->jail_said)
		return; /* settled within jail_in_place(): its record says it */
	record_update(rn);
	cg_path(&rn->cg, rn->rel, path, sizeof(path));
	lj_log(rc->end == RECLAIM_REACHED ? LOG_INFO : LOG_WARNING, "jail in place of pid %d (%s) settled: cgroup %s %s",
	       rn->jail_pid, rn->jail_comm, path, text);
}

/*
 * The limit goes on the command's own cgroup, which holds every page it
 * ever charged: written below what it holds, the kernel would reclaim
 * inside the write and, on v2 memory.max without the swap to do it,
 * OOM-kill the command at jail time. src/jail/reclaim.h does it without harm:
 * the throttle at the usage first, the usage brought down in slices from
 * the loop as far as swap can take it, the hard line above what is left.
 */
static int limit_in_place(struct run *rn, const struct cg_limits *l, struct lj_error *err)
{
	return reclaim_start(&rn->reclaim, rn->event, &rn->cg, rn->rel, l, rn->sd ? scope_set_limits : NULL,
			     rn->sd ? &rn->scope : NULL, on_settled, rn, err);
}

static int jail_in_place(struct watch *w, const struct policy *p, struct proc_entry *e,
			 const struct evidence *ev)
{
	struct run *rn = w->userdata;
	struct cg_usage tree = { 0 };
	struct cg_limits l;
	struct lj_error err = { 0 };
	char high[24], max[24], want[24], text[600];
	uint64_t leaked;
	int r;

	/* one limit for the whole cgroup: two leakers found in the same pass share it */
	if (rn->jailed) {
		e->jailed = true;
		return 0;
	}
	/*
	 * The limit goes on the cgroup, which holds the command's whole tree:
	 * sized from one process's RSS, it would squeeze the others (a holder of
	 * 200 MiB beside a leaker of 50 limited to 50 MiB). Sized from the
	 * cgroup's usage, the tree keeps what it holds and the leak is what
	 * goes to swap.
	 */
	if (cg_usage(&rn->cg, rn->rel, &tree) < 0 || tree.memory == 0)
		tree.memory = e->last.rss;
	/* jail_size = floor: what the tree held before this process leaked */
	leaked = ev->footprint > ev->floor ? ev->footprint - ev->floor : 0;
	l = jail_limits_for(p, tree.memory, tree.memory > leaked ? tree.memory - leaked : 0);
	evidence_format(ev, rn->jail_evidence, sizeof(rn->jail_evidence));
	rn->jail_pid = e->pid;
	snprintf(rn->jail_comm, sizeof(rn->jail_comm), "%s", e->comm);
	snprintf(rn->jail_policy, sizeof(rn->jail_policy), "%s", p->name);
	rn->jail_said = false;
	rn->stalled = p->jail_stalled;
	r = limit_in_place(rn, &l, &err);
	if (r < 0) {
		lj_log(LOG_ERR, "could not jail pid %d (%s) policy=%s: %s; evidence: %s", e->pid, e->comm,
		       p->name, err.msg, rn->jail_evidence);
		return r;
	}
	rn->jailed = true;
	e->jailed = true;
	if (!rn->reclaim.running) {
		reclaim_format(&rn->reclaim, text, sizeof(text));
	} else {
		jail_fmt_limit(high, sizeof(high), rn->reclaim.set.high);
		jail_fmt_limit(max, sizeof(max), rn->reclaim.set.max);
		jail_fmt_limit(want, sizeof(want), l.high);
		snprintf(text, sizeof(text), "throttled at its usage: %s=%s%s%s; bringing it down to %s in slices (%llu MiB cannot go: %llu MiB free swap)",
			 rn->cg.version == CG_V2 ? "high" : "limit", high, rn->cg.version == CG_V2 ? " max=" : "",
			 rn->cg.version == CG_V2 ? max : "", want,
			 (unsigned long long)(rn->reclaim.room.floor >> 20),
			 (unsigned long long)(rn->reclaim.room.swap_free >> 20));
	}
	jail_record(rn, text);
	rn->jail_said = true;
	record_jail(rn, e, p);
	return 0;
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata)
{
	struct run *rn = userdata;

	(void)s;
	rn->status = si->si_code == CLD_EXITED ? si->si_status : 128 + si->si_status;
	return sd_event_exit(rn->event, 0);
}

static int on_grace(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct run *rn = userdata;

	(void)s;
	(void)usec;
	lj_log(LOG_WARNING, "%s: still running %d s after the stop: killed", rn->rel, RUN_GRACE_S);
	kill_tree(rn);
	return 0;
}

/* A stop reaches the whole tree; USR1 and USR2 are the command's alone. */
static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct run *rn = userdata;
	int sig = (int)si->ssi_signo;

	(void)s;
	kill(rn->child, sig);
	if (!stops(sig))
		return 0;
	signal_tree(rn, sig);
	if (!rn->grace)
		sd_event_add_time_relative(rn->event, &rn->grace, CLOCK_MONOTONIC, RUN_GRACE_S * 1000000ULL, 0,
					   on_grace, rn);
	return 0;
}

/*
 * v1: the jail in place does not OOM-kill (cg_oom_wait()): at its limit
 * with no swap room the command waits (under_oom 1), and the policy's
 * jail_stalled says what follows, as for the daemon's jails: log (once per
 * wait), grow (a quarter more, at least 16 MiB, at most STALL_MAX_GROWS
 * times), or kill (the whole tree).
 */
static void check_waiting(struct run *rn)
{
	struct lj_error err = { 0 };
	char path[700], done[400], high[24];
	enum lj_stalled what = rn->stalled;

	if (rn->reclaim.running || !cg_under_oom(&rn->cg, rn->rel)) {
		rn->stall_said = false;
		return;
	}
	if (what == STALLED_GROW && rn->grows >= STALL_MAX_GROWS)
		what = STALLED_LOG;
	if (what == STALLED_LOG && rn->stall_said)
		return;
	if (what == STALLED_GROW) {
		struct cg_limits l = rn->reclaim.set;
		uint64_t step = (MAX(l.high / 4, 16 * MIB) + 4095) / 4096 * 4096;

		/* v1 memsw (limit + swap) moves along: the swap allowance on top stays what it was */
		l.high += step;
		if (cg_set_limits(&rn->cg, rn->rel, &l, &err) == 0) {
			rn->reclaim.set = l;
			rn->grows++;
			record_update(rn);
			jail_fmt_limit(high, sizeof(high), l.high);
			snprintf(done, sizeof(done), "grown by %llu MiB: limit=%s", (unsigned long long)(step >> 20), high);
		} else {
			snprintf(done, sizeof(done), "could not grow it: %.300s", err.msg);
		}
	} else if (what == STALLED_KILL) {
		kill_tree(rn);
		snprintf(done, sizeof(done), "killed the command's tree");
	} else {
		snprintf(done, sizeof(done), "%s",
			 rn->stalled == STALLED_GROW ? "grown the most it may be (jail_stalled = grow): it waits"
						     : "it waits (jail_stalled = log) until it is stopped");
	}
	rn->stall_said = true;
	cg_path(&rn->cg, rn->rel, path, sizeof(path));
	lj_log(LOG_WARNING, "jail in place %s stalled: pid %d (%s) policy=%s is %s: memory.oom_control under_oom 1; %s",
	       path, rn->jail_pid, rn->jail_comm, rn->jail_policy, stall_reason_name(STALL_UNDER_OOM), done);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct run *rn = userdata;
	uint64_t interval = rn->cfg.daemon.interval_ms * 1000, now;

	(void)usec;
	if (rn->released)
		return sd_event_source_set_enabled(s, SD_EVENT_OFF); /* judged no more (on_released()) */
	if (rn->jailed)
		check_waiting(rn);
	else if (scanner_pass(&rn->sc) == 0)
		watch_evaluate(&rn->watch);
	sd_event_now(rn->event, CLOCK_MONOTONIC, &now);
	rn->next_usec += interval;
	if (rn->next_usec <= now)
		rn->next_usec = now + interval;
	sd_event_source_set_time(s, rn->next_usec);
	/* once jailed, only a v1 jail has something left to watch */
	return sd_event_source_set_enabled(s, rn->jailed && rn->cg.version != CG_V1 ? SD_EVENT_OFF : SD_EVENT_ONESHOT);
}

/*
 * The command has ended: whatever it left behind in its cgroup gets SIGTERM,
 * a moment to end (RUN_GRACE_S after a stop, 200 ms otherwise: nobody asked
 * it to stop, the command that owned it is done), then is killed; then the
 * cgroup goes.
 */
static void clean_cgroup(struct run *rn)
{
	struct lj_error err = { 0 };
	int grace_ms = rn->grace ? RUN_GRACE_S * 1000 : 200;
	pid_t pids[1];

	if (rn->sd) {
		run_scope_stop(&rn->scope);
		return;
	}
	if (signal_tree(rn, SIGTERM) > 0) {
		for (int ms = 0; ms < grace_ms && cg_procs(&rn->cg, rn->rel, pids, 1) > 0; ms += 20)
			usleep(20000);
		for (int tries = 0; tries < 100 && cg_procs(&rn->cg, rn->rel, pids, 1) > 0; tries++) {
			kill_tree(rn);
			usleep(20000);
		}
	}
	/* an exited process leaves its cgroup a moment after it is reaped */
	for (int tries = 0; tries < 50 && cg_remove(&rn->cg, rn->rel, &err) == -EBUSY; tries++)
		usleep(20000);
	if (cg_exists(&rn->cg, rn->rel))
		lj_log(LOG_WARNING, "%s", err.msg);
	/* and the jail parent, if this left it empty (it is made again when needed) */
	cg_remove(&rn->cg, rn->cfg.daemon.jail_parent, NULL);
}

/*
 * run's own failures (a bad option, no cgroup, no policy) exit 125, as env,
 * timeout and chroot do, so they are not taken for the command's status;
 * 126 is a command found that cannot run, 127 one not found.
 */
#define RUN_FAILED 125

static const struct cli_opt run_opts[] = {
	{ "-P, --policy NAME", "judge the command by this policy only (default: every policy)" },
	{ "-l, --limit SIZE", "a fixed limit from the start, like 512M; no policy, no verdict" },
	{ "-n, --dry-run", "log what would be jailed, jail nothing" },
	CLI_OPT_CONFIG,
	CLI_OPT_POLICIES,
	{ "-v, --verbose", "log each sampling pass too (debug)" },
	CLI_OPT_HELP,
	{ NULL, NULL },
};

static const struct cli_help run_help = {
	.command = "run",
	.synopsis = "[OPTIONS] [--] CMD [ARGS...]",
	.about = "Start CMD in a cgroup of its own, watch it with the policies and, when it leaks,\n"
		 "jail it in place; signals are passed on. The exit status is CMD's (128+N for a\n"
		 "signal), or 125 when leakjail run itself fails, 126 when CMD cannot be run,\n"
		 "127 when it is not found.",
	.opts = run_opts,
};

/*
 * Without the right to make a cgroup under the jail parent, libcgroup
 * 2.0.2 loses mkdir's EACCES on the way (its mkdir -p) and the user reads
 * "No such file or directory". Name the real problem before trying: the
 * deepest part of the path that exists must be writable.
 */
static int check_cgroup_access(const struct run *rn)
{
	char path[700];
	char *slash;

	cg_path(&rn->cg, rn->rel, path, sizeof(path));
	while (access(path, F_OK) < 0 && (slash = strrchr(path, '/')) && slash != path)
		*slash = '\0';
	if (access(path, W_OK) == 0)
		return 0;
	if (errno != EACCES && errno != EPERM && errno != EROFS)
		return 0;
	fprintf(stderr, "leakjail run: cannot make a cgroup in %s: %s (without systemd's user manager on\n"
			"cgroup v2, leakjail run needs root, or a cgroup delegated to this user as jail_parent)\n",
		path, strerror(errno));
	return -EACCES;
}

static int start_child(struct run *rn, char **argv, uint64_t limit)
{
	char procs[700];
	sigset_t none;
	pid_t parent = getpid();
	int go[2] = { -1, -1 };

	cg_path(&rn->cg, rn->rel, procs, sizeof(procs));
	strncat(procs, "/cgroup.procs", sizeof(procs) - strlen(procs) - 1);
	if (rn->sd && pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	rn->child = fork();
	if (rn->child < 0)
		return -errno;
	if (rn->child == 0) {
		char c;

		/* under systemd: held until the scope has taken it, so every page it uses is charged there */
		if (rn->sd) {
			ssize_t got;

			close(go[1]);
			do
				got = read(go[0], &c, 1);
			while (got < 0 && errno == EINTR);
			if (got != 1) {
				fprintf(stderr, "leakjail run: no scope for the command (%zd, %s)\n", got,
					got < 0 ? strerror(errno) : "closed");
				_exit(RUN_FAILED);
			}
		}
		/* "0" moves the writer: the command is born in its cgroup */
		if (!rn->sd && write_file_at(AT_FDCWD, procs, "0") < 0) {
			fprintf(stderr, "leakjail run: cannot enter %s: %s\n", procs, strerror(errno));
			_exit(RUN_FAILED);
		}
		/* run killed outright (SIGKILL) cannot stop it: the kernel does */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
			_exit(RUN_FAILED);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(argv[0], argv);
		fprintf(stderr, "leakjail run: %s: %s\n", argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (rn->sd) {
		struct lj_error err = { 0 };
		int r;

		close(go[0]);
		r = run_scope_start(&rn->scope, rn->base, rn->child, &err);
		if (r == 0 && limit) {
			struct cg_limits l = { limit, limit + limit / 4, CG_UNLIMITED };

			r = run_scope_set_limits(&rn->scope, &l, &err);
		}
		if (r == 0 && write(go[1], "g", 1) != 1)
			r = -errno;
		close(go[1]);
		if (r < 0) {
			lj_log(LOG_ERR, "%s", err.code ? err.msg : strerror(-r));
			return r;
		}
		snprintf(rn->rel, sizeof(rn->rel), "%s", rn->scope.rel);
		lj_log(LOG_INFO, "running in scope %s of the %s manager", rn->scope.unit,
		       rn->scope.user ? "user's" : "system");
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'P' },
		{ "limit", required_argument, NULL, 'l' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		{ "policies", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cli_files files = CLI_FILES_DEFAULT;
	const char *policy = NULL;
	struct run rn = { .status = RUN_FAILED };
	struct lj_error err = { 0 };
	bool dry_run = false;
	uint64_t limit = 0;
	char name[64], scope[600];
	sigset_t mask;
	int c, r, prio = LOG_INFO;

	/* "+": options end at the command */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:P:l:nc:p:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			policy = optarg;
			break;
		case 'l':
			if (!parse_size(optarg, &limit) || limit < 4 * MIB)
				return cli_error(&run_help, RUN_FAILED,
						 "invalid --limit '%s' (a size of 4M or more, like 512M)", optarg);
			break;
		case 'n':
			dry_run = true;
			break;
		case 'v':
			prio = LOG_DEBUG;
			break;
		default:
			r = cli_shared_option(&run_help, RUN_FAILED, c, argv, &files);
			if (r != CLI_NEXT)
				return r;
		}
	}
	if (optind >= argc)
		return cli_error(&run_help, RUN_FAILED, "no command to run");
	rn.argv = argv + optind;
	log_init(LOG_TARGET_STDERR, prio);
	/* with --limit nothing is watched (a fixed limit needs no verdict): no policies needed */
	if (limit && policy)
		return cli_error(&run_help, RUN_FAILED,
				 "--limit and --policy exclude each other: a fixed limit, or a verdict");
	if (cli_config_load(&files, !limit, &rn.cfg, NULL) < 0)
		return RUN_FAILED;
	if (policy && config_keep_policy(&rn.cfg, policy) < 0) {
		fprintf(stderr, "leakjail run: no policy '%s' in %s\n", policy, files.policies);
		config_free(&rn.cfg);
		return RUN_FAILED;
	}
	if (cg_backend_init(&rn.cg, &err) < 0) {
		fprintf(stderr, "leakjail run: %s\n", err.msg);
		config_free(&rn.cfg);
		return RUN_FAILED;
	}
	snprintf(name, sizeof(name), "%s", argv[optind]);
	{
		char base[64], *b = basename(name);
		size_t n = 0;

		for (; *b && n + 1 < sizeof(base); b++)
			base[n++] = isalnum((unsigned char)*b) || *b == '-' || *b == '_' ? *b : '_';
		base[n] = '\0';
		snprintf(rn.rel, sizeof(rn.rel), "%s/run-%s-%d", rn.cfg.daemon.jail_parent,
			 n ? base : "cmd", getpid());
		snprintf(rn.base, sizeof(rn.base), "%s", n ? base : "cmd");
	}
	/* under systemd the command gets a scope of its own manager, made once it is forked */
	rn.sd = jail_backend_is_systemd(rn.cfg.daemon.backend, &rn.cg);
	if (!rn.sd && check_cgroup_access(&rn) < 0) {
		config_free(&rn.cfg);
		return RUN_FAILED;
	}
	if (!rn.sd)
		run_cgroups_sweep(&rn.cg, rn.cfg.daemon.jail_parent, true);
	/* and the records of jails of runs killed outright */
	run_jails_sweep(rn.cfg.daemon.state_dir);
	r = rn.sd ? run_scope_open(&rn.scope, &err) : cg_create(&rn.cg, rn.rel, &err);
	if (r == 0 && limit && !rn.sd) {
		struct cg_limits l = { limit, limit + limit / 4, CG_UNLIMITED };

		r = cg_set_limits(&rn.cg, rn.rel, &l, &err);
	}
	if (r < 0) {
		fprintf(stderr, "leakjail run: %s\n", err.msg);
		cg_remove(&rn.cg, rn.rel, NULL);
		config_free(&rn.cfg);
		return RUN_FAILED;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(&mask, forwarded[i]);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	r = sd_event_new(&rn.event);
	if (r >= 0)
		r = start_child(&rn, argv + optind, limit);
	if (r >= 0)
		r = sd_event_add_child(rn.event, NULL, rn.child, WEXITED, on_child, &rn);
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(forwarded); i++)
		r = sd_event_add_signal(rn.event, NULL, forwarded[i], on_signal, &rn);
	if (r >= 0 && !limit) {
		/* watch only what runs in the command's own cgroup */
		snprintf(scope, sizeof(scope), "/%s", rn.rel);
		free(rn.cfg.daemon.scope);
		rn.cfg.daemon.scope = strdup(scope);
		r = rn.cfg.daemon.scope ? scanner_init(&rn.sc, &rn.cfg) : -ENOMEM;
		if (r >= 0 && rn.cg.version == CG_V2)
			/* pressure, for the policy, is the command's own stall time */
			snprintf(rn.sc.psi_path, sizeof(rn.sc.psi_path), "%s/%s/memory.pressure",
				 rn.cg.mount, rn.rel);
		rn.watching = r >= 0;
		rn.watch = (struct watch){ .sc = &rn.sc, .dry_run = dry_run || rn.cfg.daemon.dry_run,
					   .jail = jail_in_place, .userdata = &rn, .cg = &rn.cg };
		if (r >= 0) {
			sd_event_now(rn.event, CLOCK_MONOTONIC, &rn.next_usec);
			r = sd_event_add_time(rn.event, NULL, CLOCK_MONOTONIC, rn.next_usec, 1000, on_timer, &rn);
		}
	}
	if (r >= 0)
		r = sd_event_loop(rn.event);
	else
		lj_log(LOG_ERR, "cannot run %s: %s", argv[optind], strerror(-r));
	if (rn.child > 0 && r < 0) {
		kill(rn.child, SIGKILL);
		waitpid(rn.child, NULL, 0);
	}
	reclaim_cancel(&rn.reclaim);
	/* the jail ends with the run: its record goes first, status shows no jail of a run that is over */
	rn.record_watch = sd_event_source_disable_unref(rn.record_watch);
	if (rn.recorded)
		jail_state_remove(rn.cfg.daemon.state_dir, rn.rec.pid);
	clean_cgroup(&rn);
	sd_event_source_unref(rn.grace);
	if (rn.watching)
		scanner_free(&rn.sc);
	sd_event_unref(rn.event);
	config_free(&rn.cfg);
	return rn.status;
}
