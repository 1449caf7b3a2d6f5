// SPDX-License-Identifier: GPL-2.0-or-later
#include "scan.h"

#include <ctype.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define IDENTITY_REFRESH 32 /* passes between re-reads of a process's cgroup */
/*
 * A process first seen between its fork and its exec looks like its parent
 * (name, exe, cgroup if the parent moves it): read stat, which shows an exec
 * as a new name, for its first few passes rather than statm.
 */
#define YOUNG_PASSES 3

/* two windows: the detector looks back past the window for what a process gave back (detect.c) */
static uint32_t hist_cap_for(const struct config *cfg)
{
	uint64_t cap = 2 * config_max_window_ms(cfg) / cfg->daemon.interval_ms + 3;

	return (uint32_t)MIN(cap, LJ_HISTORY_MAX);
}

int scanner_init(struct scanner *s, const struct config *cfg)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->procfd < 0)
		return -errno;
	r = sample_source_choose(cfg->daemon.sampler, s->procfd, &s->src, &s->src_state, s->src_why,
				 sizeof(s->src_why));
	if (r < 0) {
		close(s->procfd);
		return r;
	}
	if (track_init(&s->procs) < 0) {
		s->src->close(s->src_state);
		close(s->procfd);
		return -ENOMEM;
	}
	s->page_size = sysconf(_SC_PAGESIZE);
	s->self = getpid();
	scanner_set_config(s, cfg);
	return 0;
}

void scanner_set_config(struct scanner *s, const struct config *cfg)
{
	s->cfg = cfg;
	s->cfg_gen++;
	s->hist_cap = hist_cap_for(cfg);
	s->needs_cmdline = false;
	for (size_t i = 0; i < cfg->n_policies; i++)
		if (cfg->policies[i].match_cmdline.n || cfg->policies[i].exclude_cmdline.n)
			s->needs_cmdline = true;
}

void scanner_free(struct scanner *s)
{
	track_free(&s->procs);
	cmdread_free(s->cmdread);
	s->cmdread = NULL;
	if (s->use_cgroups)
		cgusage_free(&s->cgroups);
	if (s->src)
		s->src->close(s->src_state);
	if (s->procfd >= 0)
		close(s->procfd);
	s->src = NULL;
	s->src_state = NULL;
	s->procfd = -1;
}

bool scanner_untouchable(const struct scanner *s, const struct proc_entry *e)
{
	return e->pid <= 1 || e->kthread || e->pid == s->self;
}

/* "/a" holds "/a" and "/a/b", not "/ab". */
static bool cgroup_under(const char *path, const char *scope)
{
	size_t n = strlen(scope);

	if (strcmp(scope, "/") == 0)
		return true;
	return strncmp(path, scope, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool user_matches(const struct glob_list *g, unsigned int uid)
{
	char num[16];
	struct passwd *pw;

	snprintf(num, sizeof(num), "%u", uid);
	if (glob_list_match(g, num))
		return true;
	pw = getpwuid(uid);
	return pw && glob_list_match(g, pw->pw_name);
}

bool policy_selects(const struct policy *p, const struct proc_entry *e)
{
	const char *exe = e->exe ? e->exe : "";
	const char *cmd = e->cmdline ? e->cmdline : "";
	const char *cg = e->cgroup ? e->cgroup : "";

	if (p->match_comm.n && !glob_list_match(&p->match_comm, e->comm))
		return false;
	if (p->match_exe.n && !glob_list_match(&p->match_exe, exe))
		return false;
	if (p->match_cmdline.n && !glob_list_match(&p->match_cmdline, cmd))
		return false;
	if (p->match_cgroup.n && !glob_list_match(&p->match_cgroup, cg))
		return false;
	if (p->match_user.n && !user_matches(&p->match_user, e->uid))
		return false;
	if (glob_list_match(&p->exclude_comm, e->comm) || glob_list_match(&p->exclude_exe, exe) ||
	    glob_list_match(&p->exclude_cmdline, cmd) || glob_list_match(&p->exclude_cgroup, cg))
		return false;
	if (p->exclude_user.n && user_matches(&p->exclude_user, e->uid))
		return false;
	return true;
}

/*
 * Open /proc/PID and make sure it is still the process we sampled: a pid can
 * be reused between two opens. Returns the fd or -1.
 */
static int open_verified(struct scanner *s, const char *name, uint64_t starttime)
{
	cleanup_close int fd = openat(s->procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct proc_stat st;
	char buf[1024];

	if (fd < 0 || read_file_at(fd, "stat", buf, sizeof(buf)) < 0 || !proc_parse_stat(buf, &st) ||
	    st.starttime != starttime)
		return -1;
	return steal_fd(&fd);
}

/* dirfd/prefix/cgroup: prefix is "" for a /proc/PID fd, or "PID" relative to /proc */
static void read_cgroup_at(struct proc_entry *e, int dirfd, const char *prefix)
{
	char buf[4096], path[4096], file[300];

	snprintf(file, sizeof(file), "%s%scgroup", prefix, prefix[0] ? "/" : "");
	if (read_file_at(dirfd, file, buf, sizeof(buf)) < 0 ||
	    !proc_parse_cgroup(buf, path, sizeof(path)))
		return;
	if (e->cgroup && strcmp(e->cgroup, path) == 0)
		return;
	free(e->cgroup);
	e->cgroup = strdup(path);
	e->cfg_gen = 0; /* scope and policies may see it differently now */
}

static void load_identity(struct scanner *s, struct proc_entry *e, int dirfd)
{
	char buf[4096];
	ssize_t n;

	free(e->exe);
	free(e->cmdline);
	e->exe = e->cmdline = NULL;
	e->cmdline_asked = false;
	n = readlinkat(dirfd, "exe", buf, sizeof(buf) - 1);
	if (n >= 0) {
		buf[n] = '\0';
		e->exe = strdup(buf);
	}
	if (read_file_at(dirfd, "status", buf, sizeof(buf)) >= 0)
		proc_status_uid(buf, &e->uid);
	read_cgroup_at(e, dirfd, "");
	e->identity = true;
	e->young = YOUNG_PASSES;
	e->cfg_gen = 0;
	e->refresh_at = s->gen + IDENTITY_REFRESH + (uint32_t)e->pid % IDENTITY_REFRESH;
}

/*
 * The command line is asked for off the loop (cmdread.h); until it comes, no
 * policy looks at the process. Returns true while it is awaited.
 */
static bool cmdline_awaited(struct scanner *s, struct proc_entry *e)
{
	if (!s->needs_cmdline || e->cmdline)
		return false;
	if (!e->cmdline_asked && (s->cmdread || cmdread_new(&s->cmdread) == 0) &&
	    cmdread_ask(s->cmdread, e->pid, e->starttime) == 0)
		e->cmdline_asked = true;
	return e->cmdline_asked; /* could not ask (no memory, no thread): judged without it */
}

static void cmdline_arrived(pid_t pid, uint64_t starttime, const char *cmdline, void *arg)
{
	struct scanner *s = arg;
	struct proc_entry *e = track_find(&s->procs, pid);

	if (!e || e->starttime != starttime || !e->cmdline_asked)
		return; /* exited, or its pid is another process's now */
	e->cmdline_asked = false;
	free(e->cmdline);
	e->cmdline = strdup(cmdline ? cmdline : "");
	e->cfg_gen = 0; /* the policies can be told now */
}

static void compute_policies(struct scanner *s, struct proc_entry *e)
{
	const struct config *cfg = s->cfg;
	const char *cg = e->cgroup ? e->cgroup : "";

	e->in_scope = e->cgroup && cgroup_under(cg, cfg->daemon.scope);
	/* exempt_comm is what a process calls itself: exempt_exe, _user and _cgroup cannot be claimed */
	e->exempt = glob_list_match(&cfg->daemon.exempt_comm, e->comm) ||
		    glob_list_match(&cfg->daemon.exempt_cgroup, cg) ||
		    glob_list_match(&cfg->daemon.exempt_exe, e->exe ? e->exe : "") ||
		    (cfg->daemon.exempt_user.n && user_matches(&cfg->daemon.exempt_user, e->uid));
	e->policies = 0;
	e->needs_anon = false;
	if (e->in_scope && !e->exempt && !scanner_untouchable(s, e) &&
	    !(s->skip_cgroup && cgroup_under(cg, s->skip_cgroup))) {
		if (cmdline_awaited(s, e)) {
			/* asked for, not there yet: judged from the pass it comes (cfg_gen stays old) */
			history_free(&e->hist);
			return;
		}
		for (size_t i = 0; i < cfg->n_policies && i < LJ_POLICIES_MAX; i++) {
			if (policy_selects(&cfg->policies[i], e)) {
				e->policies |= 1ULL << i;
				if (cfg->policies[i].rss == RSS_ANON)
					e->needs_anon = true;
			}
		}
	}
	if (e->cfg_gen != s->cfg_gen)
		e->reported = 0;
	e->cfg_gen = s->cfg_gen;
	if (!e->policies) {
		history_free(&e->hist);
		/* kept only while a policy looks at the process; a reload asks again */
		free(e->cmdline);
		e->cmdline = NULL;
	}
}

static void sample_system(struct scanner *s, uint64_t now)
{
	struct system_state prev = s->sys;
	char buf[8192];

	s->sys.t_ms = now;
	if (read_file_at(s->procfd, "meminfo", buf, sizeof(buf)) >= 0)
		proc_parse_meminfo(buf, &s->sys.mem);
	if (read_file_at(s->procfd, "vmstat", buf, sizeof(buf)) >= 0)
		proc_parse_vmstat(buf, &s->sys.vm);
	/* a cgroup's memory.pressure has the same format as /proc/pressure/memory */
	s->sys.have_psi = read_file_at(s->procfd, s->psi_path[0] ? s->psi_path : "pressure/memory", buf,
				       sizeof(buf)) >= 0 &&
			  proc_parse_psi(buf, &s->sys.psi);
	system_state_rates(&s->sys, &prev);
}

#define CALM_AFTER 3   /* samples without growth before a process counts as calm */
#define CALM_EVERY 16  /* a calm process in a calm cgroup is sampled every 16th pass */
#define CALM_NOISE (64 * 1024)

/* A new process (or a reused pid, or the periodic check): stat, then identity. */
static bool sample_stat(struct scanner *s, struct proc_entry **ep, const char *name, pid_t pid,
			struct sample *smp)
{
	struct proc_entry *e = *ep;
	struct proc_stat st;
	char path[300], buf[1024];

	/* path-relative: one open per process; a pid reused in between shows as a new start time */
	snprintf(path, sizeof(path), "%s/stat", name);
	if (read_file_at(s->procfd, path, buf, sizeof(buf)) < 0 || !proc_parse_stat(buf, &st))
		return false; /* gone: normal */
	if (!e) {
		e = track_add(&s->procs, pid, st.starttime);
		if (!e)
			return false;
		*ep = e;
	} else if (e->starttime != st.starttime) {
		track_reset(e, st.starttime);
	} else if (strcmp(e->comm, st.comm) != 0) {
		/* exec (or a rename): another program, another identity and history */
		e->identity = false;
		history_clear(&e->hist);
		e->have_prev = false;
		e->calm = 0;
	}
	e->seen = s->gen;
	memcpy(e->comm, st.comm, sizeof(e->comm));
	*smp = (struct sample){
		.rss = st.rss_pages * (uint64_t)s->page_size,
		.vsz = st.vsize,
		.minflt = st.minflt,
		.majflt = st.majflt,
	};
	smp->anon = smp->rss;
	if (st.flags & PF_KTHREAD_FLAG) {
		e->kthread = true;
		e->identity = true;
		return true;
	}
	if (!e->identity) {
		cleanup_close int dirfd = open_verified(s, name, st.starttime);

		if (dirfd < 0)
			return false;
		load_identity(s, e, dirfd);
	} else if (s->gen >= e->refresh_at) {
		/*
		 * The periodic check, path-relative like stat: the start time was just
		 * confirmed. Calm processes are checked 4 times less often: they cost
		 * most of a pass, and what they do not do (grow) is what matters.
		 */
		snprintf(path, sizeof(path), "%s", name);
		read_cgroup_at(e, s->procfd, path);
		e->refresh_at = s->gen + IDENTITY_REFRESH * (e->calm >= CALM_AFTER ? 4 : 1);
	}
	if (s->use_cgroups && e->cgroup && (!e->cgu || strcmp(e->cgu->path, e->cgroup) != 0))
		e->cgu = cgusage_get(&s->cgroups, e->cgroup, s->gen);
	return true;
}

/*
 * VmSwap from /proc/PID/status: what a footprint adds to the RSS. The file
 * costs a few times statm, so it is read only for watched processes, and
 * only when swap moved and their RSS changed (see scan_one).
 */
static uint64_t read_swap(struct scanner *s, const char *name, uint64_t old)
{
	char path[300], buf[4096];
	uint64_t bytes;

	snprintf(path, sizeof(path), "%s/status", name);
	if (read_file_at(s->procfd, path, buf, sizeof(buf)) < 0 || !proc_status_kb(buf, "VmSwap", &bytes))
		return old;
	return bytes;
}

/* A known process: statm alone (RSS, anonymous RSS, VSZ). */
static bool sample_statm(struct scanner *s, struct proc_entry *e, const char *name, struct sample *smp)
{
	struct proc_statm sm;
	char path[300], buf[256];

	snprintf(path, sizeof(path), "%s/statm", name);
	if (read_file_at(s->procfd, path, buf, sizeof(buf)) < 0 || !proc_parse_statm(buf, &sm))
		return false;
	*smp = (struct sample){
		.rss = sm.resident * (uint64_t)s->page_size,
		.anon = sm.resident >= sm.shared ? (sm.resident - sm.shared) * (uint64_t)s->page_size : 0,
		.vsz = sm.size * (uint64_t)s->page_size,
		/* faults are in stat only: they stay as last read */
		.minflt = e->last.minflt,
		.majflt = e->last.majflt,
	};
	return true;
}

/*
 * A process whose figures came from the source (bpf): a new start time is a
 * reused pid, a new comm an exec, a new cgroup id a move; files are read only
 * for those (and the periodic check of the cgroup path).
 */
static bool sample_full(struct scanner *s, struct proc_entry **ep, const struct sample_task *t,
			struct sample *smp)
{
	struct proc_entry *e = *ep;

	if (!e) {
		e = track_add(&s->procs, t->pid, t->starttime);
		if (!e)
			return false;
		*ep = e;
	} else if (e->starttime != t->starttime) {
		track_reset(e, t->starttime);
	} else if (strcmp(e->comm, t->comm) != 0) {
		e->identity = false;
		history_clear(&e->hist);
		e->have_prev = false;
		e->calm = 0;
	}
	e->seen = s->gen;
	memcpy(e->comm, t->comm, sizeof(e->comm));
	if (!e->identity) {
		cleanup_close int dirfd = open_verified(s, t->name, t->starttime);

		if (dirfd < 0)
			return false;
		load_identity(s, e, dirfd);
		e->young = 0; /* an exec shows in the next pass's comm: no stat to re-read */
		e->cgroup_id = t->cgroup_id;
	} else if (e->cgroup_id != t->cgroup_id || s->gen >= e->refresh_at) {
		read_cgroup_at(e, s->procfd, t->name);
		e->cgroup_id = t->cgroup_id;
		e->refresh_at = s->gen + IDENTITY_REFRESH * (e->calm >= CALM_AFTER ? 4 : 1);
	}
	*smp = t->smp;
	smp->minflt = e->last.minflt; /* faults are in stat only: they stay as last read */
	smp->majflt = e->last.majflt;
	return true;
}

static void scan_one(struct scanner *s, const struct sample_task *t, uint64_t now)
{
	const char *name = t->name;
	pid_t pid = t->pid;
	struct proc_entry *e = track_find(&s->procs, pid);
	struct sample smp;

	if (e && e->kthread) {
		e->seen = s->gen; /* a kernel thread has no user memory to watch */
		return;
	}
	if (e && e->cgu)
		e->cgu->seen = s->gen; /* kept while a process that points to it lives */
	if (t->full) {
		if (!sample_full(s, &e, t, &smp))
			return;
	} else if (e && e->identity && !e->young && s->gen < e->refresh_at) {
		/*
		 * A calm process in a calm cgroup waits its turn, unless it has
		 * pages in swap while swap moves: a leak pinned at its cgroup's
		 * limit swaps as it grows, and its cgroup's usage does not.
		 */
		if (s->use_cgroups && e->calm >= CALM_AFTER && e->cgu && !e->cgu->grew &&
		    s->gen - e->sampled < CALM_EVERY && !(e->last.swap && s->sys.swap_moved)) {
			e->seen = s->gen;
			s->n_calm++;
			return;
		}
		if (!sample_statm(s, e, name, &smp))
			return;
		e->seen = s->gen;
	} else if (!sample_stat(s, &e, name, pid, &smp)) {
		return;
	} else if (e->kthread) {
		return;
	} else if (e->young) {
		e->young--;
	}
	smp.t_ms = now;
	if (!t->full)
		smp.swap = e->last.swap;
	if (e->cfg_gen != s->cfg_gen)
		compute_policies(s, e);
	if (e->policies) {
		if (e->needs_anon && !t->full && smp.anon == smp.rss) {
			/* a first sample, from stat: anonymous RSS is in statm */
			struct sample a;

			if (sample_statm(s, e, name, &a))
				smp.anon = a.anon;
		}
		/*
		 * Pages that go to swap leave the RSS, pages that come back join
		 * it: while swap moves, a process whose resident pages did not
		 * change and that has nothing in swap did not swap. One with pages
		 * in swap may have: its RSS can stay put while it swaps as fast as
		 * it grows.
		 */
		if (t->full)
			; /* the source read it */
		else if (!s->sys.mem.swap_total && !s->swap_always)
			smp.swap = 0;
		else if (!e->hist.len || s->swap_always ||
			 (s->sys.swap_moved && (smp.rss != e->last.rss || smp.swap)))
			smp.swap = read_swap(s, name, smp.swap);
		uint32_t max = s->over_budget ? MIN(MAX(e->hist.cap, HISTORY_MIN), s->hist_cap) : s->hist_cap;

		if (e->hist.max != max && history_resize(&e->hist, max) < 0)
			return;
		/* the ring grows only while the process changes: see history.h */
		history_push(&e->hist, &smp, CALM_NOISE);
		s->n_watched++;
	}
	if (e->last.t_ms && smp.rss + smp.swap <= e->last.rss + e->last.swap + CALM_NOISE)
		e->calm = e->calm < 255 ? (uint8_t)(e->calm + 1) : 255;
	else
		e->calm = 0;
	e->sampled = s->gen;
	e->prev = e->last;
	e->have_prev = e->last.t_ms != 0;
	e->last = smp;
}

int scanner_use_cgroups(struct scanner *s, const struct cgroup_backend *cg)
{
	int r;

	if (s->src->figures)
		return 0; /* every process is sampled every pass anyway */
	r = cgusage_init(&s->cgroups, cg);
	if (r < 0)
		return r;
	s->use_cgroups = true;
	/* known processes pick up their cgroup at their next identity check */
	track_for_each(&s->procs, e)
		if (e->cgroup)
			e->cgu = cgusage_get(&s->cgroups, e->cgroup, s->gen);
	return 0;
}

static size_t str_bytes(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* What the tracked processes take, as allocated (allocator overhead aside). */
static void account(struct scanner *s)
{
	uint64_t bytes = s->procs.n_buckets * sizeof(*s->procs.buckets);

	track_for_each(&s->procs, e)
		bytes += sizeof(*e) + str_bytes(e->exe) + str_bytes(e->cmdline) + str_bytes(e->cgroup) +
			 (uint64_t)e->hist.cap * sizeof(*e->hist.s);
	s->state_bytes = bytes;
	/* back under 90 %: histories grow again */
	if (bytes > s->cfg->daemon.memory_budget)
		s->over_budget = true;
	else if (bytes * 10 < s->cfg->daemon.memory_budget * 9)
		s->over_budget = false;
}

int scanner_pass(struct scanner *s)
{
	uint64_t now = now_ms();
	struct sample_task t;
	int r;

	s->gen++;
	s->n_seen = s->n_watched = s->n_calm = 0;
	sample_system(s, now);
	if (s->cmdread)
		cmdread_collect(s->cmdread, cmdline_arrived, s);
	if (s->use_cgroups)
		cgusage_refresh(&s->cgroups);
	r = s->src->begin(s->src_state);
	while (r == 0 && (r = s->src->next(s->src_state, &t)) > 0) {
		scan_one(s, &t, now);
		s->n_seen++;
		r = 0;
	}
	if (r < 0)
		return r;
	track_sweep(&s->procs, s->gen);
	account(s);
	if (s->use_cgroups)
		cgusage_sweep(&s->cgroups, s->gen);
	return 0;
}
