// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * jail_enter() refuses, before it creates or writes anything, every process
 * leakjail must never act on: one whose pid now names another process (the
 * start time differs), one that has exited, PID 1, a kernel thread, leakjail
 * itself, a process with oom_score_adj -1000. The cgroup mount and the state
 * directory given to it are empty directories of this test's own: they must
 * stay empty. Runs unprivileged (the oom_score_adj case needs root).
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jail.h"
#include "proc.h"
#include "tap.h"

static struct cgroup_backend backend = { .version = CG_V1 };
static struct jail_backend jb = { .ops = &jail_cgroupfs_ops, .cg = &backend };
static char mount_dir[64] = "/tmp/test_jail.XXXXXX";
static char state_dir[64] = "/tmp/test_jail.XXXXXX";

static bool dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	bool empty = true;

	if (!d)
		return true; /* not even created */
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			empty = false;
	closedir(d);
	return empty;
}

static int try_jail(pid_t pid, uint64_t starttime, struct lj_error *err)
{
	struct jail_request req = {
		.pid = pid,
		.starttime = starttime,
		.comm = "victim",
		.policy = "test",
		.jail_parent = "leakjail",
		.limits = { 64 * MIB, 64 * MIB, CG_UNLIMITED },
		.pageout = true,
		.descendants = true,
	};
	struct jail_outcome out;

	memset(err, 0, sizeof(*err));
	return jail_enter(&jb, state_dir, &req, &out, err);
}

static uint64_t starttime_of(pid_t pid)
{
	uint64_t t = 0;

	CHECK(proc_starttime(pid, &t) == 0);
	return t;
}

/* A child that has exited and been reaped: its pid names nobody (for now). */
static pid_t reaped_child(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
	return p;
}

static void test_alive(void)
{
	struct jail_state j = { .pid = getpid(), .starttime = starttime_of(getpid()) };

	CHECK(jail_alive(&j));
	j.starttime++;
	CHECK(!jail_alive(&j));
	j.pid = reaped_child();
	CHECK(!jail_alive(&j));
}

static void test_pid_reused(void)
{
	struct lj_error err;
	pid_t self = getpid();

	/* the pid is there, but its start time is not the one sampled: someone else now */
	CHECK(try_jail(self, starttime_of(self) + 1, &err) == -ESRCH);
	CHECK(strstr(err.msg, "no longer the process that leaked") != NULL);
	CHECK(dir_empty(mount_dir) && dir_empty(state_dir));
}

static void test_exited(void)
{
	struct lj_error err;
	pid_t gone = reaped_child();

	CHECK(try_jail(gone, 1, &err) == -ESRCH);
	CHECK(strstr(err.msg, "has exited") != NULL);
	CHECK(dir_empty(mount_dir) && dir_empty(state_dir));
}

static void test_init(void)
{
	struct lj_error err;

	CHECK(try_jail(1, starttime_of(1), &err) == -EPERM);
	CHECK(strstr(err.msg, "init") != NULL);
	CHECK(dir_empty(mount_dir) && dir_empty(state_dir));
}

static void test_self(void)
{
	struct lj_error err;

	CHECK(try_jail(getpid(), starttime_of(getpid()), &err) == -EPERM);
	CHECK(strstr(err.msg, "leakjail itself") != NULL);
	CHECK(dir_empty(mount_dir) && dir_empty(state_dir));
}

/* The first kernel thread in /proc (kthreadd is pid 2 on the host; none inside a pid namespace). */
static pid_t find_kthread(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		char path[300], buf[1024];
		struct proc_stat st;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) >= 0 && proc_parse_stat(buf, &st) &&
		    (st.flags & PF_KTHREAD_FLAG))
			found = (pid_t)atoi(de->d_name);
	}
	closedir(d);
	return found;
}

static void test_kthread(void)
{
	struct lj_error err;
	pid_t k = find_kthread();

	if (!k) {
		printf("# no kernel thread in this /proc (a pid namespace?): not checked\n");
		return;
	}
	CHECK(try_jail(k, starttime_of(k), &err) == -EPERM);
	CHECK(strstr(err.msg, "kernel thread") != NULL);
	CHECK(dir_empty(mount_dir) && dir_empty(state_dir));
}

static void test_oom_protected(void)
{
	struct lj_error err;
	int pipefd[2];
	pid_t child;
	char c;

	CHECK(pipe(pipefd) == 0);
	child = fork();
	if (child == 0) {
		/* lowering oom_score_adj takes CAP_SYS_RESOURCE: say whether it worked */
		int fd = open("/proc/self/oom_score_adj", O_WRONLY);
		bool ok = fd >= 0 && write(fd, "-1000", 5) == 5;

		if (write(pipefd[1], ok ? "y" : "n", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	CHECK(read(pipefd[0], &c, 1) == 1);
	if (c == 'y') {
		CHECK(try_jail(child, starttime_of(child), &err) == -EPERM);
		CHECK(strstr(err.msg, "oom_score_adj -1000") != NULL);
		CHECK(dir_empty(mount_dir) && dir_empty(state_dir));
	} else {
		printf("# cannot set oom_score_adj -1000 (not root): not checked\n");
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(pipefd[0]);
	close(pipefd[1]);
}

/*
 * The records steer moves: they are written only into a directory of
 * leakjail's own, never through a symlink planted where the temporary file
 * goes.
 */
static void test_record_directory(void)
{
	struct jail_state j = { .pid = 4242, .starttime = 7, .comm = "x", .policy = "p", .origin = "/a",
				.jail = "leakjail/x-4242" };
	char dir[128], jails[160], victim[160], tmp[200], path[200], buf[64];
	int fd;

	snprintf(dir, sizeof(dir), "%s/records", state_dir);
	snprintf(jails, sizeof(jails), "%s/jails", dir);
	snprintf(victim, sizeof(victim), "%s/victim", state_dir);
	snprintf(tmp, sizeof(tmp), "%s/.4242.tmp", jails);
	snprintf(path, sizeof(path), "%s/4242", jails);
	CHECK(mkdir(dir, 0777) == 0 && chmod(dir, 0777) == 0);
	CHECK(jail_state_save(dir, &j) == -EACCES); /* writable by others */
	CHECK(chmod(dir, 0755) == 0);
	CHECK(mkdir(jails, 0755) == 0);
	fd = open(victim, O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0 && write(fd, "keep\n", 5) == 5);
	close(fd);
	CHECK(symlink(victim, tmp) == 0);
	CHECK(jail_state_save(dir, &j) == 0);
	/* the symlink was removed, not followed: the file it pointed to is as it was */
	fd = open(victim, O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 5 && memcmp(buf, "keep\n", 5) == 0);
	close(fd);
	CHECK(access(path, F_OK) == 0 && access(tmp, F_OK) != 0);
	unlink(path);
	unlink(victim);
	rmdir(jails);
	rmdir(dir);
}

int main(void)
{
	if (!mkdtemp(mount_dir) || !mkdtemp(state_dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(backend.mount, sizeof(backend.mount), "%s", mount_dir);
	RUN_TEST(test_alive);
	RUN_TEST(test_pid_reused);
	RUN_TEST(test_exited);
	RUN_TEST(test_init);
	RUN_TEST(test_self);
	RUN_TEST(test_kthread);
	RUN_TEST(test_oom_protected);
	RUN_TEST(test_record_directory);
	rmdir(mount_dir);
	rmdir(state_dir);
	TAP_DONE();
}
