// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Memory cgroups, v1 and v2.
 *
 * libcgroup (2.0.2) finds the controller's mount and creates and removes
 * cgroups. Values and moves are written to cgroupfs here, in one place,
 * because libcgroup falls short for them:
 * - cgroup_modify_cgroup() writes every value of a controller in its own
 *   order and reports a refused write as ECGOTHER; v1 needs
 *   memory.limit_in_bytes <= memory.memsw.limit_in_bytes at every step, and
 *   the caller needs the errno (EBUSY: could not reclaim down to the limit);
 * - cgroup_attach_task_pid() writes v1's `tasks`, which moves one thread:
 *   a whole process moves through `cgroup.procs`.
 * libcgroup's ECG* codes are converted to -errno in lcg_error() only.
 *
 * libcgroup is loaded (dlopen) for the moment it is used and unloaded after:
 * its static tables are 2.4 MiB, and cgroup_init() writes about 800 KiB of
 * them, a third of the daemon's PSS kept for what is done once at start
 * (the mount) and once per jail (a mkdir, a rmdir).
 */
#include "cgroup.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <libcgroup.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

/* Everything that differs between v1 and v2, in one table. */
struct cg_files {
	const char *high;      /* the limit a jail lives under */
	const char *max;       /* the OOM line above it (v2 only) */
	const char *swap;      /* v2: swap alone; v1: memory + swap */
	const char *usage;
	const char *swap_usage;
	const char *events;
	const char *unlimited; /* what "no limit" is written as */
};

static const struct cg_files v1_files = {
	.high = "memory.limit_in_bytes",
	.max = NULL,
	.swap = "memory.memsw.limit_in_bytes",
	.usage = "memory.usage_in_bytes",
	.swap_usage = "memory.memsw.usage_in_bytes",
	.events = "memory.oom_control",
	.unlimited = "-1",
};

static const struct cg_files v2_files = {
	.high = "memory.high",
	.max = "memory.max",
	.swap = "memory.swap.max",
	.usage = "memory.current",
	.swap_usage = "memory.swap.current",
	.events = "memory.events",
	.unlimited = "max",
};

static const struct cg_files *files(const struct cgroup_backend *b)
{
	return b->version == CG_V2 ? &v2_files : &v1_files;
}

/* libcgroup while it is loaded: the functions used, and its handle. */
struct lcg {
	void *handle;
	__typeof__(cgroup_init) *init;
	__typeof__(cgroup_get_subsys_mount_point) *get_subsys_mount_point;
	__typeof__(cgroup_new_cgroup) *new_cgroup;
	__typeof__(cgroup_add_controller) *add_controller;
	__typeof__(cgroup_create_cgroup) *create_cgroup;
	__typeof__(cgroup_delete_cgroup_ext) *delete_cgroup_ext;
	__typeof__(cgroup_free) *free;
	__typeof__(cgroup_strerror) *strerror;
	__typeof__(cgroup_get_last_errno) *get_last_errno;
};

/* The one place where libcgroup's ECG* codes become -errno and a message. */
static int lcg_error(const struct lcg *l, int ecg, const char *what, const char *path, struct lj_error *err)
{
	int e = ecg == ECGOTHER ? l->get_last_errno() : 0;

	if (e == 0)
		e = ecg == ECGROUPNOTEXIST ? ENOENT : EIO;
	return lj_error_set(err, -e, "%s %s: %s", what, path,
			    ecg == ECGOTHER ? strerror(e) : l->strerror(ecg));
}

static void lcg_close(struct lcg *l)
{
	if (l->handle)
		dlclose(l->handle);
	l->handle = NULL;
}

/* Load and initialise libcgroup (its soname, as the headers built against name it: 2 or 3). */
static int lcg_open(struct lcg *l, struct lj_error *err)
{
	static const char *const names[] = { "libcgroup.so.2", "libcgroup.so.3" };
	int r;

	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < ARRAY_SIZE(names) && !l->handle; i++)
		l->handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!l->handle)
		return lj_error_set(err, -ELIBACC, "cannot load libcgroup: %s", dlerror());
#define LCG_SYM(f)                                                                                \
	do {                                                                                      \
		if (!(*(void **)&l->f = dlsym(l->handle, "cgroup_" #f))) {                         \
			lj_error_set(err, -ELIBACC, "libcgroup has no cgroup_%s: %s", #f, dlerror()); \
			lcg_close(l);                                                             \
			return -ELIBACC;                                                          \
		}                                                                                 \
	} while (0)
	LCG_SYM(init);
	LCG_SYM(get_subsys_mount_point);
	LCG_SYM(new_cgroup);
	LCG_SYM(add_controller);
	LCG_SYM(create_cgroup);
	LCG_SYM(delete_cgroup_ext);
	LCG_SYM(free);
	LCG_SYM(strerror);
	LCG_SYM(get_last_errno);
#undef LCG_SYM
	r = l->init();
	if (r) {
		r = lcg_error(l, r, "cannot initialise libcgroup for", "memory", err);
		lcg_close(l);
		return r;
	}
	return 0;
}

/*
 * libcgroup loaded, and its handle on the memory cgroup rel (path, after
 * `what`, in a message). Returns 0, or -errno with libcgroup closed again.
 */
static int lcg_open_memory(struct lcg *l, const char *rel, const char *what, const char *path,
			   struct cgroup **out, struct lj_error *err)
{
	struct cgroup *cg;
	int r = lcg_open(l, err);

	if (r < 0)
		return r;
	cg = l->new_cgroup(rel);
	if (!cg || !l->add_controller(cg, "memory")) {
		if (cg)
			l->free(&cg);
		lcg_close(l);
		return lj_error_set(err, -ENOMEM, "%s %s: out of memory", what, path);
	}
	*out = cg;
	return 0;
}

int cg_backend_init(struct cgroup_backend *b, struct lj_error *err)
{
	cleanup_free char *mount = NULL;
	struct statfs sfs;
	struct lcg l;
	int r;

	memset(b, 0, sizeof(*b));
	r = lcg_open(&l, err);
	if (r < 0)
		return r;
	r = l.get_subsys_mount_point("memory", &mount);
	lcg_close(&l);
	if (r || !mount)
		return lj_error_set(err, -ENOENT, "no memory cgroup controller is mounted");
	if (statfs(mount, &sfs) < 0)
		return lj_error_set(err, -errno, "statfs %s: %s", mount, strerror(errno));
	b->version = sfs.f_type == CGROUP2_SUPER_MAGIC ? CG_V2 : CG_V1;
	snprintf(b->mount, sizeof(b->mount), "%s", mount);
	return 0;
}

const char *cg_version_name(const struct cgroup_backend *b)
{
	return b->version == CG_V2 ? "cgroup v2" : "cgroup v1";
}

void cg_path(const struct cgroup_backend *b, const char *rel, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", b->mount, rel);
}

bool cg_exists(const struct cgroup_backend *b, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	cg_path(b, rel, path, sizeof(path));
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

uint64_t cg_ino(const struct cgroup_backend *b, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	cg_path(b, rel, path, sizeof(path));
	return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

static int write_value(const struct cgroup_backend *b, const char *rel, const char *file,
		       const char *value, struct lj_error *err)
{
	char path[PATH_MAX];
	int r;

	snprintf(path, sizeof(path), "%s/%s/%s", b->mount, rel, file);
	r = write_file_at(AT_FDCWD, path, value);
	if (r < 0)
		return lj_error_set(err, r, "write %s to %s: %s", value, path, strerror(-r));
	return 0;
}

static void format_limit(const struct cgroup_backend *b, uint64_t v, char *buf, size_t size)
{
	if (v == CG_UNLIMITED)
		snprintf(buf, size, "%s", files(b)->unlimited);
	else
		snprintf(buf, size, "%" PRIu64, v);
}

/*
 * v2: a cgroup's children get the memory controller only when "+memory" is in
 * the parent's cgroup.subtree_control, all the way down from the root.
 */
static int enable_memory_down_to(const struct cgroup_backend *b, const char *rel, struct lj_error *err)
{
	char parent[1024] = "";
	const char *p = rel;

	for (;;) {
		const char *slash = strchr(p, '/');
		char path[PATH_MAX + 64];
		char buf[256];

		snprintf(path, sizeof(path), "%s/%s%scgroup.subtree_control", b->mount, parent,
			 parent[0] ? "/" : "");
		if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) >= 0 && !strstr(buf, "memory")) {
			int r = write_file_at(AT_FDCWD, path, "+memory");

			if (r < 0)
				return lj_error_set(err, r, "enable +memory in %s: %s%s", path, strerror(-r),
						    r == -EBUSY ? " (that cgroup holds processes: v2 allows"
								  " controllers only in cgroups without any)"
								: "");
		}
		if (!slash)
			return 0;
		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - rel), rel);
		p = slash + 1;
	}
}

int cg_create(const struct cgroup_backend *b, const char *rel, struct lj_error *err)
{
	char path[PATH_MAX];
	struct cgroup *cg;
	struct lcg l;
	struct stat st;
	int r, e;

	/*
	 * A path through a file (a jail_parent that names a control file, like
	 * "leakjail/memory.max"): mkdir(2) says ENOTDIR, but on v2 libcgroup
	 * says "requested group parameter does not exist", and only after +memory
	 * was written into the parents' subtree_control on the way down. Refuse
	 * it first, touching nothing, with the kernel's word for it.
	 */
	cg_path(b, rel, path, sizeof(path));
	if (stat(path, &st) < 0 ? errno == ENOTDIR : !S_ISDIR(st.st_mode))
		return lj_error_set(err, -ENOTDIR, "cannot create cgroup %s: %s", path, strerror(ENOTDIR));
	if (b->version == CG_V2) {
		/* the new cgroup's parents must pass the controller down first */
		char parent[1024];
		char *slash;

		snprintf(parent, sizeof(parent), "%s", rel);
		slash = strrchr(parent, '/');
		if (slash) {
			*slash = '\0';
			if (!cg_exists(b, parent)) {
				r = cg_create(b, parent, err);
				if (r < 0)
					return r;
			}
		}
		r = enable_memory_down_to(b, rel, err);
		if (r < 0)
			return r;
	}
	r = lcg_open_memory(&l, rel, "cannot create cgroup", path, &cg, err);
	if (r < 0)
		return r;
	r = l.create_cgroup(cg, 1);
	/*
	 * libcgroup 2.0.2's cg_mkdir_p() turns every mkdir(2) error but EEXIST
	 * and EPERM into ECGROUPNOTALLOWED ("Cgroup, operation not allowed")
	 * without setting its last_errno. errno still holds mkdir's answer on
	 * that path (nothing after it in libcgroup sets errno), and that answer
	 * is what tells the user why: EAGAIN (v2 cgroup.max.descendants or
	 * max.depth), ENOSPC (no memory cgroup id left), EBUSY.
	 */
	e = errno;
	l.free(&cg);
	if (r && r == ECGROUPNOTALLOWED && e != 0 && e != EEXIST)
		r = lj_error_set(err, -e, "cannot create cgroup %s: %s", path, strerror(e));
	else if (r)
		r = lcg_error(&l, r, "cannot create cgroup", path, err);
	lcg_close(&l);
	return r;
}

int cg_remove(const struct cgroup_backend *b, const char *rel, struct lj_error *err)
{
	struct cgroup *cg;
	struct lcg l;
	char path[PATH_MAX];
	int r;

	cg_path(b, rel, path, sizeof(path));
	if (!cg_exists(b, rel))
		return 0;
	r = lcg_open_memory(&l, rel, "cannot remove", path, &cg, err);
	if (r < 0)
		return r;
	/* EMPTY_ONLY: without it libcgroup would move the processes to the parent first */
	r = l.delete_cgroup_ext(cg, CGFLAG_DELETE_EMPTY_ONLY);
	l.free(&cg);
	/*
	 * libcgroup 2.0.2 turns rmdir's EBUSY into ECGNONEMPTY for the
	 * controller, then drops it when it sums up the controllers (an
	 * ECGNONEMPTY is kept only over an earlier one): a cgroup that still
	 * holds processes comes back "deleted". Believing it, the daemon logged
	 * "jail ... removed", deleted the record and forgot a jail that still
	 * held the children of its exited process. The kernel removes the
	 * directory within rmdir(2): if it is still there, it was not removed.
	 */
	if (r == ECGNONEMPTY || (r == 0 && cg_exists(b, rel)))
		r = lj_error_set(err, -EBUSY, "cannot remove %s: it still holds processes", path);
	else if (r)
		r = lcg_error(&l, r, "cannot remove", path, err);
	lcg_close(&l);
	return r;
}

int cg_set_limits(const struct cgroup_backend *b, const char *rel, const struct cg_limits *l,
		  struct lj_error *err)
{
	const struct cg_files *f = files(b);
	char high[32], max[32], swap[32];
	int r;

	format_limit(b, l->high, high, sizeof(high));
	if (b->version == CG_V2) {
		format_limit(b, l->max, max, sizeof(max));
		format_limit(b, l->swap, swap, sizeof(swap));
		/* max before high: high above an older, lower max would be refused by nobody, but read oddly */
		uint64_t cur;

		r = write_value(b, rel, f->max, max, err);
		if (r == 0)
			r = write_value(b, rel, f->high, high, err);
		/* without swap accounting there is no memory.swap.max: fine unless a cap was asked */
		if (r == 0 && (l->swap != CG_UNLIMITED || cg_read_u64(b, rel, f->swap, &cur) == 0))
			r = write_value(b, rel, f->swap, swap, err);
		return r;
	} else {
		/* v1 memsw is memory + swap; it must never be below the memory limit */
		uint64_t memsw = l->swap == CG_UNLIMITED || l->high == CG_UNLIMITED ? CG_UNLIMITED
										     : l->high + l->swap;
		uint64_t cur_memsw = CG_UNLIMITED;
		bool has_memsw = cg_read_u64(b, rel, f->swap, &cur_memsw) == 0;

		format_limit(b, memsw, swap, sizeof(swap));
		if (!has_memsw && l->swap != CG_UNLIMITED)
			return lj_error_set(err, -EOPNOTSUPP,
					    "%s: no memory.memsw files (swap accounting is off): swap cannot be capped",
					    rel);
		/* raising (to no limit too, above a memsw that has one): memsw first */
		if (has_memsw && l->high > cur_memsw) {
			r = write_value(b, rel, f->swap, swap, err);
			return r ? r : write_value(b, rel, f->high, high, err);
		}
		r = write_value(b, rel, f->high, high, err);
		if (r == 0 && has_memsw)
			r = write_value(b, rel, f->swap, swap, err);
		return r;
	}
}

/*
 * Checked on 6.18 (v1, no swap): a leaker at a 16 MiB limit with
 * oom_kill_disable 1 sleeps killably (state D) with under_oom 1 and
 * oom_kill 0; a raised limit lets it go on, SIGKILL ends it. The kernel says
 * once in its log that oom_control is deprecated.
 */
int cg_oom_wait(const struct cgroup_backend *b, const char *rel, struct lj_error *err)
{
	if (b->version != CG_V1)
		return 0;
	return write_value(b, rel, "memory.oom_control", "1", err);
}

/*
 * v1 memory.oom_control:
 *   oom_kill_disable 1
 *   under_oom 1
 *   oom_kill 0
 */
bool cg_under_oom(const struct cgroup_backend *b, const char *rel)
{
	char path[PATH_MAX], buf[256];
	const char *p;

	if (b->version != CG_V1)
		return false;
	snprintf(path, sizeof(path), "%s/%s/memory.oom_control", b->mount, rel);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return false;
	p = strstr(buf, "under_oom ");
	return p && p[10] == '1';
}

int cg_move(const struct cgroup_backend *b, const char *rel, pid_t pid, struct lj_error *err)
{
	char value[24];

	snprintf(value, sizeof(value), "%d", pid);
	return write_value(b, rel, "cgroup.procs", value, err);
}

uint64_t cg_page_up(uint64_t v)
{
	return v == CG_UNLIMITED ? v : (v + 4095) / 4096 * 4096;
}

int cg_read_u64(const struct cgroup_backend *b, const char *rel, const char *file, uint64_t *out)
{
	char path[PATH_MAX], buf[64];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s/%s", b->mount, rel, file);
	n = read_file_at(AT_FDCWD, path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (strncmp(buf, "max", 3) == 0) {
		*out = CG_UNLIMITED;
		return 0;
	}
	if (sscanf(buf, "%" SCNu64, out) != 1)
		return -EINVAL;
	/* v1 shows "no limit" as the largest page-aligned long */
	if (*out >= (UINT64_C(1) << 62))
		*out = CG_UNLIMITED;
	return 0;
}

int cg_usage(const struct cgroup_backend *b, const char *rel, struct cg_usage *u)
{
	const struct cg_files *f = files(b);
	uint64_t sw = 0;
	int r;

	memset(u, 0, sizeof(*u));
	r = cg_read_u64(b, rel, f->usage, &u->memory);
	if (r < 0)
		return r;
	cg_read_u64(b, rel, f->high, &u->limit);
	if (cg_read_u64(b, rel, f->swap_usage, &sw) == 0)
		/* v1's memsw usage counts memory + swap */
		u->swap = b->version == CG_V2 ? sw : sw > u->memory ? sw - u->memory : 0;
	return 0;
}

/*
 * v2 memory.events:            v1 memory.oom_control:
 *   low 0                        oom_kill_disable 0
 *   high 368                     under_oom 0
 *   max 12                       oom_kill 1
 *   oom 1
 *   oom_kill 1
 */
int cg_events(const struct cgroup_backend *b, const char *rel, struct cg_events *ev)
{
	char path[PATH_MAX], buf[512];
	const char *p;

	memset(ev, 0, sizeof(*ev));
	snprintf(path, sizeof(path), "%s/%s/%s", b->mount, rel, files(b)->events);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return -errno;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char key[32];
		uint64_t v;

		if (sscanf(p, "%31s %" SCNu64, key, &v) != 2)
			continue;
		if (strcmp(key, "high") == 0)
			ev->high = v;
		else if (strcmp(key, "max") == 0)
			ev->max = v;
		else if (strcmp(key, "oom") == 0)
			ev->oom = v;
		else if (strcmp(key, "oom_kill") == 0)
			ev->oom_kill = v;
	}
	if (b->version == CG_V1)
		cg_read_u64(b, rel, "memory.failcnt", &ev->max);
	return 0;
}

/*
 * v2 memory.stat:        v1 memory.stat (total_: with the cgroups below):
 *   anon 52297728          total_cache 1232896
 *   file 1232896           total_rss 52297728
 *   ...                    ...
 */
/* The whole of a cgroup's file, malloc()ed: 0 or -errno. */
static int read_whole(const struct cgroup_backend *b, const char *rel, const char *file, char **out)
{
	char path[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s/%s", b->mount, rel, file);
	n = read_file_alloc(AT_FDCWD, path, out);
	return n < 0 ? (int)n : 0;
}

int cg_anon_file(const struct cgroup_backend *b, const char *rel, uint64_t *anon, uint64_t *file)
{
	const char *k_anon = b->version == CG_V2 ? "anon" : "total_rss";
	const char *k_file = b->version == CG_V2 ? "file" : "total_cache";
	cleanup_free char *buf = NULL;
	int seen = 0, r;

	*anon = *file = 0;
	r = read_whole(b, rel, "memory.stat", &buf);
	if (r < 0)
		return r;
	for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char key[32];
		uint64_t v;

		if (sscanf(p, "%31s %" SCNu64, key, &v) != 2)
			continue;
		if (strcmp(key, k_anon) == 0 && (seen |= 1))
			*anon = v;
		else if (strcmp(key, k_file) == 0 && (seen |= 2))
			*file = v;
	}
	return seen == 3 ? 0 : -EINVAL;
}

int cg_reclaim(const struct cgroup_backend *b, const char *rel, uint64_t bytes, struct lj_error *err)
{
	char value[32];

	if (b->version != CG_V2)
		return lj_error_set(err, -EOPNOTSUPP, "memory.reclaim exists on cgroup v2 only");
	snprintf(value, sizeof(value), "%" PRIu64, bytes);
	/* EAGAIN: it reclaimed less than asked, which is an answer, not a failure */
	return write_value(b, rel, "memory.reclaim", value, err);
}

int cg_procs(const struct cgroup_backend *b, const char *rel, pid_t *pids, int max)
{
	cleanup_free char *buf = NULL;
	int n = 0, r = read_whole(b, rel, "cgroup.procs", &buf);

	if (r < 0)
		return r;
	for (char *p = buf; *p && n < max;) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		pids[n++] = (pid_t)v;
		p = end;
		while (*p == '\n')
			p++;
	}
	return n;
}

int cg_set_high(const struct cgroup_backend *b, const char *rel, uint64_t v, struct lj_error *err)
{
	char value[32];

	format_limit(b, v, value, sizeof(value));
	return write_value(b, rel, files(b)->high, value, err);
}
