// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Jail records, <state_dir>/jails/<pid>: "key=value" lines that say where a
 * jailed process came from and how it was jailed, written before it is
 * touched and read by `release`, `status` and a restarted daemon.
 */
#include "jail.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
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

int jail_state_parse(const char *text, struct jail_state *j)
{
	static const char *const keys[] = {
		"pid", "starttime", "comm", "policy", "origin", "jail", "since", "high", "max",
		"swap", "events_high", "events_max", "events_oom_kill", "reason",
		"backend", "unit", "origin_unit", "origin_id", "prev_high", "prev_max", "prev_swap",
		"container", "cg_ino", "origin_ino", "thrash_grows", "stall_grows", "run_pid", "run_start", "command",
		/* last: a record without it is older (see below) */
		"prev_dropins",
	};
	cleanup_free char *copy = strdup(text);
	char *save = NULL;
	unsigned int seen = 0;

	if (!copy)
		return -ENOMEM;
	memset(j, 0, sizeof(*j));
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		const char *k = line, *v;

		if (!eq)
			continue;
		*eq = '\0';
		v = eq + 1;
		/*
		 * jail_state_save() writes each key once: a second one was slipped
		 * in (as a comm with newlines could, before one_line()) and would
		 * override the first. Such a record is not trusted at all.
		 */
		for (unsigned int i = 0; i < ARRAY_SIZE(keys); i++) {
			if (strcmp(k, keys[i]) != 0)
				continue;
			if (seen & (1u << i))
				return -EINVAL;
			seen |= 1u << i;
		}
		if (strcmp(k, "pid") == 0) {
			/* atoi() wraps "4294967298" to pid 2: the pid must be the number written */
			char *end;
			long pid;

			errno = 0;
			pid = strtol(v, &end, 10);
			if (errno || end == v || *end || pid > INT_MAX)
				return -EINVAL;
			j->pid = (pid_t)pid;
		} else if (strcmp(k, "starttime") == 0)
			j->starttime = strtoull(v, NULL, 10);
		else if (strcmp(k, "comm") == 0)
			copy_field(j->comm, sizeof(j->comm), v);
		else if (strcmp(k, "policy") == 0)
			copy_field(j->policy, sizeof(j->policy), v);
		else if (strcmp(k, "origin") == 0) {
			if (!copy_field(j->origin, sizeof(j->origin), v))
				return -EINVAL;
		} else if (strcmp(k, "jail") == 0) {
			if (!copy_field(j->jail, sizeof(j->jail), v))
				return -EINVAL;
		} else if (strcmp(k, "since") == 0)
			j->since = strtoll(v, NULL, 10);
		else if (strcmp(k, "high") == 0)
			j->limits.high = strtoull(v, NULL, 10);
		else if (strcmp(k, "max") == 0)
			j->limits.max = strtoull(v, NULL, 10);
		else if (strcmp(k, "swap") == 0)
			j->limits.swap = strtoull(v, NULL, 10);
		else if (strcmp(k, "events_high") == 0)
			j->events.high = strtoull(v, NULL, 10);
		else if (strcmp(k, "events_max") == 0)
			j->events.max = strtoull(v, NULL, 10);
		else if (strcmp(k, "events_oom_kill") == 0)
			j->events.oom_kill = strtoull(v, NULL, 10);
		else if (strcmp(k, "reason") == 0)
			copy_field(j->reason, sizeof(j->reason), v);
		else if (strcmp(k, "backend") == 0) {
			if (strcmp(v, "cgroupfs") != 0 && strcmp(v, "systemd") != 0 && strcmp(v, "container") != 0 &&
			    strcmp(v, "run") != 0)
				return -EINVAL;
			copy_field(j->backend, sizeof(j->backend), v);
		} else if (strcmp(k, "unit") == 0 || strcmp(k, "origin_unit") == 0) {
			/* a unit name: never a path, never cut short */
			if (strchr(v, '/') || !copy_field(k[0] == 'u' ? j->unit : j->origin_unit, sizeof(j->unit), v))
				return -EINVAL;
		} else if (strcmp(k, "origin_id") == 0)
			copy_field(j->origin_id, sizeof(j->origin_id), v);
		else if (strcmp(k, "prev_high") == 0)
			j->prev.high = strtoull(v, NULL, 10);
		else if (strcmp(k, "prev_max") == 0)
			j->prev.max = strtoull(v, NULL, 10);
		else if (strcmp(k, "prev_swap") == 0)
			j->prev.swap = strtoull(v, NULL, 10);
		else if (strcmp(k, "container") == 0)
			copy_field(j->container, sizeof(j->container), v);
		else if (strcmp(k, "cg_ino") == 0)
			j->cg_ino = strtoull(v, NULL, 10);
		else if (strcmp(k, "origin_ino") == 0)
			j->origin_ino = strtoull(v, NULL, 10);
		else if (strcmp(k, "thrash_grows") == 0 || strcmp(k, "stall_grows") == 0)
			*(k[0] == 't' ? &j->thrash_grows : &j->stall_grows) = (unsigned int)strtoul(v, NULL, 10);
		else if (strcmp(k, "run_pid") == 0) {
			char *end;
			long pid;

			errno = 0;
			pid = strtol(v, &end, 10);
			if (errno || end == v || *end || pid <= 1 || pid > INT_MAX)
				return -EINVAL;
			j->run_pid = (pid_t)pid;
		} else if (strcmp(k, "run_start") == 0)
			j->run_start = strtoull(v, NULL, 10);
		else if (strcmp(k, "command") == 0)
			copy_field(j->command, sizeof(j->command), v);
		else if (strcmp(k, "prev_dropins") == 0)
			j->prev_dropins = (unsigned int)strtoul(v, NULL, 10) & 7u;
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
	if (!(seen & (1u << (ARRAY_SIZE(keys) - 1))))
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
