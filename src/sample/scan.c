// SPDX-License-Identifier: GPL-2.0-or-later
#include "scan.h"

#include <ctype.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "container.h"
#include "log.h"
#include "util.h"

#define IDENTITY_REFRESH 32 /* passes between re-reads of a process's cgroup */
/*
 * A process first seen between its fork and its exec looks like its parent
 * (name, exe, cgroup if the parent moves it): read stat, which shows an exec
 * as a new name, for its first few passes rather than statm.
 */
#define YOUNG_PASSES 3

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
bool cgroup_under(const char *path, const char *scope)
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

/* A container's process against container globs: "RUNTIME:ID" or "RUNTIME:NAME" ("podman:web-1"). */
static bool container_matches(const struct glob_list *g, const char *cgroup)
{
	struct container c;
	char key[sizeof(c.id) + sizeof(c.name) + 16];
	const char *rt;

	if (!g->n || !cgroup || !container_of_cgroup(cgroup, &c))
		return false;
	container_read_name_cached(&c);
	rt = container_runtime_name(c.runtime);
	snprintf(key, sizeof(key), "%s:%s", rt, c.id);
	if (glob_list_match(g, key))
		return true;
	snprintf(key, sizeof(key), "%s:%s", rt, c.name);
	return c.name[0] && glob_list_match(g, key);
}

const char *policy_why_not(const struct policy *p, const struct proc_entry *e)
{
	const char *exe = e->exe ? e->exe : "";
	const char *cmd = e->cmdline ? e->cmdline : "";
	const char *cg = e->cgroup ? e->cgroup : "";

	if (p->match_comm.n && !glob_list_match(&p->match_comm, e->comm))
		return "match_comm";
	if (p->match_exe.n && !glob_list_match(&p->match_exe, exe))
		return "match_exe";
	if (p->match_cmdline.n && !glob_list_match(&p->match_cmdline, cmd))
		return "match_cmdline";
	if (p->match_cgroup.n && !glob_list_match(&p->match_cgroup, cg))
		return "match_cgroup";
	if (p->match_container.n && !container_matches(&p->match_container, e->cgroup))
		return "match_container";
	if (p->match_user.n && !user_matches(&p->match_user, e->uid))
		return "match_user";
	if (glob_list_match(&p->exclude_comm, e->comm))
		return "exclude_comm";
	if (glob_list_match(&p->exclude_exe, exe))
		return "exclude_exe";
	if (glob_list_match(&p->exclude_cmdline, cmd))
		return "exclude_cmdline";
	if (glob_list_match(&p->exclude_cgroup, cg))
		return "exclude_cgroup";
	if (container_matches(&p->exclude_container, e->cgroup))
		return "exclude_container";
	if (p->exclude_user.n && user_matches(&p->exclude_user, e->uid))
		return "exclude_user";
	return NULL;
}

bool policy_selects(const struct policy *p, const struct proc_entry *e)
{
	return policy_why_not(p, e) == NULL;
}

const char *config_exemption(const struct daemon_config *d, const struct proc_entry *e)
{
	if (glob_list_match(&d->exempt_comm, e->comm))
		return "exempt_comm";
	if (glob_list_match(&d->exempt_cgroup, e->cgroup ? e->cgroup : ""))
		return "exempt_cgroup";
	if (glob_list_match(&d->exempt_exe, e->exe ? e->exe : ""))
		return "exempt_exe";
	if (d->exempt_user.n && user_matches(&d->exempt_user, e->uid))
		return "exempt_user";
	return NULL;
}

const char *scanner_exemption(const struct scanner *s, const struct proc_entry *e)
{
	return config_exemption(&s->cfg->daemon, e);
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
	char buf[4096], thread[32] = "", exe[48];
	ssize_t n;

	free(e->exe);
	free(e->cmdline);
	e->exe = e->cmdline = NULL;
	e->cmdline_asked = false;
	/* the main thread exited: its exe link is gone, a thread that runs has it */
	if (e->live_tid)
		snprintf(thread, sizeof(thread), "task/%d", (int)e->live_tid);
	snprintf(exe, sizeof(exe), "%s%sexe", thread, thread[0] ? "/" : "");
	n = readlinkat(dirfd, exe, buf, sizeof(buf) - 1);
	if (n >= 0) {
		buf[n] = '\0';
		e->exe = strdup(buf);
	}
	if (read_file_at(dirfd, "status", buf, sizeof(buf)) >= 0)
		proc_status_uid(buf, &e->uid);
	read_cgroup_at(e, dirfd, thread);
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

/* Its container, for the records and the journal: "podman 0be5a925c965 (web)", or none. */
static void container_label(struct proc_entry *e)
{
	struct container c;
	char label[160];

	free(e->container);
	e->container = NULL;
	if (!e->cgroup || !container_of_cgroup(e->cgroup, &c))
		return;
	container_read_name_cached(&c);
	container_describe(&c, label, sizeof(label));
	e->container = strdup(label);
}

static void compute_policies(struct scanner *s, struct proc_entry *e)
{
	const struct config *cfg = s->cfg;
	const char *cg = e->cgroup ? e->cgroup : "";
	uint64_t windows[LJ_POLICIES_MAX];
	size_t n_windows = 0;
	unsigned int kinds = 0;

	e->in_scope = e->cgroup && cgroup_under(cg, cfg->daemon.scope);
	container_label(e);
	/* exempt_comm is what a process calls itself: exempt_exe, _user and _cgroup cannot be claimed */
	e->exempt = scanner_exemption(s, e) != NULL;
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
				kinds |= cfg->policies[i].rss == RSS_ANON ? HK_ANON : HK_TOTAL;
				windows[n_windows++] = cfg->policies[i].window_ms;
			}
		}
	}
	if (e->cfg_gen != s->cfg_gen)
		e->reported = 0;
	e->reported &= e->policies;
	e->cfg_gen = s->cfg_gen;
	e->recheck = false;
	if (e->policies) {
		/* the history keeps fine what these windows cut, and judges flatness on what they watch */
		history_configure_windows(&e->hist, windows, n_windows, kinds);
	} else {
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

/* "PID/FILE", or "PID/task/TID/FILE" while the main thread has exited (track.h) */
static void task_path(const struct proc_entry *e, const char *name, const char *file, char *path,
		      size_t size)
{
	if (e && e->live_tid)
		snprintf(path, size, "%s/task/%d/%s", name, (int)e->live_tid, file);
	else
		snprintf(path, size, "%s/%s", name, file);
}

/*
 * The main thread exited (pthread_exit) while others run: the leader's stat
 * and statm show no memory (it has no mm any more) though the process holds
 * all it held. Find a thread that runs and read the process through it
 * (its stat into *st). False when there is none: a zombie about to be
 * reaped, or threads that cannot be read, which is said once.
 */
static bool find_live_thread(struct scanner *s, struct proc_entry *e, const char *name,
			     struct proc_stat *st)
{
	char path[300], buf[1024];
	cleanup_dir DIR *d = NULL;
	struct dirent *de;
	unsigned int others = 0;
	int fd;

	if (e->live_tid) {
		task_path(e, name, "stat", path, sizeof(path));
		if (read_file_at(s->procfd, path, buf, sizeof(buf)) >= 0 && proc_parse_stat(buf, st) && st->vsize)
			return true;
		e->live_tid = 0; /* it ended too: look again */
	}
	snprintf(path, sizeof(path), "%s/task", name);
	fd = openat(s->procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	while ((de = readdir(d))) {
		long tid = strtol(de->d_name, NULL, 10);

		if (tid <= 0 || tid == e->pid)
			continue;
		others++;
		snprintf(path, sizeof(path), "%s/task/%ld/stat", name, tid);
		if (read_file_at(s->procfd, path, buf, sizeof(buf)) >= 0 && proc_parse_stat(buf, st) &&
		    st->vsize) {
			e->live_tid = (pid_t)tid;
			e->unjudged = 0;
			return true;
		}
	}
	/*
	 * A process that exits drops its memory before its last threads are
	 * gone: said only of one still so at a later pass.
	 */
	if (others && e->unjudged < 2 && ++e->unjudged == 2)
		lj_log(LOG_NOTICE, "pid %d (%s): its main thread exited and none of its %u other threads can be "
		       "read: its memory is not known, it is not judged", e->pid, e->comm, others);
	return false;
}

/* Another program: its name, exe, command line and policies are read again, its history starts afresh. */
static void forget_program(struct proc_entry *e)
{
	e->identity = false;
	history_clear(&e->hist);
	e->have_prev = false;
	e->calm = 0;
}

/* A known process seen again: an exec starts it afresh, a rename keeps its history. */
static void note_change(struct proc_entry *e, const char *comm, uint64_t image, bool text_changed)
{
	switch (track_compare(e, comm, image, text_changed)) {
	case TRACK_EXECED:
		forget_program(e);
		break;
	case TRACK_RENAMED:
		/* comm globs may see it differently now; a leak already logged is not logged again */
		e->recheck = true;
		break;
	case TRACK_SAME:
		break;
	}
	if (image)
		e->image = image; /* an image not seen this time is still the one it had */
}

/* A new process (or a reused pid, or the periodic check, or an exec suspected): stat, then identity. */
static bool sample_stat(struct scanner *s, struct proc_entry **ep, const char *name, pid_t pid,
			struct sample *smp, bool text_changed)
{
	struct proc_entry *e = *ep;
	struct proc_stat st, mm;
	char path[300], buf[1024];
	bool fresh = false;

	/* path-relative: one open per process; a pid reused in between shows as a new start time */
	snprintf(path, sizeof(path), "%s/stat", name);
	if (read_file_at(s->procfd, path, buf, sizeof(buf)) < 0 || !proc_parse_stat(buf, &st))
		return false; /* gone: normal */
	if (!e) {
		e = track_add(&s->procs, pid, st.starttime);
		if (!e)
			return false;
		*ep = e;
		fresh = true;
	} else if (e->starttime != st.starttime) {
		track_reset(e, st.starttime);
		fresh = true;
	}
	e->seen = s->gen;
	mm = st;
	if (!(st.flags & PF_KTHREAD_FLAG) && !st.vsize) {
		/* the leader counts among its threads until it is reaped: 1 is a zombie's */
		if (st.num_threads < 2 || !find_live_thread(s, e, name, &mm)) {
			e->live_tid = 0;
			memcpy(e->comm, st.comm, sizeof(e->comm));
			return false; /* no figures: none rather than a false 0 in its history */
		}
	} else {
		e->live_tid = 0;
	}
	if (!fresh)
		note_change(e, st.comm, proc_stat_image(&mm), text_changed);
	else
		e->image = proc_stat_image(&mm);
	memcpy(e->comm, st.comm, sizeof(e->comm));
	*smp = (struct sample){
		.rss = mm.rss_pages * (uint64_t)s->page_size,
		.vsz = mm.vsize,
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
static uint64_t read_swap(struct scanner *s, const struct proc_entry *e, const char *name, uint64_t old)
{
	char path[300];
	uint64_t bytes;

	task_path(e, name, "status", path, sizeof(path));
	return proc_vm_swap_at(s->procfd, path, &bytes) ? bytes : old;
}

static bool read_statm(struct scanner *s, const struct proc_entry *e, const char *name,
		       struct proc_statm *sm)
{
	char path[300], buf[256];

	task_path(e, name, "statm", path, sizeof(path));
	return read_file_at(s->procfd, path, buf, sizeof(buf)) >= 0 && proc_parse_statm(buf, sm);
}

static void statm_sample(const struct scanner *s, const struct proc_entry *e, const struct proc_statm *sm,
			 struct sample *smp)
{
	*smp = (struct sample){
		.rss = sm->resident * (uint64_t)s->page_size,
		.anon = sm->resident >= sm->shared ? (sm->resident - sm->shared) * (uint64_t)s->page_size : 0,
		.vsz = sm->size * (uint64_t)s->page_size,
		/* faults are in stat only: they stay as last read */
		.minflt = e->last.minflt,
		.majflt = e->last.majflt,
	};
}

/* A known process: statm alone (RSS, anonymous RSS, VSZ). */
static bool sample_statm(struct scanner *s, struct proc_entry *e, const char *name, struct sample *smp)
{
	struct proc_statm sm;

	if (!read_statm(s, e, name, &sm))
		return false;
	statm_sample(s, e, &sm, smp);
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
	} else {
		note_change(e, t->comm, t->exec_id, false);
	}
	e->image = t->exec_id;
	e->seen = s->gen;
	memcpy(e->comm, t->comm, sizeof(e->comm));
	if (t->no_mm) {
		struct proc_stat mm;

		/* the record has no figures: read them, and the exe, through a thread that runs */
		if (!t->threads_live || !find_live_thread(s, e, t->name, &mm))
			return false;
	} else {
		e->live_tid = 0;
	}
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
	if (e->live_tid) {
		struct proc_statm sm;

		if (!read_statm(s, e, t->name, &sm))
			return false;
		statm_sample(s, e, &sm, smp);
		smp->swap = read_swap(s, e, t->name, e->last.swap);
		return true;
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
	} else {
		bool via_stat = !(e && e->identity && !e->young && s->gen < e->refresh_at);
		bool text_changed = false;
		struct proc_statm sm;

		/*
		 * A calm process in a calm cgroup waits its turn, unless it has
		 * pages in swap while swap moves: a leak pinned at its cgroup's
		 * limit swaps as it grows, and its cgroup's usage does not.
		 */
		if (!via_stat && s->use_cgroups && e->calm >= CALM_AFTER && e->cgu && !e->cgu->grew &&
		    s->gen - e->sampled < CALM_EVERY && !(e->last.swap && s->sys.swap_moved)) {
			e->seen = s->gen;
			s->n_calm++;
			return;
		}
		if (!via_stat) {
			if (!read_statm(s, e, name, &sm)) {
				if (!e->live_tid)
					return; /* gone */
				via_stat = true; /* the thread it was read through ended */
			} else if (!sm.size) {
				/* its main thread exited (or the thread read for it): find one that runs */
				via_stat = true;
			} else {
				/*
				 * The size of its code, in the statm just read: an
				 * exec into another program changes it. stat (read
				 * now, not in up to 128 passes) tells which program.
				 */
				text_changed = e->text && e->text != sm.text + 1;
				via_stat = text_changed;
				statm_sample(s, e, &sm, &smp);
				e->seen = s->gen;
			}
			if (!via_stat || text_changed)
				e->text = sm.text + 1;
		}
		if (via_stat) {
			if (!sample_stat(s, &e, name, pid, &smp, text_changed))
				return;
			if (e->kthread)
				return;
			if (e->young)
				e->young--;
		}
	}
	smp.t_ms = now;
	if (!t->full)
		smp.swap = e->last.swap;
	if (e->cfg_gen != s->cfg_gen || e->recheck)
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
			smp.swap = read_swap(s, e, name, smp.swap);
		/* over the budget, every history gets coarser, and all are still judged */
		uint32_t max = s->over_budget ? HISTORY_BUCKETS_LOW : HISTORY_BUCKETS_MAX;

		if (e->hist.max != max)
			history_resize(&e->hist, max); /* refused: it keeps what it has */
		/* a stretch is added only while the process changes: see history.h */
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
			 history_bytes(&e->hist);
	s->state_bytes = bytes;
	/* back under 90 %: histories get their full resolution again */
	if (bytes > s->cfg->daemon.memory_budget)
		s->over_budget = true;
	else if (bytes * 10 < s->cfg->daemon.memory_budget * 9)
		s->over_budget = false;
}

/*
 * The source failed (the bpf programs gone or refused what they need):
 * /proc never stops answering, so sample through it from now on, and say
 * so. Returns 0, or -errno when /proc is the source already or cannot be
 * opened.
 */
static int fall_back_to_proc(struct scanner *s, const char *what, int err)
{
	void *state;
	int r;

	if (s->src == &sample_source_proc)
		return err;
	r = sample_source_proc.open(&state, s->procfd);
	lj_log(LOG_ERR, "sampler: %s %s failed (%s): %s", s->src->describe(s->src_state), what, strerror(-err),
	       r == 0 ? "sampling through /proc from now on" : "and /proc could not be opened");
	if (r < 0)
		return r;
	s->src->close(s->src_state);
	s->src = &sample_source_proc;
	s->src_state = state;
	snprintf(s->src_why, sizeof(s->src_why), "the bpf source %s failed (%s)", what, strerror(-err));
	/* an image is the source's own measure (track.h): unknown until /proc's stat tells */
	track_for_each(&s->procs, e)
		e->image = 0;
	return 0;
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
	if (r < 0 && fall_back_to_proc(s, "pass", r) == 0)
		r = s->src->begin(s->src_state);
	while (r == 0 && (r = s->src->next(s->src_state, &t)) > 0) {
		scan_one(s, &t, now);
		s->n_seen++;
		r = 0;
	}
	/* half a pass was seen: this pass fails (nothing is swept), the next is through /proc */
	if (r < 0 && s->src != &sample_source_proc)
		fall_back_to_proc(s, "read", r);
	if (r < 0)
		return r;
	track_sweep(&s->procs, s->gen);
	account(s);
	if (s->use_cgroups)
		cgusage_sweep(&s->cgroups, s->gen);
	return 0;
}
