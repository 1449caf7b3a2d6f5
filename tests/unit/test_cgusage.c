// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The usage of a cgroup that was removed and made again under the same path
 * (a service restart) is read again: its kept fd reads ENODEV, and without a
 * fresh open the cgroup would count as growing for ever, its calm processes
 * sampled every pass. A real cgroup of this test's own under the memory
 * controller, with a child process holding 8 MiB in it; needs root (skipped
 * with the reason otherwise).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgusage.h"
#include "tap.h"

static struct cgroup_backend backend;
static char rel[128], dir[600];

/* A child born in the cgroup, holding 8 MiB; its pid. */
static pid_t holder(void)
{
	char procs[700];
	int ready[2];
	pid_t pid;
	char c;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	if (pipe(ready) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char *p;

		close(ready[0]);
		if (write_file_at(AT_FDCWD, procs, "0") < 0)
			_exit(1);
		p = mmap(NULL, 8 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(1);
		memset(p, 0x5a, 8 << 20);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	if (pid < 0 || read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		return -1;
	}
	close(ready[0]);
	return pid;
}

static void end(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

static void test_replaced_cgroup_is_read_again(void)
{
	struct cgusage_table t;
	struct cgusage *c;
	char path[200];
	pid_t pid;

	CHECK(cgusage_init(&t, &backend) == 0);
	CHECK(mkdir(dir, 0755) == 0);
	pid = holder();
	CHECK(pid > 0);
	snprintf(path, sizeof(path), "/%s", rel);
	c = cgusage_get(&t, path, 1);
	CHECK(c != NULL && c->fd >= 0);
	if (!c)
		return;
	cgusage_refresh(&t);
	cgusage_refresh(&t);
	CHECK(c->usage >= 8 << 20);
	CHECK(!c->grew); /* calm: the same 8 MiB */

	/* the service restarts: its cgroup goes, and comes back under the same path */
	end(pid);
	for (int i = 0; i < 100 && rmdir(dir) < 0 && errno == EBUSY; i++)
		usleep(20000);
	CHECK(mkdir(dir, 0755) == 0);
	pid = holder();
	CHECK(pid > 0);
	cgusage_refresh(&t); /* the first reading of the new cgroup: no figure yet */
	cgusage_refresh(&t);
	cgusage_refresh(&t);
	CHECK(c->fd >= 0);
	CHECK_EQ_U(c->replaced, 1);
	CHECK(c->usage >= 8 << 20);
	CHECK(!c->grew); /* calm again, not "growing" for ever */
	CHECK_EQ_U(t.n_open, 1);
	end(pid);
	cgusage_free(&t);
}

int main(void)
{
	struct lj_error err = { 0 };

	if (geteuid() != 0) {
		fprintf(stderr, "skip: needs root (a cgroup of its own)\n");
		return 77;
	}
	if (cg_backend_init(&backend, &err) < 0) {
		fprintf(stderr, "skip: no memory cgroup controller: %s\n", err.msg);
		return 77;
	}
	snprintf(rel, sizeof(rel), "leakjail-test-%d-cgusage", getpid());
	snprintf(dir, sizeof(dir), "%s/%s", backend.mount, rel);
	RUN_TEST(test_replaced_cgroup_is_read_again);
	rmdir(dir);
	TAP_DONE();
}
