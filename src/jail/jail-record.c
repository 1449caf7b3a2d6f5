// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Jail records, <state_dir>/jails/<pid>: "key=value" lines that say where a
 * jailed process came from and how it was jailed, written before it is
 * touched and read by `release`, `status` and a restarted daemon.
 */
#include "jail.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/*
 * A value is one line. The comm is whatever the process named itself,
 * newlines included: "x\npid=77" written as it is would add a line that
 * jail_state_parse() reads as a key of its own, and let a jailed process
 * rewrite its record (the pid whose record a restarted daemon deletes, the
 * jail it moves processes out of). Free text goes on one line, '\n' as '?'.
 */
static void one_line(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
	for (char *p = dst; (p = strchr(p, '\n')); p++)
		*p = '?';
}

/*
 * The records steer moves of processes: their directory must be the
 * daemon's own, a real directory that nobody else may write (a symlink or a
 * group-writable directory would let someone else plant or swap records).
 */
static int state_dir_make(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return -EACCES;
	return 0;
}

/* State files: "key=value" lines, written to a temporary file and renamed into place. */
int jail_state_save(const char *state_dir, const struct jail_state *j)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 32], path[PATH_MAX + 32];
	char comm[sizeof(j->comm)], reason[sizeof(j->reason)], command[sizeof(j->command)];
	cleanup_file FILE *f = NULL;
	int fd, r;

	/* cgroup paths and policy names hold no newline: one that does is no record to keep */
	if (strchr(j->policy, '\n') || strchr(j->origin, '\n') || strchr(j->jail, '\n') ||
	    strchr(j->backend, '\n') || strchr(j->unit, '\n') || strchr(j->origin_unit, '\n') ||
	    strchr(j->origin_id, '\n') || strchr(j->container, '\n'))
		return -EINVAL;
	one_line(comm, sizeof(comm), j->comm);
	one_line(reason, sizeof(reason), j->reason);
	one_line(command, sizeof(command), j->command);
	snprintf(dir, sizeof(dir), "%s/jails", state_dir);
	if ((r = state_dir_make(state_dir)) < 0 || (r = state_dir_make(dir)) < 0)
		return r;
	snprintf(path, sizeof(path), "%s/%d", dir, j->pid);
	snprintf(tmp, sizeof(tmp), "%s/.%d.tmp", dir, j->pid);
	/* a new file, never through a symlink; one left by a crash is removed first */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		r = -errno;
		close(fd);
		unlink(tmp);
		return r;
	}
	fprintf(f,
		"pid=%d\nstarttime=%" PRIu64 "\ncomm=%s\npolicy=%s\norigin=%s\njail=%s\nsince=%" PRId64
		"\nhigh=%" PRIu64 "\nmax=%" PRIu64 "\nswap=%" PRIu64 "\nevents_high=%" PRIu64
		"\nevents_max=%" PRIu64 "\nevents_oom_kill=%" PRIu64 "\nreason=%s\nbackend=%s\n",
		j->pid, j->starttime, comm, j->policy, j->origin, j->jail, j->since, j->limits.high,
		j->limits.max, j->limits.swap, j->events.high, j->events.max, j->events.oom_kill,
		reason, j->backend[0] ? j->backend : "cgroupfs");
	if (j->unit[0])
		fprintf(f, "unit=%s\norigin_unit=%s\norigin_id=%s\nprev_high=%" PRIu64 "\nprev_max=%" PRIu64
			"\nprev_swap=%" PRIu64 "\nprev_dropins=%u\n",
			j->unit, j->origin_unit, j->origin_id, j->prev.high, j->prev.max, j->prev.swap,
			j->prev_dropins);
	if (j->container[0])
		fprintf(f, "container=%s\ncg_ino=%" PRIu64 "\n", j->container, j->cg_ino);
	if (j->origin_ino)
		fprintf(f, "origin_ino=%" PRIu64 "\n", j->origin_ino);
	if (j->thrash_grows || j->stall_grows)
		fprintf(f, "thrash_grows=%u\nstall_grows=%u\n", j->thrash_grows, j->stall_grows);
	/* a unit's are above; a container limited by cgroupfs has no unit */
	if (j->container[0] && !j->unit[0])
		fprintf(f, "prev_high=%" PRIu64 "\nprev_max=%" PRIu64 "\nprev_swap=%" PRIu64 "\n", j->prev.high,
			j->prev.max, j->prev.swap);
	if (j->run_pid)
		fprintf(f, "run_pid=%d\nrun_start=%" PRIu64 "\ncommand=%s\n", j->run_pid, j->run_start, command);
	/* a run's scope has its unit's above */
	if (j->run_pid && !j->unit[0])
		fprintf(f, "prev_high=%" PRIu64 "\nprev_max=%" PRIu64 "\nprev_swap=%" PRIu64 "\n", j->prev.high,
			j->prev.max, j->prev.swap);
	if (fflush(f) != 0 || fsync(fileno(f)) < 0) {
		unlink(tmp);
		return -EIO;
	}
	if (rename(tmp, path) < 0) {
		int e = -errno;

		unlink(tmp);
		return e;
	}
	return 0;
}

/* False when v did not fit: cut short, a jail "leakjail/app-4242" would read as "leakjail/app-42". */
static bool copy_field(char *dst, size_t size, const char *v)
{
	return (size_t)snprintf(dst, size, "%s", v) < size;
}

/*
 * A part of a cgroup path that leads elsewhere: ".." climbs out of the tree,
 * "." and "" (a leading, doubled or trailing '/') name the parent itself:
 * a jail of "." is the root cgroup, and releasing it would move every process
 * there. An origin may be "/" (a process in the root cgroup).
 */
static bool cgroup_path_escapes(const char *path, bool allow_empty)
{
	for (const char *p = path;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if ((len == 0 && !allow_empty) || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return true;
		if (!slash)
			return false;
		p = slash + 1;
	}
}

/*
 * The keys of a record and what each value must be. A key is read once:
 * jail_state_save() writes each once, and a second one would have been
 * slipped in (as a comm with newlines could, before one_line()) to override
 * the first. Keys not here (from a newer version) are passed over.
 */
enum record_kind {
	R_PID,     /* the number written, no more: atoi() wraps "4294967298" to pid 2 */
	R_RUN_PID, /* the same, and not init */
	R_U64,
	R_I64,
	R_UINT,
	R_TEXT,    /* cut to fit */
	R_PATH,    /* a cgroup path: one cut short would name another ("app-4242" as "app-42") */
	R_UNIT,    /* a unit name: never a path, never cut short */
	R_BACKEND, /* one of the backends */
	R_DROPINS, /* a mask of 3 drop-ins */
};

static const struct record_key {
	const char *key;
	enum record_kind kind;
	size_t off, size;
} record_keys[] = {
/* a number's field must have the type its kind writes: a compile error (a negative array size) otherwise */
#define FIELD(m) offsetof(struct jail_state, m), sizeof(((struct jail_state *)0)->m)
#define TYPE_IS(m, type) __builtin_types_compatible_p(__typeof__(((struct jail_state *)0)->m), type)
#define NUM(key, kind, type, m) \
	{ key, kind, offsetof(struct jail_state, m) + 0 * sizeof(char[TYPE_IS(m, type) ? 1 : -1]), sizeof(type) }
	NUM("pid", R_PID, pid_t, pid),
	NUM("starttime", R_U64, uint64_t, starttime),
	{ "comm", R_TEXT, FIELD(comm) },
	{ "policy", R_TEXT, FIELD(policy) },
	{ "origin", R_PATH, FIELD(origin) },
	{ "jail", R_PATH, FIELD(jail) },
	NUM("since", R_I64, int64_t, since),
	NUM("high", R_U64, uint64_t, limits.high),
	NUM("max", R_U64, uint64_t, limits.max),
	NUM("swap", R_U64, uint64_t, limits.swap),
	NUM("events_high", R_U64, uint64_t, events.high),
	NUM("events_max", R_U64, uint64_t, events.max),
	NUM("events_oom_kill", R_U64, uint64_t, events.oom_kill),
	{ "reason", R_TEXT, FIELD(reason) },
	{ "backend", R_BACKEND, FIELD(backend) },
	{ "unit", R_UNIT, FIELD(unit) },
	{ "origin_unit", R_UNIT, FIELD(origin_unit) },
	{ "origin_id", R_TEXT, FIELD(origin_id) },
	NUM("prev_high", R_U64, uint64_t, prev.high),
	NUM("prev_max", R_U64, uint64_t, prev.max),
	NUM("prev_swap", R_U64, uint64_t, prev.swap),
	{ "container", R_TEXT, FIELD(container) },
	NUM("cg_ino", R_U64, uint64_t, cg_ino),
	NUM("origin_ino", R_U64, uint64_t, origin_ino),
	NUM("thrash_grows", R_UINT, unsigned int, thrash_grows),
	NUM("stall_grows", R_UINT, unsigned int, stall_grows),
	NUM("run_pid", R_RUN_PID, pid_t, run_pid),
	NUM("run_start", R_U64, uint64_t, run_start),
	{ "command", R_TEXT, FIELD(command) },
	/* a record without it is older (see jail_state_parse()) */
	NUM("prev_dropins", R_DROPINS, unsigned int, prev_dropins),
#undef NUM
#undef TYPE_IS
#undef FIELD
};
_Static_assert(ARRAY_SIZE(record_keys) <= 32, "a record's keys are the bits of an unsigned int");

/* One "key=value" of a record into j: 0, or -EINVAL for a value that makes the record untrustworthy. */
static int record_value(const struct record_key *k, const char *v, struct jail_state *j)
{
	void *field = (char *)j + k->off;
	char *end;
	long pid;

	switch (k->kind) {
	case R_PID:
	case R_RUN_PID:
		errno = 0;
		pid = strtol(v, &end, 10);
		if (errno || end == v || *end || pid > INT_MAX || (k->kind == R_RUN_PID && pid <= 1))
			return -EINVAL;
		*(pid_t *)field = (pid_t)pid;
		return 0;
	case R_U64:
		*(uint64_t *)field = strtoull(v, NULL, 10);
		return 0;
	case R_I64:
		*(int64_t *)field = strtoll(v, NULL, 10);
		return 0;
	case R_UINT:
		*(unsigned int *)field = (unsigned int)strtoul(v, NULL, 10);
		return 0;
	case R_DROPINS:
		*(unsigned int *)field = (unsigned int)strtoul(v, NULL, 10) & 7u;
		return 0;
	case R_TEXT:
		copy_field(field, k->size, v);
		return 0;
	case R_PATH:
		return copy_field(field, k->size, v) ? 0 : -EINVAL;
	case R_UNIT:
		return !strchr(v, '/') && copy_field(field, k->size, v) ? 0 : -EINVAL;
	case R_BACKEND:
		if (strcmp(v, "cgroupfs") != 0 && strcmp(v, "systemd") != 0 && strcmp(v, "container") != 0 &&
		    strcmp(v, "run") != 0)
			return -EINVAL;
		copy_field(field, k->size, v);
		return 0;
	}
	return 0;
}

size_t jail_log_fields(const struct jail_state *j, char f[][160])
{
	snprintf(f[0], 160, "LEAKJAIL_PID=%d", j->pid);
	snprintf(f[1], 160, "LEAKJAIL_COMM=%s", j->comm);
	snprintf(f[2], 160, "LEAKJAIL_POLICY=%s", j->policy);
	snprintf(f[3], 160, "LEAKJAIL_JAIL=%.140s", j->jail);
	snprintf(f[4], 160, "LEAKJAIL_BACKEND=%s", j->backend);
	if (!j->unit[0])
		return 5;
	snprintf(f[5], 160, "LEAKJAIL_UNIT=%.140s", j->unit);
	return 6;
}

int jail_state_parse(const char *text, struct jail_state *j)
{
	cleanup_free char *copy = strdup(text);
	char *save = NULL;
	unsigned int seen = 0;

	if (!copy)
		return -ENOMEM;
	memset(j, 0, sizeof(*j));
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq = '\0';
		for (unsigned int i = 0; i < ARRAY_SIZE(record_keys); i++) {
			if (strcmp(line, record_keys[i].key) != 0)
				continue;
			if ((seen & (1u << i)) || record_value(&record_keys[i], eq + 1, j) < 0)
				return -EINVAL;
			seen |= 1u << i;
			break;
		}
	}
	/* records written before there were backends are cgroupfs jails */
	if (!j->backend[0])
		snprintf(j->backend, sizeof(j->backend), "cgroupfs");
	/* a systemd jail names its unit and where it came from */
	if (strcmp(j->backend, "systemd") == 0 && (!j->unit[0] || !j->origin_unit[0]))
		return -EINVAL;
	/* a container's jail is its container's cgroup, limited in place: it names both */
	if (strcmp(j->backend, "container") == 0 && (!j->container[0] || !j->cg_ino))
		return -EINVAL;
	/* a run's jail names the run, and is its own cgroup limited in place: nothing ever moves */
	if ((strcmp(j->backend, "run") == 0) != (j->run_pid != 0))
		return -EINVAL;
	if (j->run_pid && strcmp(j->origin + (j->origin[0] == '/'), j->jail) != 0)
		return -EINVAL;
	/* written before prev_dropins: every drop-in counts as there before, rewritten, never removed */
	if (!(seen & (1u << (ARRAY_SIZE(record_keys) - 1))))
		j->prev_dropins = 7u;
	/*
	 * A record that names no process or no jail is of no use, and must not
	 * steer a move: the jail is relative to the controller's mount, the
	 * origin absolute, and neither may lead out of the cgroup tree or name
	 * a parent ("origin=/../cpu/x", "jail=.").
	 */
	if (j->pid <= 1 || !j->jail[0] || strstr(j->jail, "..") || j->jail[0] == '/' ||
	    cgroup_path_escapes(j->jail, false) || j->origin[0] != '/' ||
	    cgroup_path_escapes(j->origin + 1, true))
		return -EINVAL;
	return 0;
}

int jail_state_load(const char *state_dir, pid_t pid, struct jail_state *j)
{
	char path[PATH_MAX];
	cleanup_free char *text = NULL;
	int r;

	snprintf(path, sizeof(path), "%s/jails/%d", state_dir, pid);
	if (read_file_alloc(AT_FDCWD, path, &text) < 0)
		return -errno;
	r = jail_state_parse(text, j);
	/* the record of pid N speaks of pid N: the daemon deletes jails/<j->pid> when it retires it */
	if (r == 0 && j->pid != pid)
		return -EINVAL;
	return r;
}

int jail_state_remove(const char *state_dir, pid_t pid)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/jails/%d", state_dir, pid);
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int jail_load_all(const char *state_dir, struct jail_state **out)
{
	char dir[PATH_MAX];
	cleanup_dir DIR *d = NULL;
	struct jail_state *all = NULL;
	struct dirent *de;
	int n = 0;

	*out = NULL;
	snprintf(dir, sizeof(dir), "%s/jails", state_dir);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		struct jail_state j, *nb;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (jail_state_load(state_dir, (pid_t)atoi(de->d_name), &j) < 0)
			continue;
		nb = realloc(all, (size_t)(n + 1) * sizeof(*all));
		if (!nb) {
			free(all);
			return -ENOMEM;
		}
		all = nb;
		all[n++] = j;
	}
	*out = all;
	return n;
}
